package mlmodel

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// Schema JSON texts as MLflow 3.17.2's Schema.to_json and
// ParamSchema.to_json wrote them for our data (infer_signature on
// DataFrames, numpy arrays, lists and dicts; hand-built nested schemas).
var mlflowSchemaJSON = []string{
	`[{"type": "long", "name": "age", "required": true}, {"type": "double", "name": "income", "required": true}, {"type": "string", "name": "name", "required": true}, {"type": "boolean", "name": "flag", "required": true}, {"type": "integer", "name": "small", "required": true}, {"type": "float", "name": "f32", "required": true}]`,
	`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]`,
	`[{"type": "long", "required": true}]`,
	`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}]`,
	`[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", "required": false}]`,
	`[{"type": "any", "name": "a", "required": false}, {"type": "long", "name": "b", "required": true}]`,
	`[{"type": "array", "items": {"type": "long"}, "name": "a", "required": true}, {"type": "object", "properties": {"k": {"type": "string", "required": true}, "n": {"type": "double", "required": true}}, "name": "o", "required": true}, {"type": "object", "properties": {"x": {"type": "long", "required": true}}, "name": "m", "required": true}]`,
	`[{"type": "binary", "name": "b", "required": true}, {"type": "datetime", "name": "t", "required": true}]`,
	`[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}, {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]`,
	`[{"type": "double", "name": "temp\u00e9rature", "required": true}, {"type": "string", "name": "x\"y", "required": true}, {"type": "long", "name": "a'b", "required": true}]`,
	`[{"type": "array", "items": {"type": "object", "properties": {"content": {"type": "string", "required": true}, "role": {"type": "string", "required": true}}}, "name": "messages", "required": true}]`,
	`[{"type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]`,
	`[{"type": "tensor", "tensor-spec": {"dtype": "datetime64[ns]", "shape": [-1]}}]`,
	`[{"type": "map", "values": {"type": "array", "items": {"type": "double"}}, "name": "m", "required": false}]`,
	`[{"type": "sparkml_vector", "name": "features", "required": true}]`,
}

var mlflowParamsJSON = []string{
	`[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"}, {"name": "n", "default": 3, "shape": null, "type": "long"}, {"name": "s", "default": "x", "shape": null, "type": "string"}, {"name": "b", "default": true, "shape": null, "type": "boolean"}, {"name": "arr", "default": [1, 2], "shape": [-1], "type": "long"}]`,
	`[{"name": "cutoff", "default": "2024-01-31T12:00:00", "shape": null, "type": "datetime"}, {"name": "weights", "default": [0.25, 0.75], "shape": [-1], "type": "double"}, {"name": "opts", "default": {"k": 3}, "shape": null, "type": "object", "properties": {"k": {"type": "long", "required": true}}}]`,
	`[{"name": "big", "default": 4611686018427387904, "shape": null, "type": "long"}, {"name": "tiny", "default": 1e-05, "shape": null, "type": "double"}, {"name": "none", "default": null, "shape": null, "type": "string"}]`,
}

func TestSchemaJSONRoundTrip(t *testing.T) {
	for _, in := range mlflowSchemaJSON {
		s, ok := roundTrip(t, in, ParseSchemaJSON, (*Schema).JSON)
		if !ok {
			continue
		}
		// encoding/json works too (compacted).
		var back Schema
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("json.Unmarshal(%s): %v", b, err)
		}
	}
	for _, in := range mlflowParamsJSON {
		roundTrip(t, in, ParseParamSchemaJSON, (*ParamSchema).JSON)
	}
}

// roundTrip parses in and writes it back, which must give in again; it
// returns the parsed value and whether all went well.
func roundTrip[V any](t *testing.T, in string, parse func(string) (V, error), write func(V) (string, error)) (V, bool) {
	t.Helper()
	v, err := parse(in)
	if err != nil {
		t.Errorf("parse %s: %v", in, err)
		return v, false
	}
	got, err := write(v)
	if err != nil {
		t.Errorf("write %s: %v", in, err)
		return v, false
	}
	if got != in {
		t.Errorf("round trip:\ngot  %s\nwant %s", got, in)
		return v, false
	}
	return v, true
}

func TestSchemaJSONNormalises(t *testing.T) {
	tests := []struct{ in, want string }{
		// Missing "required" means required; properties are sorted, as
		// MLflow sorts them.
		{`[{"type":"double","name":"x"}]`, `[{"type": "double", "name": "x", "required": true}]`},
		{`[{"name":"o","type":"object","properties":{"z":{"type":"long"},"a":{"type":"string","required":false}}}]`,
			`[{"type": "object", "properties": {"a": {"type": "string", "required": false}, "z": {"type": "long", "required": true}}, "name": "o", "required": true}]`},
		{"[ {\"type\" : \"string\"} ]\n", `[{"type": "string", "required": true}]`},
	}
	for _, tt := range tests {
		s, err := ParseSchemaJSON(tt.in)
		if err != nil {
			t.Errorf("ParseSchemaJSON(%s): %v", tt.in, err)
			continue
		}
		if got, _ := s.JSON(); got != tt.want {
			t.Errorf("ParseSchemaJSON(%s).JSON() = %s, want %s", tt.in, got, tt.want)
		}
	}
	p, err := ParseParamSchemaJSON(`[{"name": "k", "dtype": "long", "default": 1}]`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, p), `[{"name": "k", "default": 1, "shape": null, "type": "long"}]`; got != want {
		t.Errorf("old dtype key: got %s, want %s", got, want)
	}
}

