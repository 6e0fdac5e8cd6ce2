package mlmodel

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func creditSchema() *Schema {
	return &Schema{Cols: []ColSpec{
		Col("age", Long),
		Col("income", Double),
		Col("lines", Integer),
		Col("util", Float),
		Col("employment", String),
		Col("mortgage", Boolean),
		{Type: Type{Kind: Datetime}, Name: "applied", Required: false},
		{Type: Type{Kind: Binary}, Name: "photo", Required: false},
	}}
}

func TestEnforceRecords(t *testing.T) {
	rows := []map[string]any{
		{"age": 34.0, "income": 52000, "lines": json.Number("3"), "util": 0.31, "employment": "salaried", "mortgage": true,
			"applied": "2024-05-01T12:34:56Z", "photo": "aGk=", "ignored": "x"},
		{"age": int64(51), "income": 87000.5, "lines": int32(7), "util": float32(0.05), "employment": "self", "mortgage": false,
			"applied": "2024-05-02 08:00:00"},
	}
	f, err := creditSchema().Enforce(rows)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 2 || len(f.Columns) != 8 {
		t.Fatalf("got %d rows, %d columns; want 2, 8", f.Rows, len(f.Columns))
	}
	if _, ok := f.Column("ignored"); ok {
		t.Error("extra column kept; MLflow drops it")
	}
	age, _ := f.Column("age")
	if age.Ints[0] != 34 || age.Ints[1] != 51 {
		t.Errorf("age: got %v, want [34 51]", age.Ints)
	}
	util, _ := f.Column("util")
	if util.Floats[0] != float64(float32(0.31)) {
		t.Errorf("util: got %v, want float32-rounded 0.31", util.Floats[0])
	}
	applied, _ := f.Column("applied")
	if want := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC); !applied.Times[1].Equal(want) {
		t.Errorf("applied[1]: got %v, want %v", applied.Times[1], want)
	}
	photo, _ := f.Column("photo")
	if string(photo.Bytes[0]) != "hi" || !photo.IsNull(1) {
		t.Errorf("photo: got %q null=%v, want \"hi\" and a null row 1", photo.Bytes[0], photo.IsNull(1))
	}
	if v := photo.Value(1); v != nil {
		t.Errorf("photo.Value(1) = %v, want nil", v)
	}
}

// TestEnforceErrors checks MLflow's rules and our stricter ones: each case
// must fail naming the column and row.
func TestEnforceErrors(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"age": 1, "income": 2.5, "lines": 3, "util": 0.5, "employment": "x", "mortgage": true}
	}
	with := func(k string, v any) []map[string]any {
		r := base()
		r[k] = v
		return []map[string]any{base(), r}
	}
	tests := []struct {
		name string
		rows []map[string]any
		col  string
		row  int
		want string
	}{
		// MLflow's pyfunc check refuses these; its scoring server's
		// astype would truncate 1.5 to 1 or wrap 2**40 to 0 instead.
		{"double into long", with("age", 1.5), "age", 1, "cannot safely convert number 1.5 to long"},
		{"int32 overflow", with("lines", int64(1)<<40), "lines", 1, "out of int32 range"},
		{"text into double", with("income", "x"), "income", 1, `cannot use text "x" as double`},
		{"numeric text into double", with("income", "2.5"), "income", 1, `cannot use text "2.5" as double`},
		{"number into string", with("employment", 5), "employment", 1, "cannot use integer 5 as string"},
		{"number into boolean", with("mortgage", 1), "mortgage", 1, "as boolean"},
		{"null in required long", with("age", nil), "age", 1, "null in the required long column"},
		{"inexact int into double", with("income", int64(1)<<53+1), "income", 1, "not exact"},
		{"float overflow", with("util", 1e39), "util", 1, "out of float32 range"},
		{"bad datetime", with("applied", "yesterday"), "applied", 1, "cannot parse"},
		{"bad base64", with("photo", "!!"), "photo", 1, "not base64"},
		{"NaN into long", with("age", math.NaN()), "age", 1, "cannot safely convert"},
	}
	for _, tt := range tests {
		_, err := creditSchema().Enforce(tt.rows)
		var se *SchemaError
		if !errors.As(err, &se) || !errors.Is(err, ErrSchema) {
			t.Errorf("%s: got %v, want a *SchemaError", tt.name, err)
			continue
		}
		if se.Column != tt.col || se.Row != tt.row || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got column %q row %d %q; want column %q row %d containing %q", tt.name, se.Column, se.Row, err, tt.col, tt.row, tt.want)
		}
	}
}

