package mlmodel

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// named is data with column names, made by Named.
type named struct {
	data  any
	names []string
}

// Named attaches column names to data for InferSchema and InferSignature:
// Named(X, "age", "income") makes a [][]float64 a table of two named
// columns (as a pandas DataFrame would be) instead of a tensor, and
// Named(y, "label") makes a 1-D slice one named column (a named pandas
// Series).
func Named(data any, names ...string) any { return named{data: data, names: names} }

// InferSignature infers a signature from example model input and output, as
// MLflow's infer_signature(model_input, model_output) does. Either may be
// nil, leaving that schema out.
func InferSignature(input, output any) (*Signature, error) {
	sig := &Signature{}
	var err error
	if input != nil {
		if sig.Inputs, err = InferSchema(input); err != nil {
			return nil, fmt.Errorf("mlmodel: inputs: %w", err)
		}
	}
	if output != nil {
		if sig.Outputs, err = InferSchema(output); err != nil {
			return nil, fmt.Errorf("mlmodel: outputs: %w", err)
		}
	}
	return sig, nil
}

// InferSchema infers a schema from Go data the way MLflow infers one from
// the matching Python data:
//
//   - a slice of structs (or struct pointers) is a table (a pandas
//     DataFrame): one column per exported field, named by its `mlflow:"name"`
//     tag or the field name (`mlflow:"-"` skips a field, `mlflow:",optional"`
//     makes it optional); pointer fields are optional;
//   - a slice of map[string]any is a list of records: the union of the keys,
//     a key missing (or null) in some record is optional; integer and float
//     values together make a double column;
//   - a map[string][]T is a table given column by column; a map[string]any
//     of scalars is one record;
//   - a [][]T of numbers, booleans or strings is a numpy 2-D array: one
//     tensor of shape [-1, ncols]; with names (see Named, or the names
//     argument) it is a table whose columns all have T's type;
//   - a 1-D slice []T of numbers, booleans, strings or times is a numpy 1-D
//     array: a tensor of shape [-1] (MLflow's signature for y_pred from
//     predict); with one name it is a named column (a pandas Series);
//   - a []any is a Python list: one unnamed column of its items' type;
//   - a scalar is one unnamed column.
//
// Go types map to MLflow types as: bool→boolean; int8, int16, int32, uint8,
// uint16→integer; int, int64, uint32→long; float32→float; float64→double;
// string→string; []byte→binary; time.Time→datetime; other slices→array;
// map[string]T→map; structs→object; interfaces→any (or the values' types).
func InferSchema(data any, names ...string) (*Schema, error) {
	if n, ok := data.(named); ok {
		data = n.data
		names = append(slices0(n.names), names...)
	}
	s, err := inferSchema(data, names)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func slices0(s []string) []string { return append([]string(nil), s...) }

var (
	timeType  = reflect.TypeOf(time.Time{})
	bytesType = reflect.TypeOf([]byte(nil))
	jnumType  = reflect.TypeOf(json.Number(""))
)

func inferErr(format string, args ...any) error {
	return fmt.Errorf("mlmodel: cannot infer a schema: %s: %w", fmt.Sprintf(format, args...), ErrSchema)
}

func inferSchema(data any, names []string) (*Schema, error) {
	if data == nil {
		return nil, inferErr("no data")
	}
	rv := reflect.ValueOf(data)
	rt := rv.Type()
	switch rt.Kind() {
	case reflect.Map:
		if rt.Key().Kind() != reflect.String {
			return nil, inferErr("map keys must be strings, got %s", rt.Key())
		}
		et := rt.Elem()
		if (et.Kind() == reflect.Slice || et.Kind() == reflect.Array) && et != bytesType {
			return inferColumns(rv)
		}
		// One record.
		return inferRecords([]map[string]any{mapToAny(rv)})
	case reflect.Slice, reflect.Array:
		if rt == bytesType {
			return &Schema{Cols: []ColSpec{{Type: Type{Kind: Binary}, Required: true}}}, nil
		}
		et := rt.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		switch {
		case et.Kind() == reflect.Struct && et != timeType:
			return inferStructs(rv, et, names)
		case et.Kind() == reflect.Map:
			if et.Key().Kind() != reflect.String {
				return nil, inferErr("map keys must be strings, got %s", et.Key())
			}
			rows := make([]map[string]any, 0, rv.Len())
			for i := 0; i < rv.Len(); i++ {
				e := reflect.Indirect(rv.Index(i))
				if !e.IsValid() || e.IsNil() {
					rows = append(rows, map[string]any{})
					continue
				}
				rows = append(rows, mapToAny(e))
			}
			return inferRecords(rows)
		case et.Kind() == reflect.Interface:
			return inferList(rv, names)
		case (et.Kind() == reflect.Slice || et.Kind() == reflect.Array) && et != bytesType:
			return inferMatrix(rv, et, names)
		}
		dtype, ok := numpyDType(et)
		if !ok {
			return nil, inferErr("unsupported element type %s", rt.Elem())
		}
		if len(names) > 0 {
			if len(names) != 1 {
				return nil, inferErr("%d names for a 1-D slice; want one", len(names))
			}
			t, opt, err := goType(rt.Elem(), 0)
			if err != nil {
				return nil, err
			}
			return &Schema{Cols: []ColSpec{{Type: t, Name: names[0], Required: !opt}}}, nil
		}
		return &Schema{Tensors: []TensorSpec{{DType: dtype, Shape: []int{-1}}}}, nil
	}
	// A scalar.
	t, ok, err := valueType(data, 0)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, inferErr("unsupported type %T", data)
	}
	c := ColSpec{Type: t, Required: true}
	if len(names) == 1 {
		c.Name = names[0]
	}
	return &Schema{Cols: []ColSpec{c}}, nil
}

