package mlmodel

import (
	"errors"
	"testing"
)

func TestNewInputExample(t *testing.T) {
	type row struct {
		Age    int64   `mlflow:"age"`
		Income float64 `mlflow:"income"`
	}
	tests := []struct {
		name string
		data any
		want string
	}{
		{"structs", []row{{34, 52000}, {51, 87000.5}}, `{"columns":["age","income"],"data":[[34,52000],[51,87000.5]]}`},
		{"maps with a gap", []map[string]any{{"a": 1, "b": "x"}, {"a": 2}}, `{"columns":["a","b"],"data":[[1,"x"],[2,null]]}`},
		{"named matrix", Named([][]float64{{1, 2}, {3, 4}}, "x", "y"), `{"columns":["x","y"],"data":[[1,2],[3,4]]}`},
	}
	for _, tt := range tests {
		ex, err := NewInputExample(tt.data)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(ex.Example) != tt.want {
			t.Errorf("%s: example %s, want %s", tt.name, ex.Example, tt.want)
		}
		if want := "{\n  \"dataframe_split\": " + tt.want[:1]; string(ex.Serving[:len(want)]) != want {
			t.Errorf("%s: serving example %s", tt.name, ex.Serving)
		}
		if ex.Info.ArtifactPath != InputExampleFile || ex.Info.Type != "dataframe" || ex.Info.PandasOrient != "split" || ex.Info.ServingInputPath != ServingInputExampleFile {
			t.Errorf("%s: info %+v", tt.name, ex.Info)
		}
	}
	for _, bad := range []any{nil, []float64{1, 2}, [][]float64{{1}}, 3} {
		if _, err := NewInputExample(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewInputExample(%v) = %v, want ErrInvalid", bad, err)
		}
	}
}
