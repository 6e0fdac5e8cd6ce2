package mlmodel

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlite/mlite/internal/pyrepr"
)

// Frame is input data that passed Schema.Enforce: one typed column for each
// schema column the input had, in schema order. Columns the schema does not
// name were dropped, as MLflow drops them.
type Frame struct {
	Rows    int
	Columns []Column
}

// Column is one enforced column. Exactly one of the value slices is set,
// by Type.Kind:
//
//	boolean            Bools
//	integer, long      Ints (integer values fit in int32)
//	float, double      Floats (float values are rounded to float32)
//	string             Strings
//	binary             Bytes
//	datetime           Times (UTC)
//	array, object, map, any, sparkml_vector
//	                   Values: nil, bool, int64, float64, string, []byte,
//	                   time.Time, []any, map[string]any, checked against Type
//
// A null row (a JSON null, or a key missing from a record) holds the zero
// value, NaN for floats, and is marked in Nulls.
type Column struct {
	// Name is the schema's name for the column; for an unnamed schema, the
	// input's name for it ("" if it had none).
	Name    string
	Type    Type
	Bools   []bool
	Ints    []int64
	Floats  []float64
	Strings []string
	Bytes   [][]byte
	Times   []time.Time
	Values  []any
	// Nulls is nil when no row is null; otherwise Nulls[i] reports row i.
	Nulls []bool
}

// Column returns the column named name.
func (f *Frame) Column(name string) (*Column, bool) {
	for i := range f.Columns {
		if f.Columns[i].Name == name {
			return &f.Columns[i], true
		}
	}
	return nil, false
}

// Row returns row i as a record: each column's Value by name (for an
// unnamed schema without input names, by position: "0", "1", ...).
func (f *Frame) Row(i int) map[string]any {
	r := make(map[string]any, len(f.Columns))
	for j := range f.Columns {
		c := &f.Columns[j]
		name := c.Name
		if name == "" {
			name = strconv.Itoa(j)
		}
		r[name] = c.Value(i)
	}
	return r
}

// IsNull reports whether row i of c is null.
func (c *Column) IsNull(i int) bool { return c.Nulls != nil && c.Nulls[i] }

// Value returns row i of c as a Go value (nil when null).
func (c *Column) Value(i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch {
	case c.Bools != nil:
		return c.Bools[i]
	case c.Ints != nil:
		return c.Ints[i]
	case c.Floats != nil:
		return c.Floats[i]
	case c.Strings != nil:
		return c.Strings[i]
	case c.Bytes != nil:
		return c.Bytes[i]
	case c.Times != nil:
		return c.Times[i]
	case c.Values != nil:
		return c.Values[i]
	}
	return nil
}

// SchemaError describes input that does not match a schema. It wraps
// ErrSchema.
type SchemaError struct {
	// Column names the column at fault ("" when the error is about the
	// input as a whole); for an unnamed schema it is the column's
	// position.
	Column string
	// Row is the row at fault, or -1.
	Row int
	// Missing lists the required columns the input lacks, in schema
	// order; Extra the input's columns that the schema does not name.
	Missing []string
	Extra   []string
	// Reason says what is wrong.
	Reason string
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	b.WriteString("mlmodel: ")
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q", e.Column)
		if e.Row >= 0 {
			fmt.Fprintf(&b, ", row %d", e.Row)
		}
		b.WriteString(": ")
	} else if e.Row >= 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns ErrSchema.
func (e *SchemaError) Unwrap() error { return ErrSchema }

// MLflowMessage returns the message MLflow gives for the same failure when
// it has one of its own wording (missing inputs), else Error's text without
// the package prefix.
func (e *SchemaError) MLflowMessage() string {
	if len(e.Missing) > 0 {
		msg := "Model is missing inputs " + pyrepr.StrList(e.Missing) + "."
		if len(e.Extra) > 0 {
			msg += " Note that there were extra inputs: " + pyrepr.StrList(e.Extra) + "."
		}
		return msg
	}
	return strings.TrimPrefix(e.Error(), "mlmodel: ")
}

func colErr(col string, row int, format string, args ...any) *SchemaError {
	return &SchemaError{Column: col, Row: row, Reason: fmt.Sprintf(format, args...)}
}

// source is input data seen column by column.
type source struct {
	rows  int
	names []string // input columns, in input order (sorted for records)
	// hasNames is false for split input without column names.
	hasNames bool
	// get returns column name's values and presence per row (present is
	// nil when every row has the column).
	get func(name string) (vals []any, present []bool, ok bool)
	// has reports whether the input has column name.
	has func(name string) bool
}