func mapToAny(rv reflect.Value) map[string]any {
	m := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		m[it.Key().String()] = it.Value().Interface()
	}
	return m
}

// numpyDTypes names the numpy dtype of a 1-D array of each scalar kind.
var numpyDTypes = map[reflect.Kind]string{
	reflect.Bool: "bool", reflect.String: "str",
	reflect.Int8: "int8", reflect.Int16: "int16", reflect.Int32: "int32", reflect.Int: "int64", reflect.Int64: "int64",
	reflect.Uint8: "uint8", reflect.Uint16: "uint16", reflect.Uint32: "uint32", reflect.Uint: "uint64", reflect.Uint64: "uint64",
	reflect.Float32: "float32", reflect.Float64: "float64",
}

// numpyDType returns the numpy dtype name of a 1-D array of t.
func numpyDType(t reflect.Type) (string, bool) {
	switch t {
	case timeType:
		return "datetime64[ns]", true
	case bytesType:
		return "bytes", true
	case jnumType:
		return "float64", true
	}
	d, ok := numpyDTypes[t.Kind()]
	return d, ok
}

// scalarKinds maps Go's scalar kinds to MLflow's: small integers to
// integer, others that fit int64 to long.
var scalarKinds = map[reflect.Kind]Kind{
	reflect.Bool: Boolean, reflect.String: String, reflect.Float32: Float, reflect.Float64: Double,
	reflect.Int8: Integer, reflect.Int16: Integer, reflect.Int32: Integer, reflect.Uint8: Integer, reflect.Uint16: Integer,
	reflect.Int: Long, reflect.Int64: Long, reflect.Uint32: Long,
}

