package mlmodel

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a JSON reader and writer that behave like Python's json
// module with its defaults, because MLflow stores signatures as the output of
// json.dumps: separators ", " and ": ", ensure_ascii escapes, floats in
// Python's repr, NaN/Infinity accepted and written, integers of any size.

// maxJSONDepth bounds nesting in signature JSON; MLflow's nested types are
// rarely more than a few levels deep.
const maxJSONDepth = 64

// jnum is a JSON number kept as Python would see it: an int (text of
// digits, any size) or a float.
type jnum struct {
	isInt bool
	text  string  // for ints: canonical decimal digits with optional '-'
	f     float64 // for floats
}

// jobj is a JSON object that keeps its key order (Python dicts do).
type jobj struct {
	keys []string
	vals []any
}

func (o *jobj) get(k string) (any, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// add appends a member whose key the object does not hold yet (writers
// use it to build what they write) and returns o.
func (o *jobj) add(k string, v any) *jobj {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

// set replaces an existing key in place (json.loads keeps the first
// position and the last value) or appends a new one.
func (o *jobj) set(k string, v any) {
	for i, key := range o.keys {
		if key == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

var errJSON = errors.New("invalid JSON")

// jparser parses JSON the way Python's json.loads does with default
// arguments, into nil, bool, string, jnum, []any and *jobj.
type jparser struct {
	s   string
	pos int
}

func parseJSON(s string) (any, error) {
	p := &jparser{s: s}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.s) {
		return nil, p.errf("extra data after the value")
	}
	return v, nil
}

func (p *jparser) errf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errJSON, p.pos, fmt.Sprintf(format, args...))
}

func (p *jparser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) lit(word string) bool {
	if strings.HasPrefix(p.s[p.pos:], word) {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *jparser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.errf("nested deeper than %d levels", maxJSONDepth)
	}
	if p.pos >= len(p.s) {
		return nil, p.errf("unexpected end of input")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 'n' && p.lit("null"):
		return nil, nil
	case c == 't' && p.lit("true"):
		return true, nil
	case c == 'f' && p.lit("false"):
		return false, nil
	case c == 'N' && p.lit("NaN"):
		return jnum{f: math.NaN()}, nil
	case c == 'I' && p.lit("Infinity"):
		return jnum{f: math.Inf(1)}, nil
	case c == '-' && p.lit("-Infinity"):
		return jnum{f: math.Inf(-1)}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errf("unexpected character %q", p.s[p.pos])
}

func (p *jparser) object(depth int) (any, error) {
	o := &jobj{}
	if p.open('}') {
		return o, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			return nil, p.errf("expected a string key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errf("expected ':'")
		}
		p.pos++
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
		if more, err := p.more('}', "object"); !more {
			return o, err
		}
	}
}

func (p *jparser) array(depth int) (any, error) {
	a := []any{}
	if p.open(']') {
		return a, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if more, err := p.more(']', "array"); !more {
			return a, err
		}
	}
}

// open steps over the opening bracket of an object or array and reports
// whether the closing one follows at once (the container is empty), in
// which case it steps over that too.
func (p *jparser) open(closing byte) bool {
	p.pos++
	p.ws()
	if p.pos < len(p.s) && p.s[p.pos] == closing {
		p.pos++
		return true
	}
	return false
}

// more reads what follows a member of an object or array: true after a
// ',', false with a nil error after the closing bracket, false with an
// error otherwise.
func (p *jparser) more(closing byte, what string) (bool, error) {
	p.ws()
	if p.pos >= len(p.s) {
		return false, p.errf("unterminated %s", what)
	}
	switch p.s[p.pos] {
	case ',':
		p.pos++
		return true, nil
	case closing:
		p.pos++
		return false, nil
	}
	return false, p.errf("expected ',' or '%c'", closing)
}

func hexVal(s string) (rune, bool) {
	if len(s) != 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

func (p *jparser) str() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for {
		start := p.pos
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			p.pos++
		}
		b.WriteString(p.s[start:p.pos])
		if p.pos >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			out := b.String()
			if !utf8.ValidString(out) {
				return "", p.errf("string is not valid UTF-8")
			}
			return out, nil
		case c < 0x20:
			return "", p.errf("control character in string")
		}
		// backslash
		if p.pos+1 >= len(p.s) {
			return "", p.errf("unterminated escape")
		}
		e := p.s[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if p.pos+4 > len(p.s) {
				return "", p.errf("short \\u escape")
			}
			r, ok := hexVal(p.s[p.pos : p.pos+4])
			if !ok {
				return "", p.errf("bad \\u escape")
			}
			p.pos += 4
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one makes a
				// character; lone surrogates cannot live in a Go string.
				if r >= 0xDC00 || p.pos+6 > len(p.s) || p.s[p.pos] != '\\' || p.s[p.pos+1] != 'u' {
					return "", p.errf("lone surrogate in \\u escape")
				}
				r2, ok := hexVal(p.s[p.pos+2 : p.pos+6])
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return "", p.errf("lone surrogate in \\u escape")
				}
				p.pos += 6
				r = utf16.DecodeRune(r, r2)
			}
			b.WriteRune(r)
		default:
			return "", p.errf("bad escape \\%c", e)
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *jparser) number() (any, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(p.s) || !isDigit(p.s[p.pos]) {
		return nil, p.errf("bad number")
	}
	if p.s[p.pos] == '0' {
		p.pos++
	} else {
		for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
			p.pos++
		}
	}
	isInt := true
	if p.pos+1 < len(p.s) && p.s[p.pos] == '.' && isDigit(p.s[p.pos+1]) {
		isInt = false
		p.pos++
		for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		q := p.pos + 1
		if q < len(p.s) && (p.s[q] == '+' || p.s[q] == '-') {
			q++
		}
		if q < len(p.s) && isDigit(p.s[q]) {
			isInt = false
			for q < len(p.s) && isDigit(p.s[q]) {
				q++
			}
			p.pos = q
		}
	}
	text := p.s[start:p.pos]
	if isInt {
		if len(text) > 4300 {
			// Python refuses int strings over 4300 digits by default.
			return nil, p.errf("integer too long")
		}
		if text == "-0" {
			text = "0"
		}
		return jnum{isInt: true, text: text}, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.errf("bad number %q", text)
	}
	return jnum{f: f}, nil
}

