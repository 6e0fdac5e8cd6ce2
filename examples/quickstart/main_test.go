package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

func TestQuickstartStoresTheSweep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.mlite")
	var out strings.Builder
	ctx := context.Background()
	if err := quickstart(ctx, path, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Best run") {
		t.Errorf("output lacks the best run:\n%s", out.String())
	}
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exp, err := db.GetExperimentByName(ctx, "credit_default_prediction")
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.ListRuns(ctx, exp.ID, run.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != 13 {
		t.Fatalf("got %d runs, want 13 (a parent and 12 children)", len(page.Runs))
	}
	for _, r := range page.Runs {
		if r.Status != run.Finished {
			t.Errorf("run %s: status %s", r.Name, r.Status)
		}
		if r.Parent.IsZero() {
			if r.Metrics["best_auc"] == nil || r.Metrics["best_auc"].Latest.Value < 0.75 {
				t.Errorf("parent best_auc: %+v", r.Metrics["best_auc"])
			}
			continue
		}
		if r.Metrics["val_auc"] == nil || r.Metrics["val_auc"].Count != 60 || r.Metrics["train_loss"].Count != 60 {
			t.Errorf("child %s: want 60 epochs of val_auc and train_loss, got %+v", r.Name, r.Metrics)
		}
		files, err := db.ListArtifacts(ctx, r.ID, "model", false)
		if err != nil || len(files) != 1 || files[0].Path != "model/weights.json" {
			t.Errorf("child %s artifacts: %+v, %v", r.Name, files, err)
		}
	}
	probs, err := db.Check(ctx)
	if err != nil || len(probs) > 0 {
		t.Errorf("check: %v %v", err, probs)
	}
}
