package query

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// op is a comparator.
type op uint8

const (
	opEq op = iota + 1
	opNe
	opLt
	opLe
	opGt
	opGe
	opLike
	opILike
	opNotLike
	opNotILike
	opIn
	opNotIn
	opIsNull
	opIsNotNull
)

var opNames = [...]string{
	opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opLike: "LIKE", opILike: "ILIKE", opNotLike: "NOT LIKE", opNotILike: "NOT ILIKE",
	opIn: "IN", opNotIn: "NOT IN", opIsNull: "IS NULL", opIsNotNull: "IS NOT NULL",
}

func (o op) String() string {
	if s := nameOf(opNames[:], o); s != "" {
		return s
	}
	return "?"
}

// nameOf returns the name of v in names, indexed by value, or "" when v
// has none.
func nameOf[T ~uint8](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}

// field is a resolved identifier: what kind, which key, which aggregate.
type field struct {
	kind    Field
	agg     Agg    // FieldMetric only: 0 for the latest value
	key     string // metric/param/tag key, canonical attribute name, or dataset field
	numeric bool   // FieldAttr: a numeric attribute
	print   string // FieldAttr: the spelling String() prints
}

// number is a numeric literal. i is meaningful only when isInt.
type number struct {
	f     float64
	i     int64
	isInt bool
}

func (n number) String() string {
	if n.isInt {
		return strconv.FormatInt(n.i, 10)
	}
	if math.IsInf(n.f, 1) {
		return "1e999"
	}
	if math.IsInf(n.f, -1) {
		return "-1e999"
	}
	s := strconv.FormatFloat(n.f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// litKind says what a comparison's right side is.
type litKind uint8

const (
	litNone litKind = iota // IS NULL / IS NOT NULL
	litNum
	litStr
	litList
)

type literal struct {
	kind litKind
	num  number
	str  string
	list []string // in input order, duplicates kept
}

// nodeKind is the shape of an expression node.
type nodeKind uint8

const (
	nCmp nodeKind = iota + 1
	nAnd
	nOr
	nNot
)

// node is one node of a parsed filter. It holds no input positions, so that
// a filter and the re-parse of its String() are deeply equal.
type node struct {
	kind nodeKind
	kids []*node // nAnd, nOr: two or more; nNot: one
	f    field   // nCmp
	op   op      // nCmp
	lit  literal // nCmp
}

// writeTo appends the canonical text of n.
func (n *node) writeTo(b *strings.Builder) {
	switch n.kind {
	case nAnd, nOr:
		sep := " AND "
		if n.kind == nOr {
			sep = " OR "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			// AND binds tighter than OR: only an OR inside an AND needs parentheses.
			if n.kind == nAnd && k.kind == nOr {
				b.WriteByte('(')
				k.writeTo(b)
				b.WriteByte(')')
			} else {
				k.writeTo(b)
			}
		}
	case nNot:
		b.WriteString("NOT ")
		k := n.kids[0]
		if k.kind == nAnd || k.kind == nOr {
			b.WriteByte('(')
			k.writeTo(b)
			b.WriteByte(')')
		} else {
			k.writeTo(b)
		}
	case nCmp:
		n.f.writeTo(b)
		b.WriteByte(' ')
		b.WriteString(n.op.String())
		switch n.lit.kind {
		case litNum:
			b.WriteByte(' ')
			b.WriteString(n.lit.num.String())
		case litStr:
			b.WriteByte(' ')
			writeQuoted(b, n.lit.str, '\'')
		case litList:
			b.WriteString(" (")
			for i, s := range n.lit.list {
				if i > 0 {
					b.WriteString(", ")
				}
				writeQuoted(b, s, '\'')
			}
			b.WriteByte(')')
		}
	}
}

// writeTo appends the canonical text of an identifier.
func (f field) writeTo(b *strings.Builder) {
	if f.agg != 0 {
		b.WriteString(f.agg.String())
		b.WriteByte('(')
	}
	switch f.kind {
	case FieldAttr:
		writeName(b, f.print)
	default:
		b.WriteString(fieldPrefix[f.kind])
		b.WriteByte('.')
		writeKey(b, f.key)
	}
	if f.agg != 0 {
		b.WriteByte(')')
	}
}

func (f field) String() string {
	var b strings.Builder
	f.writeTo(&b)
	return b.String()
}

// writeQuoted writes s between q quotes, doubling any q inside.
func writeQuoted(b *strings.Builder, s string, q byte) {
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		if s[i] == q {
			b.WriteByte(q)
		}
		b.WriteByte(s[i])
	}
	b.WriteByte(q)
}

// writeName writes a single-part name bare when it scans as one bare word,
// backticked otherwise.
func writeName(b *strings.Builder, s string) {
	if isBareWord(s, true) && !isKeyword(s) && !isAggName(s) {
		b.WriteString(s)
		return
	}
	writeQuoted(b, s, '`')
}

// writeKey writes a key after a type prefix: bare when every dot-separated
// part is a bare word (so `tags.mlflow.runName` stays readable), backticked
// otherwise.
func writeKey(b *strings.Builder, s string) {
	bare := s != ""
	for part := range strings.SplitSeq(s, ".") {
		if !isBareWord(part, false) {
			bare = false
			break
		}
	}
	if bare {
		b.WriteString(s)
		return
	}
	writeQuoted(b, s, '`')
}

// isIdentStart reports whether r may begin a bare word.
func isIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}

// isIdentCont reports whether r may continue a bare word.
func isIdentCont(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isBareWord reports whether s scans as one bare word. A key part after a
// dot may start with a digit (first is false).
func isBareWord(s string, first bool) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if i == 0 && first && !isIdentStart(r) {
			return false
		}
		if !isIdentCont(r) {
			return false
		}
	}
	return true
}

var keywords = []string{"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"}

func isKeyword(s string) bool {
	for _, k := range keywords {
		if asciiEqualFold(s, k) {
			return true
		}
	}
	return false
}

func isAggName(s string) bool {
	_, ok := aggByName(s)
	return ok
}

func aggByName(s string) (Agg, bool) {
	for a, n := range aggNames {
		if n != "" && asciiEqualFold(s, n) {
			return Agg(a), true
		}
	}
	return 0, false
}

// asciiEqualFold compares keywords case-insensitively in ASCII only, so that
// no other letter (the Kelvin sign, say) spells a keyword.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// asciiUpper upper-cases ASCII letters only.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
