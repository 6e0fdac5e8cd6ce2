package mlmodel

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxSchemaJSON caps the length of a schema or param schema JSON text this
// package will parse (ParseSchemaJSON, ParseParamSchemaJSON, and the
// signature strings inside an MLmodel file).
const MaxSchemaJSON = 8 << 20

// MaxSchemaInputs caps the number of columns, tensors or params in one
// schema.
const MaxSchemaInputs = 100_000

// JSON returns s as MLflow's Schema.to_json writes it: a JSON list of
// column or tensor specs, byte for byte as Python's json.dumps formats it.
func (s *Schema) JSON() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteByte('[')
	if len(s.Cols) > 0 {
		for i, c := range s.Cols {
			if i > 0 {
				b.WriteString(", ")
			}
			writeColSpec(&b, c)
		}
	} else {
		for i, t := range s.Tensors {
			if i > 0 {
				b.WriteString(", ")
			}
			writeTensorSpec(&b, t)
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

// MarshalJSON implements json.Marshaler with the same content as JSON
// (encoding/json compacts the spacing).
func (s *Schema) MarshalJSON() ([]byte, error) {
	t, err := s.JSON()
	return []byte(t), err
}

// UnmarshalJSON implements json.Unmarshaler with ParseSchemaJSON's rules.
func (s *Schema) UnmarshalJSON(b []byte) error {
	got, err := ParseSchemaJSON(string(b))
	if err != nil {
		return err
	}
	*s = *got
	return nil
}

func writeKey(b *strings.Builder, k string) {
	writeJSONString(b, k)
	b.WriteString(": ")
}

// writeTypeBody writes the members of t's dict (without braces):
// "type": ..., and items/properties/values for composite types.
func writeTypeBody(b *strings.Builder, t Type) {
	writeKey(b, "type")
	writeJSONString(b, string(t.Kind))
	switch t.Kind {
	case Array:
		b.WriteString(", ")
		writeKey(b, "items")
		b.WriteByte('{')
		writeTypeBody(b, *t.Items)
		b.WriteByte('}')
	case Map:
		b.WriteString(", ")
		writeKey(b, "values")
		b.WriteByte('{')
		writeTypeBody(b, *t.Values)
		b.WriteByte('}')
	case Object:
		b.WriteString(", ")
		writeKey(b, "properties")
		b.WriteByte('{')
		for i, p := range t.Properties {
			if i > 0 {
				b.WriteString(", ")
			}
			writeKey(b, p.Name)
			b.WriteByte('{')
			writeTypeBody(b, p.Type)
			b.WriteString(", ")
			writeKey(b, "required")
			b.WriteString(strconv.FormatBool(p.Required))
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
}

func writeColSpec(b *strings.Builder, c ColSpec) {
	b.WriteByte('{')
	writeTypeBody(b, c.Type)
	if c.Name != "" {
		b.WriteString(", ")
		writeKey(b, "name")
		writeJSONString(b, c.Name)
	}
	b.WriteString(", ")
	writeKey(b, "required")
	b.WriteString(strconv.FormatBool(c.Required))
	b.WriteByte('}')
}

func writeTensorSpec(b *strings.Builder, t TensorSpec) {
	b.WriteByte('{')
	if t.Name != "" {
		writeKey(b, "name")
		writeJSONString(b, t.Name)
		b.WriteString(", ")
	}
	writeKey(b, "type")
	b.WriteString(`"tensor", `)
	writeKey(b, "tensor-spec")
	b.WriteByte('{')
	writeKey(b, "dtype")
	writeJSONString(b, t.DType)
	b.WriteString(", ")
	writeKey(b, "shape")
	b.WriteByte('[')
	for i, d := range t.Shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteString("]}}")
}

// JSON returns p as MLflow's ParamSchema.to_json writes it.
func (p *ParamSchema) JSON() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteByte('[')
	for i := range p.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeParamSpec(&b, &p.Params[i]); err != nil {
			return "", err
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

// MarshalJSON implements json.Marshaler with the same content as JSON.
func (p *ParamSchema) MarshalJSON() ([]byte, error) {
	t, err := p.JSON()
	return []byte(t), err
}

// UnmarshalJSON implements json.Unmarshaler with ParseParamSchemaJSON's
// rules.
func (p *ParamSchema) UnmarshalJSON(b []byte) error {
	got, err := ParseParamSchemaJSON(string(b))
	if err != nil {
		return err
	}
	*p = *got
	return nil
}

func writeParamSpec(b *strings.Builder, ps *ParamSpec) error {
	b.WriteByte('{')
	writeKey(b, "name")
	writeJSONString(b, ps.Name)
	b.WriteString(", ")
	writeKey(b, "default")
	var def any = ps.Default
	if ps.raw != nil && sameJSON(ps.Default, ps.dec) {
		def = ps.raw
	} else {
		def = pyDefault(ps.Default)
	}
	if err := writeJSON(b, def); err != nil {
		return fmt.Errorf("mlmodel: param %q default: %w", ps.Name, err)
	}
	b.WriteString(", ")
	writeKey(b, "shape")
	if ps.Shape == nil {
		b.WriteString("null")
	} else {
		b.WriteString("[-1]")
	}
	b.WriteString(", ")
	writeTypeBody(b, ps.Type)
	b.WriteByte('}')
	return nil
}

// pyDefault turns time.Time defaults (and lists of them) into the ISO text
// MLflow writes (datetime.isoformat of a naive datetime).
func pyDefault(v any) any {
	switch x := v.(type) {
	case time.Time:
		return pyISOFormat(x)
	case []time.Time:
		out := make([]any, len(x))
		for i, t := range x {
			out[i] = pyISOFormat(t)
		}
		return out
	}
	return v
}

// pyISOFormat formats t in UTC as Python's naive datetime.isoformat():
// "2024-05-01T12:34:56" or "2024-05-01T12:34:56.123456".
func pyISOFormat(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

// ParseSchemaJSON parses a schema as MLflow's Schema.from_json reads it (a
// JSON list of column or tensor specs) and checks it with Validate. Unknown
// keys, wrong value types and malformed specs are refused with an error
// that names the input and the key; object properties are sorted by name,
// as MLflow sorts them.
func ParseSchemaJSON(text string) (*Schema, error) {
	if len(text) > MaxSchemaJSON {
		return nil, invalidf("schema JSON is %d bytes, more than %d", len(text), MaxSchemaJSON)
	}
	v, err := parseJSON(text)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: schema: %w", err)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidf("schema: want a JSON list, got %s", jsonKind(v))
	}
	if len(list) > MaxSchemaInputs {
		return nil, invalidf("schema: %d inputs, more than %d", len(list), MaxSchemaInputs)
	}
	s := &Schema{}
	for i, e := range list {
		o, ok := e.(*jobj)
		if !ok {
			return nil, invalidf("schema input %d: want an object, got %s", i, jsonKind(e))
		}
		tv, _ := o.get("type")
		if tv == "tensor" {
			t, err := decodeTensorSpec(o)
			if err != nil {
				return nil, fmt.Errorf("mlmodel: schema input %d: %w", i, err)
			}
			s.Tensors = append(s.Tensors, t)
			continue
		}
		c, err := decodeColSpec(o)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: schema input %d: %w", i, err)
		}
		s.Cols = append(s.Cols, c)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case jnum:
		if x.isInt {
			return "an integer"
		}
		return "a number"
	case []any:
		return "a list"
	case *jobj:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func checkKeys(o *jobj, allowed ...string) error {
	for _, k := range o.keys {
		if !slices.Contains(allowed, k) {
			return invalidf("unexpected key %q (want %s)", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func getString(o *jobj, key string, need bool) (string, bool, error) {
	v, ok := o.get(key)
	if !ok {
		if need {
			return "", false, invalidf("missing key %q", key)
		}
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, invalidf("%q: want a string, got %s", key, jsonKind(v))
	}
	return s, true, nil
}

func getBool(o *jobj, key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, invalidf("%q: want true or false, got %s", key, jsonKind(v))
	}
	return b, nil
}

func decodeColSpec(o *jobj) (ColSpec, error) {
	var c ColSpec
	name, has, err := getString(o, "name", false)
	if err != nil {
		return c, err
	}
	if has && name == "" {
		return c, invalidf("empty column name")
	}
	c.Name = name
	if c.Required, err = getBool(o, "required", true); err != nil {
		return c, err
	}
	c.Type, err = decodeType(o, 0, "name", "required")
	return c, err
}

// decodeType reads a type dict; extra names the keys the caller allows
// besides the type's own.
func decodeType(o *jobj, depth int, extra ...string) (Type, error) {
	if depth > maxTypeDepth {
		return Type{}, invalidf("type nested deeper than %d levels", maxTypeDepth)
	}
	k, _, err := getString(o, "type", true)
	if err != nil {
		return Type{}, err
	}
	t := Type{Kind: Kind(k)}
	sub := func(key string) (*Type, error) {
		v, ok := o.get(key)
		if !ok {
			return nil, invalidf("%s type without %q", k, key)
		}
		so, ok := v.(*jobj)
		if !ok {
			return nil, invalidf("%q: want an object, got %s", key, jsonKind(v))
		}
		st, err := decodeType(so, depth+1)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: %s: %w", key, err)
		}
		return &st, nil
	}
	switch t.Kind {
	case Array:
		if err := checkKeys(o, append([]string{"type", "items"}, extra...)...); err != nil {
			return t, err
		}
		t.Items, err = sub("items")
		return t, err
	case Map:
		if err := checkKeys(o, append([]string{"type", "values"}, extra...)...); err != nil {
			return t, err
		}
		t.Values, err = sub("values")
		return t, err
	case Object:
		if err := checkKeys(o, append([]string{"type", "properties"}, extra...)...); err != nil {
			return t, err
		}
		v, ok := o.get("properties")
		if !ok {
			return t, invalidf("object type without \"properties\"")
		}
		po, ok := v.(*jobj)
		if !ok {
			return t, invalidf("\"properties\": want an object, got %s", jsonKind(v))
		}
		if len(po.keys) == 0 {
			return t, invalidf("object type without properties")
		}
		for i, name := range po.keys {
			pv, ok := po.vals[i].(*jobj)
			if !ok {
				return t, invalidf("property %q: want an object, got %s", name, jsonKind(po.vals[i]))
			}
			req, err := getBool(pv, "required", true)
			if err != nil {
				return t, fmt.Errorf("mlmodel: property %q: %w", name, err)
			}
			pt, err := decodeType(pv, depth+1, "required")
			if err != nil {
				return t, fmt.Errorf("mlmodel: property %q: %w", name, err)
			}
			t.Properties = append(t.Properties, Property{Name: name, Type: pt, Required: req})
		}
		sort.SliceStable(t.Properties, func(i, j int) bool { return t.Properties[i].Name < t.Properties[j].Name })
		return t, nil
	}
	if !t.Kind.valid() {
		return t, invalidf("unknown type %q", k)
	}
	return t, checkKeys(o, append([]string{"type"}, extra...)...)
}

func decodeTensorSpec(o *jobj) (TensorSpec, error) {
	var t TensorSpec
	if err := checkKeys(o, "name", "type", "tensor-spec"); err != nil {
		return t, err
	}
	name, has, err := getString(o, "name", false)
	if err != nil {
		return t, err
	}
	if has && name == "" {
		return t, invalidf("empty tensor name")
	}
	t.Name = name
	v, ok := o.get("tensor-spec")
	if !ok {
		return t, invalidf("tensor without \"tensor-spec\"")
	}
	so, ok := v.(*jobj)
	if !ok {
		return t, invalidf("\"tensor-spec\": want an object, got %s", jsonKind(v))
	}
	if err := checkKeys(so, "dtype", "shape"); err != nil {
		return t, err
	}
	if t.DType, _, err = getString(so, "dtype", true); err != nil {
		return t, err
	}
	sv, ok := so.get("shape")
	if !ok {
		return t, invalidf("tensor-spec without \"shape\"")
	}
	list, ok := sv.([]any)
	if !ok {
		return t, invalidf("\"shape\": want a list, got %s", jsonKind(sv))
	}
	if len(list) > maxTensorDims {
		return t, invalidf("\"shape\": %d dimensions, at most %d", len(list), maxTensorDims)
	}
	t.Shape = make([]int, 0, len(list))
	for _, d := range list {
		n, ok := d.(jnum)
		if !ok || !n.isInt {
			return t, invalidf("\"shape\": want integers, got %s", jsonKind(d))
		}
		x, err := strconv.ParseInt(n.text, 10, 32)
		if err != nil {
			return t, invalidf("\"shape\": dimension %s out of range", n.text)
		}
		t.Shape = append(t.Shape, int(x))
	}
	return t, nil
}

// ParseParamSchemaJSON parses a param schema as MLflow's
// ParamSchema.from_json reads it (accepting "dtype" for "type", as MLflow
// does for old files) and checks it with Validate.
func ParseParamSchemaJSON(text string) (*ParamSchema, error) {
	if len(text) > MaxSchemaJSON {
		return nil, invalidf("param schema JSON is %d bytes, more than %d", len(text), MaxSchemaJSON)
	}
	v, err := parseJSON(text)
	if err != nil {
		return nil, fmt.Errorf("mlmodel: params: %w", err)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidf("params: want a JSON list, got %s", jsonKind(v))
	}
	if len(list) > MaxSchemaInputs {
		return nil, invalidf("params: %d params, more than %d", len(list), MaxSchemaInputs)
	}
	p := &ParamSchema{Params: []ParamSpec{}}
	for i, e := range list {
		o, ok := e.(*jobj)
		if !ok {
			return nil, invalidf("param %d: want an object, got %s", i, jsonKind(e))
		}
		ps, err := decodeParamSpec(o)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: param %d: %w", i, err)
		}
		p.Params = append(p.Params, ps)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func decodeParamSpec(o *jobj) (ParamSpec, error) {
	var ps ParamSpec
	name, _, err := getString(o, "name", true)
	if err != nil {
		return ps, err
	}
	ps.Name = name
	def, ok := o.get("default")
	if !ok {
		return ps, invalidf("missing key \"default\"")
	}
	// Old files say "dtype"; MLflow reads either and writes "type".
	to := o
	if _, has := o.get("type"); !has {
		if dt, has := o.get("dtype"); has {
			to = &jobj{keys: []string{"type"}, vals: []any{dt}}
			if pr, has := o.get("properties"); has {
				to.keys = append(to.keys, "properties")
				to.vals = append(to.vals, pr)
			}
		}
	}
	ps.Type, err = decodeType(to, 0, "name", "default", "shape", "dtype")
	if err != nil {
		return ps, err
	}
	if sv, has := o.get("shape"); has && sv != nil {
		list, ok := sv.([]any)
		if !ok || len(list) != 1 {
			return ps, invalidf("\"shape\": want null or [-1]")
		}
		if n, ok := list[0].(jnum); !ok || !n.isInt || n.text != "-1" {
			return ps, invalidf("\"shape\": want null or [-1]")
		}
		ps.Shape = []int{-1}
	}
	ps.raw = def
	ps.dec = plainJSON(def)
	ps.Default = plainJSON(def)
	return ps, nil
}

// plainJSON converts parser values to plain Go values: jnum to int64 (or
// float64 when out of range) and float64, *jobj to map[string]any.
func plainJSON(v any) any {
	switch x := v.(type) {
	case jnum:
		if x.isInt {
			if n, err := strconv.ParseInt(x.text, 10, 64); err == nil {
				return n
			}
			f, _ := strconv.ParseFloat(x.text, 64)
			return f
		}
		return x.f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainJSON(e)
		}
		return out
	case *jobj:
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			out[k] = plainJSON(x.vals[i])
		}
		return out
	}
	return v
}

// sameJSON reports whether two plain JSON values are equal, NaN equal to
// NaN (so that an unchanged default with a NaN keeps its original text).
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case nil, bool, string, int64:
		return a == b
	}
	return false
}