func mustJSON(t *testing.T, p *ParamSchema) string {
	t.Helper()
	s, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaJSONRefuses(t *testing.T) {
	tests := []struct{ in, wantIn string }{
		{`{}`, "want a JSON list"},
		{`[]`, "no inputs"},
		{`[1]`, "want an object"},
		{`[{"name": "x"}]`, `missing key "type"`},
		{`[{"type": "decimal"}]`, `unknown type "decimal"`},
		{`[{"type": "double", "nme": "x"}]`, `unexpected key "nme"`},
		{`[{"type": "double", "name": 3}]`, `want a string`},
		{`[{"type": "double", "required": "yes"}]`, `want true or false`},
		{`[{"type": "double", "name": ""}]`, `empty column name`},
		{`[{"type": "double", "name": "a"}, {"type": "long"}]`, "mixes named and unnamed"},
		{`[{"type": "double", "name": "a"}, {"type": "long", "name": "a"}]`, `two inputs named "a"`},
		{`[{"type": "double", "required": false}]`, "unnamed inputs must be required"},
		{`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}, {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]`, "must be named"},
		{`[{"type": "double", "name": "a"}, {"type": "tensor", "name": "b", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]`, "mixes column and tensor"},
		{`[{"type": "tensor", "tensor-spec": {"dtype": "<f8", "shape": [-1]}}]`, "unknown numpy dtype"},
		{`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-2]}}]`, "dimension -2"},
		{`[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [1.5]}}]`, "want integers"},
		{`[{"type": "tensor", "tensor-spec": {"dtype": "float64"}}]`, `without "shape"`},
		{`[{"type": "array", "name": "a"}]`, `without "items"`},
		{`[{"type": "object", "name": "a", "properties": {}}]`, "without properties"},
		{`[{"type": "map", "name": "a", "values": "double"}]`, "want an object"},
		{`[{"type": "double"`, "invalid JSON"},
	}
	for _, tt := range tests {
		_, err := ParseSchemaJSON(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
			t.Errorf("ParseSchemaJSON(%s): got %v, want an error containing %q", tt.in, err, tt.wantIn)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !strings.Contains(err.Error(), "invalid JSON") {
			t.Errorf("ParseSchemaJSON(%s): %v does not wrap ErrInvalid", tt.in, err)
		}
	}
	params := []struct{ in, wantIn string }{
		{`[{"name": "b", "default": "eA==", "shape": null, "type": "binary"}]`, "binary parameters"},
		{`[{"name": "n", "default": "x", "shape": null, "type": "long"}]`, "cannot use text"},
		{`[{"name": "n", "default": 1, "shape": [2], "type": "long"}]`, "want null or [-1]"},
		{`[{"name": "n", "default": 1, "shape": [-1], "type": "long"}]`, "must be a list"},
		{`[{"name": "n", "default": 1, "type": "long"}, {"name": "n", "default": 2, "type": "long"}]`, "duplicated parameter"},
		{`[{"name": "n", "type": "long"}]`, `missing key "default"`},
		// MLflow takes any Python int as a long default; we want int64.
		{`[{"name": "n", "default": 123456789012345678901234567890, "shape": null, "type": "long"}]`, "out of range"},
	}
	for _, tt := range params {
		_, err := ParseParamSchemaJSON(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
			t.Errorf("ParseParamSchemaJSON(%s): got %v, want an error containing %q", tt.in, err, tt.wantIn)
		}
	}
}

func TestParamSpecDefaultsFromGo(t *testing.T) {
	p := &ParamSchema{Params: []ParamSpec{
		{Name: "when", Type: Type{Kind: Datetime}, Default: time.Date(2024, 1, 31, 12, 0, 0, 500000000, time.UTC)},
		{Name: "ks", Type: Type{Kind: Long}, Default: []any{int64(1), 2}, Shape: []int{-1}},
		{Name: "cfg", Type: ObjectOf(Property{Name: "b", Type: Type{Kind: Double}, Required: true}, Property{Name: "a", Type: Type{Kind: String}}), Default: map[string]any{"b": 1.0, "a": "x"}},
	}}
	got := mustJSON(t, p)
	want := `[{"name": "when", "default": "2024-01-31T12:00:00.500000", "shape": null, "type": "datetime"}, {"name": "ks", "default": [1, 2], "shape": [-1], "type": "long"}, {"name": "cfg", "default": {"a": "x", "b": 1.0}, "shape": null, "type": "object", "properties": {"a": {"type": "string", "required": false}, "b": {"type": "double", "required": true}}}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParamEnforce(t *testing.T) {
	p, err := ParseParamSchemaJSON(mlflowParamsJSON[0])
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Enforce(map[string]any{"temperature": 1, "n": 7.0, "unknown": "dropped"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"temperature": 1.0, "n": int64(7), "s": "x", "b": true, "arr": []any{int64(1), int64(2)}}
	if g, w := jsonText(t, got), jsonText(t, want); g != w {
		t.Errorf("Enforce: got %s, want %s", g, w)
	}
	_, err = p.Enforce(map[string]any{"n": 1.5, "s": 3, "arr": "x"})
	var se *SchemaError
	if !errors.As(err, &se) || !errors.Is(err, ErrSchema) {
		t.Fatalf("Enforce(bad): got %v, want a *SchemaError", err)
	}
	for _, part := range []string{"arr: want a list", "n: cannot safely convert number 1.5 to long", "s: cannot use integer 3 as string"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("Enforce(bad) = %q, want it to mention %q", err, part)
		}
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	s, err := dumpJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
