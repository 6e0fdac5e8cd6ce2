package mlflowapi

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MLflow's limits on a GraphQL query (mlflow/server/graphql/
// graphql_no_batching.py), checked before the query runs, with its
// messages. The root fields and aliases limits are its environment
// variables' defaults (Options can change them); depth and selections are
// fixed there too.
const (
	gqlMaxDepth         = 10
	gqlMaxSelections    = 1000
	gqlDefaultMaxRoot   = 10
	gqlDefaultMaxAlias  = 10
	gqlEnvMaxRootFields = "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS"
	gqlEnvMaxAliases    = "MLFLOW_SERVER_GRAPHQL_MAX_ALIASES"

	// gqlMaxNesting bounds the selection sets nested in one another
	// anywhere in a document (inline fragments count here, not in
	// MLflow's depth): past it the document is refused as too deep
	// before it is read further.
	gqlMaxNesting = 64
	// gqlMaxWork bounds the selections the check visits while it expands
	// fragments (mlite's own limit: MLflow has none).
	gqlMaxWork = 1 << 20
)

// gqlSel is one selection of a document, as much as the limits read of
// it: a field (with an alias or not, with its selection set or nil), an
// inline fragment (its selection set) or a fragment spread (its name).
type gqlSel struct {
	field  bool
	alias  bool
	set    []gqlSel
	spread string
}

// gqlDoc is a query document's operations and fragments.
type gqlDoc struct {
	ops   [][]gqlSel
	frags map[string][]gqlSel
}

// gqlLimitError is a query MLflow's limits refuse: the answer lists msg.
type gqlLimitError struct{ msg string }

func (e *gqlLimitError) Error() string { return e.msg }

var (
	errGQLDepth      = &gqlLimitError{fmt.Sprintf("Query exceeds maximum depth of %d", gqlMaxDepth)}
	errGQLSelections = &gqlLimitError{fmt.Sprintf("Query exceeds maximum total selections of %d", gqlMaxSelections)}
	errGQLWork       = &gqlLimitError{fmt.Sprintf("Query is too complex: its fragments expand to over %d selections", gqlMaxWork)}
	errGQLValues     = &gqlLimitError{fmt.Sprintf("Query values nest deeper than %d lists and objects", gqlMaxNesting)}
)

// checkGQLLimits reads query and applies MLflow's limits: depth, total
// selections, root fields (maxRoot) and aliases in one selection set
// (maxAliases), in MLflow's order and with its messages. A query it cannot
// read is left to the GraphQL library, which says what is wrong with it.
func checkGQLLimits(query string, maxRoot, maxAliases int) *gqlLimitError {
	doc, err := parseGQLDoc(query)
	if err != nil {
		return err
	}
	if doc == nil {
		return nil
	}
	return doc.check(maxRoot, maxAliases)
}

// check walks each operation as MLflow's scan_query does: a stack of
// selection sets with their depth (the operation's is 1), each set's
// fields gathered with those of its inline fragments and fragment spreads
// (each fragment once per set), aliases counted per set.
func (d *gqlDoc) check(maxRoot, maxAliases int) *gqlLimitError {
	type level struct {
		set   []gqlSel
		depth int
	}
	roots, aliases, total, work := 0, 0, 0, 0
	for _, op := range d.ops {
		stack := []level{{op, 1}}
		for len(stack) > 0 {
			lv := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if lv.depth > gqlMaxDepth {
				return errGQLDepth
			}
			queue := append([]gqlSel(nil), lv.set...)
			var seen map[string]bool
			n := 0
			for len(queue) > 0 {
				if work++; work > gqlMaxWork {
					return errGQLWork
				}
				s := queue[0]
				queue = queue[1:]
				switch {
				case s.field:
					if s.alias {
						n++
					}
					if lv.depth == 1 {
						roots++
					}
					if s.set != nil {
						stack = append(stack, level{s.set, lv.depth + 1})
					}
					if total++; total > gqlMaxSelections {
						return errGQLSelections
					}
				case s.spread != "":
					if !seen[s.spread] {
						if seen == nil {
							seen = map[string]bool{}
						}
						seen[s.spread] = true
						queue = append(queue, d.frags[s.spread]...)
					}
				default:
					queue = append(queue, s.set...)
				}
			}
			aliases = max(aliases, n)
		}
	}
	switch {
	case roots > maxRoot:
		return gqlTooMany(maxRoot, roots, "root fields", gqlEnvMaxRootFields)
	case aliases > maxAliases:
		return gqlTooMany(maxAliases, aliases, "aliases", gqlEnvMaxAliases)
	}
	return nil
}

