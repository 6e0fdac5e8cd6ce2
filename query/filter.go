package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filter is a parsed, type-checked and compiled search filter. It is immutable
// and safe for concurrent use.
type Filter struct {
	entity Entity
	root   *node // nil matches everything
	pred   pred
	needs  Needs
	ext    bool
}

// pred is a compiled predicate.
type pred func(Record) bool

// ParseFilter parses a search filter for entity e. The empty string (or only
// spaces) parses to a filter that matches everything. Errors are *Error and
// match ErrInvalid.
func ParseFilter(e Entity, s string) (*Filter, error) {
	def, ok := entities[e]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("unknown entity %d", int(e)), Input: s}
	}
	if err := checkInput(s); err != nil {
		return nil, err
	}
	f := &Filter{entity: e}
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	p := &parser{in: s, def: def}
	root, err := p.parseFilter()
	if err != nil {
		return nil, err
	}
	f.root = root
	f.ext = p.ext
	f.pred = compile(root)
	var nb needsBuilder
	nb.addNode(root)
	f.needs = nb.build()
	return f, nil
}

// checkInput rejects input that is too long or not UTF-8.
func checkInput(s string) error {
	if len(s) > MaxInputLen {
		return &Error{Msg: fmt.Sprintf("input is %d bytes; the limit is %d", len(s), MaxInputLen), Input: ""}
	}
	if !utf8.ValidString(s) {
		off := 0
		for off < len(s) {
			r, n := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return errAt(s, off, "invalid UTF-8")
	}
	return nil
}

// Match reports whether r satisfies the filter. It does not allocate beyond
// what r's methods do. A nil Filter matches everything.
func (f *Filter) Match(r Record) bool {
	if f == nil || f.pred == nil {
		return true
	}
	return f.pred(r)
}

// Entity returns the entity the filter was parsed for.
func (f *Filter) Entity() Entity {
	if f == nil {
		return 0
	}
	return f.entity
}

// MatchesAll reports whether the filter is empty and so matches every record.
func (f *Filter) MatchesAll() bool { return f == nil || f.root == nil }

// UsesExtensions reports whether the filter uses any part of the language
// beyond MLflow's (OR, NOT, parentheses, IS [NOT] NULL, NOT LIKE, NOT ILIKE,
// aggregates, double-quoted IN list items). A filter for which it is false means
// exactly what it means to MLflow.
func (f *Filter) UsesExtensions() bool { return f != nil && f.ext }

// Needs reports which fields Match reads, so the caller decodes only those.
// The slices are the caller's to keep.
func (f *Filter) Needs() Needs {
	if f == nil {
		return Needs{}
	}
	return f.needs.clone()
}

// String returns the filter's canonical text: plural type prefixes (metrics.,
// params., tags., datasets.), bare attribute names in their main spelling,
// keys bare or backticked, strings in single quotes, keywords upper-case, one
// space around operators, parentheses only where AND/OR precedence needs them.
// It parses back to an equal filter. The empty filter prints as "".
func (f *Filter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.writeTo(&b)
	return b.String()
}

// AggKey names one aggregate over one metric.
type AggKey struct {
	Agg Agg
	Key string
}

// Needs lists the fields a filter or an order reads from a Record. Each list
// is sorted and free of duplicates.
type Needs struct {
	Metrics  []string // latest values, read with Record.Metric
	Aggs     []AggKey // history aggregates, read with Record.MetricAgg
	Params   []string
	Tags     []string
	Attrs    []string // canonical attribute names, read with Record.Attr
	Datasets bool     // Record.Datasets is read
}

// Union returns the fields needed by either n or m.
func (n Needs) Union(m Needs) Needs {
	var b needsBuilder
	b.metrics = append(slices.Clone(n.Metrics), m.Metrics...)
	b.aggs = append(slices.Clone(n.Aggs), m.Aggs...)
	b.params = append(slices.Clone(n.Params), m.Params...)
	b.tags = append(slices.Clone(n.Tags), m.Tags...)
	b.attrs = append(slices.Clone(n.Attrs), m.Attrs...)
	b.datasets = n.Datasets || m.Datasets
	return b.build()
}

func (n Needs) clone() Needs {
	return Needs{
		Metrics:  slices.Clone(n.Metrics),
		Aggs:     slices.Clone(n.Aggs),
		Params:   slices.Clone(n.Params),
		Tags:     slices.Clone(n.Tags),
		Attrs:    slices.Clone(n.Attrs),
		Datasets: n.Datasets,
	}
}

type needsBuilder struct {
	metrics, params, tags, attrs []string
	aggs                         []AggKey
	datasets                     bool
}

func (b *needsBuilder) addField(f field) {
	switch f.kind {
	case FieldMetric:
		if f.agg == 0 || f.agg == AggLast {
			b.metrics = append(b.metrics, f.key)
		} else {
			b.aggs = append(b.aggs, AggKey{f.agg, f.key})
		}
	case FieldParam:
		b.params = append(b.params, f.key)
	case FieldTag:
		b.tags = append(b.tags, f.key)
	case FieldAttr:
		b.attrs = append(b.attrs, f.key)
	case FieldDataset:
		b.datasets = true
	}
}

func (b *needsBuilder) addNode(n *node) {
	if n.kind == nCmp {
		b.addField(n.f)
		return
	}
	for _, k := range n.kids {
		b.addNode(k)
	}
}

func (b *needsBuilder) build() Needs {
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		slices.Sort(s)
		return slices.Compact(s)
	}
	var aggs []AggKey
	if len(b.aggs) > 0 {
		aggs = b.aggs
		slices.SortFunc(aggs, func(x, y AggKey) int {
			if c := strings.Compare(x.Key, y.Key); c != 0 {
				return c
			}
			return int(x.Agg) - int(y.Agg)
		})
		aggs = slices.Compact(aggs)
	}
	return Needs{
		Metrics:  norm(b.metrics),
		Aggs:     aggs,
		Params:   norm(b.params),
		Tags:     norm(b.tags),
		Attrs:    norm(b.attrs),
		Datasets: b.datasets,
	}
}

