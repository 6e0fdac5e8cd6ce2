package serving

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/registry/mlmodel"
)

// inputKeys are the JSON request forms, in MLflow's order.
var inputKeys = []string{"dataframe_split", "dataframe_records", "instances", "inputs"}

// errInput is wrapped by every request the decoder refuses.
var errInput = errors.New("invalid input")

func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errInput}, args...)...)
}

// protocolMessage is MLflow's message for a JSON body without exactly one
// input form.
func protocolMessage(got []string) string {
	return fmt.Sprintf("Invalid input. The input must be a JSON dictionary with exactly one of the input fields "+
		"{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. Received dictionary with input fields: [%s]. "+
		"IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, "+
		"you are likely using an outdated scoring request format. To resolve the error, either update your request "+
		"format or adjust your MLflow Model's requirements file to specify an older version of MLflow "+
		"(for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0').", quoteList(got))
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ", ")
}

// decodeJSON turns a JSON scoring request into a Frame checked against
// schema.
func decodeJSON(body []byte, schema *mlmodel.Schema) (*mlmodel.Frame, error) {
	var req map[string]json.RawMessage
	if err := unmarshal(body, &req); err != nil || req == nil {
		return nil, inputErr("%s", protocolMessage(nil))
	}
	var found []string
	for _, k := range inputKeys {
		if _, ok := req[k]; ok {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		keys := make([]string, 0, len(req))
		for k := range req {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, inputErr("%s", protocolMessage(keys))
	}
	if p, ok := req["params"]; ok {
		var params map[string]any
		if err := unmarshal(p, &params); err != nil {
			return nil, inputErr("params must be a JSON object")
		}
	}
	raw := req[found[0]]
	switch found[0] {
	case "dataframe_split":
		return decodeSplit(raw, schema)
	case "dataframe_records":
		var rows []map[string]any
		if err := unmarshal(raw, &rows); err != nil {
			return nil, inputErr("dataframe_records must be a list of objects, one per row")
		}
		return schema.Enforce(rows)
	default: // instances, inputs
		return decodeTF(found[0], raw, schema)
	}
}

// decodeSplit reads pandas' split orient: {"columns": [...], "data": [[...]],
// "index": [...]}.
func decodeSplit(raw json.RawMessage, schema *mlmodel.Schema) (*mlmodel.Frame, error) {
	var obj map[string]json.RawMessage
	if err := unmarshal(raw, &obj); err != nil {
		return nil, inputErr("dataframe_split must be an object with columns, data and index")
	}
	for k := range obj {
		if k != "columns" && k != "data" && k != "index" {
			return nil, inputErr("dataframe_split has unknown key %q (want columns, data, index)", k)
		}
	}
	rawData, ok := obj["data"]
	if !ok {
		return nil, inputErr("dataframe_split has no data")
	}
	var columns []string
	if c, ok := obj["columns"]; ok {
		if err := unmarshal(c, &columns); err != nil {
			return nil, inputErr("dataframe_split columns must be a list of strings")
		}
	}
	var data [][]any
	if err := unmarshal(rawData, &data); err != nil {
		var col []any // a single column given as a flat list
		if err2 := unmarshal(rawData, &col); err2 != nil || len(columns) > 1 {
			return nil, inputErr("dataframe_split data must be a list of rows")
		}
		data = make([][]any, len(col))
		for i, v := range col {
			data[i] = []any{v}
		}
	}
	if columns != nil {
		for i, row := range data {
			if len(row) != len(columns) {
				return nil, inputErr("dataframe_split row %d has %d values for %d columns", i, len(row), len(columns))
			}
		}
	}
	return schema.EnforceSplit(columns, data)
}

// decodeTF reads TF serving's forms: instances (a list of rows) and inputs
// (columns: an object of lists, or a list of rows).
func decodeTF(key string, raw json.RawMessage, schema *mlmodel.Schema) (*mlmodel.Frame, error) {
	var v any
	if err := unmarshal(raw, &v); err != nil {
		return nil, inputErr("%s is not valid JSON", key)
	}
	switch x := v.(type) {
	case map[string]any:
		cols := make(map[string][]any, len(x))
		n := -1
		scalars := true
		for _, c := range x {
			if _, ok := c.([]any); ok {
				scalars = false
			}
		}
		for name, c := range x {
			list, ok := c.([]any)
			if scalars {
				list = []any{c}
			} else if !ok {
				return nil, inputErr("%s column %q must be a list like the others", key, name)
			}
			if n >= 0 && len(list) != n {
				return nil, inputErr("%s columns have different lengths", key)
			}
			n = len(list)
			cols[name] = list
		}
		return schema.EnforceColumns(cols)
	case []any:
		if len(x) == 0 {
			return nil, inputErr("%s is empty", key)
		}
		if _, ok := x[0].(map[string]any); ok {
			rows := make([]map[string]any, len(x))
			for i, r := range x {
				m, ok := r.(map[string]any)
				if !ok {
					return nil, inputErr("%s row %d is not an object like row 0", key, i)
				}
				rows[i] = m
			}
			return schema.Enforce(rows)
		}
		data := make([][]any, len(x))
		for i, r := range x {
			if row, ok := r.([]any); ok {
				data[i] = row
			} else {
				data[i] = []any{r}
			}
		}
		return schema.EnforceSplit(nil, data)
	default:
		return nil, inputErr("%s must be a list of rows or an object of columns", key)
	}
}

// decodeCSV reads a CSV body with a header row; cells are typed by the
// schema's column of the same name (numbers and booleans parsed, empty cells
// null).
func decodeCSV(body []byte, schema *mlmodel.Schema) (*mlmodel.Frame, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = false
	header, err := r.Read()
	if err == io.EOF {
		return nil, inputErr("CSV body is empty")
	}
	if err != nil {
		return nil, inputErr("CSV: %v", err)
	}
	data, err := csvRows(r, csvKinds(header, schema), -1)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, inputErr("CSV has a header and no rows")
	}
	return schema.EnforceSplit(header, data)
}

// csvRows reads up to limit rows (all when limit < 0), each cell typed
// by its column's kind.
func csvRows(r *csv.Reader, kinds []mlmodel.Kind, limit int) ([][]any, error) {
	var data [][]any
	for limit < 0 || len(data) < limit {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, inputErr("CSV: %v", err)
		}
		row := make([]any, len(rec))
		for i, cell := range rec {
			row[i] = csvValue(cell, kinds[i])
		}
		data = append(data, row)
	}
	return data, nil
}

// csvKinds is the schema's kind of each CSV column ("" for one it does
// not name).
func csvKinds(header []string, schema *mlmodel.Schema) []mlmodel.Kind {
	kinds := make([]mlmodel.Kind, len(header))
	for i, name := range header {
		for _, c := range schema.Cols {
			if c.Name == name {
				kinds[i] = c.Type.Kind
			}
		}
	}
	return kinds
}

// csvValue types one CSV cell for a column of kind k ("" when the schema
// does not name the column: numbers stay numbers, the rest text).
func csvValue(cell string, k mlmodel.Kind) any {
	switch k {
	case mlmodel.String, mlmodel.Binary, mlmodel.Datetime:
		return cell
	}
	if cell == "" {
		return nil
	}
	if k == mlmodel.Boolean {
		if b, err := strconv.ParseBool(cell); err == nil {
			return b
		}
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil && (cell[0] == '-' || cell[0] >= '0' && cell[0] <= '9') && json.Valid([]byte(cell)) {
		return json.Number(cell)
	}
	return cell
}

// unmarshal decodes JSON with numbers kept as json.Number, so that integers
// reach the schema's enforcement exactly, and refuses trailing data.
func unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
