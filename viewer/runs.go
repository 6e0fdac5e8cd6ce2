package viewer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlite/mlite/run"
)

// Limits of the runs table.
const (
	// maxPageRuns is the most top-level rows one page of the runs table
	// may ask for.
	maxPageRuns = 1000
	// defaultPageRuns is the page size when none is asked for.
	defaultPageRuns = 100
	// maxChildrenShown is the most descendants shown under one top-level
	// row; the rest are counted (a filter on the parent shows them all).
	maxChildrenShown = 500
	// sampleRuns is how many of the newest matching runs decide which
	// columns exist and which vary.
	sampleRuns = 1000
	// maxDefaultColumns caps the param columns shown by default.
	maxDefaultColumns = 30
	// mainMetrics is how many metric columns are shown by default, next
	// to the name: few enough that a 1400 px window shows them all.
	mainMetrics = 5
)

// num is a float64 that JSON-encodes NaN and ±Inf as the strings "NaN",
// "Infinity" and "-Infinity" (encoding/json refuses them as numbers).
type num float64

// MarshalJSON writes n as appendNum does.
func (n num) MarshalJSON() ([]byte, error) { return appendNum(nil, float64(n)), nil }

// UnmarshalJSON reads what MarshalJSON writes.
func (n *num) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*n = num(math.NaN())
	case `"Infinity"`:
		*n = num(math.Inf(1))
	case `"-Infinity"`:
		*n = num(math.Inf(-1))
	default:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("viewer: number %.40q: %w", b, errBad)
		}
		*n = num(f)
	}
	return nil
}

// runsQuery is one request for a page of an experiment's runs table.
type runsQuery struct {
	Experiment run.ExperimentID
	Filter     string
	OrderBy    string   // "metrics.auc DESC"; empty: start time, newest first
	Params     []string // param columns; nil: those that vary
	Metrics    []string // metric columns; nil: those that vary
	Offset     int      // top-level rows to skip
	MaxResults int      // top-level rows per page
	View       run.ViewType
}

// runsPage is one page of the runs table.
type runsPage struct {
	ExperimentID  string   `json:"experiment_id"`
	Total         int      `json:"total"` // runs matching the filter
	Roots         int      `json:"roots"` // top-level rows over all pages
	Offset        int      `json:"offset"`
	NextPageToken string   `json:"next_page_token,omitempty"`
	OrderBy       string   `json:"order_by"`
	Params        []string `json:"params"`         // param columns shown
	Metrics       []string `json:"metrics"`        // metric columns shown
	AllParams     []string `json:"all_params"`     // param keys seen (the experiment's newest runs)
	AllMetrics    []string `json:"all_metrics"`    // metric keys seen (the experiment's newest runs)
	AllTags       []string `json:"all_tags"`       // tag keys seen (the experiment's newest runs)
	Sweeps        int      `json:"sweeps"`         // top-level rows with matching child runs
	Hint          string   `json:"hint,omitempty"` // why a filter matched nothing: a key no run has
	Rows          []runRow `json:"rows"`
}

// runRow is one row of the runs table.
type runRow struct {
	ID       string            `json:"run_id"`
	Name     string            `json:"run_name"`
	Status   string            `json:"status"`
	Start    int64             `json:"start_time"`
	End      int64             `json:"end_time,omitempty"`
	Duration int64             `json:"duration_ms"`
	User     string            `json:"user_id"`
	Parent   string            `json:"parent_run_id,omitempty"`
	Depth    int               `json:"depth"`              // 0 for a top-level row
	Children int               `json:"children,omitempty"` // matching child runs
	More     int               `json:"more,omitempty"`     // descendants left out
	Params   map[string]string `json:"params"`
	Metrics  map[string]num    `json:"metrics"`
}

// sortCol is the column a runs table is sorted by.
type sortCol struct {
	kind string // "attr", "params", "metrics", "tags"
	key  string // attribute name or key
	desc bool
}

