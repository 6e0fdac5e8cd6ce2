package viewer

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlite/mlite/internal/repro"
	"github.com/mlite/mlite/run"
)

// funcs are the template functions.
func (v *Viewer) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": v.assets.url,
		"time":  fmtTime,
		"dur":   fmtDur,
		"num":   fmtNum,
		"short": func(s string) string {
			if len(s) > 8 {
				return s[:8]
			}
			return s
		},
		"json": func(x any) (string, error) {
			b, err := json.Marshal(x)
			return string(b), err
		},
		"bytes": fmtBytes,
		"stageClass": func(s string) string {
			return "stage-" + strings.ToLower(s)
		},
		"pathEscape": func(s string) string { return strings.ReplaceAll(template.URLQueryEscaper(s), "+", "%20") },
	}
}

func fmtTime(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05")
}

func fmtDur(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
}

func fmtNum(f float64) string {
	if s, ok := nonFinite(f); ok {
		return s
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func fmtBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

func (v *Viewer) experimentsPage(r *http.Request) (*view, error) {
	rows, err := v.experiments(r.Context())
	if err != nil {
		return nil, err
	}
	return &view{Template: "experiments.html", Title: "Experiments", Nav: "experiments", Data: rows}, nil
}

// runsPageData is the runs table page's data; the table itself is fetched
// by runs.js from the runs API.
type runsPageData struct {
	Experiment  *run.Experiment
	Filter      string
	FilterError string // shown under the filter box
	OrderBy     string
	View        string
	Charts      bool // the chart view, not the table
}

func (v *Viewer) runsPage(r *http.Request) (*view, error) { return v.experimentView(r, "runs.html") }

// runChartsPage is the chart view of an experiment's filtered runs: a
// scatter of any metric against any param or metric, the
// parallel-coordinates plot and the curves of each metric.
func (v *Viewer) runChartsPage(r *http.Request) (*view, error) {
	return v.experimentView(r, "runcharts.html")
}

// experimentView is a page of an experiment's filtered runs, the table or
// the charts: its filter and sort come from the URL.
func (v *Viewer) experimentView(r *http.Request, tmpl string) (*view, error) {
	id, err := parseExperiment(r)
	if err != nil {
		return nil, err
	}
	x, err := v.db.GetExperiment(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &runsPageData{Experiment: x, Filter: r.URL.Query().Get("filter"), OrderBy: r.URL.Query().Get("order_by"), View: r.URL.Query().Get("view"),
		Charts: tmpl == "runcharts.html"}
	if _, err := run.ParseFilter(d.Filter); err != nil {
		d.FilterError = err.Error()
	}
	if _, err := parseSort(d.OrderBy); err != nil {
		d.FilterError = err.Error()
	}
	return &view{Template: tmpl, Title: x.Name, Nav: "experiments", Data: d}, nil
}

// kv is a key and a value, for sorted tables.
type kv struct{ Key, Value string }

// metricRow is one metric of a run page.
type metricRow struct {
	Key   string
	Value float64
	Step  int64
	Time  int64
	Count uint64
	Min   float64
	Max   float64
}

// treeNode is a file or folder of an artifact tree.
type treeNode struct {
	Name     string
	Path     string
	IsDir    bool
	Size     int64
	Children []*treeNode
}

// runPageData is the run page's data.
type runPageData struct {
	Run        *run.Record
	Registered []registeredVersion // the model versions made from the run
	Experiment *run.Experiment
	Duration   int64
	Params     []kv
	Metrics    []metricRow
	MetricKeys []string // the metrics with a history: charted
	Tags       []kv     // user tags
	System     []kv     // system tags (mlflow., mlite.), folded away
	Note       string
	Git        struct{ Commit, Branch, Repo, Dirty string }
	GitDiff    string
	DiffCut    bool
	GoVersion  string
	GoMain     string
	GoDeps     []string
	Children   []*run.Record
	Artifacts  *treeNode
	NArtifacts int
	// Unreachable is set when the run's artifacts live at a remote
	// location (an experiment's s3://... artifact location): the viewer
	// names it instead of listing them.
	Unreachable string
	Inputs      []run.DatasetInput
}

// pathRun reads the run the path's {id} names, and its experiment.
func (v *Viewer) pathRun(r *http.Request) (*run.Record, *run.Experiment, error) {
	id, err := parseRunID(r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	rec, err := v.db.GetRun(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	x, err := v.db.GetExperiment(r.Context(), rec.ExperimentID)
	return rec, x, err
}

func (v *Viewer) runPage(r *http.Request) (*view, error) {
	rec, x, err := v.pathRun(r)
	if err != nil {
		return nil, err
	}
	ctx, id := r.Context(), rec.ID
	d := &runPageData{Run: rec, Experiment: x, Duration: duration(rec.StartTime, rec.EndTime, rec.Status, time.Now().UnixMilli()), Inputs: rec.Inputs}
	for k, val := range rec.Params {
		d.Params = append(d.Params, kv{k, val})
	}
	slices.SortFunc(d.Params, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	for k, s := range rec.Metrics {
		d.Metrics = append(d.Metrics, metricRow{k, s.Latest.Value, s.Latest.Step, s.Latest.Time, s.Count, s.Min, s.Max})
		if s.Count > 1 {
			d.MetricKeys = append(d.MetricKeys, k) // a chart of one point says nothing the table does not
		}
	}
	slices.SortFunc(d.Metrics, func(a, b metricRow) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(d.MetricKeys)
	for k, val := range rec.Tags {
		if repro.IsSystem(k) {
			d.System = append(d.System, kv{k, val})
		} else {
			d.Tags = append(d.Tags, kv{k, val})
		}
	}
	slices.SortFunc(d.Tags, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	slices.SortFunc(d.System, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	t := rec.Tags
	d.Note = t[repro.TagNote]
	d.Git.Commit, d.Git.Branch, d.Git.Repo, d.Git.Dirty = t[repro.TagGitCommit], t[repro.TagGitBranch], t[repro.TagGitRepoURL], t[repro.TagGitDirty]
	d.GoVersion, d.GoMain = t[repro.TagGoVersion], t[repro.TagGoMain]
	if deps := strings.TrimSpace(t[repro.TagGoDeps]); deps != "" {
		d.GoDeps = strings.Split(deps, "\n")
	}
	if d.GitDiff, d.DiffCut, err = v.readText(ctx, id, run.GitDiffArtifact); err != nil {
		return nil, err
	}
	if d.GitDiff == "" {
		d.GitDiff = t[repro.TagGitDiff]
	}
	if d.Children, err = v.db.Children(ctx, id); err != nil {
		return nil, err
	}
	if d.Registered, err = v.registeredFrom(ctx, id); err != nil {
		return nil, err
	}
	files, err := v.db.ListArtifacts(ctx, id, "", true)
	if errors.Is(err, run.ErrRemoteArtifacts) {
		d.Unreachable, err = rec.ArtifactURI, nil
	}
	if err != nil {
		return nil, err
	}
	d.NArtifacts = len(files)
	d.Artifacts = buildTree(files)
	return &view{Template: "run.html", Title: rec.Name, Nav: "experiments", Data: d}, nil
}

// buildTree makes a folder tree of a recursive artifact listing.
func buildTree(files []run.FileInfo) *treeNode {
	root := &treeNode{IsDir: true}
	dirs := map[string]*treeNode{"": root}
	var dirOf func(p string) *treeNode
	dirOf = func(p string) *treeNode {
		if n, ok := dirs[p]; ok {
			return n
		}
		parent := dirOf(parentDir(p))
		n := &treeNode{Name: path.Base(p), Path: p, IsDir: true}
		parent.Children = append(parent.Children, n)
		dirs[p] = n
		return n
	}
	for _, f := range files {
		if f.IsDir {
			continue
		}
		dir := dirOf(parentDir(f.Path))
		dir.Children = append(dir.Children, &treeNode{Name: path.Base(f.Path), Path: f.Path, Size: f.Size})
	}
	var sortTree func(n *treeNode)
	sortTree = func(n *treeNode) {
		slices.SortStableFunc(n.Children, func(a, b *treeNode) int {
			if a.IsDir != b.IsDir {
				if a.IsDir {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Name, b.Name)
		})
		for _, c := range n.Children {
			sortTree(c)
		}
	}
	sortTree(root)
	return root
}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// chartPageData is the single-chart page's data.
type chartPageData struct {
	Key     string
	Runs    []*run.Record
	IDs     string // comma-separated
	Keys    []string
	Running bool // some run is RUNNING: the chart refreshes
}

func (v *Viewer) chartPage(r *http.Request) (*view, error) {
	q, err := chartQueryFrom(r)
	if err != nil {
		return nil, err
	}
	d := &chartPageData{Key: q.Key}
	keys := map[string]bool{}
	var ids []string
	for _, id := range q.Runs {
		rec, err := v.db.GetRun(r.Context(), id)
		if err != nil {
			return nil, err
		}
		d.Runs = append(d.Runs, rec)
		d.Running = d.Running || rec.Status == run.Running
		ids = append(ids, id.String())
		for k := range rec.Metrics {
			keys[k] = true
		}
	}
	d.IDs = strings.Join(ids, ",")
	for k := range keys {
		d.Keys = append(d.Keys, k)
	}
	slices.Sort(d.Keys)
	return &view{Template: "chart.html", Title: q.Key, Nav: "experiments", Data: d}, nil
}

// compareRow is one param or metric across the compared runs.
type compareRow struct {
	Key     string
	Values  []string
	Differs bool
}

// comparePageData is the compare page's data.
type comparePageData struct {
	Runs       []*run.Record
	IDs        string
	Params     []compareRow
	Metrics    []compareRow
	MetricKeys []string
	ChartKeys  []string // the metrics some run has a history of
	Parallel   string   // JSON for the parallel-coordinates plot
}

// maxCompareRuns is the most runs the compare page shows side by side.
const maxCompareRuns = 50

func (v *Viewer) comparePage(r *http.Request) (*view, error) {
	ids := listParam(r, "runs")
	if len(ids) < 1 {
		return nil, errBadRequest("runs: select at least one run to compare")
	}
	if len(ids) > maxCompareRuns {
		return nil, errBadRequest("runs: %d runs, at most %d", len(ids), maxCompareRuns)
	}
	d := &comparePageData{}
	var seen []run.ID
	for _, s := range ids {
		id, err := parseRunID(s)
		if err != nil {
			return nil, err
		}
		if slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		rec, err := v.db.GetRun(r.Context(), id)
		if err != nil {
			return nil, err
		}
		d.Runs = append(d.Runs, rec)
	}
	var idStrs []string
	pkeys, mkeys := map[string]bool{}, map[string]bool{}
	for _, rec := range d.Runs {
		idStrs = append(idStrs, rec.ID.String())
		for k := range rec.Params {
			pkeys[k] = true
		}
		for k := range rec.Metrics {
			mkeys[k] = true
		}
	}
	d.IDs = strings.Join(idStrs, ",")
	d.Params = compareRows(sortedKeys(pkeys), d.Runs, func(rec *run.Record, k string) (string, bool) {
		val, ok := rec.Params[k]
		return val, ok
	})
	d.MetricKeys = sortedKeys(mkeys)
	for _, k := range d.MetricKeys {
		if slices.ContainsFunc(d.Runs, func(rec *run.Record) bool { return rec.Metrics[k] != nil && rec.Metrics[k].Count > 1 }) {
			d.ChartKeys = append(d.ChartKeys, k)
		}
	}
	d.Metrics = compareRows(d.MetricKeys, d.Runs, func(rec *run.Record, k string) (string, bool) {
		if s, ok := rec.Metrics[k]; ok {
			return fmtNum(s.Latest.Value), true
		}
		return "", false
	})
	pc, err := parallelData(d)
	if err != nil {
		return nil, err
	}
	d.Parallel = pc
	return &view{Template: "compare.html", Title: "Compare runs", Nav: "experiments", Data: d}, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func compareRows(keys []string, runs []*run.Record, get func(*run.Record, string) (string, bool)) []compareRow {
	out := make([]compareRow, 0, len(keys))
	for _, k := range keys {
		row := compareRow{Key: k}
		for i, rec := range runs {
			val, ok := get(rec, k)
			if !ok {
				val = "—"
			}
			row.Values = append(row.Values, val)
			if i > 0 && val != row.Values[0] {
				row.Differs = true
			}
		}
		out = append(out, row)
	}
	return out
}

// parallelData is the JSON the parallel-coordinates plot reads: the runs
// with their params and latest metrics.
func parallelData(d *comparePageData) (string, error) {
	type pcRun struct {
		ID      string            `json:"id"`
		Name    string            `json:"name"`
		Params  map[string]string `json:"params"`
		Metrics map[string]num    `json:"metrics"`
	}
	type pcData struct {
		Params  []string `json:"params"`
		Metrics []string `json:"metrics"`
		Runs    []pcRun  `json:"runs"`
	}
	out := pcData{Params: []string{}, Metrics: d.MetricKeys, Runs: []pcRun{}}
	for _, p := range d.Params {
		if p.Differs {
			out.Params = append(out.Params, p.Key)
		}
	}
	if len(out.Params) == 0 {
		for _, p := range d.Params {
			out.Params = append(out.Params, p.Key)
		}
	}
	for _, rec := range d.Runs {
		pr := pcRun{ID: rec.ID.String(), Name: rec.Name, Params: map[string]string{}, Metrics: map[string]num{}}
		for _, k := range out.Params {
			if val, ok := rec.Params[k]; ok {
				pr.Params[k] = val
			}
		}
		for k, s := range rec.Metrics {
			pr.Metrics[k] = num(s.Latest.Value)
		}
		out.Runs = append(out.Runs, pr)
	}
	b, err := json.Marshal(out)
	return string(b), err
}
