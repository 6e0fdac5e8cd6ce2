package mlflowapi

import (
	"cmp"
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"sort"

	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// MLflow's page-size limits (handlers.py, store/tracking/__init__.py).
const (
	searchMaxResultsDefault   = 1000
	searchMaxResultsThreshold = 50000
	bulkMaxRuns               = 100   // MAX_RUNS_GET_METRIC_HISTORY_BULK
	bulkIntervalMaxResults    = 2500  // MAX_RESULTS_PER_RUN
	historyMaxResults         = 25000 // MAX_RESULTS_GET_METRIC_HISTORY
)

// viewTypes is MLflow's ViewType enum.
var viewTypes = map[string]int64{"ACTIVE_ONLY": 1, "DELETED_ONLY": 2, "ALL": 3}

// maxResults reads max_results: def when absent, at least 1 and at most
// limit. Over the limit, the message is that of MLflow's handler for the
// endpoint when it checks the limit (byHandler), else its store's.
func maxResults(p *params, def, limit int64, byHandler bool) (int, error) {
	n, ok, err := p.int("max_results")
	if err != nil {
		return 0, err
	}
	if !ok {
		return int(def), nil
	}
	if n > limit && byHandler {
		return 0, p.badValue("max_results")
	}
	if n > limit {
		return 0, invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be at most %d", n, limit)
	}
	if n < 1 {
		return 0, invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", n)
	}
	return int(n), nil
}

// parseRunID reads a run id; one that is not a run id names no run, as in
// MLflow.
func parseRunID(s string) (run.ID, error) {
	id, err := store.ParseRunID(s)
	if err != nil {
		return id, notFound(err, "Run with id=%s not found", s)
	}
	return id, nil
}

// runNotFound gives a run lookup's not-found error MLflow's message.
func runNotFound(err error, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "Run with id=%s not found", id)
	}
	return err
}

// experiment returns experiment id, with MLflow's message if there is none.
func (h *Handler) experiment(ctx context.Context, id string) (*run.Experiment, error) {
	x, err := store.ParseExperimentID(id)
	if err != nil {
		return nil, notFound(err, "No Experiment with id=%s exists", id)
	}
	exp, err := h.tr.GetExperiment(ctx, x)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(err, "No Experiment with id=%s exists", id)
	}
	return exp, err
}

func (h *Handler) getExperiment(r *http.Request, p *params, w *jsonWriter) error {
	id, err := p.required("experiment_id")
	if err != nil {
		return err
	}
	exp, err := h.experiment(r.Context(), id)
	if err != nil {
		return err
	}
	w.openObj("experiment")
	writeExperiment(w, exp)
	w.close()
	return nil
}

func (h *Handler) getExperimentByName(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("experiment_name")
	if err != nil {
		return err
	}
	exp, err := h.tr.GetExperimentByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "Could not find experiment with name '%s'", name)
	}
	if err != nil {
		return err
	}
	w.openObj("experiment")
	writeExperiment(w, exp)
	w.close()
	return nil
}

func (h *Handler) searchExperiments(r *http.Request, p *params, w *jsonWriter) error {
	n, err := maxResults(p, searchMaxResultsDefault, searchMaxResultsThreshold, false)
	if err != nil {
		return err
	}
	filter, err := p.str("filter")
	if err != nil {
		return err
	}
	orderBy, err := p.strs("order_by")
	if err != nil {
		return err
	}
	token, err := p.str("page_token")
	if err != nil {
		return err
	}
	view, _, err := p.enum("view_type", viewTypes)
	if err != nil {
		return err
	}
	exps, next, err := h.tr.SearchExperiments(r.Context(), filter, orderBy, run.ViewType(view), n, token)
	if err != nil {
		return err
	}
	if len(exps) > 0 {
		w.openArr("experiments")
		for _, x := range exps {
			w.elem()
			writeExperiment(w, x)
			w.close()
		}
		w.closeArr()
	}
	w.strOpt("next_page_token", next)
	return nil
}

// writeExperiment writes the fields of MLflow's Experiment message.
func writeExperiment(w *jsonWriter, x *run.Experiment) {
	w.str("experiment_id", x.ID.String())
	w.str("name", x.Name)
	w.str("artifact_location", x.ArtifactLocation)
	w.str("lifecycle_stage", x.Lifecycle.String())
	w.intOpt("last_update_time", x.LastUpdateTime)
	w.intOpt("creation_time", x.CreationTime)
	w.keyValues("tags", x.Tags)
}

