package mlmodel

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

type applicant struct {
	Age       int64   `mlflow:"age"`
	Income    float64 `mlflow:"income"`
	Name      string  `mlflow:"name"`
	Flag      bool    `mlflow:"flag"`
	Small     int32   `mlflow:"small"`
	F32       float32 `mlflow:"f32"`
	internal  int
	Ignored   string `mlflow:"-"`
	Nickname  *string
	Photo     []byte
	AppliedAt time.Time
	Tags      []string `mlflow:"tags,optional"`
}

// The want texts are what MLflow 3.17.2's infer_signature / _infer_schema
// gave for the Python equivalent of each Go value (a DataFrame with the
// same dtypes, a numpy array, a list, a list of dicts, a Series), except
// where a comment says otherwise.
func TestInferSchema(t *testing.T) {
	s := "x"
	tests := []struct {
		name  string
		data  any
		names []string
		want  string
	}{
		{"structs like a DataFrame", []applicant{{Age: 1, Nickname: &s, internal: 7}}, nil,
			`[{"type": "long", "name": "age", "required": true}, {"type": "double", "name": "income", "required": true}, {"type": "string", "name": "name", "required": true}, {"type": "boolean", "name": "flag", "required": true}, {"type": "integer", "name": "small", "required": true}, {"type": "float", "name": "f32", "required": true}, {"type": "string", "name": "Nickname", "required": false}, {"type": "binary", "name": "Photo", "required": true}, {"type": "datetime", "name": "AppliedAt", "required": true}, {"type": "array", "items": {"type": "string"}, "name": "tags", "required": false}]`},
		{"numpy 1-D float64 (y_pred)", []float64{0.1, 0.2}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]`},
		{"numpy 1-D int64", []int64{1, 2}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]`},
		{"numpy 1-D int32", []int32{1, 2}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}}]`},
		{"numpy 1-D str", []string{"a", "b"}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]`},
		{"numpy 1-D bool", []bool{true}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "bool", "shape": [-1]}}]`},
		{"numpy datetime64", []time.Time{{}}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "datetime64[ns]", "shape": [-1]}}]`},
		{"numpy 2-D float64", [][]float64{{1, 2}, {3, 4}}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}]`},
		{"numpy 2-D float32", [][]float32{{1, 2}}, nil, `[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]`},
		{"2-D with names is a DataFrame", [][]float64{{1, 2}}, []string{"x1", "x2"}, `[{"type": "double", "name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}]`},
		{"named Series", []float64{1, 2}, []string{"y"}, `[{"type": "double", "name": "y", "required": true}]`},
		{"list of str", []any{"a", "b"}, nil, `[{"type": "string", "required": true}]`},
		{"list of float", []any{1.0, 2.5}, nil, `[{"type": "double", "required": true}]`},
		{"list of int", []any{1, 2}, nil, `[{"type": "long", "required": true}]`},
		{"list of bool", []any{true}, nil, `[{"type": "boolean", "required": true}]`},
		{"empty list", []any{}, nil, `[{"type": "string", "required": true}]`},
		{"records, a key missing", []map[string]any{{"a": 1, "b": "x"}, {"a": 2}}, nil, `[{"type": "long", "name": "a", "required": true}, {"type": "string", "name": "b", "required": false}]`},
		{"records, all null", []map[string]any{{"a": nil, "b": 1}}, nil, `[{"type": "any", "name": "a", "required": false}, {"type": "long", "name": "b", "required": true}]`},
		{"records, nested", []map[string]any{{"a": []any{1, 2}, "o": map[string]any{"k": "v", "n": 1.5}, "m": map[string]any{"x": 1}}}, nil,
			`[{"type": "array", "items": {"type": "long"}, "name": "a", "required": true}, {"type": "object", "properties": {"x": {"type": "long", "required": true}}, "name": "m", "required": true}, {"type": "object", "properties": {"k": {"type": "string", "required": true}, "n": {"type": "double", "required": true}}, "name": "o", "required": true}]`},
		{"records, bytes and time", []map[string]any{{"b": []byte("xx"), "t": time.Now()}}, nil, `[{"type": "binary", "name": "b", "required": true}, {"type": "datetime", "name": "t", "required": true}]`},
		{"records, empty list is any", []map[string]any{{"a": []any{}}}, nil, `[{"type": "any", "name": "a", "required": true}]`},
		{"unicode names", []map[string]any{{"température": 1.5, "x\"y": "z", "a'b": 1}}, nil,
			`[{"type": "long", "name": "a'b", "required": true}, {"type": "double", "name": "temp\u00e9rature", "required": true}, {"type": "string", "name": "x\"y", "required": true}]`},
		// MLflow refuses ints and floats in one list of dicts; pandas
		// makes such a DataFrame column float64 and so do we.
		{"records, int and float", []map[string]any{{"a": 1}, {"a": 2.5}}, nil, `[{"type": "double", "name": "a", "required": true}]`},
		{"json.Number", []map[string]any{{"i": json.Number("3"), "f": json.Number("3.5")}}, nil, `[{"type": "double", "name": "f", "required": true}, {"type": "long", "name": "i", "required": true}]`},
		{"dict of scalars", map[string]any{"a": 1.0, "b": "x"}, nil, `[{"type": "double", "name": "a", "required": true}, {"type": "string", "name": "b", "required": true}]`},
		{"columns", map[string][]float64{"x": {1}, "w": {2}}, nil, `[{"type": "double", "name": "w", "required": true}, {"type": "double", "name": "x", "required": true}]`},
		{"columns of any", map[string][]any{"x": {1, nil}}, nil, `[{"type": "long", "name": "x", "required": false}]`},
		{"scalar str", "hello", nil, `[{"type": "string", "required": true}]`},
		{"scalar float", 1.5, nil, `[{"type": "double", "required": true}]`},
		{"uint8 column", []struct{ A uint8 }{{1}}, nil, `[{"type": "integer", "name": "A", "required": true}]`},
		{"nested struct", []struct {
			Addr struct {
				City string
				Zip  *int64
			}
			Scores map[string]float64
		}{{}}, nil, `[{"type": "object", "properties": {"City": {"type": "string", "required": true}, "Zip": {"type": "long", "required": false}}, "name": "Addr", "required": true}, {"type": "map", "values": {"type": "double"}, "name": "Scores", "required": true}]`},
		{"any field inferred from values", []struct{ V any }{{1}, {nil}}, nil, `[{"type": "long", "name": "V", "required": false}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := InferSchema(tt.data, tt.names...)
			if err != nil {
				t.Fatalf("InferSchema(%#v): %v", tt.data, err)
			}
			got, err := s.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("InferSchema(%#v)\ngot  %s\nwant %s", tt.data, got, tt.want)
			}
		})
	}
}

func TestInferSchemaRefuses(t *testing.T) {
	tests := []struct {
		name string
		data any
		want string
	}{
		{"nil", nil, "no data"},
		{"mixed types", []map[string]any{{"a": 1}, {"a": "x"}}, "values of different types"},
		{"ragged", [][]float64{{1}, {1, 2}}, "ragged"},
		{"int keys", map[int]float64{1: 2}, "keys must be strings"},
		{"chan", []chan int{nil}, "unsupported"},
		{"no fields", []struct{ a int }{{1}}, "no exported fields"},
		{"empty matrix", [][]float64{}, "no shape"},
	}
	for _, tt := range tests {
		_, err := InferSchema(tt.data)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSchema) {
			t.Errorf("%s: InferSchema(%#v) = %v, want an ErrSchema error containing %q", tt.name, tt.data, err, tt.want)
		}
	}
}

// TestInferSignatureSeedArticle is the user story:
// signature = infer_signature(X_train, y_pred) for a DataFrame X_train and
// the numpy y_pred of predict.
func TestInferSignatureSeedArticle(t *testing.T) {
	X := [][]float64{{34, 52000, 0.31}, {51, 87000.5, 0.05}}
	yPred := []float64{0.12, 0.71}
	sig, err := InferSignature(Named(X, "age", "income", "utilization"), yPred)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sig.Inputs.JSON()
	out, _ := sig.Outputs.JSON()
	if want := `[{"type": "double", "name": "age", "required": true}, {"type": "double", "name": "income", "required": true}, {"type": "double", "name": "utilization", "required": true}]`; in != want {
		t.Errorf("inputs: got %s, want %s", in, want)
	}
	if want := `[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]`; out != want {
		t.Errorf("outputs: got %s, want %s", out, want)
	}
	if sig.Params != nil {
		t.Errorf("params: got %v, want nil", sig.Params)
	}
}
