package mlmodel

import (
	"fmt"
	"math"
	"math/big"
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
	var specs []any
	if len(s.Cols) > 0 {
		for _, c := range s.Cols {
			specs = append(specs, colSpecJSON(c))
		}
	} else {
		for _, t := range s.Tensors {
			specs = append(specs, tensorSpecJSON(t))
		}
	}
	return dumpJSON(specs)
}

// MarshalJSON implements json.Marshaler with the same content as JSON
// (encoding/json compacts the spacing).
func (s *Schema) MarshalJSON() ([]byte, error) { return marshalText(s.JSON()) }

// UnmarshalJSON implements json.Unmarshaler with ParseSchemaJSON's rules.
func (s *Schema) UnmarshalJSON(b []byte) error { return unmarshalText(s, b, ParseSchemaJSON) }

// dumpJSON returns v as writeJSON writes it.
func dumpJSON(v any) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// marshalText is a MarshalJSON of a JSON method's result.
func marshalText(text string, err error) ([]byte, error) { return []byte(text), err }

// unmarshalText is an UnmarshalJSON that parses b with parse into dst.
func unmarshalText[T any](dst *T, b []byte, parse func(string) (*T, error)) error {
	got, err := parse(string(b))
	if err != nil {
		return err
	}
	*dst = *got
	return nil
}

// typeJSON returns t's dict as MLflow writes it: "type", and
// items/values/properties for composite types.
func typeJSON(t Type) *jobj {
	o := (&jobj{}).add("type", string(t.Kind))
	switch t.Kind {
	case Array:
		o.add("items", typeJSON(*t.Items))
	case Map:
		o.add("values", typeJSON(*t.Values))
	case Object:
		props := &jobj{}
		for _, p := range t.Properties {
			props.add(p.Name, typeJSON(p.Type).add("required", p.Required))
		}
		o.add("properties", props)
	}
	return o
}

func colSpecJSON(c ColSpec) *jobj {
	o := typeJSON(c.Type)
	if c.Name != "" {
		o.add("name", c.Name)
	}
	return o.add("required", c.Required)
}

func tensorSpecJSON(t TensorSpec) *jobj {
	o := &jobj{}
	if t.Name != "" {
		o.add("name", t.Name)
	}
	shape := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = int64(d)
	}
	return o.add("type", "tensor").add("tensor-spec", (&jobj{}).add("dtype", t.DType).add("shape", shape))
}

// JSON returns p as MLflow's ParamSchema.to_json writes it.
func (p *ParamSchema) JSON() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	specs := make([]any, len(p.Params))
	for i := range p.Params {
		spec, err := paramSpecJSON(&p.Params[i])
		if err != nil {
			return "", err
		}
		specs[i] = spec
	}
	return dumpJSON(specs)
}

// MarshalJSON implements json.Marshaler with the same content as JSON.
func (p *ParamSchema) MarshalJSON() ([]byte, error) { return marshalText(p.JSON()) }

// UnmarshalJSON implements json.Unmarshaler with ParseParamSchemaJSON's
// rules.
func (p *ParamSchema) UnmarshalJSON(b []byte) error { return unmarshalText(p, b, ParseParamSchemaJSON) }

// paramSpecJSON returns ps's dict as MLflow writes it; its error is about
// a default JSON cannot hold.
func paramSpecJSON(ps *ParamSpec) (*jobj, error) {
	var def any = ps.Default
	if ps.raw != nil && sameJSON(ps.Default, ps.dec) {
		def = ps.raw
	} else {
		def = pyDefault(ps.Default)
	}
	if _, err := dumpJSON(def); err != nil {
		return nil, fmt.Errorf("mlmodel: param %q default: %w", ps.Name, err)
	}
	var shape any
	if ps.Shape != nil {
		shape = []int64{-1}
	}
	o := (&jobj{}).add("name", ps.Name).add("default", def).add("shape", shape)
	t := typeJSON(ps.Type)
	o.keys = append(o.keys, t.keys...)
	o.vals = append(o.vals, t.vals...)
	return o, nil
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
	s := &Schema{}
	return parseSpecList(text, specList{"schema", "schema", "inputs", "schema input"}, s, func(o *jobj) error {
		if tv, _ := o.get("type"); tv == "tensor" {
			t, err := decodeTensorSpec(o)
			s.Tensors = append(s.Tensors, t)
			return err
		}
		c, err := decodeColSpec(o)
		s.Cols = append(s.Cols, c)
		return err
	})
}

// specList names a JSON list of specs in parseSpecList's errors.
type specList struct {
	text  string // the text ("schema" JSON is n bytes, ...)
	list  string // the list ("schema": want a JSON list, ...)
	items string // its elements, counted ("inputs")
	item  string // one element ("schema input" 3: ...)
}

