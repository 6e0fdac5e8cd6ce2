package viewer

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/run"
)

// experimentRow is one line of the experiments list.
type experimentRow struct {
	ID           string `json:"experiment_id"`
	Name         string `json:"name"`
	Runs         int    `json:"runs"`    // active runs
	Running      int    `json:"running"` // of which RUNNING
	LastActivity int64  `json:"last_activity"`
	Created      int64  `json:"creation_time"`
}

// experiments lists the active experiments with their run counts and last
// activity (the latest experiment update, run start or run end).
func (v *Viewer) experiments(ctx context.Context) ([]experimentRow, error) {
	out := []experimentRow{}
	err := v.db.Snapshot(ctx, func(snap *run.Snapshot) error {
		var exps []*run.Experiment
		if err := snap.Experiments(run.ActiveOnly, func(x *run.Experiment) error {
			exps = append(exps, x)
			return nil
		}); err != nil {
			return err
		}
		// One pass over every active run: far cheaper than looking each
		// experiment's runs up one by one.
		rows := make(map[run.ExperimentID]*experimentRow, len(exps))
		for _, x := range exps {
			rows[x.ID] = &experimentRow{ID: x.ID.String(), Name: x.Name, LastActivity: x.LastUpdateTime, Created: x.CreationTime}
		}
		err := snap.Runs(run.RunSelection{}, func(rv *run.RunView) error {
			row := rows[rv.ExperimentID()]
			if row == nil {
				return nil
			}
			row.Runs++
			if rv.Status() == run.Running {
				row.Running++
			}
			row.LastActivity = max(row.LastActivity, rv.StartTime(), rv.EndTime())
			return nil
		})
		if err != nil {
			return err
		}
		for _, x := range exps {
			out = append(out, *rows[x.ID])
		}
		return ctx.Err()
	})
	return out, err
}

func (v *Viewer) apiExperiments(r *http.Request) (any, error) {
	rows, err := v.experiments(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"experiments": rows}, nil
}

// parseExperiment reads the {id} path value as an experiment id.
func parseExperiment(r *http.Request) (run.ExperimentID, error) {
	s := r.PathValue("id")
	id, err := run.ParseExperimentID(s)
	if err != nil {
		return 0, errBadRequest("experiment id %q: want a decimal number", s)
	}
	return id, nil
}

// parseRunID reads a run id.
func parseRunID(s string) (run.ID, error) {
	id, err := run.ParseID(s)
	if err != nil {
		return id, errBadRequest("run id %q: want 32 hexadecimal characters", s)
	}
	return id, nil
}