// Enforce checks records (the scoring server's dataframe_records: one map
// per row) against s with MLflow's rules and returns them as typed columns.
//
// For a named schema, a required column that no record has is an error that
// lists every missing column and the extra ones (MLflow's "Model is missing
// inputs"); optional columns may be absent; columns the schema does not name
// are dropped. A key missing from some records makes those rows null. Values
// convert only when nothing is lost: integers widen to long and to double
// (when exact), JSON numbers with integral values fit integer and long
// columns, any number within range fits float and double columns, datetime
// columns take RFC 3339 / ISO 8601 text and binary columns base64 text.
// Anything else (1.5 into a long column, text into a double column, an
// integer out of int32 range into an integer column) is refused with the
// column and row named. Nulls are refused in required integer, long, binary
// and composite columns (MLflow cannot hold them there either).
//
// Because Go maps have no order, an unnamed column schema needs
// EnforceSplit unless it has a single column. Tensor schemas are not
// enforced (the error wraps errors.ErrUnsupported).
func (s *Schema) Enforce(rows []map[string]any) (*Frame, error) {
	seen := map[string]bool{}
	var names []string
	for _, r := range rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	src := source{rows: len(rows), names: names, hasNames: true, get: func(name string) ([]any, []bool, bool) {
		if !seen[name] {
			return nil, nil, false
		}
		vals := make([]any, len(rows))
		var present []bool
		for i, r := range rows {
			v, ok := r[name]
			vals[i] = v
			if !ok {
				if present == nil {
					present = make([]bool, len(rows))
					for j := 0; j < i; j++ {
						present[j] = true
					}
				}
				continue
			}
			if present != nil {
				present[i] = true
			}
		}
		return vals, present, true
	}, has: func(name string) bool { return seen[name] }}
	return s.enforce(src, false)
}

// EnforceColumns is Enforce for column-oriented input: a map from column
// name to the column's values, all of the same length.
func (s *Schema) EnforceColumns(cols map[string][]any) (*Frame, error) {
	names := make([]string, 0, len(cols))
	n := -1
	for k, v := range cols {
		names = append(names, k)
		if n >= 0 && len(v) != n {
			return nil, &SchemaError{Row: -1, Reason: fmt.Sprintf("columns have different lengths (%d and %d)", n, len(v))}
		}
		n = len(v)
	}
	sort.Strings(names)
	if n < 0 {
		n = 0
	}
	src := source{rows: n, names: names, hasNames: true, get: func(name string) ([]any, []bool, bool) {
		v, ok := cols[name]
		return v, nil, ok
	}, has: func(name string) bool { _, ok := cols[name]; return ok }}
	return s.enforce(src, false)
}

// EnforceSplit is Enforce for the scoring server's dataframe_split form: the
// column names (nil when the input has none) and the rows of values. Its
// column order lets it serve unnamed schemas: their first N columns are
// taken by position, as MLflow takes them.
func (s *Schema) EnforceSplit(columns []string, data [][]any) (*Frame, error) {
	width := len(columns)
	if columns == nil && len(data) > 0 {
		width = len(data[0])
	}
	for i, r := range data {
		if len(r) != width {
			return nil, &SchemaError{Row: i, Reason: fmt.Sprintf("row has %d values, want %d", len(r), width)}
		}
	}
	names := columns
	if names == nil {
		names = make([]string, width)
		for i := range names {
			names[i] = strconv.Itoa(i)
		}
	}
	index := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := index[n]; dup {
			return nil, &SchemaError{Column: n, Row: -1, Reason: "column appears twice in the input"}
		}
		index[n] = i
	}
	src := source{rows: len(data), names: names, hasNames: columns != nil, get: func(name string) ([]any, []bool, bool) {
		j, ok := index[name]
		if !ok {
			return nil, nil, false
		}
		vals := make([]any, len(data))
		for i, r := range data {
			vals[i] = r[j]
		}
		return vals, nil, true
	}, has: func(name string) bool { _, ok := index[name]; return ok }}
	return s.enforce(src, true)
}

