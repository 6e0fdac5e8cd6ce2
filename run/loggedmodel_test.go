package run_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func createModel(t *testing.T, tr *run.Tracker, o run.LoggedModelOptions) *run.LoggedModel {
	t.Helper()
	m, err := tr.CreateLoggedModel(ctx, 0, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoggedModelLifecycle(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	m := createModel(t, tr, run.LoggedModelOptions{
		Name: "model", SourceRunID: r.ID().String(), ModelType: "sklearn",
		Tags: map[string]string{"team": "risk"}, Params: map[string]string{"C": "1.0"},
	})
	if m.Status != run.ModelPending || m.Lifecycle != store.Active {
		t.Errorf("new model: status %s, lifecycle %s; want PENDING, active", m.Status, m.Lifecycle)
	}
	if want := "mlflow-artifacts:/0/models/" + m.ID.String() + "/artifacts"; m.ArtifactLocation != want {
		t.Errorf("artifact location: got %q, want %q", m.ArtifactLocation, want)
	}
	if gen := createModel(t, tr, run.LoggedModelOptions{}); gen.Name == "" {
		t.Error("a model without a name: got no generated name")
	}
	for _, bad := range []string{"a/b", "a.b", "a:b", "50%", `"q"`, "it's"} {
		if _, err := tr.CreateLoggedModel(ctx, 0, run.LoggedModelOptions{Name: bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("name %q: got %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := tr.CreateLoggedModel(ctx, 42, run.LoggedModelOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing experiment: got %v, want ErrNotFound", err)
	}

	if err := tr.LogLoggedModelParams(ctx, m.ID, map[string]string{"C": "1.0", "penalty": "l2"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.LogLoggedModelParams(ctx, m.ID, map[string]string{"C": "2.0"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("changing a param: got %v, want ErrConflict", err)
	}
	if err := tr.SetLoggedModelTags(ctx, m.ID, map[string]string{"team": "credit", "x": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteLoggedModelTag(ctx, m.ID, "x"); err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteLoggedModelTag(ctx, m.ID, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting a missing tag: got %v, want ErrNotFound", err)
	}
	got, err := tr.FinalizeLoggedModel(ctx, m.ID, run.ModelReady)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != run.ModelReady || !reflect.DeepEqual(got.Params, map[string]string{"C": "1.0", "penalty": "l2"}) ||
		!reflect.DeepEqual(got.Tags, map[string]string{"team": "credit"}) {
		t.Errorf("after finalize: got %+v, want READY with params C, penalty and tag team=credit", got)
	}
	if err := tr.DeleteLoggedModel(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := tr.GetLoggedModel(ctx, m.ID); err != nil || got.Lifecycle != store.Deleted {
		t.Errorf("deleted model: got %+v, %v; want lifecycle deleted", got, err)
	}
	if err := tr.LogModelReader(ctx, m.ID, strings.NewReader("x"), "MLmodel"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("artifact of a deleted model: got %v, want ErrDeleted", err)
	}
	if _, err := tr.GetLoggedModel(ctx, store.NewModelID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown model: got %v, want ErrNotFound", err)
	}
}

func TestLoggedModelArtifactsAndGC(t *testing.T) {
	tr := newTracker(t, nil)
	m := createModel(t, tr, run.LoggedModelOptions{Name: "model"})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "MLmodel"), []byte("flavors: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "model.pkl"), []byte("pickle bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tr.LogModelArtifacts(ctx, m.ID, dir, ""); err != nil {
		t.Fatal(err)
	}
	files, err := tr.ListModelArtifacts(ctx, m.ID, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "MLmodel" || !files[1].IsDir || files[1].Path != "sub" {
		t.Errorf("listing: got %+v, want MLmodel and the folder sub", files)
	}
	rc, err := tr.OpenModelArtifact(ctx, m.ID, "sub/model.pkl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "pickle bytes" {
		t.Errorf("read back %q, want %q", b, "pickle bytes")
	}
	rep, err := tr.GC(ctx, run.GCOptions{Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 0 || rep.Kept != 2 {
		t.Errorf("GC: deleted %d, kept %d; want 0 deleted and the model's 2 blobs kept", rep.Blobs, rep.Kept)
	}
	out, err := tr.DownloadModelArtifacts(ctx, m.ID, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "sub", "model.pkl")); err != nil || string(b) != "pickle bytes" {
		t.Errorf("download: got %q, %v", b, err)
	}
	if err := tr.DeleteModelArtifact(ctx, m.ID, "sub"); err != nil {
		t.Fatal(err)
	}
	if rep, err := tr.GC(ctx, run.GCOptions{Grace: -1}); err != nil || rep.Blobs != 1 {
		t.Errorf("GC after deleting sub: got %+v, %v; want its one blob deleted", rep, err)
	}
}

func TestLoggedModelMetricsAndLinks(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	m := createModel(t, tr, run.LoggedModelOptions{Name: "model", SourceRunID: r.ID().String()})
	err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{
		{Key: "auc", Value: 0.8, Time: 10, Step: 0, ModelID: m.ID, DatasetName: "val", DatasetDigest: "d1"},
		{Key: "auc", Value: 0.8, Time: 10, Step: 0, ModelID: m.ID, DatasetName: "val", DatasetDigest: "d1"},
		{Key: "loss", Value: 0.3, Time: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tr.GetLoggedModel(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []run.ModelMetric{{Key: "auc", Value: 0.8, Time: 10, DatasetName: "val", DatasetDigest: "d1", RunID: r.ID().String()}}
	if !reflect.DeepEqual(got.Metrics, want) {
		t.Errorf("model metrics: got %+v, want %+v", got.Metrics, want)
	}
	rec, err := tr.GetRun(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.Metrics["auc"]; !ok {
		t.Error("a metric linked to a model is not a metric of its run")
	}
	missing := store.NewModelID()
	if err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{{Key: "x", Value: 1, ModelID: missing}}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("metric of an unknown model: got %v, want ErrNotFound", err)
	}
	in := createModel(t, tr, run.LoggedModelOptions{Name: "base"})
	if err := tr.LinkModels(ctx, r.ID(), []run.RunModel{{Model: m.ID, Output: true, Step: 2}, {Model: in.ID}}); err != nil {
		t.Fatal(err)
	}
	links, err := tr.RunModels(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 2 || links[0] != (run.RunModel{Model: in.ID}) || links[1] != (run.RunModel{Model: m.ID, Output: true, Step: 2}) {
		t.Errorf("run models: got %+v, want input %s then output %s at step 2", links, in.ID, m.ID)
	}
	plain := startRun(t, tr)
	page, err := tr.SearchRuns(ctx, run.SearchOptions{Models: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != 2 || !reflect.DeepEqual(page.Models, map[run.ID][]run.RunModel{r.ID(): links}) {
		t.Errorf("search: got %d runs with models %+v, want 2 runs, %s with %+v and %s with none", len(page.Runs), page.Models, r.ID(), links, plain.ID())
	}
	if err := tr.LinkModels(ctx, r.ID(), []run.RunModel{{Model: missing}}); err != nil {
		t.Errorf("link to an unknown model (MLflow records any id): %v", err)
	}
	if err := tr.LinkModels(ctx, store.RunID{1}, []run.RunModel{{Model: m.ID}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("link from an unknown run: got %v, want ErrNotFound", err)
	}
}

// tickingClock returns a clock that moves one millisecond per reading, so
// that things created one after another have distinct times.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
}

func TestSearchLoggedModels(t *testing.T) {
	tr := newTracker(t, &run.Options{NoCapture: true, User: "tester", Now: tickingClock()})
	r := startRun(t, tr)
	var ids []run.ModelID
	for i, name := range []string{"a", "b", "c", "d"} {
		m := createModel(t, tr, run.LoggedModelOptions{Name: name, SourceRunID: r.ID().String(),
			Params: map[string]string{"i": string(rune('0' + i))}, Tags: map[string]string{"kind": map[bool]string{true: "even", false: "odd"}[i%2 == 0]}})
		ids = append(ids, m.ID)
		if i < 3 { // d has no auc
			err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{
				{Key: "auc", Value: 0.5 + float64(i)/10, Time: 1, ModelID: m.ID, DatasetName: "val"},
				{Key: "auc", Value: 0.9 - float64(i)/10, Time: 1, ModelID: m.ID, DatasetName: "test"},
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := tr.FinalizeLoggedModel(ctx, ids[1], run.ModelReady); err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteLoggedModel(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	names := func(p *run.LoggedModelPage) string {
		var s []string
		for _, m := range p.Models {
			s = append(s, m.Name)
		}
		return strings.Join(s, ",")
	}
	val := []run.DatasetRef{{Name: "val"}}
	for _, c := range []struct {
		name string
		s    run.LoggedModelSearch
		want string
	}{
		{"all, newest first", run.LoggedModelSearch{}, "d,b,a"},
		{"by name", run.LoggedModelSearch{Filter: "name = 'a'"}, "a"},
		{"by source run and name", run.LoggedModelSearch{Filter: "source_run_id = '" + r.ID().String() + "' AND name = 'b'"}, "b"},
		{"by status", run.LoggedModelSearch{Filter: "status = 'READY'"}, "b"},
		{"by param", run.LoggedModelSearch{Filter: "params.i = '3'"}, "d"},
		{"by tag", run.LoggedModelSearch{Filter: "tags.kind = 'even'"}, "a"},
		{"by metric", run.LoggedModelSearch{Filter: "metrics.auc >= 0.6", Datasets: val}, "b"},
		{"by metric on another dataset", run.LoggedModelSearch{Filter: "metrics.auc >= 0.8", Datasets: []run.DatasetRef{{Name: "test"}}}, "b,a"},
		{"with a dataset, no metric filter", run.LoggedModelSearch{Datasets: val}, "b,a"},
		{"order by metric desc, missing last", run.LoggedModelSearch{OrderBy: []run.ModelOrder{{Field: "metrics.auc", DatasetName: "val"}}}, "b,a,d"},
		{"order by metric on test", run.LoggedModelSearch{OrderBy: []run.ModelOrder{{Field: "metrics.auc", DatasetName: "test", Ascending: false}}}, "a,b,d"},
		{"order by name", run.LoggedModelSearch{OrderBy: []run.ModelOrder{{Field: "name", Ascending: true}}}, "a,b,d"},
	} {
		c.s.ExperimentIDs = []run.ExperimentID{0}
		p, err := tr.SearchLoggedModels(ctx, c.s)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := names(p); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Paging.
	p, err := tr.SearchLoggedModels(ctx, run.LoggedModelSearch{ExperimentIDs: []run.ExperimentID{0}, MaxResults: 2})
	if err != nil || names(p) != "d,b" || p.NextPageToken == "" {
		t.Fatalf("page 1: got %v, %v; want d,b and a token", p, err)
	}
	p, err = tr.SearchLoggedModels(ctx, run.LoggedModelSearch{ExperimentIDs: []run.ExperimentID{0}, MaxResults: 2, PageToken: p.NextPageToken})
	if err != nil || names(p) != "a" || p.NextPageToken != "" {
		t.Fatalf("page 2: got %v, %v; want a and no token", p, err)
	}
	for _, bad := range []run.LoggedModelSearch{
		{Filter: "nope = 1"},
		{OrderBy: []run.ModelOrder{{Field: "params.i"}}},
		{OrderBy: []run.ModelOrder{{Field: "nope"}}},
		{Datasets: []run.DatasetRef{{Digest: "x"}}},
		{PageToken: "garbage!"},
		{MaxResults: -1},
	} {
		bad.ExperimentIDs = []run.ExperimentID{0}
		if _, err := tr.SearchLoggedModels(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("search %+v: got %v, want ErrInvalid", bad, err)
		}
	}
}

// The client links a run's metrics to a model by logging them again with
// the model's id: the run keeps one point, as in MLflow.
func TestModelMetricsLoggedAgain(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	m := createModel(t, tr, run.LoggedModelOptions{Name: "model"})
	pt := run.Metric{Key: "acc", Value: 0.75, Time: 5, Step: 0}
	if err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{pt}}); err != nil {
		t.Fatal(err)
	}
	again := pt
	again.ModelID = m.ID
	other := again
	other.Step = 1
	if err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{again, other}}); err != nil {
		t.Fatal(err)
	}
	pts, err := tr.MetricHistory(ctx, r.ID(), "acc", run.AllSteps)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 {
		t.Errorf("run history: got %d points %v, want 2 (the point logged again with the model's id kept once)", len(pts), pts)
	}
	if err := tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{again}}); err != nil {
		t.Fatal(err)
	}
	got, err := tr.GetLoggedModel(ctx, m.ID)
	if err != nil || len(got.Metrics) != 2 {
		t.Errorf("model metrics: got %+v, %v; want the two values, each once", got, err)
	}
}