// parseSpecList parses text, a JSON list of at most MaxSchemaInputs
// objects of at most MaxSchemaJSON bytes, hands each object to decode in
// turn and returns dst once it passes its Validate.
func parseSpecList[T interface{ Validate() error }](text string, n specList, dst T, decode func(o *jobj) error) (T, error) {
	var zero T
	if len(text) > MaxSchemaJSON {
		return zero, invalidf("%s JSON is %d bytes, more than %d", n.text, len(text), MaxSchemaJSON)
	}
	v, err := parseJSON(text)
	if err != nil {
		return zero, fmt.Errorf("mlmodel: %s: %w", n.list, err)
	}
	list, ok := v.([]any)
	if !ok {
		return zero, invalidf("%s: want a JSON list, got %s", n.list, jsonKind(v))
	}
	if len(list) > MaxSchemaInputs {
		return zero, invalidf("%s: %d %s, more than %d", n.list, len(list), n.items, MaxSchemaInputs)
	}
	for i, e := range list {
		o, ok := e.(*jobj)
		if !ok {
			return zero, invalidf("%s %d: want an object, got %s", n.item, i, jsonKind(e))
		}
		if err := decode(o); err != nil {
			return zero, fmt.Errorf("mlmodel: %s %d: %w", n.item, i, err)
		}
	}
	if err := dst.Validate(); err != nil {
		return zero, err
	}
	return dst, nil
}

// jsonKind names the kind of a decoded value, from the JSON parser (jnum,
// *jobj) or the YAML reader (int64, *big.Int, float64, map[string]any), for
// error messages.
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
	case int64, *big.Int:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case *jobj:
		return "an object"
	case map[string]any:
		return "a mapping"
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

// optionalName reads a spec's optional "name", which must not be empty;
// what says what it names in the error.
func optionalName(o *jobj, what string) (string, error) {
	name, has, err := getString(o, "name", false)
	if err == nil && has && name == "" {
		err = invalidf("empty %s name", what)
	}
	return name, err
}

func decodeColSpec(o *jobj) (ColSpec, error) {
	var c ColSpec
	var err error
	if c.Name, err = optionalName(o, "column"); err != nil {
		return c, err
	}
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
	if key, ok := typeMembers[t.Kind]; ok {
		if err := checkKeys(o, append([]string{"type", key}, extra...)...); err != nil {
			return t, err
		}
		so, err := getObject(o, key, k+" type")
		if err != nil {
			return t, err
		}
		if t.Kind == Object {
			t.Properties, err = decodeProperties(so, depth)
			return t, err
		}
		st, err := decodeType(so, depth+1)
		if err != nil {
			return t, fmt.Errorf("mlmodel: %s: %w", key, err)
		}
		if t.Kind == Array {
			t.Items = &st
		} else {
			t.Values = &st
		}
		return t, nil
	}
	if !t.Kind.valid() {
		return t, invalidf("unknown type %q", k)
	}
	return t, checkKeys(o, append([]string{"type"}, extra...)...)
}

// typeMembers names the key holding a composite type's members.
var typeMembers = map[Kind]string{Array: "items", Map: "values", Object: "properties"}

// getObject reads the object o[key]; owner names o in the error for a
// missing key.
func getObject(o *jobj, key, owner string) (*jobj, error) {
	v, ok := o.get(key)
	if !ok {
		return nil, invalidf("%s without %q", owner, key)
	}
	so, ok := v.(*jobj)
	if !ok {
		return nil, invalidf("%q: want an object, got %s", key, jsonKind(v))
	}
	return so, nil
}

// decodeProperties reads an object type's properties, sorted by name.
func decodeProperties(po *jobj, depth int) ([]Property, error) {
	if len(po.keys) == 0 {
		return nil, invalidf("object type without properties")
	}
	props := make([]Property, 0, len(po.keys))
	for i, name := range po.keys {
		pv, ok := po.vals[i].(*jobj)
		if !ok {
			return nil, invalidf("property %q: want an object, got %s", name, jsonKind(po.vals[i]))
		}
		req, err := getBool(pv, "required", true)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: property %q: %w", name, err)
		}
		pt, err := decodeType(pv, depth+1, "required")
		if err != nil {
			return nil, fmt.Errorf("mlmodel: property %q: %w", name, err)
		}
		props = append(props, Property{Name: name, Type: pt, Required: req})
	}
	sort.SliceStable(props, func(i, j int) bool { return props[i].Name < props[j].Name })
	return props, nil
}

func decodeTensorSpec(o *jobj) (TensorSpec, error) {
	var t TensorSpec
	if err := checkKeys(o, "name", "type", "tensor-spec"); err != nil {
		return t, err
	}
	var err error
	if t.Name, err = optionalName(o, "tensor"); err != nil {
		return t, err
	}
	so, err := getObject(o, "tensor-spec", "tensor")
	if err != nil {
		return t, err
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
	p := &ParamSchema{Params: []ParamSpec{}}
	return parseSpecList(text, specList{"param schema", "params", "params", "param"}, p, func(o *jobj) error {
		ps, err := decodeParamSpec(o)
		p.Params = append(p.Params, ps)
		return err
	})
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
