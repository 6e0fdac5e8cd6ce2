// Package ubjson decodes Universal Binary JSON (draft 12), the binary form
// of JSON XGBoost saves models in (model.ubj): null, no-op, booleans,
// big-endian integers of 8 to 64 bits, float32 and float64, high-precision
// numbers and strings, arrays and objects, with or without the optimized
// $type and #count headers.
//
// Decode returns the same shapes as encoding/json into an any, except for
// numbers: int64 for integers, float32 for 'd', float64 for 'D' and
// json.Number for high-precision 'H' numbers. It is a parser of untrusted
// bytes: it bounds nesting and never allocates more than the input can
// fill.
//
// Package ubjson imports only the standard library.
package ubjson

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects.
const MaxDepth = 256

// ErrSyntax is wrapped by every decoding error.
var ErrSyntax = errors.New("ubjson: invalid data")

type decoder struct {
	b   []byte
	off int
}

func (d *decoder) errf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, d.off, fmt.Sprintf(format, args...))
}

// Decode decodes one value that fills data.
func Decode(data []byte) (any, error) {
	d := &decoder{b: data}
	m, err := d.marker()
	if err != nil {
		return nil, err
	}
	v, err := d.value(m, 0)
	if err != nil {
		return nil, err
	}
	for d.off < len(d.b) && d.b[d.off] == 'N' {
		d.off++
	}
	if d.off != len(d.b) {
		return nil, d.errf("%d bytes after the value", len(d.b)-d.off)
	}
	return v, nil
}

// marker reads the next type marker, skipping no-ops.
func (d *decoder) marker() (byte, error) {
	for d.off < len(d.b) {
		m := d.b[d.off]
		d.off++
		if m != 'N' {
			return m, nil
		}
	}
	return 0, d.errf("unexpected end of data")
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, d.errf("%d bytes wanted, %d left", n, len(d.b)-d.off)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// size is the number of bytes a value of marker m takes after its marker,
// for the fixed-size types; 0 otherwise.
func size(m byte) int {
	switch m {
	case 'i', 'U', 'C':
		return 1
	case 'I':
		return 2
	case 'l', 'd':
		return 4
	case 'L', 'D':
		return 8
	}
	return 0
}

// integer reads an integer of marker m.
func (d *decoder) integer(m byte) (int64, error) {
	n := size(m)
	if n == 0 || m == 'd' || m == 'D' || m == 'C' {
		return 0, d.errf("marker %q is not an integer", m)
	}
	p, err := d.take(n)
	if err != nil {
		return 0, err
	}
	switch m {
	case 'i':
		return int64(int8(p[0])), nil
	case 'U':
		return int64(p[0]), nil
	case 'I':
		return int64(int16(binary.BigEndian.Uint16(p))), nil
	case 'l':
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	default:
		return int64(binary.BigEndian.Uint64(p)), nil
	}
}

// length reads a length or count: an integer marker and its value, >= 0.
func (d *decoder) length() (int, error) {
	m, err := d.marker()
	if err != nil {
		return 0, err
	}
	n, err := d.integer(m)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > int64(len(d.b)) {
		return 0, d.errf("length %d", n)
	}
	return int(n), nil
}

func (d *decoder) str() (string, error) {
	n, err := d.length()
	if err != nil {
		return "", err
	}
	p, err := d.take(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(p) {
		return "", d.errf("string is not UTF-8")
	}
	return string(p), nil
}

// value reads the value of marker m.
func (d *decoder) value(m byte, depth int) (any, error) {
	switch m {
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i', 'U', 'I', 'l', 'L':
		return d.integer(m)
	case 'd':
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(p)), nil
	case 'D':
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case 'C':
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		if p[0] >= utf8.RuneSelf {
			return nil, d.errf("char %#x is not ASCII", p[0])
		}
		return string(p), nil
	case 'S':
		return d.str()
	case 'H':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && !errors.Is(err, strconv.ErrRange) || !json.Valid([]byte(s)) {
			return nil, d.errf("high-precision number %q", s)
		}
		return json.Number(s), nil
	case '[', '{':
		if depth >= MaxDepth {
			return nil, d.errf("nesting deeper than %d", MaxDepth)
		}
		return d.container(m, depth+1)
	}
	return nil, d.errf("unknown marker %q", m)
}

// container reads an array or object after its opening marker.
func (d *decoder) container(open byte, depth int) (any, error) {
	var typ byte
	count := -1
	if d.off < len(d.b) && d.b[d.off] == '$' {
		d.off++
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		typ = p[0]
		if typ == 'N' || typ == '$' || typ == '#' || typ == ']' || typ == '}' {
			return nil, d.errf("container type %q", typ)
		}
		if d.off >= len(d.b) || d.b[d.off] != '#' {
			return nil, d.errf("a $type container without a #count")
		}
	}
	if d.off < len(d.b) && d.b[d.off] == '#' {
		d.off++
		n, err := d.length()
		if err != nil {
			return nil, err
		}
		count = n
		// Each item takes at least one byte (a typed one its size, and a
		// null, true or false none): refuse counts the data cannot hold.
		per := 1
		if typ != 0 {
			per = size(typ)
			if open == '{' {
				per++ // a key's length at least
			}
		}
		if typ == 'Z' || typ == 'T' || typ == 'F' {
			if count > 1<<20 {
				return nil, d.errf("%d valueless items", count)
			}
		} else if count > (len(d.b)-d.off)/max(per, 1) {
			return nil, d.errf("count %d is more than the data holds", count)
		}
	}
	item := func() (any, error) {
		if typ != 0 {
			return d.value(typ, depth)
		}
		m, err := d.marker()
		if err != nil {
			return nil, err
		}
		return d.value(m, depth)
	}
	end := func(closer byte) (bool, error) {
		if count >= 0 {
			return false, nil
		}
		for d.off < len(d.b) && d.b[d.off] == 'N' {
			d.off++
		}
		if d.off >= len(d.b) {
			return false, d.errf("unexpected end of data in a container")
		}
		if d.b[d.off] == closer {
			d.off++
			return true, nil
		}
		return false, nil
	}
	if open == '[' {
		arr := make([]any, 0, max(count, 0))
		for i := 0; count < 0 || i < count; i++ {
			if done, err := end(']'); err != nil || done {
				return arr, err
			}
			v, err := item()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	}
	obj := make(map[string]any, max(count, 0))
	for i := 0; count < 0 || i < count; i++ {
		if done, err := end('}'); err != nil || done {
			return obj, err
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		v, err := item()
		if err != nil {
			return nil, err
		}
		obj[k] = v
	}
	return obj, nil
}