func (s *Schema) enforce(src source, ordered bool) (*Frame, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.IsTensor() {
		return nil, fmt.Errorf("mlmodel: enforcing a tensor schema: %w", errors.ErrUnsupported)
	}
	f := &Frame{Rows: src.rows}
	if !s.HasNames() {
		if len(s.Cols) > 1 && !ordered && len(src.names) > 1 {
			return nil, &SchemaError{Row: -1, Reason: "an unnamed schema needs ordered columns (use EnforceSplit)"}
		}
		if len(src.names) < len(s.Cols) {
			return nil, &SchemaError{Row: -1, Reason: fmt.Sprintf(
				"model inference is missing inputs: the signature declares %d inputs but the input has %d (unnamed inputs are matched by position)",
				len(s.Cols), len(src.names))}
		}
		for i, c := range s.Cols {
			vals, present, _ := src.get(src.names[i])
			col, err := enforceColumn(strconv.Itoa(i), c, vals, present)
			if err != nil {
				return nil, err
			}
			if src.hasNames {
				col.Name = src.names[i]
			}
			f.Columns = append(f.Columns, col)
		}
		return f, nil
	}
	var missing []string
	known := make(map[string]bool, len(s.Cols))
	for _, c := range s.Cols {
		known[c.Name] = true
		if !src.has(c.Name) && c.Required {
			missing = append(missing, c.Name)
		}
	}
	var extra []string
	for _, n := range src.names {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	if len(missing) > 0 {
		reason := "model is missing inputs " + pyrepr.StrList(missing)
		if len(extra) > 0 {
			reason += "; extra inputs: " + pyrepr.StrList(extra)
		}
		return nil, &SchemaError{Row: -1, Missing: missing, Extra: extra, Reason: reason}
	}
	for _, c := range s.Cols {
		vals, present, ok := src.get(c.Name)
		if !ok {
			continue // optional and absent
		}
		col, err := enforceColumn(c.Name, c, vals, present)
		if err != nil {
			return nil, err
		}
		f.Columns = append(f.Columns, col)
	}
	return f, nil
}

// nullAllowed reports whether a required column of kind k may hold nulls;
// these are the kinds whose MLflow columns let missing values through.
func nullAllowedRequired(k Kind) bool {
	switch k {
	case Float, Double, String, Boolean, Datetime, Any:
		return true
	}
	return false
}

func enforceColumn(label string, c ColSpec, vals []any, present []bool) (Column, error) {
	col := Column{Name: c.Name, Type: c.Type}
	nullOK := !c.Required || nullAllowedRequired(c.Type.Kind)
	// null reports whether value i is missing, marking it in col.Nulls, or
	// refuses it in a required column that takes no nulls.
	null := func(i int, v any) (bool, error) {
		if (present == nil || present[i]) && !isNullValue(v) {
			return false, nil
		}
		if !nullOK {
			return true, colErr(label, i, "null in the required %s column", c.Type)
		}
		if col.Nulls == nil {
			col.Nulls = make([]bool, len(vals))
		}
		col.Nulls[i] = true
		return true, nil
	}
	var err error
	switch k := c.Type.Kind; k {
	case Boolean:
		col.Bools, err = convertColumn(label, vals, false, null, toBool)
	case Integer, Long:
		col.Ints, err = convertColumn(label, vals, 0, null, func(v any) (int64, error) { return toInt(v, k) })
	case Float, Double:
		col.Floats, err = convertColumn(label, vals, math.NaN(), null, func(v any) (float64, error) { return toFloat(v, k) })
	case String:
		col.Strings, err = convertColumn(label, vals, "", null, toString)
	case Binary:
		col.Bytes, err = convertColumn(label, vals, nil, null, toBytes)
	case Datetime:
		col.Times, err = convertColumn(label, vals, time.Time{}, null, toTime)
	default:
		col.Values, err = convertColumn(label, vals, nil, null, func(v any) (any, error) { return enforceValue(v, c.Type, c.Required, 0) })
	}
	return col, err
}

// convertColumn converts the values of column label with conv, each null
// one (as null tells, or refuses) to nullValue.
func convertColumn[T any](label string, vals []any, nullValue T, null func(int, any) (bool, error), conv func(any) (T, error)) ([]T, error) {
	out := make([]T, len(vals))
	for i, v := range vals {
		isNull, err := null(i, v)
		if err != nil {
			return out, err
		}
		if isNull {
			out[i] = nullValue
			continue
		}
		x, err := conv(v)
		if err != nil {
			return out, colErr(label, i, "%v", err)
		}
		out[i] = x
	}
	return out, nil
}

func toString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("cannot use %s as string", describe(v))
}

// isNullValue reports JSON null, a nil pointer or a NaN in a non-float
// place (pandas' missing value).
func isNullValue(v any) bool {
	switch v.(type) {
	case nil:
		return true
	case float64, string, bool, int, int64, json.Number, float32, int32, []any, map[string]any:
		return false
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
		return true
	}
	return false
}