func (h *Handler) getRun(r *http.Request, p *params, w *jsonWriter) error {
	s, err := p.runID()
	if err != nil {
		return err
	}
	id, err := parseRunID(s)
	if err != nil {
		return err
	}
	rec, err := h.tr.GetRun(r.Context(), id)
	if err != nil {
		return runNotFound(err, s)
	}
	ds := datasetCache{tr: h.tr}
	w.openObj("run")
	if err := ds.writeRun(r.Context(), w, rec); err != nil {
		return err
	}
	w.close()
	return nil
}

func (h *Handler) searchRuns(r *http.Request, p *params, w *jsonWriter) error {
	expIDs, err := p.strs("experiment_ids")
	if err != nil {
		return err
	}
	filter, err := p.str("filter")
	if err != nil {
		return err
	}
	view, _, err := p.enum("run_view_type", viewTypes)
	if err != nil {
		return err
	}
	n, err := maxResults(p, searchMaxResultsDefault, searchMaxResultsThreshold, true)
	if err != nil {
		return err
	}
	orderBy, err := p.strs("order_by")
	if err != nil {
		return err
	}
	token, err := p.str("page_token")
	if err != nil {
		return err
	}
	o := run.SearchOptions{Filter: filter, OrderBy: orderBy, View: run.ViewType(view), MaxResults: n, PageToken: token}
	for _, s := range expIDs {
		// An id that is no experiment id matches no run, as in MLflow.
		if x, err := store.ParseExperimentID(s); err == nil {
			o.ExperimentIDs = append(o.ExperimentIDs, x)
		}
	}
	if len(o.ExperimentIDs) == 0 {
		// MLflow searches the experiments listed, and none lists no run;
		// the filter and order must still be good.
		if _, err := query.ParseFilter(query.Runs, filter); err != nil {
			return err
		}
		if _, err := query.ParseOrderBy(query.Runs, orderBy); err != nil {
			return err
		}
		return nil
	}
	page, err := h.tr.SearchRuns(r.Context(), o)
	if err != nil {
		return err
	}
	return writeRuns(r.Context(), w, h.tr, page)
}

// writeRuns writes a page of runs: runs and next_page_token.
func writeRuns(ctx context.Context, w *jsonWriter, tr *run.Tracker, page *run.Page) error {
	if len(page.Runs) > 0 {
		ds := datasetCache{tr: tr}
		w.openArr("runs")
		for _, rec := range page.Runs {
			w.elem()
			if err := ds.writeRun(ctx, w, rec); err != nil {
				return err
			}
			w.close()
		}
		w.closeArr()
	}
	w.strOpt("next_page_token", page.NextPageToken)
	return nil
}

// datasetCache holds the datasets of the experiments a response's runs
// belong to, read once per experiment, to describe run inputs.
type datasetCache struct {
	tr  *run.Tracker
	exp map[run.ExperimentID]map[[2]string]*run.Dataset
}

func (c *datasetCache) dataset(ctx context.Context, exp run.ExperimentID, name, digest string) (*run.Dataset, error) {
	if c.exp == nil {
		c.exp = map[run.ExperimentID]map[[2]string]*run.Dataset{}
	}
	m, ok := c.exp[exp]
	if !ok {
		list, err := c.tr.Datasets(ctx, exp)
		if err != nil {
			return nil, err
		}
		m = make(map[[2]string]*run.Dataset, len(list))
		for _, d := range list {
			m[[2]string{d.Name, d.Digest}] = d
		}
		c.exp[exp] = m
	}
	return m[[2]string{name, digest}], nil
}

// writeRun writes the fields of MLflow's Run message: info, data, inputs.
// Like MLflow's Run.to_proto it always sets data and inputs, so both appear
// even when empty.
func (c *datasetCache) writeRun(ctx context.Context, w *jsonWriter, rec *run.Record) error {
	writeRunInfo(w, "info", rec)

	w.openObj("data")
	if len(rec.Metrics) > 0 {
		w.openArr("metrics")
		for _, k := range sortedKeys(w, rec.Metrics) {
			s := rec.Metrics[k]
			if s == nil || s.Count == 0 {
				continue
			}
			w.elem()
			writeMetric(w, k, s.Latest)
			w.close()
		}
		w.closeArr()
	}
	w.keyValues("params", rec.Params)
	w.keyValues("tags", rec.Tags)
	w.close()

	w.openObj("inputs")
	if len(rec.Inputs) > 0 {
		w.openArr("dataset_inputs")
		for _, in := range rec.Inputs {
			d, err := c.dataset(ctx, rec.ExperimentID, in.Name, in.Digest)
			if err != nil {
				return err
			}
			w.elem()
			w.keyValues("tags", in.Tags)
			w.openObj("dataset")
			w.str("name", in.Name)
			w.str("digest", in.Digest)
			if d != nil {
				w.str("source_type", d.SourceType)
				w.str("source", d.Source)
				w.strOpt("schema", d.Schema)
				w.strOpt("profile", d.Profile)
			}
			w.close()
			w.close()
		}
		w.closeArr()
	}
	w.close()
	return nil
}