// parseSort reads "metrics.auc DESC", "params.`a b` ASC", "start_time",
// "duration". Unknown attributes are an error.
func parseSort(s string) (sortCol, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return sortCol{kind: "attr", key: "start_time", desc: true}, nil
	}
	c := sortCol{}
	up := strings.ToUpper(s)
	switch {
	case strings.HasSuffix(up, " DESC"):
		c.desc, s = true, strings.TrimSpace(s[:len(s)-5])
	case strings.HasSuffix(up, " ASC"):
		s = strings.TrimSpace(s[:len(s)-4])
	}
	kind, key, ok := strings.Cut(s, ".")
	switch kind {
	case "params", "param", "parameters", "parameter":
		c.kind = "params"
	case "metrics", "metric":
		c.kind = "metrics"
	case "tags", "tag":
		c.kind = "tags"
	case "attributes", "attribute", "attr", "run":
		c.kind = "attr"
	default:
		c.kind, key, ok = "attr", s, true
	}
	if !ok || key == "" {
		return c, errBadRequest("order_by %q: want <type>.<key> [ASC|DESC]", s)
	}
	if q := key[0]; len(key) >= 2 && (q == '`' || q == '"') && key[len(key)-1] == q {
		key = strings.ReplaceAll(key[1:len(key)-1], string([]byte{q, q}), string(q))
		if key == "" {
			return c, errBadRequest("order_by %q: empty key", s)
		}
	}
	c.key = key
	if c.kind == "attr" {
		switch key {
		case "run_name", "name":
			c.key = "run_name"
		case "start_time", "created", "end_time", "status", "user_id", "user", "duration", "run_id":
			if key == "user" {
				c.key = "user_id"
			}
			if key == "created" {
				c.key = "start_time"
			}
		default:
			return c, errBadRequest("order_by %q: unknown attribute %q (want run_name, status, start_time, end_time, duration, user_id or run_id)", s, key)
		}
	}
	return c, nil
}

func (c sortCol) String() string {
	k := c.key
	if c.kind != "attr" {
		k = c.kind + "." + c.key
		if !plainKey(c.key) {
			k = c.kind + ".`" + strings.ReplaceAll(c.key, "`", "``") + "`"
		}
	}
	if c.desc {
		return k + " DESC"
	}
	return k + " ASC"
}