// goType maps a static Go type to an MLflow type; opt reports a pointer
// (an optional value).
func goType(t reflect.Type, depth int) (Type, bool, error) {
	if depth > maxTypeDepth {
		return Type{}, false, inferErr("type %s nested too deeply", t)
	}
	opt := false
	for t.Kind() == reflect.Pointer {
		opt = true
		t = t.Elem()
	}
	switch t {
	case timeType:
		return Type{Kind: Datetime}, opt, nil
	case bytesType:
		return Type{Kind: Binary}, opt, nil
	case jnumType:
		return Type{Kind: Double}, opt, nil
	}
	if k, ok := scalarKinds[t.Kind()]; ok {
		return Type{Kind: k}, opt, nil
	}
	switch t.Kind() {
	case reflect.Interface:
		return Type{Kind: Any}, true, nil
	case reflect.Slice, reflect.Array:
		it, _, err := goType(t.Elem(), depth+1)
		if err != nil {
			return Type{}, false, err
		}
		return ArrayOf(it), opt, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return Type{}, false, inferErr("map keys must be strings, got %s", t.Key())
		}
		vt, _, err := goType(t.Elem(), depth+1)
		if err != nil {
			return Type{}, false, err
		}
		return MapOf(vt), opt, nil
	case reflect.Struct:
		fields, err := structFields(t)
		if err != nil {
			return Type{}, false, err
		}
		if len(fields) == 0 {
			return Type{}, false, inferErr("struct %s has no exported fields", t)
		}
		props := make([]Property, 0, len(fields))
		for _, f := range fields {
			ft, fopt, err := goType(f.typ, depth+1)
			if err != nil {
				return Type{}, false, err
			}
			props = append(props, Property{Name: f.name, Type: ft, Required: !fopt && !f.optional})
		}
		return ObjectOf(props...), opt, nil
	}
	return Type{}, false, inferErr("unsupported type %s", t)
}

type field struct {
	name     string
	index    []int
	typ      reflect.Type
	optional bool
}

// structFields lists t's exported fields as columns: the `mlflow` tag
// names a field ("-" skips it, ",optional" makes it optional); anonymous
// struct fields without a tag are flattened.
func structFields(t reflect.Type) ([]field, error) {
	var out []field
	seen := map[string]bool{}
	var walk func(t reflect.Type, index []int, depth int) error
	walk = func(t reflect.Type, index []int, depth int) error {
		if depth > 8 {
			return nil
		}
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("mlflow")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			ft := sf.Type
			if sf.Anonymous && name == "" {
				bt := ft
				if bt.Kind() == reflect.Pointer {
					bt = bt.Elem()
				}
				if bt.Kind() == reflect.Struct && bt != timeType {
					if err := walk(bt, idx, depth+1); err != nil {
						return err
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				return inferErr("two fields named %q in %s", name, t)
			}
			seen[name] = true
			out = append(out, field{name: name, index: idx, typ: ft, optional: opts == "optional"})
		}
		return nil
	}
	err := walk(t, nil, 0)
	return out, err
}

func inferStructs(rv reflect.Value, et reflect.Type, names []string) (*Schema, error) {
	if len(names) > 0 {
		return nil, inferErr("names are taken from struct fields; got extra names")
	}
	fields, err := structFields(et)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, inferErr("struct %s has no exported fields", et)
	}
	s := &Schema{}
	for _, f := range fields {
		t, opt, err := goType(f.typ, 0)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: field %s: %w", f.name, err)
		}
		if f.typ.Kind() == reflect.Interface {
			// Infer from the values, as MLflow infers an object column.
			vals := make([]any, 0, rv.Len())
			for i := 0; i < rv.Len(); i++ {
				row := reflect.Indirect(rv.Index(i))
				if !row.IsValid() {
					vals = append(vals, nil)
					continue
				}
				fv, err := row.FieldByIndexErr(f.index)
				if err != nil || !fv.IsValid() || fv.IsNil() {
					vals = append(vals, nil)
					continue
				}
				vals = append(vals, fv.Interface())
			}
			vt, vopt, err := mergeValues(f.name, vals)
			if err != nil {
				return nil, err
			}
			t, opt = vt, vopt
		}
		s.Cols = append(s.Cols, ColSpec{Type: t, Name: f.name, Required: !opt && !f.optional})
	}
	return s, nil
}