// compile turns a node into a predicate. Each closure captures only what its
// comparison needs, so evaluation does no allocation and no lookup of its own.
func compile(n *node) pred {
	switch n.kind {
	case nAnd:
		kids := make([]pred, len(n.kids))
		for i, k := range n.kids {
			kids[i] = compile(k)
		}
		if len(kids) == 2 {
			a, b := kids[0], kids[1]
			return func(r Record) bool { return a(r) && b(r) }
		}
		return func(r Record) bool {
			for _, k := range kids {
				if !k(r) {
					return false
				}
			}
			return true
		}
	case nOr:
		kids := make([]pred, len(n.kids))
		for i, k := range n.kids {
			kids[i] = compile(k)
		}
		if len(kids) == 2 {
			a, b := kids[0], kids[1]
			return func(r Record) bool { return a(r) || b(r) }
		}
		return func(r Record) bool {
			for _, k := range kids {
				if k(r) {
					return true
				}
			}
			return false
		}
	case nNot:
		k := compile(n.kids[0])
		return func(r Record) bool { return !k(r) }
	}
	return compileCmp(n)
}

// compare applies a numeric comparator. For floats, NaN compares as IEEE
// 754 says (every comparison false except !=), as in MLflow's in-memory
// search; integers compare exactly.
func compare[T int64 | float64](o op, x, v T) bool {
	switch o {
	case opEq:
		return x == v
	case opNe:
		return x != v
	case opLt:
		return x < v
	case opLe:
		return x <= v
	case opGt:
		return x > v
	case opGe:
		return x >= v
	}
	return false
}

// strTest is a compiled string comparison.
type strTest struct {
	o    op
	v    string
	like *likeMatcher
	list []string // sorted, deduplicated
}

func newStrTest(n *node) strTest {
	t := strTest{o: n.op, v: n.lit.str}
	switch n.op {
	case opLike, opNotLike:
		t.like = compileLike(n.lit.str, false)
	case opILike, opNotILike:
		t.like = compileLike(n.lit.str, true)
	case opIn, opNotIn:
		t.list = slices.Clone(n.lit.list)
		slices.Sort(t.list)
		t.list = slices.Compact(t.list)
	}
	return t
}

func (t *strTest) test(s string) bool {
	switch t.o {
	case opEq:
		return s == t.v
	case opNe:
		return s != t.v
	case opLike, opILike:
		return t.like.match(s)
	case opNotLike, opNotILike:
		return !t.like.match(s)
	case opIn:
		return inSorted(t.list, s)
	case opNotIn:
		return !inSorted(t.list, s)
	}
	return false
}