func gqlTooMany(limit, got int, what, env string) *gqlLimitError {
	return &gqlLimitError{fmt.Sprintf("GraphQL queries should have at most %d %s, got %d %s. To increase the limit, set the %s environment variable.",
		limit, what, got, what, env)}
}

// parseGQLDoc reads the selection structure of an executable GraphQL
// document; nil (and no error) when it is not one, errGQLDepth when its
// selection sets nest deeper than gqlMaxNesting, errGQLValues when the
// values in its arguments or variables do. It skips what the limits
// do not read (arguments, variables, directives, types) by their
// brackets, and checks no more than that structure: the GraphQL library
// validates the rest.
func parseGQLDoc(src string) (*gqlDoc, *gqlLimitError) {
	p := &gqlParser{lx: gqlLexer{src: src}}
	p.lx.next()
	doc := &gqlDoc{frags: map[string][]gqlSel{}}
	for p.ok() && p.lx.kind != gqlEOF {
		switch {
		case p.is("{"):
			doc.ops = append(doc.ops, p.set())
		case p.lx.kind == gqlName && (p.lx.tok == "query" || p.lx.tok == "mutation" || p.lx.tok == "subscription"):
			p.lx.next()
			p.header()
			doc.ops = append(doc.ops, p.set())
		case p.lx.kind == gqlName && p.lx.tok == "fragment":
			p.lx.next()
			name := p.name()
			p.header()
			doc.frags[name] = p.set()
		default:
			p.bad = true
		}
	}
	switch {
	case p.deep:
		return nil, errGQLDepth
	case p.deepValue:
		return nil, errGQLValues
	case p.bad:
		return nil, nil
	}
	return doc, nil
}

type gqlParser struct {
	lx   gqlLexer
	nest int  // selection sets open
	bad  bool // not a document
	deep bool // selection sets nested past gqlMaxNesting
	// deepValue: values nested past gqlMaxNesting, which the library's
	// parser would recurse into as deep
	deepValue bool
}

func (p *gqlParser) ok() bool { return !p.bad && !p.deep && !p.deepValue }

// is reports whether the token is punctuator s.
func (p *gqlParser) is(s string) bool { return p.lx.kind == gqlPunct && p.lx.tok == s }

// name reads a name.
func (p *gqlParser) name() string {
	if p.lx.kind != gqlName {
		p.bad = true
		return ""
	}
	s := p.lx.tok
	p.lx.next()
	return s
}

// header skips what comes before a definition's selection set: a name,
// variables, a type condition, directives.
func (p *gqlParser) header() {
	for p.ok() && !p.is("{") {
		switch {
		case p.is("("):
			p.group()
		case p.lx.kind == gqlEOF || p.lx.kind == gqlBad || p.is(")") || p.is("}") || p.is("]"):
			p.bad = true
		default:
			p.lx.next()
		}
	}
}

// group skips a bracketed group from its "(" to the matching ")":
// arguments or variable definitions, values nested in them included.
func (p *gqlParser) group() {
	depth := 0
	for p.ok() {
		switch {
		case p.lx.kind == gqlEOF || p.lx.kind == gqlBad:
			p.bad = true
			return
		case p.is("(") || p.is("[") || p.is("{"):
			if depth++; depth > gqlMaxNesting {
				p.deepValue = true
				return
			}
		case p.is(")") || p.is("]") || p.is("}"):
			depth--
		}
		p.lx.next()
		if depth == 0 {
			return
		}
		if depth < 0 {
			p.bad = true
		}
	}
}

// directives skips directives: @name and their arguments.
func (p *gqlParser) directives() {
	for p.ok() && p.is("@") {
		p.lx.next()
		p.name()
		if p.is("(") {
			p.group()
		}
	}
}