// writeMetric writes the fields of MLflow's Metric message.
func writeMetric(w *jsonWriter, key string, pt run.Point) {
	w.str("key", key)
	w.float("value", pt.Value)
	w.int("timestamp", pt.Time)
	w.int("step", pt.Step)
}

// history returns the points of metric key of run s in MLflow's order:
// timestamp, then step, then value (NaN last).
func (h *Handler) history(ctx context.Context, s string, id run.ID, key string) ([]run.Point, error) {
	pts, err := h.tr.MetricHistory(ctx, id, key, run.AllSteps)
	if errors.Is(err, store.ErrNotFound) {
		// A metric the run never logged has no points, as in MLflow.
		if _, rerr := h.tr.GetRun(ctx, id); rerr == nil {
			return nil, nil
		}
	}
	if err != nil {
		return nil, runNotFound(err, s)
	}
	sort.SliceStable(pts, func(i, j int) bool {
		a, b := pts[i], pts[j]
		if a.Time != b.Time {
			return a.Time < b.Time
		}
		if a.Step != b.Step {
			return a.Step < b.Step
		}
		return cmp.Less(a.Value, b.Value) && !math.IsNaN(b.Value) || !math.IsNaN(a.Value) && math.IsNaN(b.Value)
	})
	return pts, nil
}

func (h *Handler) getMetricHistory(r *http.Request, p *params, w *jsonWriter) error {
	s, err := p.runID()
	if err != nil {
		return err
	}
	key, err := p.required("metric_key")
	if err != nil {
		return err
	}
	token, err := p.str("page_token")
	if err != nil {
		return err
	}
	n, given, err := p.int("max_results")
	if err != nil {
		return err
	}
	if given && n < 0 {
		return invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", n)
	}
	offset, err := query.ParseOffsetToken(token)
	if err != nil {
		return err
	}
	id, err := parseRunID(s)
	if err != nil {
		return err
	}
	pts, err := h.history(r.Context(), s, id, key)
	if err != nil {
		return err
	}
	next := ""
	pts = pts[min(offset, len(pts)):]
	if n > 0 && int64(len(pts)) > n {
		pts = pts[:n]
		next = query.OffsetToken(offset + int(n))
	}
	if len(pts) > 0 {
		w.openArr("metrics")
		for _, pt := range pts {
			w.elem()
			writeMetric(w, key, pt)
			w.close()
		}
		w.closeArr()
	}
	w.strOpt("next_page_token", next)
	return nil
}

// getMetricHistoryBulkInterval samples the histories of one metric of
// several runs at common steps, as MLflow's handler does: every step when
// there are at most max_results in range, else max_results evenly spaced
// ones and the last, plus each run's first and last step.
func (h *Handler) getMetricHistoryBulkInterval(r *http.Request, p *params, w *jsonWriter) error {
	runIDs, err := p.strs("run_ids")
	if err != nil {
		return err
	}
	if len(runIDs) == 0 {
		return missing("run_ids")
	}
	if len(runIDs) > bulkMaxRuns {
		return invalidParam("GetMetricHistoryBulkInterval request must specify at most %d run_ids. Received %d run_ids.%s", bulkMaxRuns, len(runIDs), seeDocs)
	}
	key, err := p.required("metric_key")
	if err != nil {
		return err
	}
	start, hasStart, err := p.int("start_step")
	if err != nil {
		return err
	}
	end, hasEnd, err := p.int("end_step")
	if err != nil {
		return err
	}
	n, given, err := p.int("max_results")
	if err != nil {
		return err
	}
	if !given {
		n = bulkIntervalMaxResults
	}
	if n < 1 || n > bulkIntervalMaxResults {
		return invalidParam("max_results must be between 1 and %d.%s", bulkIntervalMaxResults, seeDocs)
	}
	switch {
	case hasStart && hasEnd:
		if start > end {
			return invalidParam("end_step must be greater than start_step. Found start_step=%d and end_step=%d.", start, end)
		}
	case hasStart || hasEnd:
		return invalidParam("If either start step or end step are specified, both must be specified.")
	}

	// Each run's history; a run that does not exist has none.
	ctx := r.Context()
	hist := make([][]run.Point, len(runIDs))
	for i, s := range runIDs {
		id, err := store.ParseRunID(s)
		if err != nil {
			continue
		}
		pts, err := h.history(ctx, s, id, key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		hist[i] = pts
	}
	var all []int64
	ends := map[int64]bool{}
	for _, pts := range hist {
		if len(pts) == 0 {
			continue
		}
		lo, hi := pts[0].Step, pts[0].Step
		for _, pt := range pts {
			all = append(all, pt.Step)
			lo, hi = min(lo, pt.Step), max(hi, pt.Step)
		}
		ends[lo], ends[hi] = true, true
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if !hasStart {
		start, end = 0, 0
		if len(all) > 0 {
			end = all[len(all)-1]
		}
	}
	steps := sampleSteps(start, end, int(n), all)
	for s := range ends {
		if start <= s && s <= end {
			steps[s] = true
		}
	}

	first := true
	for i, pts := range hist {
		var sel []run.Point
		for _, pt := range pts {
			if steps[pt.Step] {
				sel = append(sel, pt)
			}
		}
		slices.SortStableFunc(sel, func(a, b run.Point) int {
			return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Time, b.Time))
		})
		if len(sel) > historyMaxResults {
			sel = sel[:historyMaxResults]
		}
		for _, pt := range sel {
			if first {
				w.openArr("metrics")
				first = false
			}
			w.elem()
			writeMetric(w, key, pt)
			w.str("run_id", runIDs[i])
			w.close()
		}
	}
	if !first {
		w.closeArr()
	}
	return nil
}

