package mlmodel

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestValidationTable runs inputs against signatures: each either accepted
// or refused with a *SchemaError whose message contains want.
func TestValidationTable(t *testing.T) {
	typed := &Schema{Cols: []ColSpec{
		Col("i", Integer), Col("l", Long), Col("f", Float), Col("d", Double),
		Col("s", String), Col("b", Boolean), Col("t", Datetime), Col("bin", Binary),
	}}
	good := func() map[string]any {
		return map[string]any{"i": 1, "l": 2, "f": 0.5, "d": 1.5, "s": "x", "b": true, "t": "2024-05-01T00:00:00Z", "bin": "aGk="}
	}
	set := func(kv ...any) []map[string]any {
		r := good()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == del {
				delete(r, kv[i].(string))
				continue
			}
			r[kv[i].(string)] = kv[i+1]
		}
		return []map[string]any{r}
	}
	optional := &Schema{Cols: []ColSpec{Col("x", Double), {Type: Type{Kind: Long}, Name: "o"}}}
	array := &Schema{Cols: []ColSpec{{Type: ArrayOf(Type{Kind: Double}), Name: "v", Required: true}}}
	object := &Schema{Cols: []ColSpec{{Type: ObjectOf(Property{Name: "k", Type: Type{Kind: Long}, Required: true}), Name: "o", Required: true}}}
	tests := []struct {
		name   string
		schema *Schema
		rows   []map[string]any
		want   string // "" accepts
	}{
		{"all columns well typed", typed, set(), ""},
		{"int into long (widening)", typed, set("l", int32(7)), ""},
		{"int into double (widening)", typed, set("d", 3), ""},
		{"long into double when exact", typed, set("d", int64(1)<<52), ""},
		{"float32 into double (widening)", typed, set("d", float32(0.25)), ""},
		{"integral JSON number into integer", typed, set("i", json.Number("12")), ""},
		{"integral float into long", typed, set("l", 3.0), ""},
		{"int into float when exact", typed, set("f", 7), ""},
		{"extra column ignored", typed, set("zzz", 1), ""},
		{"naive datetime accepted", typed, set("t", "2024-05-01 08:00:00"), ""},
		{"null in optional long", optional, []map[string]any{{"x": 1.0, "o": nil}}, ""},
		{"optional column absent", optional, []map[string]any{{"x": 1.0}}, ""},
		{"NaN into double", typed, set("d", math.NaN()), ""},
		{"array of numbers", array, []map[string]any{{"v": []any{1, 2.5}}}, ""},
		{"object with its property", object, []map[string]any{{"o": map[string]any{"k": 3}}}, ""},
		{"missing one column", typed, set("s", del), "missing inputs ['s']"},
		{"missing several, with extras", typed, set("s", del, "b", del, "q", 1), "missing inputs ['s', 'b']; extra inputs: ['q']"},
		{"fractional into long", typed, set("l", 1.5), "cannot safely convert number 1.5 to long"},
		{"fractional into integer", typed, set("i", 2.25), "to integer"},
		{"int64 over int32 range", typed, set("i", int64(1)<<40), "out of int32 range"},
		{"double into float out of range", typed, set("f", 1e300), "out of float32 range"},
		{"long into double inexact", typed, set("d", int64(1)<<53+1), "not exact"},
		{"text into long", typed, set("l", "12"), `cannot use text "12" as long`},
		{"text into double", typed, set("d", "1.5"), `cannot use text "1.5" as double`},
		{"number into string", typed, set("s", 5), "cannot use integer 5 as string"},
		{"number into boolean", typed, set("b", 1), "as boolean"},
		{"text into boolean", typed, set("b", "true"), "as boolean"},
		{"bad datetime", typed, set("t", "yesterday"), "cannot parse"},
		{"bad base64", typed, set("bin", "!!"), "not base64"},
		{"null in required long", typed, set("l", nil), "null in the required long column"},
		{"NaN into long", typed, set("l", math.NaN()), "cannot safely convert"},
		{"infinity into integer", typed, set("i", math.Inf(1)), "cannot safely convert"},
		{"array element of wrong type", array, []map[string]any{{"v": []any{1, "x"}}}, "v"},
		{"object missing its property", object, []map[string]any{{"o": map[string]any{}}}, "k"},
		{"no rows at all with required columns", typed, []map[string]any{{}}, "missing inputs"},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		_, err := tt.schema.Enforce(tt.rows)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "":
			var se *SchemaError
			if !errors.As(err, &se) || !errors.Is(err, ErrSchema) {
				t.Errorf("%s: got %v, want a *SchemaError", tt.name, err)
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: got %q, want it to contain %q", tt.name, err, tt.want)
			}
		}
	}
}

// del marks a column to leave out of a row.
var del = &struct{ deleted bool }{true}
