package mlmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// Input example file names MLflow uses inside a model directory.
const (
	InputExampleFile        = "input_example.json"
	ServingInputExampleFile = "serving_input_example.json"
)

// InputExample is a model's input example as MLflow saves a tabular one:
// the example as a pandas "split" frame (input_example.json), the ready-to-
// send scoring request (serving_input_example.json) and the
// saved_input_example_info that names them.
type InputExample struct {
	Info    *InputExampleInfo
	Example []byte
	Serving []byte
}

// NewInputExample encodes tabular example input: a slice of structs, a
// []map[string]any, or a matrix made a table with Named. Columns come in
// the order InferSchema gives them; a row without a column holds null.
func NewInputExample(data any) (*InputExample, error) {
	schema, err := InferSchema(data)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w: %w", err, ErrInvalid)
	}
	if schema.IsTensor() || !schema.HasNames() {
		return nil, invalidf("input example: only tables with named columns are supported (use Named for a matrix)")
	}
	columns := schema.Names()
	raw := data
	if n, ok := data.(named); ok {
		raw = n.data
	}
	raw, err = structRows(raw)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w: %w", err, ErrInvalid)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, invalidf("input example: not a list of rows")
	}
	split := struct {
		Columns []string            `json:"columns"`
		Data    [][]json.RawMessage `json:"data"`
	}{Columns: columns, Data: make([][]json.RawMessage, 0, len(rows))}
	for i, row := range rows {
		out := make([]json.RawMessage, len(columns))
		switch {
		case bytes.HasPrefix(bytes.TrimSpace(row), []byte("{")):
			var m map[string]json.RawMessage
			if err := json.Unmarshal(row, &m); err != nil {
				return nil, invalidf("input example: row %d: %v", i, err)
			}
			for j, c := range columns {
				if v, ok := m[c]; ok {
					out[j] = v
				} else {
					out[j] = json.RawMessage("null")
				}
			}
		default:
			var vals []json.RawMessage
			if err := json.Unmarshal(row, &vals); err != nil || len(vals) != len(columns) {
				return nil, invalidf("input example: row %d: want %d values", i, len(columns))
			}
			copy(out, vals)
		}
		split.Data = append(split.Data, out)
	}
	ex, err := json.Marshal(split)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w", err)
	}
	serving, err := json.MarshalIndent(map[string]any{"dataframe_split": json.RawMessage(ex)}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w", err)
	}
	return &InputExample{
		Info: &InputExampleInfo{ArtifactPath: InputExampleFile, Type: "dataframe", PandasOrient: "split",
			ServingInputPath: ServingInputExampleFile},
		Example: ex,
		Serving: serving,
	}, nil
}

// structRows turns a slice of structs into rows keyed by the column names
// InferSchema gives the fields (their mlflow tags), so that the example's
// columns are the signature's; anything else is returned as it is.
func structRows(data any) (any, error) {
	rv := reflect.ValueOf(data)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return data, nil
	}
	et := rv.Type().Elem()
	for et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	if et.Kind() != reflect.Struct || et == timeType {
		return data, nil
	}
	fields, err := structFields(et)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: input example: %w: %w", err, ErrInvalid)
	}
	rows := make([]map[string]any, rv.Len())
	for i := range rows {
		e := reflect.Indirect(rv.Index(i))
		row := make(map[string]any, len(fields))
		for _, f := range fields {
			if !e.IsValid() {
				continue
			}
			if v, err := e.FieldByIndexErr(f.index); err == nil {
				row[f.name] = v.Interface()
			}
		}
		rows[i] = row
	}
	return rows, nil
}
