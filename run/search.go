package run

import (
	"container/heap"
	"context"
	"fmt"
	"slices"

	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/store"
)

// SearchOptions select, order and page runs: MLflow's search_runs.
type SearchOptions struct {
	// ExperimentIDs limits the search to these experiments; empty: all.
	ExperimentIDs []ExperimentID
	// Filter is a filter in MLflow's search syntax (see package query),
	// e.g. "metrics.auc > 0.9 and params.model = 'lgbm'". Empty: all runs.
	Filter string
	// OrderBy is MLflow's order_by list, e.g. ["metrics.auc DESC"]. Empty:
	// start_time DESC, run_id ASC.
	OrderBy []string
	// View selects by lifecycle. Zero: ActiveOnly.
	View ViewType
	// MaxResults is the page size. Zero: 1000; at most 50,000.
	MaxResults int
	// PageToken continues a search from the page that returned it.
	PageToken string
	// Models also reads the logged models linked to the page's runs into
	// Page.Models, in the transaction that reads the runs.
	Models bool
}

// invalidSearch marks a filter, order or token error as bad input: it
// reads as the query error and matches store.ErrInvalid too.
type invalidSearch struct{ err error }

func (e invalidSearch) Error() string   { return e.err.Error() }
func (e invalidSearch) Unwrap() []error { return []error{e.err, store.ErrInvalid} }
func badSearch(err error) error         { return invalidSearch{err} }

// ParseSearch is query.ParseSearch with its errors marked as bad input
// (store.ErrInvalid): the registry's searches share it with the tracker's.
func ParseSearch(e query.Entity, filter string, orderBy []string, scope func(*query.Filter) string, token string) (*query.Search, error) {
	s, err := query.ParseSearch(e, filter, orderBy, scope, token)
	if err != nil {
		return nil, badSearch(err)
	}
	return s, nil
}

