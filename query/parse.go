package query

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of parentheses and NOT in a filter, so that a
// hostile filter cannot exhaust the stack.
const MaxDepth = 100

// MaxInputLen bounds the length in bytes of a filter or an order_by item.
const MaxInputLen = 1 << 20

// parser is a hand-written recursive-descent parser that scans the input on
// demand: what a character means depends on where the parser is (a '.' joins
// identifier parts, a double-quoted text is a key on the left and a string on
// the right).
type parser struct {
	in    string
	pos   int
	def   *entityDef
	depth int
	ext   bool // an extension to MLflow's language was used
	order bool // parsing an order_by item: attributes checked for order use
}

// part is one dot-separated piece of an identifier.
type part struct {
	text  string
	quote byte // 0 (bare), '`' or '"'
	off   int
}

func (p *parser) errAt(off int, format string, args ...any) *Error {
	return errAt(p.in, off, format, args...)
}

func (p *parser) eof() bool { return p.pos >= len(p.in) }

func (p *parser) skipSpace() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

// peekRune returns the rune at the current position (utf8.RuneError, 0 at EOF).
func (p *parser) peekRune() (rune, int) {
	if p.pos >= len(p.in) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(p.in[p.pos:])
}

// peekWord returns the bare word at the current position without consuming it.
func (p *parser) peekWord() string {
	end := p.pos
	for end < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[end:])
		if end == p.pos && !isIdentStart(r) || !isIdentCont(r) {
			break
		}
		end += n
	}
	return p.in[p.pos:end]
}

// scanBare consumes a run of identifier characters (at least one).
func (p *parser) scanBare() string {
	start := p.pos
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if !isIdentCont(r) {
			break
		}
		p.pos += n
	}
	return p.in[start:p.pos]
}

// scanQuoted consumes a text between quotes q, where a doubled q stands for one.
// what names the construct for the unterminated error.
func (p *parser) scanQuoted(q byte, what string) (string, error) {
	start := p.pos
	p.pos++ // opening quote
	var b []byte
	seg := p.pos
	for p.pos < len(p.in) {
		if p.in[p.pos] != q {
			p.pos++
			continue
		}
		if p.pos+1 < len(p.in) && p.in[p.pos+1] == q {
			b = append(b, p.in[seg:p.pos+1]...)
			p.pos += 2
			seg = p.pos
			continue
		}
		var s string
		if b == nil {
			s = p.in[seg:p.pos]
		} else {
			s = string(append(b, p.in[seg:p.pos]...))
		}
		p.pos++ // closing quote
		return s, nil
	}
	return "", p.errAt(start, "unterminated %s: no closing %c", what, q)
}

// parseFilter parses the whole input as a filter expression.
func (p *parser) parseFilter() (*node, error) {
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.unexpected(false)
	}
	return n, nil
}

// unexpected reports what follows a complete condition when it is not AND, OR,
// a closing parenthesis (inParen) or the end.
func (p *parser) unexpected(inParen bool) error {
	off := p.pos
	want := "AND, OR or the end of the filter"
	if inParen {
		want = "AND, OR or ')'"
	}
	r, _ := p.peekRune()
	switch {
	case r == ')':
		return p.errAt(off, "unexpected ')' with no matching '('")
	case r == ';':
		return p.errAt(off, "unexpected ';': a filter is a single expression; join conditions with AND")
	case isIdentStart(r):
		w := p.peekWord()
		if s := suggest(w, []string{"AND", "OR"}); s != "" {
			return p.errAt(off, "unexpected '%s' after a condition; did you mean '%s'?", w, s)
		}
		return p.errAt(off, "unexpected '%s' after a condition; expected %s", w, want)
	}
	return p.errAt(off, "unexpected %s after a condition; expected %s", describeAt(p.in, off), want)
}