func TestEnforceMissingAndExtra(t *testing.T) {
	_, err := creditSchema().Enforce([]map[string]any{{"income": 1.0, "zeta": 1, "alpha": 2, "util": 1}})
	var se *SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *SchemaError", err)
	}
	wantMissing := []string{"age", "lines", "employment", "mortgage"}
	if strings.Join(se.Missing, ",") != strings.Join(wantMissing, ",") {
		t.Errorf("Missing: got %v, want %v", se.Missing, wantMissing)
	}
	if strings.Join(se.Extra, ",") != "alpha,zeta" {
		t.Errorf("Extra: got %v, want [alpha zeta]", se.Extra)
	}
	// MLflow's wording, verified with MLflow 3.17.2 (_enforce_schema).
	if got, want := se.MLflowMessage(), "Model is missing inputs ['age', 'lines', 'employment', 'mortgage']. Note that there were extra inputs: ['alpha', 'zeta']."; got != want {
		t.Errorf("MLflowMessage: got %q, want %q", got, want)
	}
	if got, want := err.Error(), "mlmodel: model is missing inputs ['age', 'lines', 'employment', 'mortgage']; extra inputs: ['alpha', 'zeta']"; got != want {
		t.Errorf("Error: got %q, want %q", got, want)
	}
}

func TestEnforceOptionalAndNulls(t *testing.T) {
	s := &Schema{Cols: []ColSpec{
		Col("x", Double),
		Col("s", String),
		{Type: Type{Kind: Long}, Name: "opt", Required: false},
	}}
	f, err := s.Enforce([]map[string]any{{"x": nil, "s": nil}, {"x": 1, "s": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Columns) != 2 {
		t.Fatalf("got %d columns, want 2 (absent optional column skipped)", len(f.Columns))
	}
	x, _ := f.Column("x")
	if !math.IsNaN(x.Floats[0]) || !x.IsNull(0) || x.Floats[1] != 1 {
		t.Errorf("x: got %v nulls %v, want [NaN 1] with row 0 null", x.Floats, x.Nulls)
	}
	f, err = s.Enforce([]map[string]any{{"x": 1, "s": "a", "opt": 5}, {"x": 1, "s": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := f.Column("opt")
	if opt.Ints[0] != 5 || !opt.IsNull(1) {
		t.Errorf("opt: got %v nulls %v, want 5 and a null", opt.Ints, opt.Nulls)
	}
}

func TestEnforceSplitAndColumns(t *testing.T) {
	s := &Schema{Cols: []ColSpec{Col("a", Long), Col("b", Double)}}
	f, err := s.EnforceSplit([]string{"b", "a", "c"}, [][]any{{1.5, 2, "x"}, {2.5, 3, "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Columns[0].Name != "a" || f.Columns[0].Ints[1] != 3 || f.Columns[1].Floats[0] != 1.5 {
		t.Errorf("split: got %+v", f.Columns)
	}
	f, err = s.EnforceColumns(map[string][]any{"a": {1, 2}, "b": {0.5, 1}})
	if err != nil || f.Rows != 2 {
		t.Fatalf("columns: got %v, %v", f, err)
	}
	if _, err := s.EnforceColumns(map[string][]any{"a": {1, 2}, "b": {0.5}}); !errors.Is(err, ErrSchema) {
		t.Errorf("ragged columns: got %v, want ErrSchema", err)
	}
	// Unnamed schemas take the first N columns by position.
	u := &Schema{Cols: []ColSpec{{Type: Type{Kind: Double}, Required: true}, {Type: Type{Kind: String}, Required: true}}}
	f, err = u.EnforceSplit(nil, [][]any{{1, "a", true}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Columns[0].Floats[0] != 1 || f.Columns[1].Strings[0] != "a" {
		t.Errorf("unnamed split: got %+v", f.Columns)
	}
	if _, err := u.EnforceSplit(nil, [][]any{{1}}); err == nil || !strings.Contains(err.Error(), "missing inputs") {
		t.Errorf("unnamed, too few columns: got %v", err)
	}
	if _, err := u.Enforce([]map[string]any{{"p": 1, "q": "a"}}); err == nil || !strings.Contains(err.Error(), "EnforceSplit") {
		t.Errorf("unnamed records: got %v, want a pointer to EnforceSplit", err)
	}
	tensor := &Schema{Tensors: []TensorSpec{{DType: "float64", Shape: []int{-1}}}}
	if _, err := tensor.Enforce(nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("tensor: got %v, want errors.ErrUnsupported", err)
	}
}

func TestEnforceComposite(t *testing.T) {
	s := &Schema{Cols: []ColSpec{
		{Type: ArrayOf(Type{Kind: Double}), Name: "emb", Required: true},
		{Type: ObjectOf(Property{Name: "city", Type: Type{Kind: String}, Required: true}, Property{Name: "zip", Type: Type{Kind: Long}}), Name: "addr", Required: true},
		{Type: MapOf(Type{Kind: Long}), Name: "counts", Required: false},
		{Type: Type{Kind: Any}, Name: "extra", Required: false},
	}}
	rows := []map[string]any{{"emb": []any{1, 2.5}, "addr": map[string]any{"city": "Oslo"}, "counts": map[string]any{"a": 1.0}, "extra": []any{"x", 1}}}
	f, err := s.Enforce(rows)
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := f.Column("emb")
	if got := jsonText(t, emb.Values[0]); got != "[1.0, 2.5]" {
		t.Errorf("emb: got %s, want [1.0, 2.5]", got)
	}
	counts, _ := f.Column("counts")
	if got := jsonText(t, counts.Values[0]); got != `{"a": 1}` {
		t.Errorf("counts: got %s", got)
	}
	bad := []struct {
		row  map[string]any
		want string
	}{
		{map[string]any{"emb": "x", "addr": map[string]any{"city": "a"}}, "want a list"},
		{map[string]any{"emb": []any{"x"}, "addr": map[string]any{"city": "a"}}, "item 0"},
		{map[string]any{"emb": []any{}, "addr": map[string]any{}}, "missing required properties ['city']"},
		{map[string]any{"emb": []any{}, "addr": map[string]any{"city": "a", "street": "b"}}, "not defined in the schema: ['street']"},
		{map[string]any{"emb": []any{}, "addr": map[string]any{"city": "a"}, "counts": map[string]any{"a": 1.5}}, `key "a"`},
		{map[string]any{"emb": nil, "addr": map[string]any{"city": "a"}}, "null in the required"},
	}
	for _, b := range bad {
		_, err := s.Enforce([]map[string]any{b.row})
		if err == nil || !strings.Contains(err.Error(), b.want) || !errors.Is(err, ErrSchema) {
			t.Errorf("Enforce(%v): got %v, want an ErrSchema error containing %q", b.row, err, b.want)
		}
	}
}

func TestFrameRow(t *testing.T) {
	s := &Schema{Cols: []ColSpec{Col("a", Long), {Type: Type{Kind: String}, Name: "b"}}}
	f, err := s.Enforce([]map[string]any{{"a": 1, "b": "x"}, {"a": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonText(t, []any{f.Row(0), f.Row(1)}), `[{"a": 1, "b": "x"}, {"a": 2, "b": null}]`; got != want {
		t.Errorf("rows: got %s, want %s", got, want)
	}
}
