package query

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
)

// OrderKey is one key of an order.
type OrderKey struct {
	Field Field  // FieldMetric, FieldParam, FieldTag or FieldAttr
	Agg   Agg    // FieldMetric only: 0 for the latest value, else an aggregate
	Key   string // the metric, param or tag key, or the canonical attribute name
	Desc  bool   // descending
	// Implicit marks a key the entity's default order or tie-breaks added.
	Implicit bool
}

// String renders the key as an order_by item, e.g. "metrics.auc DESC".
func (k OrderKey) String() string {
	var b strings.Builder
	k.field().writeTo(&b)
	if k.Desc {
		b.WriteString(" DESC")
	} else {
		b.WriteString(" ASC")
	}
	return b.String()
}

// field returns the identifier the key orders by.
func (k OrderKey) field() field {
	// Every orderable attribute's main spelling is its canonical name.
	return field{kind: k.Field, agg: k.Agg, key: k.Key, print: k.Key}
}

// same reports whether two keys order by the same thing (direction aside).
func (k OrderKey) same(o OrderKey) bool {
	return k.Field == o.Field && k.Agg == o.Agg && k.Key == o.Key
}

// Order is a parsed order_by list followed by the entity's tie-breaks, so that
// it is total whenever the tie-break keys are unique (run ids, names and
// versions, experiment ids). It is immutable and safe for concurrent use.
type Order struct {
	entity Entity
	keys   []OrderKey
	scope  string
	fp     uint64
}

// ParseOrderBy parses MLflow's order_by list for entity e: each item is
// `<identifier> [ASC|DESC]` (ASC by default, case-insensitive), with the filter
// grammar's identifiers (and aggregates, an extension, for run metrics). The
// entity's default tie-breaks are appended unless already present; an empty
// list gives the entity's default order. Runs: start_time DESC, run_id ASC.
// Experiments: default creation_time DESC, experiment_id ASC; tie-break
// experiment_id DESC. Registered models: name ASC. Model versions: default
// last_updated_timestamp DESC, name ASC, version_number DESC; tie-breaks name
// ASC, version_number DESC. A key given twice is an error.
func ParseOrderBy(e Entity, items []string) (*Order, error) {
	def, ok := entities[e]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("unknown entity %d", int(e))}
	}
	o := &Order{entity: e}
	first := map[OrderKey]int{}
	for i, item := range items {
		k, err := parseOrderItem(def, item)
		if err != nil {
			err.Item = i + 1
			return nil, err
		}
		id := OrderKey{Field: k.Field, Agg: k.Agg, Key: k.Key}
		if j, dup := first[id]; dup {
			err := errAt(item, len(item)-len(strings.TrimLeft(item, " \t\n\r\f\v")),
				"duplicate order_by key %s (already item %d)", k.field(), j)
			err.Item = i + 1
			return nil, err
		}
		first[id] = i + 1
		o.keys = append(o.keys, k)
	}
	extra := def.tieBreaks
	if len(items) == 0 {
		extra = def.defaults
	}
	for _, t := range extra {
		present := false
		for _, k := range o.keys {
			if k.same(t) {
				present = true
				break
			}
		}
		if !present {
			o.keys = append(o.keys, t)
		}
	}
	o.fp = o.fingerprint()
	return o, nil
}

// parseOrderItem parses one `<identifier> [ASC|DESC]` item.
func parseOrderItem(def *entityDef, item string) (OrderKey, *Error) {
	if err := checkInput(item); err != nil {
		return OrderKey{}, asError(err, item)
	}
	p := &parser{in: item, def: def, order: true}
	p.skipSpace()
	if p.eof() {
		return OrderKey{}, p.errAt(0, "empty order_by item; expected a key such as metrics.auc DESC")
	}
	off := p.pos
	f, err := p.parseOperand()
	if err != nil {
		return OrderKey{}, asError(err, item)
	}
	if def.entity != Runs && f.kind != FieldAttr {
		return OrderKey{}, p.errAt(off, "%s can be ordered by attributes only (%s), not by %s", def.entity, joinOr(def.attrSpellings(true)), f.describe())
	}
	if f.kind == FieldDataset {
		return OrderKey{}, p.errAt(off, "runs cannot be ordered by %s", f.describe())
	}
	k := OrderKey{Field: f.kind, Agg: f.agg, Key: f.key}
	p.skipSpace()
	if p.eof() {
		return k, nil
	}
	dirOff := p.pos
	r, _ := p.peekRune()
	if !isIdentStart(r) {
		return OrderKey{}, p.errAt(dirOff, "unexpected %s in order_by item; expected ASC or DESC after the key", describeAt(item, dirOff))
	}
	w := p.peekWord()
	p.pos += len(w)
	switch asciiUpper(w) {
	case "ASC":
	case "DESC":
		k.Desc = true
	default:
		return OrderKey{}, p.errAt(dirOff, "invalid direction '%s'; use ASC or DESC%s", w, didYouMean(w, []string{"ASC", "DESC"}))
	}
	p.skipSpace()
	if !p.eof() {
		return OrderKey{}, p.errAt(p.pos, "unexpected %s after the direction; an order_by item is `<key> [ASC|DESC]`", describeAt(item, p.pos))
	}
	return k, nil
}