// set reads a selection set, at "{".
func (p *gqlParser) set() []gqlSel {
	if !p.is("{") {
		p.bad = true
		return nil
	}
	if p.nest++; p.nest > gqlMaxNesting {
		p.deep = true
		return nil
	}
	defer func() { p.nest-- }()
	p.lx.next()
	var sels []gqlSel
	for p.ok() && !p.is("}") {
		switch {
		case p.is("..."):
			p.lx.next()
			if p.lx.kind == gqlName && p.lx.tok != "on" {
				sels = append(sels, gqlSel{spread: p.name()})
				p.directives()
				continue
			}
			if p.lx.kind == gqlName { // on Type
				p.lx.next()
				p.name()
			}
			p.directives()
			sels = append(sels, gqlSel{set: p.set()})
		case p.lx.kind == gqlName:
			s := gqlSel{field: true}
			p.lx.next()
			if p.is(":") {
				s.alias = true
				p.lx.next()
				p.name()
			}
			if p.is("(") {
				p.group()
			}
			p.directives()
			if p.ok() && p.is("{") {
				s.set = p.set()
			}
			sels = append(sels, s)
		default:
			p.bad = true
		}
	}
	if len(sels) == 0 {
		p.bad = true // a selection set holds at least one selection
	}
	p.lx.next()
	return sels
}

// Token kinds of gqlLexer.
const (
	gqlEOF = iota
	gqlPunct
	gqlName
	gqlValue // a number or a string
	gqlBad
)

// gqlLexer cuts a GraphQL document into tokens as the library's lexer
// (Go's text/scanner) does, loosely where the limits do not care: names
// of Unicode letters and digits, numbers as any run of number characters
// (.5 and 0x1f among them), Go's comments besides GraphQL's.
type gqlLexer struct {
	src  string
	i    int
	kind int
	tok  string
}

// next reads the next token into kind and tok.
func (l *gqlLexer) next() {
	l.skipIgnored()
	if l.i >= len(l.src) {
		l.kind, l.tok = gqlEOF, ""
		return
	}
	start := l.i
	c := l.src[l.i]
	switch {
	case strings.IndexByte("!$&():=@[]{|}", c) >= 0:
		l.i++
		l.kind = gqlPunct
	case strings.HasPrefix(l.src[l.i:], "..."):
		l.i += 3
		l.kind = gqlPunct
	case c == '-' || c == '.' || '0' <= c && c <= '9':
		for l.i < len(l.src) && (isNameChar(l.src[l.i]) || strings.IndexByte("+-.", l.src[l.i]) >= 0) {
			l.i++
		}
		l.kind = gqlValue
	case c == '_' || unicode.IsLetter(l.rune()):
		for l.i < len(l.src) {
			r := l.rune()
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			l.i += utf8.RuneLen(r)
		}
		l.kind = gqlName
	case c == '"':
		l.kind = gqlValue
		if !l.str() {
			l.kind, l.i = gqlBad, len(l.src)
			return
		}
	default:
		l.kind, l.i = gqlBad, len(l.src)
		return
	}
	l.tok = l.src[start:l.i]
}

// str reads a string or block string, at its first quote.
func (l *gqlLexer) str() bool {
	if strings.HasPrefix(l.src[l.i:], `"""`) {
		l.i += 3
		for l.i < len(l.src) {
			switch {
			case strings.HasPrefix(l.src[l.i:], `\"""`):
				l.i += 4
			case strings.HasPrefix(l.src[l.i:], `"""`):
				l.i += 3
				return true
			default:
				l.i++
			}
		}
		return false
	}
	l.i++
	for l.i < len(l.src) {
		switch l.src[l.i] {
		case '\\':
			l.i += 2
		case '"':
			l.i++
			return true
		case '\n', '\r':
			return false
		default:
			l.i++
		}
	}
	return false
}

// rune is the character at the reader's position (utf8.RuneError, of
// length 1, for a byte that is not UTF-8).
func (l *gqlLexer) rune() rune {
	r, _ := utf8.DecodeRuneInString(l.src[l.i:])
	return r
}

// skipIgnored skips white space, commas, comments (GraphQL's #, and the
// // and /* */ the library's Go scanner skips too) and a byte order mark.
func (l *gqlLexer) skipIgnored() {
	for l.i < len(l.src) {
		switch c := l.src[l.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.i++
		case c == '#':
			for l.i < len(l.src) && l.src[l.i] != '\n' && l.src[l.i] != '\r' {
				l.i++
			}
		case strings.HasPrefix(l.src[l.i:], "//"):
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case strings.HasPrefix(l.src[l.i:], "/*"):
			if end := strings.Index(l.src[l.i+2:], "*/"); end >= 0 {
				l.i += 2 + end + 2
			} else {
				l.i = len(l.src)
			}
		case strings.HasPrefix(l.src[l.i:], "\uFEFF"):
			l.i += len("\uFEFF")
		default:
			return
		}
	}
}

func isNameChar(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