// sampleSteps picks the steps of sorted, distinct all within [start, end]:
// all of them if at most n, else n evenly spaced and the last (MLflow's
// _get_sampled_steps_from_steps, including its bound on the index).
func sampleSteps(start, end int64, n int, all []int64) map[int64]bool {
	lo, _ := slices.BinarySearch(all, start)
	hi, found := slices.BinarySearch(all, end)
	if found {
		hi++
	}
	out := map[int64]bool{}
	if hi-lo <= n {
		for _, s := range all[lo:hi] {
			out[s] = true
		}
		return out
	}
	num := hi - lo
	interval := float64(num) / float64(n)
	for i := range n {
		idx := lo + int(float64(i)*interval)
		if idx < num {
			out[all[idx]] = true
		}
	}
	out[all[hi-1]] = true
	return out
}

// getMetricHistoryBulk answers the UI's ajax-only bulk history: every
// point of one metric of up to 100 runs, runs in id order.
func (h *Handler) getMetricHistoryBulk(r *http.Request, p *params, w *jsonWriter) error {
	runIDs, err := p.strs("run_id")
	if err != nil {
		return err
	}
	if len(runIDs) == 0 {
		return invalidParam("GetMetricHistoryBulk request must specify at least one run_id.")
	}
	if len(runIDs) > bulkMaxRuns {
		return invalidParam("GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %d run_ids.", bulkMaxRuns, len(runIDs))
	}
	if !p.has("metric_key") {
		return invalidParam("GetMetricHistoryBulk request must specify a metric_key.")
	}
	key, err := p.str("metric_key")
	if err != nil {
		return err
	}
	n, given, err := p.int("max_results")
	if err != nil {
		return err
	}
	if !given || n > historyMaxResults {
		n = historyMaxResults
	}
	runIDs = slices.Clone(runIDs)
	slices.Sort(runIDs)
	left := int(max(n, 0))
	first := true
	for _, s := range runIDs {
		if left == 0 {
			break
		}
		id, err := parseRunID(s)
		if err != nil {
			return err
		}
		pts, err := h.history(r.Context(), s, id, key)
		if err != nil {
			return err
		}
		pts = pts[:min(len(pts), left)]
		left -= len(pts)
		for _, pt := range pts {
			if first {
				w.openArr("metrics")
				first = false
			}
			w.elem()
			writeMetric(w, key, pt)
			w.str("run_id", s)
			w.close()
		}
	}
	if first {
		w.openArr("metrics")
	}
	w.closeArr()
	return nil
}

func (h *Handler) listArtifacts(r *http.Request, p *params, w *jsonWriter) error {
	s, err := p.runID()
	if err != nil {
		return err
	}
	dir, err := p.str("path")
	if err != nil {
		return err
	}
	if _, err := p.str("page_token"); err != nil {
		return err
	}
	id, err := parseRunID(s)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return runNotFound(err, s)
	}
	files, err := h.tr.ListArtifacts(ctx, id, dir, false)
	if err != nil {
		return runNotFound(err, s)
	}
	w.str("root_uri", rec.ArtifactURI)
	if len(files) > 0 {
		w.openArr("files")
		for _, f := range files {
			w.elem()
			w.str("path", f.Path)
			w.bool("is_dir", f.IsDir)
			if !f.IsDir {
				w.intOpt("file_size", f.Size)
			}
			w.close()
		}
		w.closeArr()
	}
	return nil
}