// deref follows non-nil pointers to their values.
func deref(v any) any {
	switch v.(type) {
	case float64, string, bool, int, int64, json.Number, float32, int32, []any, map[string]any:
		return v
	}
	for {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return v
		}
		v = rv.Elem().Interface()
	}
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return "text " + strconv.Quote(x)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number:
		return "number " + x.String()
	case float64:
		return "number " + pyFloatRepr(x)
	case float32:
		return "number " + pyFloatRepr(float64(x))
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case []byte:
		return "bytes"
	case time.Time:
		return "time " + x.Format(time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("integer %v", v)
	}
	return fmt.Sprintf("a %T", v)
}

func toBool(v any) (bool, error) {
	if b, ok := deref(v).(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("cannot use %s as boolean", describe(v))
}

// number is a numeric input seen exactly: an integer (i, with big set when
// it does not fit int64) or a float f.
type number struct {
	isInt  bool
	i      int64
	f      float64
	is32   bool // a float32 input
	tooBig bool // an integer outside int64
}

func toNumber(v any) (number, bool) {
	switch x := deref(v).(type) {
	case float64:
		return number{f: x}, true
	case float32:
		return number{f: float64(x), is32: true}, true
	case int, int8, int16, int32, int64:
		return number{isInt: true, i: reflect.ValueOf(x).Int()}, true
	case uint, uint8, uint16, uint32, uint64:
		return unsignedNumber(reflect.ValueOf(x).Uint()), true
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return number{isInt: true, i: i}, true
			}
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return number{isInt: true, tooBig: true}, true
			}
			return number{}, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return number{}, false
		}
		return number{f: f}, true
	case jnum:
		if x.isInt {
			if i, err := strconv.ParseInt(x.text, 10, 64); err == nil {
				return number{isInt: true, i: i}, true
			}
			return number{isInt: true, tooBig: true}, true
		}
		return number{f: x.f}, true
	}
	return number{}, false
}

func unsignedNumber(u uint64) number {
	if u > math.MaxInt64 {
		return number{isInt: true, tooBig: true}
	}
	return number{isInt: true, i: int64(u)}
}

func toInt(v any, k Kind) (int64, error) {
	n, ok := toNumber(v)
	if !ok {
		return 0, fmt.Errorf("cannot use %s as %s", describe(v), k)
	}
	var x int64
	switch {
	case n.tooBig:
		return 0, fmt.Errorf("cannot safely convert %s to %s: out of range", describe(v), k)
	case n.isInt:
		x = n.i
	default:
		if math.IsNaN(n.f) || math.IsInf(n.f, 0) || n.f != math.Trunc(n.f) {
			return 0, fmt.Errorf("cannot safely convert %s to %s", describe(v), k)
		}
		if n.f < -(1<<63) || n.f >= 1<<63 {
			return 0, fmt.Errorf("cannot safely convert %s to %s: out of range", describe(v), k)
		}
		x = int64(n.f)
	}
	if k == Integer && (x < math.MinInt32 || x > math.MaxInt32) {
		return 0, fmt.Errorf("cannot safely convert %s to integer: out of int32 range", describe(v))
	}
	return x, nil
}

func toFloat(v any, k Kind) (float64, error) {
	n, ok := toNumber(v)
	if !ok {
		return 0, fmt.Errorf("cannot use %s as %s", describe(v), k)
	}
	if n.tooBig {
		return 0, fmt.Errorf("cannot safely convert %s to %s", describe(v), k)
	}
	if n.isInt {
		// Accept only integers the type holds exactly.
		f := float64(n.i)
		if f >= 1<<63 || int64(f) != n.i || (k == Float && float64(float32(f)) != f) {
			return 0, fmt.Errorf("cannot safely convert %s to %s: not exact", describe(v), k)
		}
		return f, nil
	}
	if k == Float && !n.is32 && !math.IsInf(n.f, 0) && !math.IsNaN(n.f) && math.Abs(n.f) > math.MaxFloat32 {
		return 0, fmt.Errorf("cannot safely convert %s to float: out of float32 range", describe(v))
	}
	if k == Float {
		return float64(float32(n.f)), nil
	}
	return n.f, nil
}

