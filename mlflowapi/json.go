package mlflowapi

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// jsonWriter appends proto JSON as MLflow's message_to_json writes it, in
// the order the caller gives fields (proto field order). It writes compact
// JSON; MLflow indents, which no client depends on.
type jsonWriter struct {
	b    []byte
	n    []int    // items written so far at each open object or array
	keys []string // scratch for sorting map keys
}

// sortedKeys returns m's keys in order, in w's scratch slice: valid until
// the next call.
func sortedKeys[V any](w *jsonWriter, m map[string]V) []string {
	w.keys = w.keys[:0]
	for k := range m {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	return w.keys
}

func (w *jsonWriter) sep() {
	if i := len(w.n) - 1; i >= 0 {
		if w.n[i] > 0 {
			w.b = append(w.b, ',')
		}
		w.n[i]++
	}
}

// key starts a member of the open object.
func (w *jsonWriter) key(k string) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
}

// open starts an object: the top level, an array element, or after key.
func (w *jsonWriter) open() {
	w.b = append(w.b, '{')
	w.n = append(w.n, 0)
}

func (w *jsonWriter) close() {
	w.b = append(w.b, '}')
	w.n = w.n[:len(w.n)-1]
}

// openObj starts member k as an object.
func (w *jsonWriter) openObj(k string) {
	w.key(k)
	w.open()
}

// openArr starts member k as an array.
func (w *jsonWriter) openArr(k string) {
	w.key(k)
	w.b = append(w.b, '[')
	w.n = append(w.n, 0)
}

func (w *jsonWriter) closeArr() {
	w.b = append(w.b, ']')
	w.n = w.n[:len(w.n)-1]
}

// elem starts an object element of the open array.
func (w *jsonWriter) elem() {
	w.sep()
	w.open()
}

// strElem writes a string element of the open array.
func (w *jsonWriter) strElem(s string) {
	w.sep()
	w.b = appendString(w.b, s)
}

func (w *jsonWriter) str(k, v string) {
	w.key(k)
	w.b = appendString(w.b, v)
}

// strOpt writes k unless v is empty: a proto field left unset.
func (w *jsonWriter) strOpt(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonWriter) int(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
}

// intOpt writes k unless v is zero: a proto field left unset.
func (w *jsonWriter) intOpt(k string, v int64) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonWriter) float(k string, v float64) {
	w.key(k)
	w.b = appendDouble(w.b, v)
}

func (w *jsonWriter) bool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// writeArray writes member k as an array of objects, each element's
// fields written by write, and nothing when items is empty (a repeated
// field with no element is left out).
func writeArray[T any](w *jsonWriter, k string, items []T, write func(*jsonWriter, T)) {
	if len(items) == 0 {
		return
	}
	w.openArr(k)
	for _, it := range items {
		w.elem()
		write(w, it)
		w.close()
	}
	w.closeArr()
}

// keyValues writes member k as a list of {key, value} objects (tags,
// params) in key order, and nothing when m is empty (a repeated field with
// no element is left out).
func (w *jsonWriter) keyValues(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	w.openArr(k)
	for _, key := range sortedKeys(w, m) {
		w.elem()
		w.str("key", key)
		w.str("value", m[key])
		w.close()
	}
	w.closeArr()
}

// appendDouble appends a double as proto JSON does in Python: NaN and the
// infinities as strings, finite values as Python's repr of a float
// (json.dumps), which always shows a fraction or an exponent.
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return appendPyFloat(b, f)
}

// appendPyFloat appends Python's repr of a finite float: the shortest
// digits that round-trip, positional for decimal exponents -4 to 15 with at
// least one fractional digit ("1.0"), otherwise scientific with a sign and
// at least two exponent digits ("1e-05", "1.5e+16").
func appendPyFloat(b []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // -d.ddde±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		b = append(b, '-')
	}
	// Split into digits and exponent.
	var digits [24]byte
	nd := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[nd] = e[i]
			nd++
		}
	}
	exp := 0
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		exp = -exp
	}
	d := digits[:nd]
	if exp >= -4 && exp < 16 {
		// Positional, as Python writes decimal exponents -4 to 15.
		if exp < 0 {
			b = append(b, '0', '.')
			for j := 0; j < -exp-1; j++ {
				b = append(b, '0')
			}
			return append(b, d...)
		}
		if nd <= exp+1 {
			b = append(b, d...)
			for j := nd; j < exp+1; j++ {
				b = append(b, '0')
			}
			return append(b, '.', '0')
		}
		b = append(b, d[:exp+1]...)
		b = append(b, '.')
		return append(b, d[exp+1:]...)
	}
	b = append(b, d[0])
	if nd > 1 {
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// control characters, U+2028 and U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