// plainKey reports whether key needs no backticks after "params.".
func plainKey(key string) bool {
	for i, r := range key {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return key != ""
}

// entry is one matching run while the table is built.
type entry struct {
	id, parent run.ID
	start      int64 // the tie-break: newest first, then by id
	n          int   // its index in the scan
	has        bool
	isNum      bool
	f          float64
	s          string // valid only inside the transaction
	kids       []int  // indexes of matching children, in order
	child      bool   // its parent matches too
}

// keyStats tracks, for the column sample, whether a key's value varies.
type keyStats struct {
	first  string
	firstF float64
	seen   int
	varies bool
}

// matching is what one scan of an experiment's runs found: the matching
// runs, sorted, and the keys seen in the newest of them.
type matching struct {
	ents            []entry
	params, metrics map[string]*keyStats // of the newest matching runs
	// keys are the param, metric and tag keys of the experiment's newest
	// runs, matching or not (for the Columns panel and autocomplete).
	keys    [3]map[string]bool
	sampled int
	filter  *run.Filter
	sel     run.RunSelection
}

// scanRuns reads the runs of q's experiment that match its filter, in one
// scan, and sorts them by sc (numbers numerically, missing last). each, if
// not nil, sees every matching run with its index in the scan (entry.n).
func scanRuns(snap *run.Snapshot, q runsQuery, sc sortCol, now int64, each func(n int, rv *run.RunView)) (*matching, error) {
	filter, err := run.ParseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	if q.View == 0 {
		q.View = run.ActiveOnly
	}
	if _, err := snap.Experiment(q.Experiment); err != nil {
		return nil, err
	}
	m := &matching{params: map[string]*keyStats{}, metrics: map[string]*keyStats{}, filter: filter,
		keys: [3]map[string]bool{{}, {}, {}},
		sel:  run.RunSelection{Experiments: []run.ExperimentID{q.Experiment}, View: q.View, Filter: filter}}
	err = snap.Runs(m.sel, func(rv *run.RunView) error {
		e := entry{id: rv.ID(), parent: rv.Parent(), start: rv.StartTime(), n: len(m.ents)}
		sortValue(&e, rv, sc, now)
		if each != nil {
			each(e.n, rv)
		}
		m.ents = append(m.ents, e)
		if m.sampled < sampleRuns {
			m.sampled++
			rv.EachParam(func(k, val string) { track(m.params, k, val, 0, m.sampled) })
			rv.EachMetric(func(k string, s run.Series) { track(m.metrics, k, "", s.Latest.Value, m.sampled) })
			if filter == nil {
				m.sampleKeys(rv)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if filter != nil {
		// The keys of runs the filter leaves out too: the filter may be
		// what a key is wanted for.
		n := 0
		all := run.RunSelection{Experiments: m.sel.Experiments, View: m.sel.View}
		err := snap.Runs(all, func(rv *run.RunView) error {
			if n++; n > sampleRuns {
				return errEnough
			}
			m.sampleKeys(rv)
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, err
		}
	}
	slices.SortFunc(m.ents, func(a, b entry) int { return compareEntries(&a, &b, sc.desc) })
	return m, nil
}

// errEnough ends a scan that has seen enough runs.
var errEnough = errors.New("viewer: enough runs seen")

// sampleKeys adds the keys of rv to m.keys.
func (m *matching) sampleKeys(rv *run.RunView) {
	add := func(set map[string]bool, k string) {
		if !set[k] {
			set[strings.Clone(k)] = true
		}
	}
	rv.EachParam(func(k, _ string) { add(m.keys[0], k) })
	rv.EachMetric(func(k string, _ run.Series) { add(m.keys[1], k) })
	rv.EachTag(func(k, _ string) { add(m.keys[2], k) })
}

// hint says why a filter matched nothing (a key no run has), or "".
func (m *matching) hint(snap *run.Snapshot) (string, error) {
	if len(m.ents) > 0 || m.filter == nil {
		return "", nil
	}
	if err := snap.MissingKeys(m.sel, m.filter); errors.Is(err, run.ErrUnknownKey) {
		return err.Error(), nil
	} else if err != nil {
		return "", err
	}
	return "", nil
}

// queryRuns builds one page of an experiment's runs table in one read
// transaction: filter with the query language, sort by any column (numbers
// numerically, missing last), group nested runs under their matching
// parent and page over the top-level rows.
func (v *Viewer) queryRuns(ctx context.Context, q runsQuery) (*runsPage, error) {
	sc, err := parseSort(q.OrderBy)
	if err != nil {
		return nil, err
	}
	if q.MaxResults == 0 {
		q.MaxResults = defaultPageRuns
	}
	now := time.Now().UnixMilli()
	page := &runsPage{ExperimentID: q.Experiment.String(), Offset: q.Offset, OrderBy: sc.String(), Rows: []runRow{}}
	err = v.db.Snapshot(ctx, func(snap *run.Snapshot) error {
		m, err := scanRuns(snap, q, sc, now, nil)
		if err != nil {
			return err
		}
		ents := m.ents
		page.Total = len(ents)
		if page.Hint, err = m.hint(snap); err != nil {
			return err
		}
		_, page.Params = columns(m.params, m.sampled, q.Params)
		_, page.Metrics = metricColumns(m.metrics, m.sampled, q.Metrics, sc)
		page.AllParams, page.AllMetrics, page.AllTags = sortedKeys(m.keys[0]), sortedKeys(m.keys[1]), sortedKeys(m.keys[2])

		pos := make(map[run.ID]int, len(ents))
		for i := range ents {
			pos[ents[i].id] = i
		}
		var roots []int
		for i := range ents {
			e := &ents[i]
			if p, ok := pos[e.parent]; ok && !e.parent.IsZero() && p != i {
				ents[p].kids = append(ents[p].kids, i)
				e.child = true
				continue
			}
			roots = append(roots, i)
		}
		page.Roots = len(roots)
		for _, ri := range roots {
			if len(ents[ri].kids) > 0 {
				page.Sweeps++
			}
		}
		if q.Offset > len(roots) {
			q.Offset = len(roots)
		}
		end := min(q.Offset+q.MaxResults, len(roots))
		if end < len(roots) {
			page.NextPageToken = run.PageToken(end)
		}
		for _, ri := range roots[q.Offset:end] {
			budget := maxChildrenShown
			if err := v.emit(snap, page, ents, ri, 0, &budget, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// emit appends the row of ents[i] and its descendants (depth first, in
// order) to the page, within the budget of descendants shown.
func (v *Viewer) emit(snap *run.Snapshot, page *runsPage, ents []entry, i, depth int, budget *int, now int64) error {
	e := &ents[i]
	rv, err := snap.RunView(e.id)
	if err != nil {
		return err
	}
	row := runRow{
		ID:       e.id.String(),
		Name:     strings.Clone(rv.Name()),
		Status:   rv.Status().String(),
		Start:    rv.StartTime(),
		End:      rv.EndTime(),
		User:     strings.Clone(rv.User()),
		Depth:    depth,
		Children: len(e.kids),
		Params:   make(map[string]string, len(page.Params)),
		Metrics:  make(map[string]num, len(page.Metrics)),
	}
	row.Duration = duration(row.Start, row.End, rv.Status(), now)
	if !e.parent.IsZero() {
		row.Parent = e.parent.String()
	}
	for _, k := range page.Params {
		if val, ok := rv.Param(k); ok {
			row.Params[k] = strings.Clone(val)
		}
	}
	for _, k := range page.Metrics {
		if s, ok := rv.Metric(k); ok {
			row.Metrics[k] = num(s.Latest.Value)
		}
	}
	page.Rows = append(page.Rows, row)
	at := len(page.Rows) - 1
	for n, k := range e.kids {
		if *budget <= 0 {
			page.Rows[at].More = countDescendants(ents, e.kids[n:])
			break
		}
		*budget--
		if err := v.emit(snap, page, ents, k, depth+1, budget, now); err != nil {
			return err
		}
	}
	return nil
}

func countDescendants(ents []entry, kids []int) int {
	n := 0
	for _, k := range kids {
		n += 1 + countDescendants(ents, ents[k].kids)
	}
	return n
}

// duration is how long a run took, or has been running; 0 when unknown.
func duration(start, end int64, st run.Status, now int64) int64 {
	switch {
	case end > 0 && end >= start:
		return end - start
	case end == 0 && st == run.Running && now > start:
		return now - start
	}
	return 0
}

// sortValue reads the sort column of rv into e.
func sortValue(e *entry, rv *run.RunView, sc sortCol, now int64) {
	switch sc.kind {
	case "metrics":
		if s, ok := rv.Metric(sc.key); ok {
			e.has, e.isNum, e.f = true, true, s.Latest.Value
		}
	case "params", "tags":
		var val string
		var ok bool
		if sc.kind == "params" {
			val, ok = rv.Param(sc.key)
		} else {
			val, ok = rv.Tag(sc.key)
		}
		if ok {
			e.has, e.s = true, val
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				e.isNum, e.f = true, f
			}
		}
	default:
		e.has = true
		switch sc.key {
		case "run_name":
			e.s = rv.Name()
		case "status":
			e.s = rv.Status().String()
		case "user_id":
			e.s = rv.User()
		case "run_id":
			e.s = "" // the tie-break below orders by id
			e.has = false
		case "start_time":
			e.isNum, e.f = true, float64(rv.StartTime())
		case "end_time":
			e.isNum, e.f, e.has = true, float64(rv.EndTime()), rv.EndTime() != 0
		case "duration":
			e.isNum, e.f = true, float64(duration(rv.StartTime(), rv.EndTime(), rv.Status(), now))
		}
	}
}

// compareEntries orders values first (numbers before strings, NaN after
// numbers), then missing ones, for ASC and DESC alike; ties go newest
// first, then by run id.
func compareEntries(a, b *entry, desc bool) int {
	if a.has != b.has {
		if a.has {
			return -1
		}
		return 1
	}
	if a.has {
		c := 0
		switch {
		case a.isNum && b.isNum:
			an, bn := math.IsNaN(a.f), math.IsNaN(b.f)
			switch {
			case an && bn:
			case an:
				return 1
			case bn:
				return -1
			default:
				c = cmp.Compare(a.f, b.f)
			}
		case a.isNum:
			return -1
		case b.isNum:
			return 1
		default:
			c = strings.Compare(a.s, b.s)
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	if c := cmp.Compare(b.start, a.start); c != 0 {
		return c
	}
	return strings.Compare(string(a.id[:]), string(b.id[:]))
}

// track records key's value in the n-th sampled run.
func track(m map[string]*keyStats, key, s string, f float64, n int) {
	ks, ok := m[key]
	if !ok {
		ks = &keyStats{first: strings.Clone(s), firstF: f}
		m[strings.Clone(key)] = ks
		if n > 1 {
			ks.varies = true // missing in an earlier run
		}
	} else if !ks.varies && (ks.first != s || !(ks.firstF == f || math.IsNaN(f) && math.IsNaN(ks.firstF))) {
		ks.varies = true
	}
	ks.seen++
}

// columns returns every key seen (sorted) and the columns to show: asked,
// if asked; else those that vary (a key some runs lack varies), or every
// key when there is one run; capped.
func columns(m map[string]*keyStats, sampled int, asked []string) (all, shown []string) {
	all = make([]string, 0, len(m))
	for k := range m {
		all = append(all, k)
	}
	slices.Sort(all)
	if asked != nil {
		return all, asked
	}
	shown = []string{}
	for _, k := range all {
		ks := m[k]
		if ks.varies || ks.seen < sampled || sampled <= 1 {
			shown = append(shown, k)
		}
		if len(shown) == maxDefaultColumns {
			break
		}
	}
	return all, shown
}

// metricColumns returns every metric key seen (sorted) and the metric
// columns to show: asked, if asked; else the sort metric, then the
// experiment's main metrics (mainMetrics of those that vary, ranked by
// metricRank), in that order.
func metricColumns(m map[string]*keyStats, sampled int, asked []string, sc sortCol) (all, shown []string) {
	all, varying := columns(m, sampled, asked)
	if asked != nil {
		return all, varying
	}
	if len(varying) == 0 {
		varying = all // one run, or all alike: rank them all
	}
	ranked := slices.Clone(varying)
	// Most runs have it first (a sweep's children over its parent), then
	// by the name's rank, then by name.
	common := func(k string) bool { return 2*m[k].seen >= sampled }
	slices.SortStableFunc(ranked, func(a, b string) int {
		if ca, cb := common(a), common(b); ca != cb {
			if ca {
				return -1
			}
			return 1
		}
		return cmp.Compare(metricRank(b), metricRank(a))
	})
	shown = []string{}
	if sc.kind == "metrics" {
		shown = append(shown, sc.key)
	}
	for _, k := range ranked {
		if len(shown) >= mainMetrics {
			break
		}
		if !slices.Contains(shown, k) {
			shown = append(shown, k)
		}
	}
	return all, shown
}

// Words of metric names, for metricRank.
var (
	// qualityWords name what a model is judged by.
	qualityWords = []string{"auc", "roc", "accuracy", "acc", "f1", "loss", "logloss", "rmse", "mae", "mse", "mape",
		"r2", "precision", "recall", "ap", "map", "ndcg", "error", "perplexity", "bleu", "rouge", "iou", "dice", "score"}
	// heldOutWords name data the model was not trained on.
	heldOutWords = []string{"val", "valid", "validation", "test", "eval", "holdout", "dev"}
)

// metricRank ranks a metric's name: a quality measure ("auc", "loss",
// "f1") on held-out data ("val_", "test_") first, then one on no named
// data ("f1"), then one on training data; counts and settings ("tp",
// "threshold", "lr") last.
func metricRank(key string) int {
	words := strings.FieldsFunc(strings.ToLower(key), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	rank := 2
	quality := false
	for _, w := range words {
		switch {
		case slices.Contains(heldOutWords, w):
			rank = 3
		case w == "train" || w == "training":
			rank = min(rank, 1)
		case slices.Contains(qualityWords, w):
			quality = true
		}
	}
	if quality {
		rank += 10
	}
	return rank
}
