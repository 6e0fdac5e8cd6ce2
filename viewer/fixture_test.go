package viewer

import (
	"context"
	"image"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// fixture is a small store with what every page shows: an experiment with
// a parent run and nested children, metrics with histories, params, tags,
// artifacts (a PNG, JSON, CSV, text, HTML, binary, the git diff), a run
// whose name is markup, and a registered model with a version in
// Production and the alias champion.
type fixture struct {
	db       *mlite.DB
	v        *Viewer
	exp      *run.Experiment
	parent   run.ID
	children []run.ID
	evil     run.ID // named like markup
}

const evilName = `<script>alert("x")</script><img src=x onerror=alert(1)>`

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := mlite.Open(filepath.Join(t.TempDir(), "f.mlite"), &mlite.Options{NoSync: true, NoCapture: true, User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db}
	if f.exp, err = db.SetExperiment(ctx, "credit"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	parent, err := db.StartRun(ctx, f.exp.ID, mlite.RunName("sweep"), run.StartTime(start),
		run.Tags(map[string]string{"team": "risk", "mlflow.source.git.commit": "0123456789abcdef0123456789abcdef01234567",
			"mlite.go.deps": "github.com/google/uuid v1.6.0\ngo.etcd.io/bbolt v1.4.3", "mlite.go.version": "go1.26"}))
	if err != nil {
		t.Fatal(err)
	}
	f.parent = parent.ID()
	must(t, parent.LogParam("sweep", "grid"))
	must(t, parent.LogInput(ctx, run.Dataset{Name: "loans", Digest: "d1g35t", SourceType: "local", Source: "loans.csv"}, "training"))
	for i, lr := range []string{"0.1", "0.01", "0.001"} {
		c, err := db.StartRun(ctx, f.exp.ID, mlite.RunName("child-"+lr), run.Parent(parent.ID()), run.StartTime(start.Add(time.Duration(i+1)*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		f.children = append(f.children, c.ID())
		must(t, c.LogParams(map[string]any{"lr": lr, "model": "logreg", "depth": 3}))
		for s := range 200 {
			must(t, c.LogMetric("loss", 1/float64(s+1+i), run.Step(int64(s)), run.TimestampMillis(start.UnixMilli()+int64(s)*10)))
		}
		must(t, c.LogMetric("auc", 0.7+0.05*float64(i), run.Step(199)))
		must(t, c.End(ctx))
	}
	must(t, parent.LogMetric("best_auc", 0.8))
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 200, 255})
		}
	}
	must(t, parent.LogImage(ctx, img, "plots/roc.png"))
	must(t, parent.LogDict(ctx, map[string]any{"a": 1, "b": []int{1, 2}}, "report/metrics.json"))
	must(t, parent.LogText(ctx, "x,y\n1,2\n", "data/sample.csv"))
	must(t, parent.LogText(ctx, "<html><script>alert(1)</script></html>", "page.html"))
	must(t, parent.LogBytes(ctx, []byte{0, 1, 2, 3, 0xff}, "blob.bin"))
	must(t, parent.LogText(ctx, "diff --git a/x.go b/x.go\n+changed\n", run.GitDiffArtifact))
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"w":[1,2]}`), 0o644))
	must(t, parent.End(ctx))

	evil, err := db.StartRun(ctx, f.exp.ID, mlite.RunName(evilName), run.StartTime(start.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	f.evil = evil.ID()
	must(t, evil.LogParam("lr", evilName))
	must(t, evil.SetTag("note", evilName))
	must(t, evil.End(ctx))

	reg := db.Registry()
	if _, _, err := reg.LogModel(ctx, f.children[2], dir, &registry.LogModelOptions{RegisteredModelName: "CreditModel"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.TransitionStage(ctx, "CreditModel", 1, "Production", false); err != nil {
		t.Fatal(err)
	}
	must(t, reg.SetAlias(ctx, "CreditModel", "champion", 1))
	must(t, db.Flush(ctx))
	if f.v, err = New(db, &Options{ErrorLog: testLogger(t)}); err != nil {
		t.Fatal(err)
	}
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// get serves one GET request and returns the recorder.
func (f *fixture) get(t testing.TB, url string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	rec := httptest.NewRecorder()
	f.v.ServeHTTP(rec, req)
	return rec
}
