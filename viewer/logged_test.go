package viewer

import (
	"context"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
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
