package mlmodel

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file writes YAML exactly as PyYAML's yaml.safe_dump(data,
// default_flow_style=False) does with its other defaults (sorted keys,
// indent 2, width 80, allow_unicode off), which is how MLflow writes
// MLmodel files. It follows PyYAML's emitter: the same choice of scalar
// style (plain, single-quoted, double-quoted), the same line folding and
// the same indentation of block sequences inside mappings. It also holds
// PyYAML's implicit resolver, used both to decide when a string must be
// quoted and to read plain scalars as PyYAML would.

// ynode is a value about to be emitted.
type ynode struct {
	kind  byte // 's' scalar, 'm' mapping, 'q' sequence
	text  string
	isStr bool // scalar: a string (may need quoting); otherwise already in YAML form
	keys  []string
	vals  []*ynode
}

func yStr(s string) *ynode   { return &ynode{kind: 's', text: s, isStr: true} }
func yPlain(s string) *ynode { return &ynode{kind: 's', text: s} }
func yNull() *ynode          { return yPlain("null") }
func yBool(b bool) *ynode    { return yPlain(strconv.FormatBool(b)) }

// ymap builds a mapping node; emit sorts the keys.
type ymap struct{ n *ynode }

func newYMap() ymap { return ymap{&ynode{kind: 'm'}} }

func (m ymap) put(k string, v *ynode) {
	m.n.keys = append(m.n.keys, k)
	m.n.vals = append(m.n.vals, v)
}

// yamlNonFinite maps json.dumps's names of the non-finite floats to
// PyYAML's.
var yamlNonFinite = map[string]string{"NaN": ".nan", "Infinity": ".inf", "-Infinity": "-.inf"}

// pyYAMLFloat formats f as PyYAML's represent_float.
func pyYAMLFloat(f float64) string {
	s := pyFloatRepr(f)
	if y, ok := yamlNonFinite[s]; ok {
		return y
	}
	s = strings.ToLower(s)
	if !strings.Contains(s, ".") && strings.Contains(s, "e") {
		s = strings.Replace(s, "e", ".0e", 1)
	}
	return s
}

// toYNode converts a plain Go value to a node. It accepts what Decode
// produces for free-form parts (nil, bool, int64, *big.Int, float64,
// string, []any, map[string]any) and a few convenient Go types.
func toYNode(v any, depth int) (*ynode, error) {
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("mlmodel: value nested deeper than %d levels", maxYAMLDepth)
	}
	switch x := v.(type) {
	case nil:
		return yNull(), nil
	case bool:
		return yBool(x), nil
	case string:
		return yStr(x), nil
	case int:
		return yPlain(strconv.Itoa(x)), nil
	case int8, int16, int32, int64:
		return yPlain(fmt.Sprint(x)), nil
	case uint, uint8, uint16, uint32, uint64:
		return yPlain(fmt.Sprint(x)), nil
	case *big.Int:
		if x == nil {
			return yNull(), nil
		}
		return yPlain(x.String()), nil
	case float32:
		return yPlain(pyYAMLFloat(float64(x))), nil
	case float64:
		return yPlain(pyYAMLFloat(x)), nil
	case []string:
		n := &ynode{kind: 'q'}
		for _, e := range x {
			n.vals = append(n.vals, yStr(e))
		}
		return n, nil
	case []any:
		n := &ynode{kind: 'q'}
		for _, e := range x {
			c, err := toYNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, c)
		}
		return n, nil
	case map[string]string:
		m := newYMap()
		for k, e := range x {
			m.put(k, yStr(e))
		}
		return m.n, nil
	case map[string]any:
		m := newYMap()
		for k, e := range x {
			c, err := toYNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			m.put(k, c)
		}
		return m.n, nil
	}
	return nil, fmt.Errorf("mlmodel: cannot write a %T in an MLmodel file", v)
}

// PyYAML's implicit resolvers (yaml/resolver.py), keyed there by the
// scalar's first character.
var (
	reBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	reInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reMerge = regexp.MustCompile(`^(?:<<)$`)
	reNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
	reValue = regexp.MustCompile(`^(?:=)$`)
)