// SearchRuns finds the runs matching o.Filter, ordered by o.OrderBy, a page
// at a time. Page tokens record the position of the last run returned in
// the order, not an offset, so runs logged while paging never make a page
// skip or repeat a run that existed when the search began. A bad filter,
// order or token is an error wrapping store.ErrInvalid (and query.ErrInvalid)
// whose message points at the offending column.
func (t *Tracker) SearchRuns(ctx context.Context, o SearchOptions) (*Page, error) {
	if o.MaxResults == 0 {
		o.MaxResults = 1000
	}
	if o.MaxResults < 0 || o.MaxResults > MaxResultsLimit {
		return nil, fmt.Errorf("run: search: max results %d: want 1 to %d: %w", o.MaxResults, MaxResultsLimit, store.ErrInvalid)
	}
	if o.View == 0 {
		o.View = ActiveOnly
	}
	exps := slices.Clone(o.ExperimentIDs)
	slices.Sort(exps)
	exps = slices.Compact(exps)
	s, err := ParseSearch(query.Runs, o.Filter, o.OrderBy,
		func(f *query.Filter) string { return fmt.Sprintf("%s|%v|%d", f, exps, o.View) }, o.PageToken)
	if err != nil {
		return nil, err
	}
	order, cursor := s.Order, s.Cursor
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}

	page := &Page{}
	err = t.st.View(ctx, func(tx *store.Tx) error {
		top := &topK{order: order, k: o.MaxResults + 1}
		rec := &ViewRecord{}
		visit := func(v *store.RunView) error {
			if !o.View.admits(v.Lifecycle()) {
				return nil
			}
			rec.Reset(v)
			if key, ok := s.Admit(rec); ok {
				top.offer(key, v.ID())
			}
			return nil
		}
		settled := false
		if first := order.Keys()[0]; first.Field == query.FieldMetric && first.Agg == 0 && !first.Implicit {
			var err error
			if settled, err = searchByMetric(tx, first, exps, top, visit); err != nil {
				return err
			}
			if !settled {
				top = &topK{order: order, k: o.MaxResults + 1} // the index could not settle the page: scan
			}
		}
		switch {
		case settled:
		case len(exps) == 0:
			if err := tx.ScanRuns(visit); err != nil {
				return err
			}
		case len(exps) == 1 && isDefaultOrder(order):
			// The experiment's index is already in the default order
			// (start_time DESC, run_id ASC): read runs in it, skip those
			// before the cursor from the index key alone, and stop at the
			// first page full.
			pos := &indexRecord{}
			final := 0 // matches no unread run can displace
			err := tx.ExperimentRuns(exps[0], nil, func(k []byte, id ID) (bool, error) {
				pos.reset(k, id)
				if cursor != nil && !cursor.AfterKey(order.Key(pos)) {
					return true, nil
				}
				v, err := tx.RunView(id)
				if err != nil {
					return false, err
				}
				before := top.offered
				if err := visit(v); err != nil {
					return false, err
				}
				// Runs that started before the epoch come first in the
				// index (their inverted bits are small) though they sort
				// last, so only matches among the others are final.
				if top.offered > before && pos.start >= 0 {
					final++
				}
				return final < top.k, nil
			})
			if err != nil {
				return err
			}
		case scanPays(tx, exps):
			err := tx.ScanRuns(func(v *store.RunView) error {
				if _, ok := slices.BinarySearch(exps, v.ExperimentID()); !ok {
					return nil
				}
				return visit(v)
			})
			if err != nil {
				return err
			}
		default:
			for _, exp := range exps {
				err := tx.ExperimentRuns(exp, nil, func(_ []byte, id ID) (bool, error) {
					v, err := tx.RunView(id)
					if err != nil {
						return false, err
					}
					return true, visit(v)
				})
				if err != nil {
					return err
				}
			}
		}
		rows := top.sorted()
		if len(rows) > o.MaxResults {
			rows = rows[:o.MaxResults]
			page.NextPageToken = order.TokenFromKey(rows[len(rows)-1].key)
		}
		page.Runs = make([]*Record, len(rows))
		ids := make([]ID, len(rows))
		for i, row := range rows {
			r, err := tx.Run(row.id)
			if err != nil {
				return err
			}
			page.Runs[i], ids[i] = r, row.id
		}
		if o.Models {
			page.Models, err = runModelsOf(tx, ids)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("run: search: %w", err)
	}
	return page, nil
}

// searchByMetric offers runs to top in the order of the metric order
// index, best value first, and reports whether that settled the page: a
// page is settled once it is full and the index moves on to a worse value
// (runs with an equal value may still win on the tie-breaks). Runs whose
// latest value is NaN or who lack the metric are not in the index and sort
// after every number, so when the index runs out first, the caller scans.
func searchByMetric(tx *store.Tx, key query.OrderKey, exps []ExperimentID, top *topK, visit func(*store.RunView) error) (bool, error) {
	var (
		final    int
		boundary float64
		settled  bool
	)
	err := tx.MetricOrder(key.Key, key.Desc, func(val float64, id ID) (bool, error) {
		if final >= top.k && val != boundary {
			settled = true
			return false, nil
		}
		v, err := tx.RunView(id)
		if err != nil {
			return false, err
		}
		if len(exps) > 0 {
			if _, ok := slices.BinarySearch(exps, v.ExperimentID()); !ok {
				return true, nil
			}
		}
		before := top.offered
		if err := visit(v); err != nil {
			return false, err
		}
		if top.offered > before {
			if final++; final == top.k {
				boundary = val
			}
		}
		return true, nil
	})
	return settled, err
}

// scanPays reports whether reading every run in file order costs less
// than looking up the runs of exps one by one: a lookup walks the tree from
// its root, and 10,000 of them take over ten times as long as scanning
// 10,000 records, so the scan wins once exps hold an eighth of the runs.
// Counting reads only the keys of the experiment index.
func scanPays(tx *store.Tx, exps []ExperimentID) bool {
	in, total := tx.CountRuns(exps)
	return in*8 >= total
}

// isDefaultOrder reports whether order is the runs' default order, the
// order of an experiment's run index.
func isDefaultOrder(order *query.Order) bool {
	for _, k := range order.Keys() {
		if !k.Implicit {
			return false
		}
	}
	return true
}

// indexRecord is a run as an experiment's run index knows it: its start
// time and id, enough for the default order's key.
type indexRecord struct {
	query.BaseRecord
	start int64
	id    ID
}

func (r *indexRecord) reset(k []byte, id ID) {
	r.start, r.id = store.ExperimentRunsStart(k), id
}

func (r *indexRecord) Attr(name string) (query.Value, bool) {
	switch name {
	case query.AttrStartTime:
		return query.IntValue(r.start), true
	case query.AttrRunID:
		return query.StringValue(r.id.String()), true
	}
	return query.Value{}, false
}

// ViewRecord lets a query filter or order read a run through a
// store.RunView, without decoding it: what SearchRuns evaluates against,
// for other searches over runs (the viewer's table) to share. The zero
// value is ready for Reset.
type ViewRecord struct {
	v        *store.RunView
	datasets []query.Dataset
	dsDone   bool
	id       string
}

// Reset points r at view v, valid while v is.
func (r *ViewRecord) Reset(v *store.RunView) {
	r.v, r.datasets, r.dsDone, r.id = v, r.datasets[:0], false, ""
}

// Metric, MetricAgg, Param, Tag, Attr and Datasets implement query.Record.
func (r *ViewRecord) Metric(key string) (float64, bool) {
	s, ok := r.v.Metric(key)
	return s.Latest.Value, ok
}

// MetricAgg implements query.Record.
func (r *ViewRecord) MetricAgg(agg query.Agg, key string) (float64, bool) {
	s, ok := r.v.Metric(key)
	if !ok {
		return 0, false
	}
	return seriesAgg(&s, agg), true
}

// seriesAgg computes an aggregate from a series summary, never the history.
func seriesAgg(s *store.Series, agg query.Agg) float64 {
	switch agg {
	case query.AggMin:
		return s.Min
	case query.AggMax:
		return s.Max
	case query.AggCount:
		return float64(s.Count)
	case query.AggAvg:
		if n := s.Count - s.NaNs; n > 0 {
			return s.Sum / float64(n)
		}
		return s.Min // NaN: every point is NaN
	default:
		return s.Latest.Value
	}
}

// Param implements query.Record.
func (r *ViewRecord) Param(key string) (string, bool) { return r.v.Param(key) }

// Tag implements query.Record.
func (r *ViewRecord) Tag(key string) (string, bool) { return r.v.Tag(key) }

// Attr implements query.Record.
func (r *ViewRecord) Attr(name string) (query.Value, bool) {
	v := r.v
	switch name {
	case query.AttrRunID:
		if r.id == "" {
			r.id = v.ID().String()
		}
		return query.StringValue(r.id), true
	case query.AttrRunName:
		return query.StringValue(v.Name()), true
	case query.AttrUserID:
		return query.StringValue(v.User()), true
	case query.AttrStatus:
		return query.StringValue(v.Status().String()), true
	case query.AttrArtifactURI:
		return query.StringValue(v.ArtifactURI()), true
	case query.AttrStartTime:
		return query.IntValue(v.StartTime()), true
	case query.AttrEndTime:
		if v.EndTime() == 0 {
			return query.Value{}, false
		}
		return query.IntValue(v.EndTime()), true
	}
	return query.Value{}, false
}

// Datasets implements query.Record.
func (r *ViewRecord) Datasets() []query.Dataset {
	if !r.dsDone {
		r.dsDone = true
		r.v.EachInput(func(in store.InputView) {
			ctx, _ := in.Tag(TagDatasetContext)
			r.datasets = append(r.datasets, query.Dataset{Name: in.Name, Digest: in.Digest, Context: ctx})
		})
	}
	return r.datasets
}

// topK keeps the k first rows in an order: a max-heap on the order whose
// root is the row that would leave first.
type topK struct {
	order   *query.Order
	k       int
	rows    []keyed
	offered int // matches offered so far
}

type keyed struct {
	key query.Key
	id  ID
}

func (h *topK) Len() int           { return len(h.rows) }
func (h *topK) Less(i, j int) bool { return h.order.CompareKeys(h.rows[i].key, h.rows[j].key) > 0 }
func (h *topK) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *topK) Push(x any)         { h.rows = append(h.rows, x.(keyed)) }
func (h *topK) Pop() any {
	x := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return x
}

