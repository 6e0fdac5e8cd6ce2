package mlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// The seed scenario: an experiment, a run with params and a metric, then
// reading the run back.
func Example() {
	dir, _ := os.MkdirTemp("", "mlite-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := mlite.Open(filepath.Join(dir, "mlruns.mlite"), &mlite.Options{NoCapture: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	exp, _ := db.SetExperiment(ctx, "credit_default_prediction")
	r, _ := db.StartRun(ctx, exp.ID, mlite.RunName("random_forest_v1"))
	r.LogParam("n_estimators", 200)
	r.LogParam("max_depth", 10)
	r.LogMetric("auc", 0.88)
	if err := r.End(ctx); err != nil {
		fmt.Println(err)
		return
	}

	got, _ := db.GetRun(ctx, r.ID())
	fmt.Println(got.Name, got.Status, got.Params["n_estimators"], got.Params["max_depth"], got.Metrics["auc"].Latest.Value)

	page, _ := db.SearchRuns(ctx, run.SearchOptions{Filter: "metrics.auc > 0.8 and params.max_depth = '10'"})
	fmt.Println(len(page.Runs), "run matches")
	// Output:
	// random_forest_v1 FINISHED 200 10 0.88
	// 1 run matches
}