// pyMatch matches like Python's re.match with a pattern ending in '$',
// which also matches just before a final newline.
func pyMatch(re *regexp.Regexp, s string) bool {
	if re.MatchString(s) {
		return true
	}
	return strings.HasSuffix(s, "\n") && re.MatchString(s[:len(s)-1])
}

// resolve returns the tag PyYAML's SafeLoader gives the plain scalar s:
// "bool", "float", "int", "merge", "null", "timestamp", "value" or "str".
func resolve(s string) string {
	if s == "" {
		return "null"
	}
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO", c) >= 0 && pyMatch(reBool, s):
		return "bool"
	}
	c := s[0]
	if strings.IndexByte("-+0123456789.", c) >= 0 && pyMatch(reFloat, s) {
		return "float"
	}
	if strings.IndexByte("-+0123456789", c) >= 0 && pyMatch(reInt, s) {
		return "int"
	}
	if c == '<' && pyMatch(reMerge, s) {
		return "merge"
	}
	if strings.IndexByte("~nN", c) >= 0 && pyMatch(reNull, s) {
		return "null"
	}
	if c >= '0' && c <= '9' && pyMatch(reTime, s) {
		return "timestamp"
	}
	if c == '=' && pyMatch(reValue, s) {
		return "value"
	}
	return "str"
}

// scalarAnalysis is PyYAML's ScalarAnalysis.
type scalarAnalysis struct {
	empty, multiline                    bool
	allowFlowPlain, allowBlockPlain     bool
	allowSingleQuoted, allowBlockScalar bool
}

func isBreak(r rune) bool { return r == '\n' || r == '\x85' || r == '\u2028' || r == '\u2029' }

func isWS(r rune) bool { return r == 0 || r == ' ' || r == '\t' || r == '\r' || isBreak(r) }

