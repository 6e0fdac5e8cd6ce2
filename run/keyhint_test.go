package run_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mlite/mlite/run"
)

func TestMissingKeys(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, nil)
	x := createExperiment(t, tr, "sweep")
	other := createExperiment(t, tr, "other")
	for _, c := range []struct {
		exp run.ExperimentID
		m   string
	}{{x.ID, "val_auc"}, {x.ID, "train_auc"}, {other.ID, "auc"}} {
		r, err := tr.StartRun(ctx, c.exp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []error{r.LogMetric(c.m, 0.9), r.LogParam("model", "gbdt"), r.SetTag("team", "risk"), r.End(ctx)} {
			if e != nil {
				t.Fatal(e)
			}
		}
	}
	sel := run.RunSelection{Experiments: []run.ExperimentID{x.ID}}
	for _, c := range []struct{ filter, want string }{
		{"metrics.val_auc > 0.95 and params.model = 'gbdt' and tags.team = 'risk'", ""},
		{"metrics.auc > 0.7", "no run has metric `auc`; did you mean `val_auc`?"},
		{"max(metrics.val_acu) > 0.7", "no run has metric `val_acu`; did you mean `val_auc`?"},
		{"params.model = 'gbdt' and params.depth = '3'", "no run has param `depth`; the runs have params `model`"},
		{"tags.owner = 'me'", "no run has tag `owner`; the runs have tags `mlflow.runName`, `mlflow.user`, `team`"},
		{"attributes.status = 'FINISHED'", ""},
	} {
		f, err := run.ParseFilter(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		err = tr.MissingKeys(ctx, sel, f)
		var got string
		if err != nil {
			got = err.Error()
			if !errors.Is(err, run.ErrUnknownKey) {
				t.Errorf("%s: error %v does not match ErrUnknownKey", c.filter, err)
			}
		}
		if got != c.want {
			t.Errorf("MissingKeys(%s): got %q, want %q", c.filter, got, c.want)
		}
	}
}