func (h *topK) offer(key query.Key, id ID) {
	h.offered++
	if len(h.rows) < h.k {
		heap.Push(h, keyed{key, id})
		return
	}
	if h.order.CompareKeys(key, h.rows[0].key) < 0 {
		h.rows[0] = keyed{key, id}
		heap.Fix(h, 0)
	}
}

func (h *topK) sorted() []keyed {
	slices.SortFunc(h.rows, func(a, b keyed) int { return h.order.CompareKeys(a.key, b.key) })
	return h.rows
}

// SearchExperiments finds experiments by MLflow's experiment filter
// (attributes name, creation_time, last_update_time; tags), ordered and
// paged like SearchRuns.
func (t *Tracker) SearchExperiments(ctx context.Context, filterText string, orderBy []string, view ViewType, maxResults int, pageToken string) ([]*Experiment, string, error) {
	if maxResults == 0 {
		maxResults = 1000
	}
	if maxResults < 0 || maxResults > MaxResultsLimit {
		return nil, "", fmt.Errorf("run: search experiments: max results %d: want 1 to %d: %w", maxResults, MaxResultsLimit, store.ErrInvalid)
	}
	s, err := ParseSearch(query.Experiments, filterText, orderBy,
		func(f *query.Filter) string { return fmt.Sprintf("%s|%d", f, view) }, pageToken)
	if err != nil {
		return nil, "", err
	}
	all, err := t.Experiments(ctx, view)
	if err != nil {
		return nil, "", err
	}
	found := query.Collect[*Experiment](s)
	for _, x := range all {
		found.Offer(expRecord{x: x}, x)
	}
	out, next := found.Page(maxResults)
	return out, next, nil
}

