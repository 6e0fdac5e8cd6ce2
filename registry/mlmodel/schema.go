package mlmodel

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind names a column type: one of MLflow's eight data types, or one of its
// composite types (array, object, map, any, sparkml_vector).
type Kind string

// MLflow's data types (mlflow.types.DataType) and composite types. The
// values are the names MLflow writes in signature JSON.
const (
	Boolean  Kind = "boolean"  // bool
	Integer  Kind = "integer"  // 32-bit signed integer (int32)
	Long     Kind = "long"     // 64-bit signed integer (int64)
	Float    Kind = "float"    // 32-bit float (float32)
	Double   Kind = "double"   // 64-bit float (float64)
	String   Kind = "string"   // text
	Binary   Kind = "binary"   // bytes; base64 text in JSON input
	Datetime Kind = "datetime" // date and time (numpy datetime64[ns])

	Array         Kind = "array"          // a list whose items have one Type
	Object        Kind = "object"         // a dict with named, typed Properties
	Map           Kind = "map"            // a dict from string keys to values of one Type
	Any           Kind = "any"            // anything, unchecked
	SparkMLVector Kind = "sparkml_vector" // Spark ML's vector type (an array of doubles)
)

// IsData reports whether k is one of the eight data types (not a composite
// type).
func (k Kind) IsData() bool {
	switch k {
	case Boolean, Integer, Long, Float, Double, String, Binary, Datetime:
		return true
	}
	return false
}

func (k Kind) valid() bool {
	switch k {
	case Array, Object, Map, Any, SparkMLVector:
		return true
	}
	return k.IsData()
}

// Type is a column's, property's or parameter's type. Items is set for
// Array, Values for Map and Properties (sorted by name, as MLflow keeps
// them) for Object; the other kinds use Kind alone.
type Type struct {
	Kind       Kind
	Items      *Type      // Array: the items' type
	Values     *Type      // Map: the values' type
	Properties []Property // Object: its properties, sorted by name
}

// Property is one named field of an Object type.
type Property struct {
	Name     string
	Type     Type
	Required bool
}

// ArrayOf returns the Array type whose items have type items.
func ArrayOf(items Type) Type { return Type{Kind: Array, Items: &items} }

// MapOf returns the Map type whose values have type values.
func MapOf(values Type) Type { return Type{Kind: Map, Values: &values} }

// ObjectOf returns the Object type with the given properties, sorted by
// name.
func ObjectOf(props ...Property) Type {
	p := slices.Clone(props)
	sort.SliceStable(p, func(i, j int) bool { return p[i].Name < p[j].Name })
	return Type{Kind: Object, Properties: p}
}

// String returns the type as MLflow prints it in messages: "double",
// "array<long>", "map<string, double>", "object{a: long, b?: string}".
func (t Type) String() string {
	switch t.Kind {
	case Array:
		if t.Items == nil {
			return "array<?>"
		}
		return "array<" + t.Items.String() + ">"
	case Map:
		if t.Values == nil {
			return "map<string, ?>"
		}
		return "map<string, " + t.Values.String() + ">"
	case Object:
		var b strings.Builder
		b.WriteString("object{")
		for i, p := range t.Properties {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Name)
			if !p.Required {
				b.WriteByte('?')
			}
			b.WriteString(": ")
			b.WriteString(p.Type.String())
		}
		b.WriteString("}")
		return b.String()
	}
	return string(t.Kind)
}

// Equal reports whether t and u are the same type.
func (t Type) Equal(u Type) bool {
	if t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case Array:
		return ptrTypeEqual(t.Items, u.Items)
	case Map:
		return ptrTypeEqual(t.Values, u.Values)
	case Object:
		return slices.EqualFunc(t.Properties, u.Properties, func(a, b Property) bool {
			return a.Name == b.Name && a.Required == b.Required && a.Type.Equal(b.Type)
		})
	}
	return true
}