// inferColumns infers a table given as a map from column name to values.
func inferColumns(rv reflect.Value) (*Schema, error) {
	keys := make([]string, 0, rv.Len())
	for _, k := range rv.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return nil, inferErr("no columns")
	}
	s := &Schema{}
	for _, k := range keys {
		col := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()))
		for col.Kind() == reflect.Interface || col.Kind() == reflect.Pointer {
			col = col.Elem()
		}
		et := col.Type().Elem()
		var t Type
		opt := false
		if et.Kind() == reflect.Interface {
			vals := make([]any, col.Len())
			for i := range vals {
				vals[i] = col.Index(i).Interface()
			}
			var err error
			if t, opt, err = mergeValues(k, vals); err != nil {
				return nil, err
			}
		} else {
			var err error
			if t, opt, err = goType(et, 0); err != nil {
				return nil, fmt.Errorf("mlmodel: column %q: %w", k, err)
			}
			if opt {
				// A pointer column is optional only if a value is nil.
				opt = false
				for i := 0; i < col.Len(); i++ {
					if col.Index(i).IsNil() {
						opt = true
						break
					}
				}
			}
		}
		s.Cols = append(s.Cols, ColSpec{Type: t, Name: k, Required: !opt})
	}
	return s, nil
}

// inferRecords infers a list of records: the union of their keys.
func inferRecords(rows []map[string]any) (*Schema, error) {
	cols := map[string][]any{}
	count := map[string]int{}
	for _, r := range rows {
		for k, v := range r {
			cols[k] = append(cols[k], v)
			count[k]++
		}
	}
	if len(cols) == 0 {
		return nil, inferErr("no columns")
	}
	s := &Schema{}
	for _, k := range sortedKeys(cols) {
		t, opt, err := mergeValues(k, cols[k])
		if err != nil {
			return nil, err
		}
		if count[k] < len(rows) {
			opt = true
		}
		s.Cols = append(s.Cols, ColSpec{Type: t, Name: k, Required: !opt})
	}
	return s, nil
}

// inferList infers a Python-list-like []any: records when its items are
// maps, else one unnamed column.
func inferList(rv reflect.Value, names []string) (*Schema, error) {
	vals := make([]any, rv.Len())
	allMaps := rv.Len() > 0
	for i := range vals {
		vals[i] = rv.Index(i).Interface()
		if _, ok := vals[i].(map[string]any); !ok {
			allMaps = false
		}
	}
	if allMaps {
		rows := make([]map[string]any, len(vals))
		for i, v := range vals {
			rows[i] = v.(map[string]any)
		}
		return inferRecords(rows)
	}
	t, opt, err := mergeValues("", vals)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		// MLflow infers an empty list as a string column.
		t, opt = Type{Kind: String}, false
	}
	c := ColSpec{Type: t, Required: true}
	if len(names) == 1 {
		c.Name, c.Required = names[0], !opt
	} else if len(names) > 1 {
		return nil, inferErr("%d names for a list; want one", len(names))
	}
	return &Schema{Cols: []ColSpec{c}}, nil
}

// inferMatrix infers a [][]T: a tensor, or with names a table.
func inferMatrix(rv reflect.Value, row reflect.Type, names []string) (*Schema, error) {
	et := row.Elem()
	dtype, ok := numpyDType(et)
	if !ok {
		return nil, inferErr("unsupported matrix element type %s", et)
	}
	ncols := -1
	for i := 0; i < rv.Len(); i++ {
		n := rv.Index(i).Len()
		if ncols >= 0 && n != ncols {
			return nil, inferErr("ragged matrix: row %d has %d values, row 0 has %d", i, n, ncols)
		}
		ncols = n
	}
	if len(names) == 0 {
		if ncols < 0 {
			return nil, inferErr("an empty matrix has no shape; give names or data")
		}
		return &Schema{Tensors: []TensorSpec{{DType: dtype, Shape: []int{-1, ncols}}}}, nil
	}
	if ncols >= 0 && len(names) != ncols {
		return nil, inferErr("%d names for %d columns", len(names), ncols)
	}
	t, _, err := goType(et, 0)
	if err != nil {
		return nil, err
	}
	s := &Schema{}
	for _, n := range names {
		s.Cols = append(s.Cols, ColSpec{Type: t, Name: n, Required: true})
	}
	return s, nil
}