// intParam reads an integer query parameter within [lo, hi]; def when
// absent.
func intParam(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errBadRequest("%s %q: want an integer from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

// listParam reads a comma-separated or repeated query parameter; nil when
// absent, empty (not nil) when given empty.
func listParam(r *http.Request, name string) []string {
	vals, ok := r.URL.Query()[name]
	if !ok {
		return nil
	}
	out := []string{}
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// runsQueryFrom reads a runs-table request from the URL.
func runsQueryFrom(r *http.Request, exp run.ExperimentID) (runsQuery, error) {
	q := runsQuery{Experiment: exp, Filter: r.URL.Query().Get("filter"), OrderBy: r.URL.Query().Get("order_by")}
	n, err := intParam(r, "max_results", defaultPageRuns, 1, maxPageRuns)
	if err != nil {
		return q, err
	}
	q.MaxResults = int(n)
	if tok := r.URL.Query().Get("page_token"); tok != "" {
		off, err := run.ParsePageToken(tok)
		if err != nil {
			return q, errBadRequest("page_token %q: %v", tok, err)
		}
		q.Offset = off
	}
	q.Params = listParam(r, "params")
	q.Metrics = listParam(r, "metrics")
	switch view := r.URL.Query().Get("view"); view {
	case "", "active":
		q.View = run.ActiveOnly
	case "deleted":
		q.View = run.DeletedOnly
	case "all":
		q.View = run.All
	default:
		return q, errBadRequest("view %q: want active, deleted or all", view)
	}
	return q, nil
}

func (v *Viewer) apiRuns(r *http.Request) (any, error) {
	return v.runsAPI(r, func(ctx context.Context, q runsQuery) (any, error) { return v.queryRuns(ctx, q) })
}

// apiPoints answers the chart view's data: every run matching the filter,
// as columns (see pointsJSON).
func (v *Viewer) apiPoints(r *http.Request) (any, error) {
	return v.runsAPI(r, func(ctx context.Context, q runsQuery) (any, error) {
		b, err := v.pointsJSON(ctx, q)
		return rawJSON(b), err
	})
}

// runsAPI answers a request about an experiment's filtered runs with
// answer; a bad filter is a 400 that points at the offending column.
func (v *Viewer) runsAPI(r *http.Request, answer func(context.Context, runsQuery) (any, error)) (any, error) {
	exp, err := parseExperiment(r)
	if err != nil {
		return nil, err
	}
	q, err := runsQueryFrom(r, exp)
	if err != nil {
		return nil, err
	}
	out, err := answer(r.Context(), q)
	if err != nil {
		return nil, filterError(err)
	}
	return out, nil
}

// filterError makes a query error a 400 with the message that points at
// the offending column.
func filterError(err error) error {
	var qe *run.QueryError
	if errors.As(err, &qe) || errors.Is(err, run.ErrBadQuery) {
		return &reqError{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error(), errBad}
	}
	return err
}

// metricSummary is the latest point of one metric with its point count.
type metricSummary struct {
	Value num   `json:"value"`
	Step  int64 `json:"step"`
	Time  int64 `json:"timestamp"`
	Count int64 `json:"count"`
	Min   num   `json:"min"`
	Max   num   `json:"max"`
}

// runSummary is what a page of a running run polls.
type runSummary struct {
	ID      string                   `json:"run_id"`
	Name    string                   `json:"run_name"`
	Status  string                   `json:"status"`
	Start   int64                    `json:"start_time"`
	End     int64                    `json:"end_time,omitempty"`
	Metrics map[string]metricSummary `json:"metrics"`
	Params  map[string]string        `json:"params"`
}

func (v *Viewer) apiRun(r *http.Request) (any, error) {
	id, err := parseRunID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	rec, err := v.db.GetRun(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return summarize(rec), nil
}

func summarize(rec *run.Record) *runSummary {
	s := &runSummary{ID: rec.ID.String(), Name: rec.Name, Status: rec.Status.String(), Start: rec.StartTime, End: rec.EndTime,
		Metrics: make(map[string]metricSummary, len(rec.Metrics)), Params: rec.Params}
	if s.Params == nil {
		s.Params = map[string]string{}
	}
	for k, m := range rec.Metrics {
		s.Metrics[k] = metricSummary{Value: num(m.Latest.Value), Step: m.Latest.Step, Time: m.Latest.Time, Count: int64(m.Count), Min: num(m.Min), Max: num(m.Max)}
	}
	return s
}

// fileRow is one artifact of a listing.
type fileRow struct {
	Path  string `json:"path"`
	IsDir bool   `json:"is_dir"`
	Size  int64  `json:"file_size"`
}

func (v *Viewer) apiArtifacts(r *http.Request) (any, error) {
	id, err := parseRunID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if _, err := v.db.GetRun(r.Context(), id); err != nil {
		return nil, err
	}
	files, err := v.db.ListArtifacts(r.Context(), id, r.URL.Query().Get("path"), r.URL.Query().Get("recursive") == "true")
	if err != nil {
		return nil, err
	}
	out := make([]fileRow, len(files))
	for i, f := range files {
		out[i] = fileRow{f.Path, f.IsDir, f.Size}
	}
	return map[string]any{"files": out}, nil
}

func (v *Viewer) apiPreview(r *http.Request) (any, error) {
	id, err := parseRunID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p := r.URL.Query().Get("path")
	if p == "" {
		return nil, errBadRequest("path: missing")
	}
	return v.runPreview(r.Context(), id, p)
}

// maxChartRuns is the most runs one chart request may overlay.
const maxChartRuns = 100

// maxChartWidth is the widest chart, in pixels, data is asked for.
const maxChartWidth = 10000

func (v *Viewer) apiChart(r *http.Request) (any, error) {
	q, err := chartQueryFrom(r)
	if err != nil {
		return nil, err
	}
	b, err := v.chartJSON(r.Context(), q)
	if err != nil {
		return nil, err
	}
	return rawJSON(b), nil
}

// rawJSON is JSON already encoded.
type rawJSON []byte

func (b rawJSON) MarshalJSON() ([]byte, error) { return b, nil }

// chartQueryFrom reads a chart request: run (repeated or comma-separated),
// key, width, and the optional step range from, to.
func chartQueryFrom(r *http.Request) (chartQuery, error) {
	q := chartQuery{Key: r.URL.Query().Get("key"), Range: run.AllSteps}
	if q.Key == "" {
		return q, errBadRequest("key: missing")
	}
	ids := listParam(r, "run")
	if len(ids) == 0 {
		return q, errBadRequest("run: missing")
	}
	if len(ids) > maxChartRuns {
		return q, errBadRequest("run: %d runs, at most %d", len(ids), maxChartRuns)
	}
	for _, s := range ids {
		id, err := parseRunID(s)
		if err != nil {
			return q, err
		}
		if !slices.Contains(q.Runs, id) {
			q.Runs = append(q.Runs, id)
		}
	}
	w, err := intParam(r, "width", 800, 10, maxChartWidth)
	if err != nil {
		return q, err
	}
	q.Width = int(w)
	const lo, hi = -1 << 62, 1 << 62
	if q.Range.From, err = intParam(r, "from", run.AllSteps.From, lo, hi); err != nil {
		return q, err
	}
	if q.Range.To, err = intParam(r, "to", run.AllSteps.To, lo, hi); err != nil {
		return q, err
	}
	if r.URL.Query().Has("from") && r.URL.Query().Has("to") && q.Range.From > q.Range.To {
		return q, errBadRequest("from %d is after to %d", q.Range.From, q.Range.To)
	}
	return q, nil
}

func (v *Viewer) apiAudit(r *http.Request) (any, error) {
	name := r.PathValue("name")
	evs, err := v.reg.Audit(r.Context(), name)
	if err != nil {
		return nil, notFoundModel(err, name)
	}
	return map[string]any{"events": eventRows(evs)}, nil
}

// lineageJSON is a version's lineage as the API gives it.
type lineageJSON struct {
	Name       string            `json:"name"`
	Version    int64             `json:"version"`
	Stage      string            `json:"current_stage"`
	Source     string            `json:"source"`
	RunID      string            `json:"run_id"`
	Run        *runSummary       `json:"run,omitempty"`
	Experiment *experimentRef    `json:"experiment,omitempty"`
	Parent     *runSummary       `json:"parent_run,omitempty"`
	Git        map[string]string `json:"git"`
	Files      []fileRow         `json:"files"`
	Events     []eventRow        `json:"events"`
}

type experimentRef struct {
	ID   string `json:"experiment_id"`
	Name string `json:"name"`
}

func (v *Viewer) apiLineage(r *http.Request) (any, error) {
	name, ver, err := parseVersion(r)
	if err != nil {
		return nil, err
	}
	lin, err := v.reg.Lineage(r.Context(), name, ver)
	if err != nil {
		return nil, notFoundVersion(err, name, ver)
	}
	out := &lineageJSON{Name: lin.Version.Name, Version: lin.Version.Version, Stage: lin.Version.Stage.String(),
		Source: lin.Version.Source, RunID: lin.Version.RunID, Events: eventRows(lin.Events), Files: []fileRow{},
		Git: map[string]string{"commit": lin.Git.Commit, "branch": lin.Git.Branch, "repo_url": lin.Git.Repo, "dirty": boolStr(lin.Git.Dirty)}}
	if lin.Run != nil {
		out.Run = summarize(lin.Run)
	}
	if lin.Experiment != nil {
		out.Experiment = &experimentRef{lin.Experiment.ID.String(), lin.Experiment.Name}
	}
	if lin.Parent != nil {
		out.Parent = summarize(lin.Parent)
	}
	for _, f := range lin.Files {
		out.Files = append(out.Files, fileRow{Path: f.Path, Size: f.Size})
	}
	return out, nil
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