// Entity returns the entity the order was parsed for.
func (o *Order) Entity() Entity { return o.entity }

// Keys returns the order's keys, the appended tie-breaks included (marked
// Implicit). The slice is the caller's to keep.
func (o *Order) Keys() []OrderKey { return append([]OrderKey(nil), o.keys...) }

// String renders the full order, e.g. "metrics.auc DESC, start_time DESC, run_id ASC".
func (o *Order) String() string {
	parts := make([]string, len(o.keys))
	for i, k := range o.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, ", ")
}

// Needs reports which fields Compare reads.
func (o *Order) Needs() Needs {
	var b needsBuilder
	for _, k := range o.keys {
		b.addField(k.field())
	}
	return b.build()
}

// WithScope returns a copy of o whose page tokens are bound to scope as well
// as to the order: pass what else defines the result set (the canonical
// filter, the experiment ids, the view type), so that a token from another
// search is refused.
func (o *Order) WithScope(scope string) *Order {
	c := *o
	c.scope = scope
	c.fp = c.fingerprint()
	return &c
}

func (o *Order) fingerprint() uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", int(o.entity), o.String(), o.scope)
	return h.Sum64()
}

// Sort-value kinds, in their order of placement: values first, then NaN,
// then missing, whatever the direction (MLflow's rule).
const (
	svMissing uint8 = iota
	svNaN
	svInt
	svFloat
	svStr
)

// sortVal is one order key's value for one record.
type sortVal struct {
	kind uint8
	i    int64
	f    float64
	s    string
}

// extract reads key k of r.
func extract(k *OrderKey, r Record) sortVal {
	switch k.Field {
	case FieldMetric:
		var x float64
		var ok bool
		switch k.Agg {
		case 0, AggLast:
			x, ok = r.Metric(k.Key)
		case AggCount:
			x, ok = r.MetricAgg(AggCount, k.Key)
			if !ok {
				x, ok = 0, true
			}
		default:
			x, ok = r.MetricAgg(k.Agg, k.Key)
		}
		return floatVal(x, ok)
	case FieldParam:
		s, ok := r.Param(k.Key)
		if !ok {
			return sortVal{}
		}
		return sortVal{kind: svStr, s: s}
	case FieldTag:
		s, ok := r.Tag(k.Key)
		if !ok {
			return sortVal{}
		}
		return sortVal{kind: svStr, s: s}
	case FieldAttr:
		v, ok := r.Attr(k.Key)
		if !ok {
			return sortVal{}
		}
		switch v.kind {
		case KindString:
			return sortVal{kind: svStr, s: v.s}
		case KindInt:
			return sortVal{kind: svInt, i: v.i, f: v.f}
		case KindFloat:
			return floatVal(v.f, true)
		}
	}
	return sortVal{}
}

func floatVal(x float64, ok bool) sortVal {
	switch {
	case !ok:
		return sortVal{}
	case math.IsNaN(x):
		return sortVal{kind: svNaN}
	}
	return sortVal{kind: svFloat, f: x}
}

// compareVals orders a before b (-1), after (+1) or as equal (0) for one key.
func compareVals(a, b sortVal, desc bool) int {
	if a.kind <= svNaN || b.kind <= svNaN {
		// Missing last, NaN just before it, in both directions.
		rank := func(k uint8) int {
			switch k {
			case svMissing:
				return 2
			case svNaN:
				return 1
			}
			return 0
		}
		return cmp.Compare(rank(a.kind), rank(b.kind))
	}
	var c int
	switch {
	case a.kind == svStr && b.kind == svStr:
		c = strings.Compare(a.s, b.s)
	case a.kind == svStr:
		c = 1 // numbers before strings
	case b.kind == svStr:
		c = -1
	case a.kind == svInt && b.kind == svInt:
		c = cmp.Compare(a.i, b.i)
	default:
		c = cmp.Compare(a.f, b.f)
	}
	if desc {
		c = -c
	}
	return c
}

// Compare orders a before b (-1), after b (+1), or as equal (0). It does not
// allocate beyond what the records' methods do.
func (o *Order) Compare(a, b Record) int {
	for i := range o.keys {
		k := &o.keys[i]
		if c := compareVals(extract(k, a), extract(k, b), k.Desc); c != 0 {
			return c
		}
	}
	return 0
}

// Key holds one record's order-key values, extracted once so that a sort can
// compare cached values instead of asking the records again.
type Key struct {
	vals []sortVal
}

// Key extracts r's order-key values.
func (o *Order) Key(r Record) Key {
	vals := make([]sortVal, len(o.keys))
	for i := range o.keys {
		vals[i] = extract(&o.keys[i], r)
	}
	return Key{vals: vals}
}

// CompareKeys orders two extracted keys like Compare orders their records.
func (o *Order) CompareKeys(a, b Key) int {
	for i := range o.keys {
		if i >= len(a.vals) || i >= len(b.vals) {
			return cmp.Compare(len(a.vals), len(b.vals))
		}
		if c := compareVals(a.vals[i], b.vals[i], o.keys[i].Desc); c != 0 {
			return c
		}
	}
	return 0
}
