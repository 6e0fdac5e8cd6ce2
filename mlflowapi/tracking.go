package mlflowapi

import (
	"cmp"
	"context"
	"errors"
	"math"
	"path"
	"slices"
	"sort"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
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
func (a *args) maxResults(def, limit int64, byHandler bool) int {
	n, ok := a.int("max_results")
	switch {
	case !ok:
		return int(def)
	case n > limit && byHandler:
		a.fail(a.p.badValue("max_results"))
	case n > limit:
		a.fail(invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be at most %d", n, limit))
	case n < 1:
		a.fail(invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", n))
	}
	return int(n)
}

// experiment returns experiment id, with MLflow's message if there is none.
func (h *Handler) experiment(ctx context.Context, id string) (*run.Experiment, error) {
	x, err := run.ParseExperimentID(id)
	if err != nil {
		return nil, badExperimentID(id)
	}
	exp, err := h.tr.GetExperiment(ctx, x)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, notFound(err, "No Experiment with id=%s exists", id)
	}
	return exp, err
}

func (h *Handler) experimentByName(ctx context.Context, name string) (*run.Experiment, error) {
	exp, err := h.tr.GetExperimentByName(ctx, name)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, notFound(err, "Could not find experiment with name '%s'", name)
	}
	return exp, err
}

// experimentMember writes member experiment.
func experimentMember(w *jsonWriter, x *run.Experiment) {
	w.openObj("experiment")
	writeExperiment(w, x)
	w.close()
}

type experimentSearch struct {
	n       int
	filter  string
	orderBy []string
	token   string
	view    run.ViewType
}

func decodeExperimentSearch(a *args) experimentSearch {
	var s experimentSearch
	s.n = a.maxResults(searchMaxResultsDefault, searchMaxResultsThreshold, false)
	s.filter = a.str("filter")
	s.orderBy = a.strs("order_by")
	s.token = a.str("page_token")
	view, _ := a.enum("view_type", viewTypes)
	s.view = run.ViewType(view)
	return s
}

type experimentPage struct {
	exps []*run.Experiment
	next string
}

func (h *Handler) searchExperiments(ctx context.Context, s experimentSearch) (experimentPage, error) {
	exps, next, err := h.tr.SearchExperiments(ctx, s.filter, s.orderBy, s.view, s.n, s.token)
	return experimentPage{exps, next}, err
}

func writeExperimentPage(w *jsonWriter, pg experimentPage) {
	writeArray(w, "experiments", pg.exps, writeExperiment)
	w.strOpt("next_page_token", pg.next)
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

func (h *Handler) getRun(ctx context.Context, ref runRef) (runList, error) {
	return h.runByID(ctx, ref.id)
}

// runByID reads run id for the response.
func (h *Handler) runByID(ctx context.Context, id run.ID) (runList, error) {
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return runList{}, err
	}
	models, err := h.tr.RunModelsOf(ctx, []run.ID{id})
	if err != nil {
		return runList{}, err
	}
	return h.runList(ctx, &run.Page{Runs: []*run.Record{rec}, Models: models})
}

// runSearch is a runs/search request; none is set when it lists no
// experiment id.
type runSearch struct {
	run.SearchOptions
	none bool
}

func decodeRunSearch(a *args) runSearch {
	var s runSearch
	expIDs := a.strs("experiment_ids")
	s.Filter = a.str("filter")
	view, _ := a.enum("run_view_type", viewTypes)
	s.View = run.ViewType(view)
	s.MaxResults = a.maxResults(searchMaxResultsDefault, searchMaxResultsThreshold, true)
	s.OrderBy = a.strs("order_by")
	s.PageToken = a.str("page_token")
	for _, id := range expIDs {
		x, err := run.ParseExperimentID(id)
		if err != nil {
			a.fail(badExperimentID(id))
			break
		}
		s.ExperimentIDs = append(s.ExperimentIDs, x)
	}
	s.none = len(s.ExperimentIDs) == 0
	return s
}

func (h *Handler) searchRuns(ctx context.Context, s runSearch) (runList, error) {
	if s.none {
		// MLflow searches the experiments listed, and none lists no run;
		// the filter and order must still be good.
		if _, err := run.ParseFilter(s.Filter); err != nil {
			return runList{}, err
		}
		_, err := run.ParseOrderBy(s.OrderBy)
		return runList{}, err
	}
	s.Models = true // MLflow 3's run answers carry the model inputs and outputs
	page, err := h.tr.SearchRuns(ctx, s.SearchOptions)
	if err != nil {
		return runList{}, err
	}
	return h.runList(ctx, page)
}

// runList is runs for a response, with the datasets their inputs name.
type runList struct {
	runs     []*run.Record
	next     string
	datasets map[datasetKey]*run.Dataset
	models   map[run.ID][]run.RunModel // MLflow 3's model inputs and outputs
	// noOutputs leaves outputs out, as MLflow's CreateRun answer does.
	noOutputs bool
}

type datasetKey struct {
	exp          run.ExperimentID
	name, digest string
}

// runList is page for a response, with its runs' model links (page.Models)
// and the datasets of its runs' inputs, read once per experiment.
func (h *Handler) runList(ctx context.Context, page *run.Page) (runList, error) {
	l := runList{runs: page.Runs, next: page.NextPageToken, models: page.Models}
	var read map[run.ExperimentID]bool
	for _, rec := range page.Runs {
		if len(rec.Inputs) == 0 || read[rec.ExperimentID] {
			continue
		}
		list, err := h.tr.Datasets(ctx, rec.ExperimentID)
		if err != nil {
			return runList{}, err
		}
		if read == nil {
			read, l.datasets = map[run.ExperimentID]bool{}, map[datasetKey]*run.Dataset{}
		}
		read[rec.ExperimentID] = true
		for _, d := range list {
			l.datasets[datasetKey{rec.ExperimentID, d.Name, d.Digest}] = d
		}
	}
	return l, nil
}

// runMember writes member run: the list's one run.
func runMember(w *jsonWriter, l runList) {
	w.openObj("run")
	l.writeRun(w, l.runs[0])
	w.close()
}

// writeRunPage writes a page of runs: runs and next_page_token.
func writeRunPage(w *jsonWriter, l runList) {
	writeArray(w, "runs", l.runs, l.writeRun)
	w.strOpt("next_page_token", l.next)
}

// writeRun writes the fields of MLflow's Run message: info, data, inputs,
// outputs. Like MLflow's server it always sets data, inputs and (but in
// CreateRun's answer) outputs, so they appear even when empty.
func (l runList) writeRun(w *jsonWriter, rec *run.Record) {
	writeRunInfo(w, "info", rec)

	w.openObj("data")
	if len(rec.Metrics) > 0 {
		w.openArr("metrics")
		for _, k := range sortedKeys(w, rec.Metrics) {
			if s := rec.Metrics[k]; s != nil && s.Count > 0 {
				w.elem()
				writeMetric(w, k, s.Latest)
				w.close()
			}
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
			w.elem()
			w.keyValues("tags", in.Tags)
			w.openObj("dataset")
			w.str("name", in.Name)
			w.str("digest", in.Digest)
			if d := l.datasets[datasetKey{rec.ExperimentID, in.Name, in.Digest}]; d != nil {
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
	links := l.models[rec.ID]
	writeModelLinks(w, "model_inputs", links, false)
	w.close()
	if !l.noOutputs {
		w.openObj("outputs")
		writeModelLinks(w, "model_outputs", links, true)
		w.close()
	}
}

// writeModelLinks writes a run's model inputs or outputs: MLflow's
// ModelInput and ModelOutput messages.
func writeModelLinks(w *jsonWriter, k string, links []run.RunModel, outputs bool) {
	var sel []run.RunModel
	for _, l := range links {
		if l.Output == outputs {
			sel = append(sel, l)
		}
	}
	writeArray(w, k, sel, func(w *jsonWriter, l run.RunModel) {
		w.str("model_id", l.Model.String())
		if outputs {
			w.int("step", l.Step)
		}
	})
}

// writeRunInfo writes member name: MLflow's RunInfo of rec ("info" in a
// Run, "run_info" in UpdateRun's response).
func writeRunInfo(w *jsonWriter, name string, rec *run.Record) {
	id := rec.ID.String()
	w.openObj(name)
	w.str("run_uuid", id)
	w.str("experiment_id", rec.ExperimentID.String())
	w.str("run_name", rec.Name)
	w.str("user_id", rec.User)
	w.str("status", rec.Status.String())
	w.int("start_time", rec.StartTime)
	w.intOpt("end_time", rec.EndTime)
	w.strOpt("artifact_uri", rec.ArtifactURI)
	w.str("lifecycle_stage", rec.Lifecycle.String())
	w.str("run_id", id)
	w.close()
}

// writeMetric writes the fields of MLflow's Metric message that every
// metric has (a logged model's metric adds its dataset, model and run).
func writeMetric(w *jsonWriter, key string, pt run.Point) {
	w.str("key", key)
	w.float("value", pt.Value)
	w.int("timestamp", pt.Time)
	w.int("step", pt.Step)
}

// history returns the points of metric key of run id in MLflow's order:
// timestamp, then step, then value (NaN last).
func (h *Handler) history(ctx context.Context, id run.ID, key string) ([]run.Point, error) {
	pts, err := h.tr.MetricHistory(ctx, id, key, run.AllSteps)
	if errors.Is(err, mlite.ErrNotFound) {
		// A metric the run never logged, or of a run that does not exist,
		// has no points, as in MLflow, whose stores do not look the run up.
		return nil, nil
	}
	if err != nil {
		return nil, err
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

type historyRequest struct {
	runRef
	key    string
	n      int64 // 0: all
	offset int
}

func decodeHistory(a *args) historyRequest {
	var q historyRequest
	q.s = a.runID()
	q.key = a.required("metric_key")
	token := a.str("page_token")
	n, given := a.int("max_results")
	if given && n <= 0 {
		// As MLflow 3.17: a page size given must be positive; none given
		// is the whole history.
		a.fail(invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be a positive integer.", n))
	}
	q.n = n
	if a.ok() {
		offset, err := run.ParsePageToken(token)
		q.offset = keep(a, offset, err)
	}
	a.parseRun(&q.runRef)
	return q
}

// runPoints are points of one metric, each of a run ("" for the request's
// own run).
type runPoints struct {
	key  string
	pts  []runPoint
	next string
}

type runPoint struct {
	run string
	run.Point
}

func (h *Handler) getMetricHistory(ctx context.Context, q historyRequest) (runPoints, error) {
	pts, err := h.history(ctx, q.id, q.key)
	if err != nil {
		return runPoints{}, err
	}
	out := runPoints{key: q.key}
	pts = pts[min(q.offset, len(pts)):]
	if q.n > 0 && int64(len(pts)) > q.n {
		pts = pts[:q.n]
		out.next = run.PageToken(q.offset + int(q.n))
	}
	out.add("", pts)
	return out, nil
}

func (rp *runPoints) add(id string, pts []run.Point) {
	for _, pt := range pts {
		rp.pts = append(rp.pts, runPoint{id, pt})
	}
}

// writeHistory writes metrics and next_page_token.
func writeHistory(w *jsonWriter, rp runPoints) {
	writeRunPoints(w, rp)
	w.strOpt("next_page_token", rp.next)
}

// writeRunPoints writes member metrics, each point with its run_id when it
// has one; nothing when there are none.
func writeRunPoints(w *jsonWriter, rp runPoints) {
	writeArray(w, "metrics", rp.pts, func(w *jsonWriter, pt runPoint) {
		writeMetric(w, rp.key, pt.Point)
		w.strOpt("run_id", pt.run)
	})
}

// runIDs reads the run ids of a bulk history: none is refused with empty,
// more than bulkMaxRuns with tooMany (a format of the limit and the count).
func (a *args) runIDs(name string, empty error, tooMany string) []string {
	ids := a.strs(name)
	switch {
	case !a.ok():
	case len(ids) == 0:
		a.fail(empty)
	case len(ids) > bulkMaxRuns:
		a.fail(invalidParam(tooMany, bulkMaxRuns, len(ids)))
	}
	return ids
}

type bulkIntervalRequest struct {
	runIDs     []string
	key        string
	start, end int64
	hasRange   bool
	n          int
}

func decodeBulkInterval(a *args) bulkIntervalRequest {
	var q bulkIntervalRequest
	q.runIDs = a.runIDs("run_ids", missing("run_ids"),
		"GetMetricHistoryBulkInterval request must specify at most %d run_ids. Received %d run_ids."+seeDocs)
	q.key = a.required("metric_key")
	start, hasStart := a.int("start_step")
	end, hasEnd := a.int("end_step")
	n, given := a.int("max_results")
	if !given {
		n = bulkIntervalMaxResults
	}
	switch {
	case !a.ok():
	case n < 1 || n > bulkIntervalMaxResults:
		a.fail(invalidParam("max_results must be between 1 and %d.%s", bulkIntervalMaxResults, seeDocs))
	case hasStart && hasEnd && start > end:
		a.fail(invalidParam("end_step must be greater than start_step. Found start_step=%d and end_step=%d.", start, end))
	case hasStart != hasEnd:
		a.fail(invalidParam("If either start step or end step are specified, both must be specified."))
	}
	q.start, q.end, q.hasRange, q.n = start, end, hasStart, int(n)
	return q
}

// getMetricHistoryBulkInterval samples the history of one metric of each
// run as MLflow 3.17's SQL store does: the run's points in [start_step,
// end_step] ordered by step, time and value are cut into max_results
// buckets as SQL's NTILE cuts them, the first point of each is kept, and
// the last point replaces the last kept (or joins, when there is room).
func (h *Handler) getMetricHistoryBulkInterval(ctx context.Context, q bulkIntervalRequest) (runPoints, error) {
	out := runPoints{key: q.key}
	for _, s := range q.runIDs {
		id, err := run.ParseID(s)
		if err != nil {
			continue // a run that does not exist has no points
		}
		pts, err := h.history(ctx, id, q.key)
		if err != nil && !errors.Is(err, mlite.ErrNotFound) {
			return runPoints{}, err
		}
		if q.hasRange {
			pts = slices.DeleteFunc(slices.Clone(pts), func(p run.Point) bool { return p.Step < q.start || p.Step > q.end })
		}
		out.add(s, sampleRows(pts, q.n))
	}
	return out, nil
}

// sampleRows is MLflow's NTILE sampling of pts (see
// getMetricHistoryBulkInterval); pts is reordered.
func sampleRows(pts []run.Point, n int) []run.Point {
	if len(pts) == 0 {
		return nil
	}
	slices.SortStableFunc(pts, func(a, b run.Point) int {
		return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Time, b.Time), compareSQLValue(a.Value, b.Value))
	})
	// NTILE(n) over len(pts) rows: the first len%n buckets hold one row
	// more; with fewer rows than buckets, each row is a bucket.
	var kept []run.Point
	size, extra := len(pts)/n, len(pts)%n
	for i, b := 0, 0; i < len(pts); b++ {
		kept = append(kept, pts[i])
		step := size
		if b < extra {
			step++
		}
		i += max(step, 1)
	}
	last := pts[len(pts)-1]
	if k := kept[len(kept)-1]; !samePoint(k, last) {
		if len(kept) >= n {
			kept[len(kept)-1] = last
		} else {
			kept = append(kept, last)
		}
	}
	return kept
}

// compareSQLValue orders values as MLflow's metrics table does: by the
// stored value, where a NaN is 0 with is_nan set, then by is_nan.
func compareSQLValue(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	if an {
		a = 0
	}
	if bn {
		b = 0
	}
	if c := cmp.Compare(a, b); c != 0 {
		return c
	}
	switch {
	case an && !bn:
		return 1
	case bn && !an:
		return -1
	}
	return 0
}

func samePoint(a, b run.Point) bool {
	return a.Step == b.Step && a.Time == b.Time && math.Float64bits(a.Value) == math.Float64bits(b.Value)
}

type bulkRequest struct {
	runIDs []string
	key    string
	n      int
}

func decodeBulk(a *args) bulkRequest {
	var q bulkRequest
	q.runIDs = a.runIDs("run_id", invalidParam("GetMetricHistoryBulk request must specify at least one run_id."),
		"GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %d run_ids.")
	if a.ok() && !a.has("metric_key") {
		a.fail(invalidParam("GetMetricHistoryBulk request must specify a metric_key."))
	}
	q.key = a.str("metric_key")
	n, given := a.int("max_results")
	if !given || n > historyMaxResults {
		n = historyMaxResults
	}
	q.n = int(max(n, 0))
	return q
}

// getMetricHistoryBulk answers the UI's ajax-only bulk history: every
// point of one metric of up to 100 runs, runs in id order.
func (h *Handler) getMetricHistoryBulk(ctx context.Context, q bulkRequest) (runPoints, error) {
	runIDs := slices.Clone(q.runIDs)
	slices.Sort(runIDs)
	left := q.n
	out := runPoints{key: q.key}
	for _, s := range runIDs {
		if left == 0 {
			break
		}
		id, err := parseRunID(s)
		if err != nil {
			return runPoints{}, err
		}
		pts, err := h.history(ctx, id, q.key)
		if err != nil {
			return runPoints{}, runError(err, s)
		}
		pts = pts[:min(len(pts), left)]
		left -= len(pts)
		out.add(s, pts)
	}
	return out, nil
}

// writeBulk writes member metrics, empty or not.
func writeBulk(w *jsonWriter, rp runPoints) {
	if len(rp.pts) == 0 {
		w.openArr("metrics")
		w.closeArr()
		return
	}
	writeRunPoints(w, rp)
}

func decodeListArtifacts(a *args) runPath {
	var q runPath
	q.s = a.runID()
	q.path = a.str("path")
	a.str("page_token")
	a.parseRun(&q.runRef)
	return q
}

type artifactList struct {
	root  string
	files []run.FileInfo
}

func (h *Handler) listArtifacts(ctx context.Context, q runPath) (artifactList, error) {
	rec, err := h.tr.GetRun(ctx, q.id)
	if err != nil {
		return artifactList{}, err
	}
	files, err := h.tr.ListArtifacts(ctx, q.id, q.path, false)
	return artifactList{rec.ArtifactURI, files}, err
}

func writeArtifactList(w *jsonWriter, l artifactList) {
	w.str("root_uri", l.root)
	writeFiles(w, l.files, false)
}

// writeFiles writes member files, each by its path or, with base, its
// base name.
func writeFiles(w *jsonWriter, files []run.FileInfo, base bool) {
	writeArray(w, "files", files, func(w *jsonWriter, f run.FileInfo) {
		if base {
			w.str("path", path.Base(f.Path))
		} else {
			w.str("path", f.Path)
		}
		w.bool("is_dir", f.IsDir)
		if !f.IsDir {
			w.intOpt("file_size", f.Size)
		}
	})
}