// describeAt quotes the token-ish text at off for an error message.
func describeAt(in string, off int) string {
	if off >= len(in) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(in[off:])
	switch r {
	case '\'', '"', '`':
		end := strings.IndexByte(in[off+1:], in[off])
		if end < 0 {
			end = len(in)
		} else {
			end += off + 2
		}
		what := "string "
		if r == '`' {
			what = "name "
		}
		return what + clip(in[off:end], 40)
	case '<', '>', '=', '!', '~':
		end := off
		for end < len(in) && strings.IndexByte("<>=!~", in[end]) >= 0 {
			end++
		}
		return "'" + in[off:end] + "'"
	}
	if isIdentStart(r) {
		end := off
		for end < len(in) {
			r, n := utf8.DecodeRuneInString(in[end:])
			if !isIdentCont(r) {
				break
			}
			end += n
		}
		return "'" + clip(in[off:end], 40) + "'"
	}
	return "'" + string(r) + "'"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

func (p *parser) keyword(w string) bool {
	p.skipSpace()
	got := p.peekWord()
	if asciiEqualFold(got, w) {
		p.pos += len(got)
		return true
	}
	return false
}

func (p *parser) parseOr() (*node, error) { return p.parseChain("OR", nOr, p.parseAnd) }

func (p *parser) parseAnd() (*node, error) { return p.parseChain("AND", nAnd, p.parseNot) }

// parseChain parses operands joined by the keyword op (OR, AND) into one
// node of kind k, or returns the operand alone. OR is an extension of
// MLflow's grammar, which has AND only.
func (p *parser) parseChain(op string, k nodeKind, operand func() (*node, error)) (*node, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	var kids []*node
	for {
		save := p.pos
		if !p.keyword(op) {
			p.pos = save
			break
		}
		if k == nOr {
			p.ext = true
		}
		right, err := operand()
		if err != nil {
			return nil, err
		}
		if kids == nil {
			kids = appendFlat(kids, left, k)
		}
		kids = appendFlat(kids, right, k)
	}
	if kids == nil {
		return left, nil
	}
	return &node{kind: k, kids: kids}, nil
}

// appendFlat appends n to kids, splicing in n's children when n is itself a
// node of kind k: (a AND b) AND c is a AND b AND c.
func appendFlat(kids []*node, n *node, k nodeKind) []*node {
	if n.kind == k {
		return append(kids, n.kids...)
	}
	return append(kids, n)
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(off, "expression nested too deeply (more than %d levels of parentheses and NOT)", MaxDepth)
	}
	return nil
}