type expRecord struct {
	query.BaseRecord
	x *Experiment
}

func (r expRecord) Tag(key string) (string, bool) { v, ok := r.x.Tags[key]; return v, ok }

func (r expRecord) Attr(name string) (query.Value, bool) {
	switch name {
	case query.AttrName:
		return query.StringValue(r.x.Name), true
	case query.AttrExperimentID:
		return query.IntValue(int64(r.x.ID)), true
	case query.AttrCreationTime:
		return query.IntValue(r.x.CreationTime), true
	case query.AttrLastUpdateTime:
		return query.IntValue(r.x.LastUpdateTime), true
	}
	return query.Value{}, false
}

var _ query.Record = (*ViewRecord)(nil)
var _ query.Record = expRecord{}

// MatchRun reports whether run id matches filter f (a runs filter), read
// in tx without decoding the whole run. A run that does not exist is
// store.ErrNotFound.
func MatchRun(tx *store.Tx, id ID, f *query.Filter) (bool, error) {
	if f.Entity() != query.Runs {
		return false, fmt.Errorf("run: match: a %s filter given for runs: %w", f.Entity(), store.ErrInvalid)
	}
	v, err := tx.RunView(id)
	if err != nil {
		return false, err
	}
	rec := &ViewRecord{}
	rec.Reset(v)
	return f.Match(rec), nil
}