// valueType returns the MLflow type of one dynamic value; ok is false for
// nil.
func valueType(v any, depth int) (Type, bool, error) {
	if depth > maxTypeDepth {
		return Type{}, false, inferErr("value nested too deeply")
	}
	if isNullValue(v) {
		return Type{}, false, nil
	}
	v = deref(v)
	switch x := v.(type) {
	case bool:
		return Type{Kind: Boolean}, true, nil
	case string:
		return Type{Kind: String}, true, nil
	case []byte:
		return Type{Kind: Binary}, true, nil
	case time.Time:
		return Type{Kind: Datetime}, true, nil
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return Type{Kind: Double}, true, nil
		}
		return Type{Kind: Long}, true, nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		// Python ints are all "long".
		return Type{Kind: Long}, true, nil
	case float32:
		return Type{Kind: Float}, true, nil
	case float64:
		return Type{Kind: Double}, true, nil
	case map[string]any:
		if len(x) == 0 {
			return Type{Kind: Any}, true, nil
		}
		var props []Property
		for _, k := range sortedKeys(x) {
			t, ok, err := valueType(x[k], depth+1)
			if err != nil {
				return Type{}, false, err
			}
			if !ok {
				t = Type{Kind: Any}
			}
			props = append(props, Property{Name: k, Type: t, Required: ok})
		}
		return ObjectOf(props...), true, nil
	}
	if list, ok := asList(v); ok {
		if len(list) == 0 {
			return Type{Kind: Any}, true, nil
		}
		var items Type
		have := false
		for _, e := range list {
			t, ok, err := valueType(e, depth+1)
			if err != nil {
				return Type{}, false, err
			}
			if !ok {
				continue
			}
			if !have {
				items, have = t, true
				continue
			}
			if items, err = mergeType(items, t); err != nil {
				return Type{}, false, err
			}
		}
		if !have {
			items = Type{Kind: Any}
		}
		return ArrayOf(items), true, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map || rv.Kind() == reflect.Struct {
		t, _, err := goType(rv.Type(), depth)
		return t, err == nil, err
	}
	return Type{}, false, inferErr("unsupported value type %T", v)
}

// mergeValues infers one column from its values; opt reports a null.
func mergeValues(col string, vals []any) (Type, bool, error) {
	var t Type
	have, opt := false, false
	for _, v := range vals {
		vt, ok, err := valueType(v, 0)
		if err != nil {
			return Type{}, false, err
		}
		if !ok {
			opt = true
			continue
		}
		if !have {
			t, have = vt, true
			continue
		}
		if t, err = mergeType(t, vt); err != nil {
			if col != "" {
				return Type{}, false, fmt.Errorf("mlmodel: column %q: %w", col, err)
			}
			return Type{}, false, err
		}
	}
	if !have {
		return Type{Kind: Any}, true, nil
	}
	return t, opt, nil
}

// mergeType combines the types of two values of one column.
func mergeType(a, b Type) (Type, error) {
	if a.Equal(b) {
		return a, nil
	}
	switch {
	case a.Kind == Any:
		return b, nil
	case b.Kind == Any:
		return a, nil
	case isNumeric(a.Kind) && isNumeric(b.Kind):
		// pandas makes a column of ints and floats float64.
		return Type{Kind: Double}, nil
	case a.Kind == Array && b.Kind == Array:
		it, err := mergeType(*a.Items, *b.Items)
		if err != nil {
			return Type{}, err
		}
		return ArrayOf(it), nil
	case a.Kind == Object && b.Kind == Object:
		props := map[string]Property{}
		inA := map[string]bool{}
		for _, p := range a.Properties {
			props[p.Name] = p
			inA[p.Name] = true
		}
		inB := map[string]bool{}
		for _, p := range b.Properties {
			inB[p.Name] = true
			q, ok := props[p.Name]
			if !ok {
				p.Required = false
				props[p.Name] = p
				continue
			}
			mt, err := mergeType(q.Type, p.Type)
			if err != nil {
				return Type{}, fmt.Errorf("property %q: %w", p.Name, err)
			}
			props[p.Name] = Property{Name: p.Name, Type: mt, Required: q.Required && p.Required}
		}
		out := make([]Property, 0, len(props))
		for name, p := range props {
			if !inB[name] {
				p.Required = false
			}
			out = append(out, p)
		}
		return ObjectOf(out...), nil
	}
	return Type{}, inferErr("values of different types (%s and %s)", a, b)
}

func isNumeric(k Kind) bool {
	switch k {
	case Integer, Long, Float, Double:
		return true
	}
	return false
}
