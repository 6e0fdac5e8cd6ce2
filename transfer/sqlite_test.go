package transfer_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/internal/pyclient"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/transfer"
)

// TestImportSQLite imports an mlflow.db that the mlflow client wrote (with
// the artifacts it keeps beside it), twice.
func TestImportSQLite(t *testing.T) {
	py := pyclient.Need(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "mlflow.db")
	code := `
import sys, mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
mlflow.set_tracking_uri("sqlite:///" + sys.argv[1])
c = MlflowClient()
mlflow.set_experiment(experiment_id=c.create_experiment("sq", artifact_location=sys.argv[2]))
with mlflow.start_run(run_name="r1") as r:
    mlflow.log_param("p", "1")
    mlflow.set_tag("t", "v")
    c.log_batch(r.info.run_id, metrics=[Metric("m", float(i), 1000 + i, i) for i in range(1200)])
    mlflow.log_metric("n", float("nan"), step=5)
    mlflow.log_text("hello", "a/b.txt")
c.create_registered_model("M", description="d")
v = c.create_model_version("M", "runs:/%s/a" % r.info.run_id, r.info.run_id)
c.transition_model_version_stage("M", v.version, "Staging")
c.set_registered_model_alias("M", "champ", v.version)
print(r.info.run_id)
`
	stdout, stderr, err := pyclient.Run(py, code, pyclient.Env(), db, filepath.Join(dir, "artifacts"))
	if err != nil {
		t.Fatalf("the mlflow client: %v\n%s", err, stderr)
	}
	lines := strings.Fields(stdout)
	id, err := run.ParseID(lines[len(lines)-1])
	if err != nil {
		t.Fatalf("run id from %q: %v", stdout, err)
	}
	ctx := context.Background()
	st := mlitetest.New(t)
	rep, err := transfer.Import(ctx, st.Tracker, st.Registry(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 1 || rep.Points != 1201 || rep.Artifacts != 1 || rep.Versions != 1 {
		t.Errorf("import: got %+v", rep)
	}
	r, err := st.GetRun(ctx, id)
	if err != nil || r.Params["p"] != "1" || r.Tags["t"] != "v" || r.Name != "r1" {
		t.Fatalf("run: got %+v %v", r, err)
	}
	h, _ := st.MetricHistory(ctx, id, "n", run.AllSteps)
	if len(h) != 1 || !math.IsNaN(h[0].Value) || h[0].Step != 5 {
		t.Errorf("history of n: got %+v, want one NaN at step 5", h)
	}
	mv, err := st.Registry().GetVersionByAlias(ctx, "M", "champ")
	if err != nil || mv.Stage.String() != "Staging" {
		t.Errorf("version: got %+v %v", mv, err)
	}
	again, err := transfer.Import(ctx, st.Tracker, st.Registry(), db, nil)
	if err != nil || again.Runs+again.RunsUpdated+again.Artifacts+again.Versions+again.Registry != 0 || again.Points != 0 {
		t.Errorf("second import: got %+v %v, want nothing written", again, err)
	}
}