func analyze(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	var blockInd, flowInd, lineBreaks, special bool
	var leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd, flowInd = true, true
	}
	precededByWS := true
	followedByWS := len(rs) == 1 || isWS(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				if followedByWS {
					blockInd = true
				}
			}
			if ch == '-' && followedByWS {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				if followedByWS {
					blockInd = true
				}
			}
			if ch == '#' && precededByWS {
				flowInd, blockInd = true, true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7E)) {
			// Without allow_unicode every other character, printable or
			// not, is special: only double quotes can escape it.
			special = true
		}
		space, brk := ch == ' ', isBreak(ch)
		if i == 0 {
			leadSpace, leadBreak = space, brk
		}
		if i == len(rs)-1 {
			trailSpace, trailBreak = space, brk
		}
		breakSpace = breakSpace || space && prevBreak
		spaceBreak = spaceBreak || brk && prevSpace
		prevSpace, prevBreak = space, brk
		precededByWS = isWS(ch)
		followedByWS = i+2 >= len(rs) || isWS(rs[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowFlowPlain: true, allowBlockPlain: true, allowSingleQuoted: true, allowBlockScalar: true}
	if leadSpace || leadBreak || trailSpace || trailBreak {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if trailSpace {
		a.allowBlockScalar = false
	}
	if breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if spaceBreak || special {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted, a.allowBlockScalar = false, false, false, false
	}
	if lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if flowInd {
		a.allowFlowPlain = false
	}
	if blockInd {
		a.allowBlockPlain = false
	}
	return a
}

// emitter is PyYAML's Emitter reduced to block style, no tags, no anchors.
type emitter struct {
	b          strings.Builder
	indent     int // -1: none yet
	indents    []int
	column     int
	whitespace bool
	indention  bool
	flowLevel  int
}

const bestIndent, bestWidth = 2, 80

func (e *emitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0:
		if flow {
			e.indent = bestIndent
		} else {
			e.indent = 0
		}
	case !indentless:
		e.indent += bestIndent
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

// write appends ASCII text (the emitter writes only ASCII, since
// allow_unicode is off) and advances the column.
func (e *emitter) write(s string) {
	e.b.WriteString(s)
	e.column += len(s)
}

func (e *emitter) writeIndicator(ind string, needWS, whitespace, indention bool) {
	if !e.whitespace && needWS {
		ind = " " + ind
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.write(ind)
}

func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak("")
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *emitter) writeLineBreak(data string) {
	if data == "" {
		data = "\n"
	}
	e.whitespace = true
	e.indention = true
	e.column = 0
	e.b.WriteString(data)
}

// emitDocument writes n as a one-document stream.
func emitDocument(n *ynode) string {
	e := &emitter{indent: -1, whitespace: true, indention: true}
	e.node(n, true, false, false, false)
	// Document end: an implicit end still breaks the line.
	e.writeIndent()
	return e.b.String()
}

func (e *emitter) node(n *ynode, root, sequence, mapping, simpleKey bool) {
	switch n.kind {
	case 's':
		e.scalar(n, root, simpleKey)
	case 'q':
		if len(n.vals) == 0 || e.flowLevel > 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return
		}
		indentless := mapping && !e.indention
		e.increaseIndent(false, indentless)
		for _, v := range n.vals {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(v, false, true, false, false)
		}
		e.popIndent()
	case 'm':
		if len(n.keys) == 0 || e.flowLevel > 0 {
			e.writeIndicator("{", true, true, false)
			e.writeIndicator("}", false, false, false)
			return
		}
		order := make([]int, len(n.keys))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool { return n.keys[order[i]] < n.keys[order[j]] })
		e.increaseIndent(false, false)
		for _, i := range order {
			k := yStr(n.keys[i])
			e.writeIndent()
			if e.simpleKey(k) {
				e.node(k, false, false, true, true)
				e.writeIndicator(":", false, false, false)
			} else {
				e.writeIndicator("?", true, false, true)
				e.node(k, false, false, true, false)
				e.writeIndent()
				e.writeIndicator(":", true, false, true)
			}
			e.node(n.vals[i], false, false, true, false)
		}
		e.popIndent()
	}
}

func (e *emitter) simpleKey(k *ynode) bool {
	a := analyze(k.text)
	return utf8.RuneCountInString(k.text) < 128 && !a.empty && !a.multiline
}

// chooseStyle is PyYAML's choose_scalar_style for a scalar without an
// explicit style: plain ("") when the text reads back as the same value,
// else single quotes when allowed, else double quotes.
func (e *emitter) chooseStyle(n *ynode, simpleKey bool) byte {
	a := analyze(n.text)
	implicit := !n.isStr || resolve(n.text) == "str"
	if implicit && !(simpleKey && (a.empty || a.multiline)) &&
		((e.flowLevel > 0 && a.allowFlowPlain) || (e.flowLevel == 0 && a.allowBlockPlain)) {
		return 0
	}
	if a.allowSingleQuoted && !(simpleKey && a.multiline) {
		return '\''
	}
	return '"'
}

func (e *emitter) scalar(n *ynode, root, simpleKey bool) {
	e.increaseIndent(true, false)
	split := !simpleKey
	switch e.chooseStyle(n, simpleKey) {
	case '"':
		e.writeDoubleQuoted(n.text, split)
	case '\'':
		e.writeSingleQuoted(n.text, split)
	default:
		e.writePlain(n.text, split)
	}
	e.popIndent()
}

// runeScan walks a scalar's runes as PyYAML's writers do: end runs from 0
// to one past the last rune, ch is the rune at end (-1 past the last), and
// spaces and breaks tell whether the rune before end was a space or a line
// break; start marks the first rune not written yet.
type runeScan struct {
	rs             []rune
	start, end     int
	ch             rune
	spaces, breaks bool
}

func newRuneScan(text string) *runeScan { return &runeScan{rs: []rune(text), end: -1, ch: -1} }