func ptrTypeEqual(a, b *Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// ColSpec is one column of a column-based schema (MLflow's ColSpec). Name
// is "" for an unnamed column. Required columns must be present in the
// input; optional ones may be left out.
type ColSpec struct {
	Type     Type
	Name     string
	Required bool
}

// Col returns a required column named name of data type k.
func Col(name string, k Kind) ColSpec {
	return ColSpec{Type: Type{Kind: k}, Name: name, Required: true}
}

// TensorSpec is one tensor of a tensor-based schema (MLflow's TensorSpec).
// DType is a numpy dtype name such as "float64", "int32", "str" or
// "datetime64[ns]"; Shape lists the dimensions, -1 for a variable one.
type TensorSpec struct {
	Name  string
	DType string
	Shape []int
}

// Schema describes a model's inputs or outputs: either columns or tensors,
// never both (MLflow's Schema).
type Schema struct {
	Cols    []ColSpec
	Tensors []TensorSpec
}

// IsTensor reports whether s is tensor-based.
func (s *Schema) IsTensor() bool { return len(s.Tensors) > 0 }

// HasNames reports whether s's inputs are named.
func (s *Schema) HasNames() bool {
	if len(s.Cols) > 0 {
		return s.Cols[0].Name != ""
	}
	return len(s.Tensors) > 0 && s.Tensors[0].Name != ""
}

// Names returns the inputs' names, in order ("" for unnamed inputs).
func (s *Schema) Names() []string {
	var out []string
	for _, c := range s.Cols {
		out = append(out, c.Name)
	}
	for _, t := range s.Tensors {
		out = append(out, t.Name)
	}
	return out
}

// ParamSpec is one inference parameter (MLflow's ParamSpec): a name, a type
// (a data type other than binary, or an Object), a default value and a
// shape (nil for a scalar, [-1] for a list).
//
// Default holds nil, bool, string, int64, float64, []any or map[string]any
// (objects decoded from JSON are kept so that they re-encode unchanged);
// datetime defaults are ISO 8601 strings, as MLflow writes them.
type ParamSpec struct {
	Name    string
	Type    Type
	Default any
	Shape   []int

	// raw is the default as decoded (parser types), written back when the
	// caller has not changed Default, so that key order and number forms
	// survive a round trip.
	raw any
	dec any
}

// ParamSchema is a model's list of inference parameters.
type ParamSchema struct {
	Params []ParamSpec
}

// Signature is a model's signature: its input and output schemas and its
// inference parameters. Any of the three may be nil.
type Signature struct {
	Inputs  *Schema
	Outputs *Schema
	Params  *ParamSchema
}

// ErrInvalid is wrapped by every error about a malformed MLmodel file,
// signature or schema.
var ErrInvalid = errors.New("invalid")

// ErrSchema is wrapped by every error about input data that does not match
// a schema (see Schema.Enforce) and by inference failures.
var ErrSchema = errors.New("input does not match the schema")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("mlmodel: %s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

// Validate checks MLflow's rules for a schema: at least one input; all
// columns or all tensors; all named or all unnamed; unique names; more than
// one tensor must be named; unnamed inputs cannot be optional; valid types,
// dtypes and shapes.
func (s *Schema) Validate() error {
	if s == nil {
		return invalidf("schema is nil")
	}
	n := len(s.Cols) + len(s.Tensors)
	if n == 0 {
		return invalidf("schema has no inputs")
	}
	if len(s.Cols) > 0 && len(s.Tensors) > 0 {
		return invalidf("schema mixes column and tensor inputs")
	}
	named := s.HasNames()
	seen := make(map[string]bool, n)
	for i, name := range s.Names() {
		if (name != "") != named {
			return invalidf("schema mixes named and unnamed inputs (input %d)", i)
		}
		if name != "" {
			if seen[name] {
				return invalidf("schema has two inputs named %q", name)
			}
			seen[name] = true
		}
	}
	for i, c := range s.Cols {
		if err := c.Type.validate(0); err != nil {
			return fmt.Errorf("mlmodel: column %s: %w", colLabel(c.Name, i), err)
		}
		if !named && !c.Required {
			return invalidf("unnamed column %d is optional; unnamed inputs must be required", i)
		}
	}
	if len(s.Tensors) > 1 && !named {
		return invalidf("schema has %d unnamed tensors; more than one tensor must be named", len(s.Tensors))
	}
	for i, t := range s.Tensors {
		if !validDType(t.DType) {
			return invalidf("tensor %s: unknown numpy dtype %q", colLabel(t.Name, i), t.DType)
		}
		if len(t.Shape) > maxTensorDims {
			return invalidf("tensor %s: %d dimensions, at most %d", colLabel(t.Name, i), len(t.Shape), maxTensorDims)
		}
		for _, d := range t.Shape {
			if d < -1 {
				return invalidf("tensor %s: dimension %d; want -1 or more", colLabel(t.Name, i), d)
			}
		}
	}
	return nil
}

func colLabel(name string, i int) string {
	if name == "" {
		return strconv.Itoa(i)
	}
	return strconv.Quote(name)
}

const (
	maxTensorDims = 64
	maxTypeDepth  = 32
)

func (t Type) validate(depth int) error {
	if depth > maxTypeDepth {
		return invalidf("type nested deeper than %d levels", maxTypeDepth)
	}
	if !t.Kind.valid() {
		return invalidf("unknown type %q", string(t.Kind))
	}
	switch t.Kind {
	case Array:
		if t.Items == nil {
			return invalidf("array type without items")
		}
		return t.Items.validate(depth + 1)
	case Map:
		if t.Values == nil {
			return invalidf("map type without values")
		}
		return t.Values.validate(depth + 1)
	case Object:
		if len(t.Properties) == 0 {
			return invalidf("object type without properties")
		}
		for i, p := range t.Properties {
			if i > 0 && t.Properties[i-1].Name >= p.Name {
				if t.Properties[i-1].Name == p.Name {
					return invalidf("object type has two properties named %q", p.Name)
				}
				return invalidf("object properties are not sorted by name (%q after %q)", p.Name, t.Properties[i-1].Name)
			}
			if err := p.Type.validate(depth + 1); err != nil {
				return err
			}
		}
	}
	return nil
}

var dtypeRe = regexp.MustCompile(`^(bool|int8|int16|int32|int64|uint8|uint16|uint32|uint64|float16|float32|float64|float128|complex64|complex128|complex256|str|bytes|object|void|(datetime64|timedelta64)(\[(Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\])?)$`)

// validDType reports whether s is a numpy dtype name as numpy's dtype.name
// spells it (MLflow writes dtype.name).
func validDType(s string) bool { return dtypeRe.MatchString(s) }

// Validate checks the parameter schema: names unique and non-empty, types
// a data type other than binary or an Object, shape nil or [-1], and
// defaults of the declared type and shape.
func (p *ParamSchema) Validate() error {
	if p == nil {
		return invalidf("param schema is nil")
	}
	seen := make(map[string]bool, len(p.Params))
	for _, ps := range p.Params {
		if seen[ps.Name] {
			return invalidf("duplicated parameter %q", ps.Name)
		}
		seen[ps.Name] = true
		if err := ps.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (ps *ParamSpec) validate() error {
	if ps.Type.Kind == Binary {
		return invalidf("param %q: binary parameters are not supported", ps.Name)
	}
	if !ps.Type.Kind.IsData() && ps.Type.Kind != Object {
		return invalidf("param %q: type %s; want a data type or an object", ps.Name, ps.Type)
	}
	if err := ps.Type.validate(0); err != nil {
		return fmt.Errorf("mlmodel: param %q: %w", ps.Name, err)
	}
	if ps.Shape != nil && !(len(ps.Shape) == 1 && ps.Shape[0] == -1) {
		return invalidf("param %q: shape %v; want none or [-1]", ps.Name, ps.Shape)
	}
	if ps.Type.Kind == Object && ps.Shape != nil {
		return invalidf("param %q: object parameters cannot have a shape", ps.Name)
	}
	v := ps.Default
	if v == nil {
		return nil
	}
	if ps.Shape != nil {
		list, ok := v.([]any)
		if !ok {
			return invalidf("param %q: default must be a list for shape [-1]", ps.Name)
		}
		for i, e := range list {
			if _, err := enforceParamValue(e, ps.Type); err != nil {
				return invalidf("param %q: default item %d: %v", ps.Name, i, err)
			}
		}
		return nil
	}
	if _, err := enforceParamValue(v, ps.Type); err != nil {
		return invalidf("param %q: default: %v", ps.Name, err)
	}
	return nil
}