// inSorted reports whether s is in the sorted list: a linear scan for short
// lists, a binary search for long ones.
func inSorted(list []string, s string) bool {
	if len(list) <= 8 {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(list, s)
	return ok
}

func compileCmp(n *node) pred {
	f, o := n.f, n.op
	key := f.key
	isNull := o == opIsNull
	if o == opIsNull || o == opIsNotNull {
		switch f.kind {
		case FieldMetric:
			return func(r Record) bool { _, ok := r.Metric(key); return ok != isNull }
		case FieldParam:
			return func(r Record) bool { _, ok := r.Param(key); return ok != isNull }
		case FieldTag:
			return func(r Record) bool { _, ok := r.Tag(key); return ok != isNull }
		case FieldAttr:
			return func(r Record) bool { v, ok := r.Attr(key); return (ok && v.kind != KindNone) != isNull }
		case FieldDataset:
			return func(r Record) bool {
				for _, d := range r.Datasets() {
					if key != "context" || d.Context != "" {
						return !isNull
					}
				}
				return isNull
			}
		}
	}
	switch f.kind {
	case FieldMetric:
		v := n.lit.num.f
		switch f.agg {
		case 0, AggLast:
			return func(r Record) bool { x, ok := r.Metric(key); return ok && compare(o, x, v) }
		case AggCount:
			return func(r Record) bool {
				x, ok := r.MetricAgg(AggCount, key)
				if !ok {
					x = 0
				}
				return compare(o, x, v)
			}
		default:
			agg := f.agg
			return func(r Record) bool { x, ok := r.MetricAgg(agg, key); return ok && compare(o, x, v) }
		}
	case FieldAttr:
		if f.numeric && o == opIn {
			set := map[int64]bool{}
			for _, s := range n.lit.list {
				i, _ := strconv.ParseInt(s, 10, 64) // checked by the parser
				set[i] = true
			}
			return func(r Record) bool { x, ok := r.Attr(key); return ok && x.kind == KindInt && set[x.i] }
		}
		if f.numeric {
			lit := n.lit.num
			return func(r Record) bool {
				x, ok := r.Attr(key)
				if !ok {
					return false
				}
				switch x.kind {
				case KindInt:
					if lit.isInt {
						return compare(o, x.i, lit.i)
					}
					return compare(o, x.f, lit.f)
				case KindFloat:
					return compare(o, x.f, lit.f)
				}
				return false
			}
		}
		t := newStrTest(n)
		return func(r Record) bool {
			x, ok := r.Attr(key)
			return ok && x.kind == KindString && t.test(x.s)
		}
	case FieldParam:
		t := newStrTest(n)
		if o == opEq {
			v := t.v
			return func(r Record) bool { x, ok := r.Param(key); return ok && x == v }
		}
		return func(r Record) bool { x, ok := r.Param(key); return ok && t.test(x) }
	case FieldTag:
		t := newStrTest(n)
		if o == opEq {
			v := t.v
			return func(r Record) bool { x, ok := r.Tag(key); return ok && x == v }
		}
		return func(r Record) bool { x, ok := r.Tag(key); return ok && t.test(x) }
	case FieldDataset:
		t := newStrTest(n)
		switch key {
		case "name":
			return func(r Record) bool {
				for _, d := range r.Datasets() {
					if t.test(d.Name) {
						return true
					}
				}
				return false
			}
		case "digest":
			return func(r Record) bool {
				for _, d := range r.Datasets() {
					if t.test(d.Digest) {
						return true
					}
				}
				return false
			}
		default:
			return func(r Record) bool {
				for _, d := range r.Datasets() {
					if d.Context != "" && t.test(d.Context) {
						return true
					}
				}
				return false
			}
		}
	}
	panic("BUG: query: uncompilable comparison " + f.String())
}

// conjuncts returns the filter's top-level AND-ed terms (none for the
// empty filter).
func (f *Filter) conjuncts() []*node {
	switch {
	case f == nil || f.root == nil:
		return nil
	case f.root.kind == nAnd:
		return f.root.kids
	}
	return []*node{f.root}
}

// TagComparisons returns the top-level AND-ed comparisons `tags.key = v`
// and `tags.key != v` of the filter on tag key: the values compared with =
// and with !=. A search that gives a tag a meaning of its own (MLflow's
// prompt tag on registered models) reads them.
func (f *Filter) TagComparisons(key string) (eq, ne []string) {
	for _, n := range f.conjuncts() {
		if n.kind != nCmp || n.f.kind != FieldTag || n.f.key != key {
			continue
		}
		switch n.op {
		case opEq:
			eq = append(eq, n.lit.str)
		case opNe:
			ne = append(ne, n.lit.str)
		}
	}
	return eq, ne
}

// AttrValues reports whether every record the filter matches must have the
// string attribute name (canonical, e.g. AttrRunID or AttrName) equal to one
// of values, as implied by top-level AND-ed `=` and `IN` comparisons on it.
// A store can then fetch those records directly instead of scanning; Match
// must still be applied to them. values is sorted and free of duplicates; it
// is empty with ok true when the comparisons contradict each other (nothing
// matches).
func (f *Filter) AttrValues(name string) (values []string, ok bool) {
	for _, n := range f.conjuncts() {
		if n.kind != nCmp || n.f.kind != FieldAttr || n.f.key != name || n.f.numeric {
			continue
		}
		var set []string
		switch n.op {
		case opEq:
			set = []string{n.lit.str}
		case opIn:
			set = slices.Clone(n.lit.list)
		default:
			continue
		}
		slices.Sort(set)
		set = slices.Compact(set)
		if !ok {
			values, ok = set, true
			continue
		}
		values = slices.DeleteFunc(values, func(v string) bool {
			_, found := slices.BinarySearch(set, v)
			return !found
		})
	}
	if ok && values == nil {
		values = []string{}
	}
	return values, ok
}