// next advances to the following position and reports whether there is one.
func (s *runeScan) next() bool {
	if s.ch >= 0 {
		s.spaces = s.ch == ' '
		s.breaks = isBreak(s.ch)
	}
	s.end++
	if s.end > len(s.rs) {
		return false
	}
	s.ch = -1
	if s.end < len(s.rs) {
		s.ch = s.rs[s.end]
	}
	return true
}

// pending returns the runes from start to end and moves start to end.
func (s *runeScan) pending() string {
	t := string(s.rs[s.start:s.end])
	s.start = s.end
	return t
}

// endSpaces ends a run of spaces: a single space past the width becomes a
// line break when fold allows it (and endSpaces reports true), else the
// spaces are written.
func (e *emitter) endSpaces(s *runeScan, fold bool) bool {
	folded := s.start+1 == s.end && e.column > bestWidth && fold
	if folded {
		e.writeIndent()
		s.start = s.end
	} else {
		e.write(s.pending())
	}
	return folded
}

func (e *emitter) writePlain(text string, split bool) {
	if text == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace = false
	e.indention = false
	for s := newRuneScan(text); s.next(); {
		ch := s.ch
		switch {
		case s.spaces:
			if ch != ' ' && e.endSpaces(s, split) {
				e.whitespace = false
				e.indention = false
			}
		case s.breaks:
			if ch < 0 || !isBreak(ch) {
				e.writeBreaks(s.rs[s.start:s.end])
				s.start = s.end
				e.whitespace = false
				e.indention = false
			}
		default:
			if ch < 0 || ch == ' ' || isBreak(ch) {
				e.write(s.pending())
			}
		}
	}
}

// writeBreaks writes a run of line breaks inside a flow scalar as PyYAML
// does: a leading '\n' counts twice (the folded line plus itself), then
// the indentation of the next line.
func (e *emitter) writeBreaks(brs []rune) {
	if brs[0] == '\n' {
		e.writeLineBreak("")
	}
	for _, br := range brs {
		if br == '\n' {
			e.writeLineBreak("")
		} else {
			e.writeLineBreak(string(br))
		}
	}
	e.writeIndent()
}

func (e *emitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	for s := newRuneScan(text); s.next(); {
		ch := s.ch
		switch {
		case s.spaces:
			if ch != ' ' {
				e.endSpaces(s, split && s.start != 0 && s.end != len(s.rs))
			}
		case s.breaks:
			if ch < 0 || !isBreak(ch) {
				e.writeBreaks(s.rs[s.start:s.end])
				s.start = s.end
			}
		default:
			if (ch < 0 || ch == ' ' || isBreak(ch) || ch == '\'') && s.start < s.end {
				e.write(s.pending())
			}
		}
		if ch == '\'' {
			e.write("''")
			s.start = s.end + 1
		}
	}
	e.writeIndicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{
	0: "0", '\x07': "a", '\x08': "b", '\x09': "t", '\x0A': "n", '\x0B': "v",
	'\x0C': "f", '\x0D': "r", '\x1B': "e", '"': "\"", '\\': "\\",
	'\x85': "N", '\xA0': "_", '\u2028': "L", '\u2029': "P",
}

func (e *emitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch < 0 || ch == '"' || ch == '\\' || ch == '\x85' || ch == '\u2028' || ch == '\u2029' || ch == '\uFEFF' ||
			!(ch >= 0x20 && ch <= 0x7E) {
			if start < end {
				e.write(string(rs[start:end]))
				start = end
			}
			if ch >= 0 {
				var data string
				if r, ok := yamlEscapes[ch]; ok {
					data = "\\" + r
				} else if ch <= 0xFF {
					data = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xFFFF {
					data = fmt.Sprintf("\\u%04X", ch)
				} else {
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(data)
				start = end + 1
			}
		}
		if 0 < end && end < len(rs)-1 && (ch == ' ' || start >= end) &&
			e.column+(end-start) > bestWidth && split {
			data := "\\"
			if start < end {
				data = string(rs[start:end]) + data
			}
			if start < end {
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.whitespace = false
			e.indention = false
			if rs[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}