// pyFloatRepr formats f as Python's repr(float) does: the shortest digits
// that read back to f, in fixed notation when the decimal exponent is in
// [-4, 16), else in scientific notation with a signed two-digit (or longer)
// exponent. Non-finite values are written as Python's json module does.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // e.g. "-1.2345e+06"
	neg := false
	if e[0] == '-' {
		neg = true
		e = e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.digits * 10^decpt
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if decpt > -4 && decpt <= 16 {
		switch {
		case decpt <= 0:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -decpt))
			b.WriteString(digits)
		case decpt >= len(digits):
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", decpt-len(digits)))
			b.WriteString(".0")
		default:
			b.WriteString(digits[:decpt])
			b.WriteByte('.')
			b.WriteString(digits[decpt:])
		}
		return b.String()
	}
	b.WriteByte(digits[0])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('e')
	x := decpt - 1
	if x < 0 {
		b.WriteByte('-')
		x = -x
	} else {
		b.WriteByte('+')
	}
	if x < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(x))
	return b.String()
}

// writeJSONString appends s as json.dumps writes a str with ensure_ascii:
// printable ASCII as is except '"' and '\\', the five short escapes, and
// every other character as \uXXXX (UTF-16 surrogate pairs above U+FFFF).
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r <= 0x7e:
			b.WriteByte(byte(r))
		default:
			units := []rune{r}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				units = []rune{r1, r2}
			}
			for _, u := range units {
				b.WriteString(`\u`)
				b.WriteByte(hex[u>>12&0xF])
				b.WriteByte(hex[u>>8&0xF])
				b.WriteByte(hex[u>>4&0xF])
				b.WriteByte(hex[u&0xF])
			}
		}
	}
	b.WriteByte('"')
}

// writeJSON appends v as json.dumps would. It accepts the parser's types
// (jnum, *jobj) and plain Go values: nil, bool, string, the integer kinds,
// float32/float64, []any, []string, []int64, []float64, []bool,
// map[string]any (keys sorted, since Go maps have no order).
func writeJSON(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		writeJSONString(b, x)
	case jnum:
		if x.isInt {
			b.WriteString(x.text)
		} else {
			b.WriteString(pyFloatRepr(x.f))
		}
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		fmt.Fprint(b, x)
	case *big.Int:
		if x == nil {
			b.WriteString("null")
		} else {
			b.WriteString(x.String())
		}
	case float32:
		// Python sees a float32 default as the float64 of the same value.
		b.WriteString(pyFloatRepr(float64(x)))
	case float64:
		b.WriteString(pyFloatRepr(x))
	case []any:
		return writeJSONList(b, x)
	case []string:
		return writeJSONList(b, x)
	case []int64:
		return writeJSONList(b, x)
	case []float64:
		return writeJSONList(b, x)
	case []bool:
		return writeJSONList(b, x)
	case *jobj:
		return writeJSONObject(b, x.keys, func(i int) any { return x.vals[i] })
	case map[string]any:
		keys := sortedKeys(x)
		return writeJSONObject(b, keys, func(i int) any { return x[keys[i]] })
	default:
		return fmt.Errorf("mlmodel: cannot write a %T as JSON", v)
	}
	return nil
}

// writeJSONList appends xs as a JSON array, each element as writeJSON
// writes it.
func writeJSONList[T any](b *strings.Builder, xs []T) error {
	b.WriteByte('[')
	for i, e := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := writeJSON(b, e); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

// writeJSONObject appends a JSON object with keys in the given order and
// the value of keys[i] given by val(i).
func writeJSONObject(b *strings.Builder, keys []string, val func(i int) any) error {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, k)
		b.WriteString(": ")
		if err := writeJSON(b, val(i)); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}