func toBytes(v any) ([]byte, error) {
	switch x := deref(v).(type) {
	case []byte:
		return x, nil
	case string:
		b, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return nil, fmt.Errorf("binary text is not base64: %v", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("cannot use %s as binary (want base64 text)", describe(v))
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

func toTime(v any) (time.Time, error) {
	switch x := deref(v).(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		s := strings.TrimSpace(x)
		for _, layout := range timeLayouts {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot parse %s as datetime (want RFC 3339 or ISO 8601)", describe(v))
	}
	return time.Time{}, fmt.Errorf("cannot use %s as datetime", describe(v))
}

const maxValueDepth = 64

// enforceValue checks one value against a type, as MLflow's _enforce_type
// does for composite columns, and returns it converted.
func enforceValue(v any, t Type, required bool, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	if isNullValue(v) {
		if !required || t.Kind == Any || t.Kind == Float || t.Kind == Double {
			return nil, nil
		}
		return nil, fmt.Errorf("null where a %s is required", t)
	}
	v = deref(v)
	switch t.Kind {
	case Any:
		return v, nil
	case Boolean:
		return toBool(v)
	case Integer, Long:
		return toInt(v, t.Kind)
	case Float, Double:
		return toFloat(v, t.Kind)
	case String:
		return toString(v)
	case Binary:
		return toBytes(v)
	case Datetime:
		return toTime(v)
	case Array, SparkMLVector:
		items := Type{Kind: Double}
		if t.Kind == Array {
			items = *t.Items
		}
		list, ok := asList(v)
		if !ok {
			return nil, fmt.Errorf("cannot use %s as %s (want a list)", describe(v), t)
		}
		out := make([]any, len(list))
		for i, e := range list {
			x, err := enforceValue(e, items, required, depth+1)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case Map, Object:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("cannot use %s as %s (want an object)", describe(v), t)
		}
		if t.Kind == Map {
			return enforceMap(m, "key", depth, func(string) (Type, bool) { return *t.Values, required })
		}
		return enforceObject(m, t, depth)
	}
	return nil, fmt.Errorf("unknown type %s", t)
}

// enforceObject checks the object m against the object type t: its
// required properties present, no property t does not define, each value
// of its property's type.
func enforceObject(m map[string]any, t Type, depth int) (map[string]any, error) {
	var missing, extra []string
	props := make(map[string]Property, len(t.Properties))
	for _, p := range t.Properties {
		props[p.Name] = p
		if _, ok := m[p.Name]; !ok && p.Required {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required properties %s", pyrepr.StrList(missing))
	}
	for k := range m {
		if _, ok := props[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("properties not defined in the schema: %s", pyrepr.StrList(extra))
	}
	return enforceMap(m, "property", depth, func(k string) (Type, bool) { return props[k].Type, props[k].Required })
}

// enforceMap enforces each value of m with the type and requiredness
// typeOf gives its key; an error names the key as a what ("key",
// "property").
func enforceMap(m map[string]any, what string, depth int, typeOf func(k string) (Type, bool)) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		t, required := typeOf(k)
		x, err := enforceValue(e, t, required, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, k, err)
		}
		out[k] = x
	}
	return out, nil
}

// asList returns v's items when v is a slice or array (other than []byte).
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	if rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// enforceParamValue checks a parameter value (or default) against its type
// with MLflow's rules (_enforce_param_datatype): the same type, or a
// widening (integer to long, float or double; long to float or double;
// float to double); datetimes from ISO text. Integral floats count as
// integers, since Go's JSON cannot tell 3 from 3.0.
func enforceParamValue(v any, t Type) (any, error) {
	if isNullValue(v) {
		return nil, nil
	}
	if t.Kind == Object {
		return enforceValue(v, t, true, 0)
	}
	if _, isList := asList(v); isList {
		return nil, fmt.Errorf("value must be a scalar for type %s, got %s", t, describe(v))
	}
	if _, isMap := v.(map[string]any); isMap {
		return nil, fmt.Errorf("value must be a scalar for type %s, got %s", t, describe(v))
	}
	return enforceValue(v, t, true, 0)
}

// Enforce checks inference parameters against p as MLflow's
// _enforce_params_schema does: parameters p does not declare are dropped,
// missing ones take their defaults, values are converted by the parameter
// rules, and every failure is reported in one error wrapping ErrSchema.
func (p *ParamSchema) Enforce(params map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(p.Params))
	var problems []string
	for _, ps := range p.Params {
		v, ok := params[ps.Name]
		if !ok {
			out[ps.Name] = ps.Default
			continue
		}
		if ps.Shape != nil && !isNullValue(v) {
			list, isList := asList(v)
			if !isList {
				problems = append(problems, fmt.Sprintf("%s: want a list for shape [-1], got %s", ps.Name, describe(v)))
				continue
			}
			conv := make([]any, len(list))
			bad := false
			for i, e := range list {
				x, err := enforceParamValue(e, ps.Type)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s[%d]: %v", ps.Name, i, err))
					bad = true
					break
				}
				conv[i] = x
			}
			if !bad {
				out[ps.Name] = conv
			}
			continue
		}
		x, err := enforceParamValue(v, ps.Type)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", ps.Name, err))
			continue
		}
		out[ps.Name] = x
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, &SchemaError{Row: -1, Reason: "invalid params: " + strings.Join(problems, "; ")}
	}
	return out, nil
}
