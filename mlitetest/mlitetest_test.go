package mlitetest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
)

// train stands for the user's code under test: it logs through mlite.
func train(db *mlite.DB) (run.ID, error) {
	ctx := context.Background()
	exp, err := db.SetExperiment(ctx, "unit")
	if err != nil {
		return run.ID{}, err
	}
	r, err := db.StartRun(ctx, exp.ID, mlite.RunName("tiny"))
	if err != nil {
		return run.ID{}, err
	}
	r.LogParam("max_depth", 10)
	r.SetTag("stage", "test")
	if err := r.LogText(ctx, "depth 10", "model/notes.txt"); err != nil {
		return run.ID{}, err
	}
	for i, loss := range []float64{0.9, 0.5, 0.3} {
		r.LogMetric("loss", loss, mlite.Step(int64(i)))
	}
	return r.ID(), r.End(ctx)
}

func TestHelpersReadBack(t *testing.T) {
	db := mlitetest.New(t)
	id, err := train(db)
	if err != nil {
		t.Fatal(err)
	}
	if got := mlitetest.Param(t, db, id, "max_depth"); got != "10" {
		t.Errorf("param max_depth: got %q, want 10", got)
	}
	if got := mlitetest.Tag(t, db, id, "stage"); got != "test" {
		t.Errorf("tag stage: got %q, want test", got)
	}
	if got := mlitetest.Latest(t, db, id, "loss"); got != 0.3 {
		t.Errorf("latest loss: got %v, want 0.3", got)
	}
	if got := mlitetest.Artifact(t, db, id, "model/notes.txt"); string(got) != "depth 10" {
		t.Errorf("artifact model/notes.txt: got %q, want depth 10", got)
	}
	if got := mlitetest.History(t, db, id, "loss"); fmt.Sprint(got) != "[0.9 0.5 0.3]" {
		t.Errorf("loss history: got %v", got)
	}
}
