package run_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTracker returns a tracker over a throwaway store without fsync (opts
// nil: no capture, user "tester"), checked and closed when the test or
// benchmark ends.
func newTracker(t testing.TB, opts *run.Options) *run.Tracker {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.mlite"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = &run.Options{NoCapture: true, User: "tester"}
	}
	tr, err := run.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.Wait()
		probs, err := st.Check(context.Background())
		if err != nil {
			t.Errorf("check: %v", err)
		}
		for _, p := range probs {
			t.Errorf("check: %s", p)
		}
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return tr
}

// createExperiment creates experiment name in tr, failing the test on error.
func createExperiment(t testing.TB, tr *run.Tracker, name string) *run.Experiment {
	t.Helper()
	x, err := tr.CreateExperiment(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

var ctx = context.Background()

func TestExperimentLifecycle(t *testing.T) {
	tr := newTracker(t, nil)
	x, err := tr.SetExperiment(ctx, "credit_default_prediction")
	if err != nil {
		t.Fatal(err)
	}
	if x.ID != 1 {
		t.Errorf("first experiment id: got %s, want 1", x.ID)
	}
	again, err := tr.SetExperiment(ctx, "credit_default_prediction")
	if err != nil || again.ID != x.ID {
		t.Fatalf("SetExperiment again: got %v, %v; want the same experiment", again, err)
	}
	if _, err := tr.CreateExperiment(ctx, "credit_default_prediction", nil); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate create: got %v, want ErrExists", err)
	}
	if err := tr.SetExperimentTag(ctx, x.ID, "team", "risk"); err != nil {
		t.Fatal(err)
	}
	if err := tr.RenameExperiment(ctx, x.ID, "credit"); err != nil {
		t.Fatal(err)
	}
	r, err := tr.StartRun(ctx, x.ID, run.Name("a"))
	if err != nil {
		t.Fatal(err)
	}
	solo, err := tr.StartRun(ctx, x.ID, run.Name("b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteRun(ctx, solo.ID()); err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteExperiment(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := tr.GetRun(ctx, r.ID())
	if got.Lifecycle != store.Deleted {
		t.Errorf("run of a deleted experiment: lifecycle %s, want deleted", got.Lifecycle)
	}
	if _, err := tr.SetExperiment(ctx, "credit"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("SetExperiment of a deleted one: got %v, want ErrDeleted", err)
	}
	if _, err := tr.StartRun(ctx, x.ID); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("StartRun in a deleted experiment: got %v, want ErrDeleted", err)
	}
	for view, want := range map[run.ViewType]int{run.ActiveOnly: 1, run.DeletedOnly: 1, run.All: 2} {
		xs, err := tr.Experiments(ctx, view)
		if err != nil || len(xs) != want {
			t.Errorf("Experiments(%d): got %d, %v; want %d", view, len(xs), err, want)
		}
	}
	if err := tr.RestoreExperiment(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = tr.GetRun(ctx, r.ID())
	gotSolo, _ := tr.GetRun(ctx, solo.ID())
	if got.Lifecycle != store.Active || gotSolo.Lifecycle != store.Deleted {
		t.Errorf("after restore: run a %s (want active), run b %s (want deleted: it was deleted on its own)", got.Lifecycle, gotSolo.Lifecycle)
	}
	if err := tr.PurgeExperiment(ctx, x.ID); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("purge of an active experiment: got %v, want ErrInvalid", err)
	}
	tr.DeleteExperiment(ctx, x.ID)
	if err := tr.PurgeExperiment(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.GetRun(ctx, r.ID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("run after purge: got %v, want ErrNotFound", err)
	}
	if _, err := tr.GetExperimentByName(ctx, "credit"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("experiment after purge: got %v, want ErrNotFound", err)
	}
	if err := tr.DeleteExperiment(ctx, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("deleting Default: got %v, want ErrInvalid", err)
	}
}

func TestRunRoundTrip(t *testing.T) {
	tr := newTracker(t, nil)
	r, err := tr.StartRun(ctx, 0, run.Name("random_forest_v1"), run.Description("first try"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.LogParam("n_estimators", 200))
	must(r.LogParam("max_depth", 10))
	must(r.LogParam("max_depth", 10)) // same value again is fine
	must(r.LogParam("lr", 0.001))
	must(r.LogParam("模型", "森林")) // unicode within MLflow's rules
	must(r.SetTag("team", "risk"))
	must(r.SetTag("team", "credit"))
	must(r.SetTag("tmp", "x"))
	must(r.DeleteTag("tmp"))
	must(r.LogMetric("auc", 0.88))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.5}
	for i, v := range special {
		must(r.LogMetric("weird", v, run.Step(int64(-i))))
	}
	// MLflow's latest-metric example.
	for _, p := range [][3]float64{{0, 100, 1000}, {3, 40, 100}, {3, 50, 10}, {3, 50, 20}, {3, 50, 20}, {-3, 900, 900}, {-1, 800, 800}} {
		must(r.LogMetric("m", p[2], run.Step(int64(p[0])), run.TimestampMillis(int64(p[1]))))
	}
	must(r.End(ctx))

	got, err := tr.GetRun(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]string{"n_estimators": "200", "max_depth": "10", "lr": "0.001", "模型": "森林"}
	for k, v := range wantParams {
		if got.Params[k] != v {
			t.Errorf("param %s: got %q, want %q", k, got.Params[k], v)
		}
	}
	if got.Tags["team"] != "credit" || got.Tags["tmp"] != "" || got.Tags[run.TagNote] != "first try" {
		t.Errorf("tags: %v", got.Tags)
	}
	if got.Name != "random_forest_v1" || got.Tags[run.TagRunName] != "random_forest_v1" || got.Status != run.Finished || got.EndTime == 0 {
		t.Errorf("info: name %q status %s end %d", got.Name, got.Status, got.EndTime)
	}
	if got.User != "tester" || got.Tags[run.TagUser] != "tester" {
		t.Errorf("user: %q / tag %q", got.User, got.Tags[run.TagUser])
	}
	if want := fmt.Sprintf("mlflow-artifacts:/0/%s/artifacts", r.ID()); got.ArtifactURI != want {
		t.Errorf("artifact uri: got %q, want %q", got.ArtifactURI, want)
	}
	if l := got.Metrics["m"].Latest; l.Step != 3 || l.Time != 50 || l.Value != 20 {
		t.Errorf("latest of m: got %+v, want step 3 time 50 value 20", l)
	}
	if l := got.Metrics["weird"].Latest; !math.IsNaN(l.Value) || l.Step != 0 {
		t.Errorf("latest of weird: got %+v, want NaN at step 0", l)
	}
	hist, err := tr.MetricHistory(ctx, r.ID(), "weird", run.AllSteps)
	if err != nil || len(hist) != 4 {
		t.Fatalf("history: %v %v", hist, err)
	}
	for i, p := range hist {
		if math.Float64bits(p.Value) != math.Float64bits(special[i]) || p.Step != int64(-i) {
			t.Errorf("point %d: got %+v, want %v at step %d", i, p, special[i], -i)
		}
	}
	if s := got.Metrics["weird"]; s.Min != math.Inf(-1) || s.Max != math.Inf(1) || s.NaNs != 1 || s.Count != 4 {
		t.Errorf("summary of weird: %+v", s)
	}
}

func TestParamsAreWriteOnce(t *testing.T) {
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	r.LogParam("max_depth", 10)
	err := r.LogParam("max_depth", 12)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("changing a param: got %v, want ErrConflict", err)
	}
	for _, want := range []string{"max_depth", `"10"`, `"12"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// Another handle on the same run (another process, say) learns at flush.
	r2, err := tr.ResumeRun(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.LogParam("max_depth", 13); !errors.Is(err, store.ErrConflict) {
		t.Errorf("resumed handle changing a param: got %v, want ErrConflict", err)
	}
	err = tr.LogBatch(ctx, r.ID(), run.Batch{Params: map[string]string{"max_depth": "14"}})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("LogBatch changing a param: got %v, want ErrConflict", err)
	}
	r.End(ctx)
	r2.End(ctx)
}

func TestBadInput(t *testing.T) {
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	long := strings.Repeat("k", 251)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"metric key with !", r.LogMetric("loss!", 1), store.ErrInvalid},
		{"empty metric key", r.LogMetric("", 1), store.ErrInvalid},
		{"251-char param key", r.LogParam(long, 1), store.ErrInvalid},
		{"invalid UTF-8 param value", r.LogParam("p", "v\xff"), store.ErrInvalid},
		{"invalid UTF-8 tag value", r.SetTag("t", "v\xff"), store.ErrInvalid},
		{"key escaping upwards", r.LogParam("../x", 1), store.ErrInvalid},
		{"absolute key", r.SetTag("/x", "1"), store.ErrInvalid},
		{"negative timestamp", r.LogMetric("m", 1, run.TimestampMillis(-5)), store.ErrInvalid},
		{"empty experiment name", func() error { _, err := tr.CreateExperiment(ctx, "", nil); return err }(), store.ErrInvalid},
		{"unknown experiment", func() error { _, err := tr.StartRun(ctx, 999); return err }(), store.ErrNotFound},
		{"unknown run", func() error { _, err := tr.GetRun(ctx, run.ID{1}); return err }(), store.ErrNotFound},
		{"unknown parent", func() error { _, err := tr.StartRun(ctx, 0, run.Parent(run.ID{2})); return err }(), store.ErrNotFound},
		{"resume unknown run", func() error { _, err := tr.ResumeRun(ctx, run.ID{3}); return err }(), store.ErrNotFound},
		{"history of unknown key", func() error { _, err := tr.MetricHistory(ctx, r.ID(), "nope", run.AllSteps); return err }(), store.ErrNotFound},
		{"batch over the limit", tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: make([]run.Metric, 1001)}), store.ErrInvalid},
		{"bad page token", func() error { _, err := tr.ListRuns(ctx, 0, run.ListOptions{PageToken: "garbage"}); return err }(), store.ErrInvalid},
		{"max results 50001", func() error { _, err := tr.ListRuns(ctx, 0, run.ListOptions{MaxResults: 50001}); return err }(), store.ErrInvalid},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); !errors.Is(err, store.ErrConflict) || !errors.Is(err, run.ErrEnded) {
		t.Errorf("ending twice: got %v, want ErrConflict/ErrEnded", err)
	}
	if err := r.LogMetric("m", 1); !errors.Is(err, run.ErrEnded) {
		t.Errorf("logging after End: got %v, want ErrEnded", err)
	}
	tr.DeleteRun(ctx, r.ID())
	if _, err := tr.ResumeRun(ctx, r.ID()); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("resuming a deleted run: got %v, want ErrDeleted", err)
	}
	if err := tr.LogBatch(ctx, r.ID(), run.Batch{Params: map[string]string{"a": "b"}}); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("logging to a deleted run: got %v, want ErrDeleted", err)
	}
}

func TestNestedRunsAndPaging(t *testing.T) {
	tr := newTracker(t, nil)
	parent, _ := tr.StartRun(ctx, 0, run.Name("sweep"))
	base := time.UnixMilli(1_700_000_000_000)
	var kids []run.ID
	for i := range 25 {
		c, err := tr.StartRun(ctx, 0, run.Parent(parent.ID()), run.StartTime(base.Add(time.Duration(i)*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, c.ID())
		if got := c.Name(); !regexp.MustCompile(`^[a-z]+-[a-z]+-\d{1,3}$`).MatchString(got) {
			t.Errorf("generated name %q is not adjective-noun-NNN", got)
		}
	}
	children, err := tr.Children(ctx, parent.ID())
	if err != nil || len(children) != 25 {
		t.Fatalf("children: %d, %v", len(children), err)
	}
	if children[0].ID != kids[24] {
		t.Errorf("children not newest first")
	}
	for _, c := range children {
		if c.Tags[run.TagParentRunID] != parent.ID().String() || c.Parent != parent.ID() {
			t.Errorf("child %s: parent tag %q", c.ID, c.Tags[run.TagParentRunID])
		}
	}
	// Page through while new runs keep arriving: no run that existed at the
	// start is skipped or repeated.
	seen := map[run.ID]int{}
	tok := ""
	for pages := 0; ; pages++ {
		p, err := tr.ListRuns(ctx, 0, run.ListOptions{MaxResults: 4, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Runs {
			seen[r.ID]++
		}
		tr.StartRun(ctx, 0, run.StartTime(base.Add(time.Duration(pages*7)*time.Second+500*time.Millisecond)))
		if tok = p.NextPageToken; tok == "" {
			break
		}
	}
	for _, id := range append(kids, parent.ID()) {
		if seen[id] != 1 {
			t.Errorf("run %s seen %d times, want once", id, seen[id])
		}
	}
}

func TestLogBatchAndInputs(t *testing.T) {
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	err := tr.LogBatch(ctx, r.ID(), run.Batch{
		Metrics: []run.Metric{{Key: "a", Value: 1, Time: 5, Step: 1}, {Key: "a", Value: 1, Time: 5, Step: 1}, {Key: "a", Value: 2, Time: 6, Step: 2}},
		Params:  map[string]string{"p": "1"},
		Tags:    map[string]string{run.TagRunName: "renamed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ds := run.Dataset{Name: "loans", Digest: "abc123", SourceType: "local", Source: `{"uri":"loans.csv"}`, Schema: `{"mlflow_colspec":[]}`}
	if err := r.LogInput(ctx, ds, "training"); err != nil {
		t.Fatal(err)
	}
	if err := r.LogInput(ctx, ds, "training"); err != nil {
		t.Fatal(err)
	}
	r2, _ := tr.StartRun(ctx, 0)
	r2.LogInput(ctx, ds, "eval")
	got, _ := tr.GetRun(ctx, r.ID())
	if got.Metrics["a"].Count != 2 || got.Name != "renamed" || got.Params["p"] != "1" {
		t.Errorf("batch: count %d (want 2: duplicate dropped), name %q, params %v", got.Metrics["a"].Count, got.Name, got.Params)
	}
	if len(got.Inputs) != 1 || got.Inputs[0].Tags[run.TagDatasetContext] != "training" {
		t.Errorf("inputs: %+v", got.Inputs)
	}
	all, err := tr.Datasets(ctx, 0)
	if err != nil || len(all) != 1 {
		t.Errorf("datasets of experiment 0: %d, %v; want 1 (deduplicated)", len(all), err)
	}
	r.End(ctx)
	r2.End(ctx)
}

func TestLatestAndDownsampleManyRuns(t *testing.T) {
	tr := newTracker(t, nil)
	var ids []run.ID
	for i := range 3 {
		r, _ := tr.StartRun(ctx, 0)
		for s := range 10000 {
			v := float64(i)
			if s == 4321 {
				v = 100
			}
			r.LogMetric("loss", v, run.Step(int64(s)))
		}
		r.End(ctx)
		ids = append(ids, r.ID())
	}
	latest, err := tr.LatestMetrics(ctx, ids, []string{"loss"})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if p := latest[id]["loss"]; p.Step != 9999 || p.Value != float64(i) {
			t.Errorf("run %d latest: %+v", i, p)
		}
	}
	ds, err := tr.Downsample(ctx, ids, "loss", run.AllSteps, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		pts := ds[id]
		spike := false
		for _, p := range pts {
			spike = spike || p.Value == 100
		}
		if len(pts) > 200 || !spike {
			t.Errorf("downsample: %d points, spike kept %v", len(pts), spike)
		}
	}
}

func TestTenThousandKeys(t *testing.T) {
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	for i := range 10000 {
		if err := r.LogMetric(fmt.Sprintf("layer_%05d/grad_norm", i), float64(i), run.Step(1)); err != nil {
			t.Fatal(err)
		}
	}
	r.End(ctx)
	got, _ := tr.GetRun(ctx, r.ID())
	if len(got.Metrics) != 10000 || got.Metrics["layer_09999/grad_norm"].Latest.Value != 9999 {
		t.Errorf("got %d keys", len(got.Metrics))
	}
}

func TestCaptureTags(t *testing.T) {
	tr := newTracker(t, &run.Options{})
	r, err := tr.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.End(ctx)
	tr.Wait()
	got, _ := tr.GetRun(ctx, r.ID())
	for _, k := range []string{"mlflow.user", "mlflow.source.name", "mlflow.source.type", "mlite.go.version", "mlite.go.os", "mlite.go.arch", "mlite.host", "mlite.cmdline"} {
		if got.Tags[k] == "" {
			t.Errorf("system tag %s missing; tags: %v", k, got.Tags)
		}
	}
}

func TestFailRecordsLongError(t *testing.T) {
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	if err := r.Fail(ctx, errors.New(strings.Repeat("é", 9000))); err != nil {
		t.Fatal(err)
	}
	got, _ := tr.GetRun(ctx, r.ID())
	msg := got.Tags[run.TagError]
	if got.Status != run.Failed || !strings.HasSuffix(msg, "…[cut]") || len([]rune(msg)) != 8000 {
		t.Errorf("status %s, error tag of %d characters ending %q", got.Status, len([]rune(msg)), msg[len(msg)-12:])
	}
}

func TestMillionPointSeries(t *testing.T) {
	if testing.Short() {
		t.Skip("a million points")
	}
	tr := newTracker(t, nil)
	r, _ := tr.StartRun(ctx, 0)
	const n = 1_000_000
	for i := range n {
		// Out of order every 1000th point; values with float64 noise.
		step := int64(i)
		if i%1000 == 999 {
			step = -step
		}
		if err := r.LogMetric("μ/loss", math.Sin(float64(i))*float64(i), run.Step(step), run.TimestampMillis(int64(1e12)+int64(i)*37)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	pts, err := tr.MetricHistory(ctx, r.ID(), "μ/loss", run.AllSteps)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != n {
		t.Fatalf("got %d points, want %d", len(pts), n)
	}
	for i, p := range pts {
		step := int64(i)
		if i%1000 == 999 {
			step = -step
		}
		if p.Step != step || p.Time != int64(1e12)+int64(i)*37 || p.Value != math.Sin(float64(i))*float64(i) {
			t.Fatalf("point %d: got %+v", i, p)
		}
	}
	got, _ := tr.GetRun(ctx, r.ID())
	if l := got.Metrics["μ/loss"].Latest; l.Step != n-2 {
		t.Errorf("latest: got step %d, want %d", l.Step, n-2)
	}
}

// Options.NewRunID gives the ids of new runs.
func TestNewRunIDOption(t *testing.T) {
	want := run.ID{0x5e, 0x48, 0xb3, 0x00, 0x85, 0x31, 0x45, 0x3d, 0x9d, 0xd7, 0x77, 0xba, 0x88, 0x36, 0xdf, 0x79}
	tr := newTracker(t, &run.Options{NoCapture: true, User: "tester", NewRunID: func() run.ID { return want }})
	ctx := context.Background()
	r, err := tr.StartRun(ctx, 0, run.Name("fixed"))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID() != want {
		t.Errorf("run id: got %s, want %s", r.ID(), want)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.StartRun(ctx, 0, run.Name("again")); !errors.Is(err, store.ErrExists) {
		t.Errorf("second run with the same id: got %v, want ErrExists", err)
	}
}

func TestDatasetSummaries(t *testing.T) {
	tr := newTracker(t, nil)
	x := createExperiment(t, tr, "summaries")
	other := createExperiment(t, tr, "other")
	ds := func(name, digest string) run.Dataset {
		return run.Dataset{Name: name, Digest: digest, SourceType: "local", Source: name + ".csv"}
	}
	input := func(d run.Dataset, tags map[string]string) run.Input { return run.Input{Dataset: d, Tags: tags} }
	ctxTag := func(c string) map[string]string { return map[string]string{run.TagDatasetContext: c} }
	log := func(exp run.ExperimentID, inputs ...run.Input) run.ID {
		r, err := tr.StartRun(ctx, exp)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.LogInputs(ctx, r.ID(), inputs); err != nil {
			t.Fatal(err)
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
		return r.ID()
	}
	log(x.ID, input(ds("b", "2"), ctxTag("train")), input(ds("a", "1"), nil))
	gone := log(x.ID, input(ds("b", "2"), ctxTag("eval")), input(ds("a", "1"), map[string]string{"other": "x"}),
		input(ds("c", "3"), ctxTag("train")))
	if err := tr.DeleteRun(ctx, gone); err != nil { // a deleted run's inputs still count, as in MLflow
		t.Fatal(err)
	}
	log(other.ID, input(ds("z", "9"), ctxTag("test")))

	sum := func(exp run.ExperimentID, name, digest, c string, has bool) run.DatasetSummary {
		return run.DatasetSummary{Experiment: exp, Name: name, Digest: digest, Context: c, HasContext: has}
	}
	all := []run.DatasetSummary{
		sum(x.ID, "a", "1", "", false),
		sum(x.ID, "b", "2", "eval", true),
		sum(x.ID, "b", "2", "train", true),
		sum(x.ID, "c", "3", "train", true),
		sum(other.ID, "z", "9", "test", true),
	}
	for _, tc := range []struct {
		name  string
		exps  []run.ExperimentID
		limit int
		want  []run.DatasetSummary
	}{
		{"one experiment", []run.ExperimentID{x.ID}, 1000, all[:4]},
		{"both, repeated", []run.ExperimentID{other.ID, x.ID, x.ID}, 1000, all},
		{"unknown experiment", []run.ExperimentID{99}, 1000, nil},
		{"limit", []run.ExperimentID{x.ID}, 2, nil}, // any 2 of the 4
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tr.DatasetSummaries(ctx, tc.exps, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "limit" {
				if len(got) != tc.limit {
					t.Errorf("got %d summaries, want %d", len(got), tc.limit)
				}
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
