package viewer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/shadow"
)

func TestLoggedModelsPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	child := f.children[0]
	m, err := f.db.CreateLoggedModel(ctx, f.exp.ID, run.LoggedModelOptions{Name: "model", SourceRunID: child.String(), ModelType: "sklearn",
		Params: map[string]string{"C": "0.5"}, Tags: map[string]string{"note": evilName}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.LogModelReader(ctx, m.ID, strings.NewReader("flavors: {}\n"), "MLmodel"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.LogBatch(ctx, child, run.Batch{Metrics: []run.Metric{{Key: "val_auc", Value: 0.87, Time: 1, ModelID: m.ID, DatasetName: "val"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FinalizeLoggedModel(ctx, m.ID, run.ModelReady); err != nil {
		t.Fatal(err)
	}
	rec := f.get(t, "/runs/"+child.String()+"/models")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("got status %d, want 200; body:\n%.400s", rec.Code, body)
	}
	for _, want := range []string{"models:/" + m.ID.String(), "READY", "sklearn", "param C", "0.5", "val_auc", "MLmodel", "source run", "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("logged models page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("logged models page renders a tag as markup")
	}
	if body := f.get(t, "/runs/"+f.parent.String()+"/models").Body.String(); !strings.Contains(body, "logged no models") {
		t.Error("a run without models: page lacks the empty message")
	}
	if body := f.get(t, "/runs/"+child.String()).Body.String(); !strings.Contains(body, `href="/runs/`+child.String()+`/models"`) {
		t.Error("run page lacks the link to its logged models")
	}
	if rec := f.get(t, "/runs/0123456789abcdef0123456789abcdef/models"); rec.Code != 404 {
		t.Errorf("unknown run: got status %d, want 404", rec.Code)
	}
}

// TestDiffPage registers a second version from another run and shows the
// diff page: the changed params and files, links to both versions; bad
// and missing versions get 400 and 404.
func TestDiffPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"w":[3,4]}`), 0o644))
	if _, _, err := f.db.Registry().LogModel(ctx, f.children[1], dir, &registry.LogModelOptions{RegisteredModelName: "CreditModel"}); err != nil {
		t.Fatal(err)
	}
	rec := f.get(t, "/models/CreditModel/diff?a=1&b=2")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("got %d %s", rec.Code, body)
	}
	if v2 := f.get(t, "/models/CreditModel/versions/2").Body.String(); !strings.Contains(v2, `href="/models/CreditModel/diff?a=1&amp;b=2"`) {
		t.Errorf("version 2's page has no link to the diff with version 1")
	}
	for _, want := range []string{`id="diff-params"`, ">lr<", `id="diff-files"`, "model.json", `href="/models/CreditModel/versions/2"`, "Metrics"} {
		if !strings.Contains(body, want) {
			t.Errorf("the diff page has no %q", want)
		}
	}
	for url, code := range map[string]int{"/models/CreditModel/diff?a=1&b=9": 404, "/models/CreditModel/diff?a=1&b=x": 400, "/models/CreditModel/diff?a=1": 400} {
		if got := f.get(t, url).Code; got != code {
			t.Errorf("%s: got %d, want %d", url, got, code)
		}
	}
}

// TestShadowPage records a shadow run as mlite serve --shadow does (four
// rows, one disagreeing; two requests) and shows the model's shadow page.
func TestShadowPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if got := f.get(t, "/models/CreditModel/shadow").Body.String(); !strings.Contains(got, "No shadow deployment") {
		t.Errorf("before any shadow run the page says %q", got)
	}
	exp, err := f.db.SetExperiment(ctx, shadow.Experiment)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.db.StartRun(ctx, exp.ID)
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.SetTag(shadow.TagModel, "CreditModel"))
	must(t, r.SetTag(shadow.TagPrimary, "models:/CreditModel/1"))
	must(t, r.SetTag(shadow.TagShadow, "models:/CreditModel/2"))
	must(t, r.SetTag(shadow.TagDropped, "0"))
	for i, d := range []float64{0, 0, 1, 0} {
		must(t, r.LogMetric("primary", 0.2, run.Step(int64(i))))
		must(t, r.LogMetric("shadow", 0.3, run.Step(int64(i))))
		must(t, r.LogMetric("abs_diff", 0.1, run.Step(int64(i))))
		must(t, r.LogMetric("disagree", d, run.Step(int64(i))))
	}
	for i := range 2 {
		must(t, r.LogMetric("primary_latency_ms", 0.05, run.Step(int64(i))))
		must(t, r.LogMetric("shadow_latency_ms", 2.5, run.Step(int64(i))))
		must(t, r.LogMetric("shadow_error", 0, run.Step(int64(i))))
	}
	must(t, r.End(ctx))
	body := f.get(t, "/models/CreditModel/shadow").Body.String()
	for _, want := range []string{"models:/CreditModel/1 vs models:/CreditModel/2", "/runs/" + r.ID().String(), ">0.25<", ">2.5<", "Requests shadowed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the shadow page has no %q:\n%s", want, body)
		}
	}
	if !strings.Contains(f.get(t, "/models/CreditModel").Body.String(), `href="/models/CreditModel/shadow"`) {
		t.Error("the model page has no link to its shadow deployments")
	}
	if got := f.get(t, "/models/Nope/shadow").Code; got != 404 {
		t.Errorf("an unknown model: got %d, want 404", got)
	}
}