func (p *parser) parseNot() (*node, error) {
	p.skipSpace()
	off := p.pos
	if w := p.peekWord(); asciiEqualFold(w, "NOT") {
		p.pos += len(w)
		p.ext = true
		if err := p.enter(off); err != nil {
			return nil, err
		}
		k, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &node{kind: nNot, kids: []*node{k}}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (*node, error) {
	p.skipSpace()
	off := p.pos
	if p.eof() {
		return nil, p.errAt(off, "expected a condition, found the end of the filter")
	}
	if p.in[p.pos] == '(' {
		p.ext = true
		if err := p.enter(off); err != nil {
			return nil, err
		}
		p.pos++
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.eof() {
			return nil, p.errAt(off, "missing ')' to close this '('")
		}
		if p.in[p.pos] != ')' {
			return nil, p.unexpected(true)
		}
		p.pos++
		p.depth--
		return n, nil
	}
	return p.parseComparison()
}

// parseOperand parses the left side of a comparison or an order_by key: an
// identifier, or an aggregate over a metric identifier.
func (p *parser) parseOperand() (field, error) {
	p.skipSpace()
	off := p.pos
	r, _ := p.peekRune()
	switch {
	case p.eof():
		return field{}, p.errAt(off, "expected an identifier such as metrics.auc, params.model or tags.team, found the end of the input")
	case r == '\'':
		return field{}, p.errAt(off, "a single-quoted string cannot name a key; quote keys with backticks or double quotes, values with single quotes")
	case r == '-' || r == '.' || r == '+' || (r >= '0' && r <= '9'):
		return field{}, p.errAt(off, "expected an identifier on the left of the comparison, found a number; write the identifier first (metrics.acc > 0.9)")
	case r == '`' || r == '"' || isIdentStart(r):
	default:
		return field{}, p.errAt(off, "expected an identifier such as metrics.auc, found %s", describeAt(p.in, off))
	}
	parts, err := p.scanParts()
	if err != nil {
		return field{}, err
	}
	if len(parts) == 1 && parts[0].quote == 0 && isKeyword(parts[0].text) {
		return field{}, p.errAt(off, "expected a condition, found the keyword %s", asciiUpper(parts[0].text))
	}
	if len(parts) == 1 && parts[0].quote == 0 {
		save := p.pos
		p.skipSpace()
		if !p.eof() && p.in[p.pos] == '(' {
			return p.parseAggregate(parts[0])
		}
		p.pos = save
	}
	return p.resolve(parts)
}

// scanParts scans an identifier: parts joined by '.' with no space around.
func (p *parser) scanParts() ([]part, error) {
	var parts []part
	for {
		off := p.pos
		r, _ := p.peekRune()
		switch {
		case p.pos < len(p.in) && (p.in[p.pos] == '`' || p.in[p.pos] == '"'):
			q := p.in[p.pos]
			what := "backtick-quoted name"
			if q == '"' {
				what = "double-quoted name"
			}
			s, err := p.scanQuoted(q, what)
			if err != nil {
				return nil, err
			}
			parts = append(parts, part{text: s, quote: q, off: off})
		case isIdentStart(r) || (len(parts) > 0 && isIdentCont(r)):
			parts = append(parts, part{text: p.scanBare(), off: off})
		default:
			return nil, p.errAt(off, "expected a key after '.', found %s", describeAt(p.in, off))
		}
		if p.pos < len(p.in) && p.in[p.pos] == '.' {
			p.pos++
			continue
		}
		return parts, nil
	}
}

// parseAggregate parses `agg(metrics.key)` after the function name.
func (p *parser) parseAggregate(name part) (field, error) {
	agg, ok := aggByName(name.text)
	if !ok {
		return field{}, p.errAt(name.off, "unknown function '%s'; the aggregates are min, max, last, count and avg%s", name.text,
			didYouMean(name.text, []string{"min", "max", "last", "count", "avg"}))
	}
	if p.def.entity != Runs {
		return field{}, p.errAt(name.off, "aggregates apply to run metrics; %s have no metrics", p.def.entity)
	}
	p.ext = true
	p.pos++ // '('
	p.skipSpace()
	innerOff := p.pos
	r, _ := p.peekRune()
	if p.eof() || !(r == '`' || r == '"' || isIdentStart(r)) {
		return field{}, p.errAt(innerOff, "expected a metric such as metrics.loss inside %s(), found %s", agg, describeAt(p.in, innerOff))
	}
	parts, err := p.scanParts()
	if err != nil {
		return field{}, err
	}
	f, err := p.resolve(parts)
	if err != nil {
		return field{}, err
	}
	if f.kind != FieldMetric || f.agg != 0 {
		return field{}, p.errAt(innerOff, "%s() applies to metrics, found %s", agg, f.describe())
	}
	p.skipSpace()
	if p.eof() || p.in[p.pos] != ')' {
		return field{}, p.errAt(p.pos, "expected ')' to close %s(, found %s", agg, describeAt(p.in, p.pos))
	}
	p.pos++
	f.agg = agg
	return f, nil
}

// resolve turns identifier parts into a field: split on the first '.', no
// prefix means an attribute.
func (p *parser) resolve(parts []part) (field, error) {
	def := p.def
	if len(parts) == 1 {
		return p.resolveAttr(parts[0], parts[0].text, false)
	}
	t := parts[0]
	if t.quote == '"' {
		return field{}, p.errAt(t.off, "the type prefix may be bare or backticked, not double-quoted")
	}
	kind, ok := def.prefixes[t.text]
	if !ok {
		// Prefer the canonical spellings when two candidates are as close.
		names := append(slices.Clone(def.prefixUI), slices.Sorted(maps.Keys(def.prefixes))...)
		hint := didYouMean(t.text, names)
		if hint == "" {
			if _, run := runPrefixes[t.text]; run && def.entity != Runs {
				return field{}, p.errAt(t.off, "%s have no %s; use %s", def.entity, t.text, joinOr(def.prefixUI))
			}
		}
		return field{}, p.errAt(t.off, "unknown type '%s'; use %s%s", t.text, joinOr(def.prefixUI), hint)
	}
	keyParts := parts[1:]
	var key string
	if len(keyParts) == 1 {
		key = keyParts[0].text
	} else {
		texts := make([]string, len(keyParts))
		for i, kp := range keyParts {
			if kp.quote != 0 {
				return field{}, p.errAt(kp.off, "a quoted key must be the whole key: quote it all, as in %s.`a.b`", t.text)
			}
			texts[i] = kp.text
		}
		key = strings.Join(texts, ".")
	}
	koff := keyParts[0].off
	switch kind {
	case FieldAttr:
		return p.resolveAttr(keyParts[0], key, true)
	case FieldDataset:
		for _, k := range datasetKeys {
			if k == key {
				return field{kind: FieldDataset, key: key}, nil
			}
		}
		return field{}, p.errAt(koff, "unknown dataset field '%s'; use datasets.name, datasets.digest or datasets.context%s", key, didYouMean(key, datasetKeys))
	}
	if key == "" {
		return field{}, p.errAt(koff, "empty %s key", kind)
	}
	return field{kind: kind, key: key}, nil
}

// resolveAttr checks an attribute name against the entity. prefixed says
// whether the name came after an attribute type prefix.
func (p *parser) resolveAttr(at part, name string, prefixed bool) (field, error) {
	def := p.def
	a := def.lookupAttr(name)
	use := "a filter"
	if p.order {
		use = "order_by"
	}
	if a == nil {
		valid := def.attrSpellings(p.order)
		hint := didYouMean(name, def.allSpellings())
		if hint == "" {
			// `metrics.A` in backticks as a whole: a type prefix hidden in the quotes.
			if i := strings.IndexByte(name, '.'); i > 0 && at.quote != 0 {
				if _, ok := def.prefixes[name[:i]]; ok {
					hint = "; to name a key with a type, quote only the key: " + name[:i] + ".`" + name[i+1:] + "`"
				}
			}
		}
		if hint == "" && !prefixed && at.quote == 0 {
			hint = " (a name without a type prefix is an attribute)"
		}
		return field{}, p.errAt(at.off, "unknown attribute '%s' for %s; valid attributes in %s are %s%s", name, def.entity, use, joinOr(valid), hint)
	}
	if (p.order && !a.order) || (!p.order && !a.filter) {
		return field{}, p.errAt(at.off, "attribute '%s' cannot be used in %s for %s; use %s", name, use, def.entity, joinOr(def.attrSpellings(p.order)))
	}
	return field{kind: FieldAttr, key: a.name, numeric: a.numeric, print: a.spellings[0]}, nil
}

// describe names a field for messages: "metric 'auc'", "attribute 'status'".
func (f field) describe() string {
	switch {
	case f.agg != 0:
		return f.agg.String() + "(metric '" + f.key + "')"
	case f.kind == FieldAttr && f.numeric:
		return "numeric attribute '" + f.print + "'"
	case f.kind == FieldAttr:
		return "attribute '" + f.print + "'"
	case f.kind == FieldDataset:
		return "datasets." + f.key
	}
	return f.kind.String() + " '" + f.key + "'"
}

// allowedOps lists the comparators a field accepts (MLflow's, plus the
// extensions NOT LIKE, NOT ILIKE, IS NULL and IS NOT NULL).
func (p *parser) allowedOps(f field) []op {
	numeric := []op{opEq, opNe, opLt, opLe, opGt, opGe, opIsNull, opIsNotNull}
	str := []op{opEq, opNe, opLike, opILike, opNotLike, opNotILike, opIsNull, opIsNotNull}
	switch {
	case f.agg != 0:
		return numeric[:6]
	case f.kind == FieldMetric:
		return numeric
	case f.kind == FieldAttr && f.numeric:
		if p.def.attrByName(f.key).in {
			return append(numeric, opIn)
		}
		return numeric
	case f.kind == FieldAttr:
		a := p.def.attrByName(f.key)
		out := str
		if a.in {
			out = append(out, opIn)
		}
		if a.notIn {
			out = append(out, opNotIn)
		}
		return out
	case f.kind == FieldDataset:
		return append(str, opIn, opNotIn)
	}
	return str
}

// mlflowOps renders the comparators MLflow itself allows for f, for messages.
func (p *parser) mlflowOps(f field) string {
	var names []string
	for _, o := range p.allowedOps(f) {
		switch o {
		case opNotLike, opNotILike, opIsNull, opIsNotNull:
			continue
		}
		names = append(names, o.String())
	}
	return joinOr(names)
}

// scanOp scans a comparator. It returns the op and its text.
func (p *parser) scanOp(f field) (op, error) {
	p.skipSpace()
	off := p.pos
	if p.eof() {
		return 0, p.errAt(off, "expected a comparator after %s, found the end of the filter", f)
	}
	c := p.in[p.pos]
	if strings.IndexByte("<>=!~", c) >= 0 {
		end := p.pos
		for end < len(p.in) && strings.IndexByte("<>=!~", p.in[end]) >= 0 {
			end++
		}
		text := p.in[p.pos:end]
		var o op
		switch text {
		case "=":
			o = opEq
		case "!=":
			o = opNe
		case "<":
			o = opLt
		case "<=":
			o = opLe
		case ">":
			o = opGt
		case ">=":
			o = opGe
		default:
			hint := ""
			switch text {
			case "==":
				hint = "; did you mean '='?"
			case "=>":
				hint = "; did you mean '>='?"
			case "=<":
				hint = "; did you mean '<='?"
			case "<>", "!", "=!", "!==":
				hint = "; did you mean '!='?"
			}
			return 0, p.errAt(off, "unknown comparator '%s' for %s%s", text, f.kind, hint)
		}
		p.pos = end
		return o, p.checkOp(f, o, off)
	}
	r, _ := p.peekRune()
	if !isIdentStart(r) {
		return 0, p.errAt(off, "expected a comparator after %s, found %s", f, describeAt(p.in, off))
	}
	w := p.peekWord()
	p.pos += len(w)
	var o op
	switch asciiUpper(w) {
	case "LIKE":
		o = opLike
	case "ILIKE":
		o = opILike
	case "IN":
		o = opIn
	case "NOT":
		save := p.pos
		switch {
		case p.keyword("IN"):
			o = opNotIn
		case p.keyword("LIKE"):
			o = opNotLike
		case p.keyword("ILIKE"):
			o = opNotILike
		default:
			p.pos = save
			return 0, p.errAt(off, "expected IN, LIKE or ILIKE after NOT")
		}
	case "IS":
		o = opIsNull
		if p.keyword("NOT") {
			o = opIsNotNull
		}
		if !p.keyword("NULL") {
			p.skipSpace()
			return 0, p.errAt(p.pos, "expected NULL after IS; IS compares only with NULL (use = for values)")
		}
	default:
		return 0, p.errAt(off, "unknown comparator '%s' for %s%s", w, f.kind,
			didYouMean(w, []string{"LIKE", "ILIKE", "IN", "NOT IN", "IS"}))
	}
	return o, p.checkOp(f, o, off)
}

// checkOp rejects a comparator the field does not accept.
func (p *parser) checkOp(f field, o op, off int) error {
	for _, a := range p.allowedOps(f) {
		if a == o {
			switch o {
			case opNotLike, opNotILike, opIsNull, opIsNotNull:
				p.ext = true
			}
			return nil
		}
	}
	switch {
	case (o == opIsNull || o == opIsNotNull) && f.agg != 0:
		return p.errAt(off, "%s does not apply to an aggregate; test the metric itself (metrics.%s %s)", o, f.key, o)
	case (o == opIn || o == opNotIn) && f.kind == FieldAttr && p.def.attrByName(f.key).in:
		return p.errAt(off, "%s is not allowed for %s; use IN", o, f.describe())
	case o == opIn || o == opNotIn:
		lists := "attributes.run_id and datasets.name, digest and context"
		if p.def.entity != Runs {
			var names []string
			for _, a := range p.def.attrs {
				if a.in {
					names = append(names, a.spellings[0])
				}
			}
			lists = strings.Join(names, " and ")
		}
		if lists == "" {
			return p.errAt(off, "%s is not allowed for %s: %s take no lists", o, f.describe(), p.def.entity)
		}
		return p.errAt(off, "%s is not allowed for %s: only %s take lists", o, f.describe(), lists)
	}
	return p.errAt(off, "comparator %s is not allowed for %s; use %s", o, f.describe(), p.mlflowOps(f))
}

// parseComparison parses `identifier comparator value`.
func (p *parser) parseComparison() (*node, error) {
	f, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	o, err := p.scanOp(f)
	if err != nil {
		return nil, err
	}
	n := &node{kind: nCmp, f: f, op: o}
	switch o {
	case opIsNull, opIsNotNull:
		return n, nil
	case opIn, opNotIn:
		n.lit, err = p.parseList(f, o)
	default:
		n.lit, err = p.parseValue(f, o)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// wantsNumber reports whether f compares with numeric literals.
func (f field) wantsNumber() bool {
	return f.kind == FieldMetric || (f.kind == FieldAttr && f.numeric)
}

// parseValue parses the literal on the right of a comparison and type-checks
// it against the field.
func (p *parser) parseValue(f field, o op) (literal, error) {
	p.skipSpace()
	off := p.pos
	if p.eof() {
		return literal{}, p.errAt(off, "expected a value after %s, found the end of the filter", o)
	}
	c := p.in[p.pos]
	r, _ := p.peekRune()
	switch {
	case c == '\'' || c == '"':
		s, err := p.scanQuoted(c, "string")
		if err != nil {
			return literal{}, err
		}
		if f.wantsNumber() {
			if n, ok := p.quotedInt(f, s); ok {
				return literal{kind: litNum, num: n}, nil
			}
			return literal{}, p.errAt(off, "expected a number for %s, found the string %s; numbers are not quoted", f.describe(), quoteForMsg(s))
		}
		return literal{kind: litStr, str: s}, nil
	case c == '-' || c == '.' || (c >= '0' && c <= '9'):
		num, err := p.scanNumber()
		if err != nil {
			return literal{}, err
		}
		if !f.wantsNumber() {
			return literal{}, p.errAt(off, "expected a quoted string for %s, found the number %s; quote it: '%s'", f.describe(), p.in[off:p.pos], p.in[off:p.pos])
		}
		return literal{kind: litNum, num: num}, nil
	case c == '`':
		return literal{}, p.errAt(off, "a backtick-quoted value is not a value: backticks quote keys; quote values with single or double quotes")
	case c == '(':
		return literal{}, p.errAt(off, "a list is allowed only after IN or NOT IN")
	case isIdentStart(r):
		save := p.pos
		parts, _ := p.scanParts()
		p.pos = save
		if len(parts) > 1 {
			return literal{}, p.errAt(off, "the right side of a comparison must be a value, not an identifier; compare %s with a literal", f)
		}
		w := p.peekWord()
		if f.wantsNumber() {
			return literal{}, p.errAt(off, "expected a number for %s, found '%s'", f.describe(), w)
		}
		return literal{}, p.errAt(off, "value '%s' is not quoted; put string values in single or double quotes", w)
	}
	return literal{}, p.errAt(off, "expected a value after %s, found %s", o, describeAt(p.in, off))
}

// quotedInt reads s, a quoted value of a numeric attribute, as the integer
// it spells when the attribute takes quoted integers (attrDef.quotedInt).
func (p *parser) quotedInt(f field, s string) (number, bool) {
	if f.kind != FieldAttr || !p.def.attrByName(f.key).quotedInt {
		return number{}, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return number{}, false
	}
	return number{i: i, f: float64(i), isInt: true}, true
}

func quoteForMsg(s string) string {
	return "'" + clip(s, 40) + "'"
}

// scanNumber scans -?(digits[.digits*]|.digits)([eE][+-]?digits)?.
func (p *parser) scanNumber() (number, error) {
	start := p.pos
	in := p.in
	i := p.pos
	if i < len(in) && in[i] == '-' {
		i++
	}
	digits := 0
	isInt := true
	for i < len(in) && in[i] >= '0' && in[i] <= '9' {
		i++
		digits++
	}
	if i < len(in) && in[i] == '.' {
		isInt = false
		i++
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
			digits++
		}
	}
	if digits > 0 && i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		isInt = false
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		ed := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
			ed++
		}
		if ed == 0 {
			digits = 0
		}
	}
	// A number must not run into a word or another dot: 5abc, 1.2.3.
	end := i
	for end < len(in) {
		r, n := utf8.DecodeRuneInString(in[end:])
		if !isIdentCont(r) && r != '.' {
			break
		}
		end += n
	}
	if digits == 0 || end != i {
		return number{}, p.errAt(start, "malformed number '%s'", clip(in[start:max(end, start+1)], 40))
	}
	text := in[start:i]
	p.pos = i
	var n number
	if isInt {
		v, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			n.i, n.isInt = v, true
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return number{}, p.errAt(start, "malformed number '%s'", text)
	}
	n.f = f
	if n.isInt {
		n.f = float64(n.i)
	}
	return n, nil
}

// parseList parses `('a', 'b', ...)` after IN / NOT IN.
func (p *parser) parseList(f field, o op) (literal, error) {
	p.skipSpace()
	off := p.pos
	if p.eof() || p.in[p.pos] != '(' {
		return literal{}, p.errAt(off, "%s expects a parenthesised list of quoted strings, as in ('a', 'b'); found %s", o, describeAt(p.in, off))
	}
	p.pos++
	var list []string
	for {
		p.skipSpace()
		itemOff := p.pos
		if p.eof() {
			return literal{}, p.errAt(off, "unterminated list: no closing ')'")
		}
		c := p.in[p.pos]
		if c == ')' && len(list) == 0 {
			return literal{}, p.errAt(off, "empty %s list; give at least one quoted string", o)
		}
		if c != '\'' && c != '"' {
			return literal{}, p.errAt(itemOff, "%s lists hold quoted strings, found %s", o, describeAt(p.in, itemOff))
		}
		if c == '"' {
			p.ext = true
		}
		s, err := p.scanQuoted(c, "string")
		if err != nil {
			return literal{}, err
		}
		if _, ok := p.quotedInt(f, s); f.wantsNumber() && !ok {
			return literal{}, p.errAt(itemOff, "expected an integer for %s, found the string %s", f.describe(), quoteForMsg(s))
		}
		list = append(list, s)
		p.skipSpace()
		if p.eof() {
			return literal{}, p.errAt(off, "unterminated list: no closing ')'")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			continue
		case ')':
			p.pos++
			return literal{kind: litList, list: list}, nil
		}
		return literal{}, p.errAt(p.pos, "expected ',' or ')' in the %s list, found %s", o, describeAt(p.in, p.pos))
	}
}
