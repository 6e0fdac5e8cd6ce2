package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// The runs table shows each run's name, status, start and duration, then
// the params and latest metrics that differ between the listed runs; diff
// puts two runs side by side and marks the rows that differ.
func Example() {
	time.Local = time.UTC // the tables show local time
	dir, _ := os.MkdirTemp("", "mlite-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "credit.mlite")

	ctx := context.Background()
	db, _ := mlite.Open(path, &mlite.Options{NoSync: true, NoCapture: true, User: "ana"})
	exp, _ := db.SetExperiment(ctx, "credit")
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	for i, model := range []string{"rf", "lgbm"} {
		r, _ := db.StartRun(ctx, exp.ID, mlite.RunName(model+"_v1"), run.StartTime(start.Add(time.Duration(i)*time.Hour)))
		r.LogParam("model", model)
		r.LogParam("n_estimators", 200)
		r.LogMetric("auc", 0.81+0.07*float64(i))
		r.Flush(ctx)
		db.SetTerminated(ctx, r.ID(), run.Finished, start.Add(time.Duration(i)*time.Hour+90*time.Second).UnixMilli())
	}
	db.Close()

	for _, args := range [][]string{
		{"runs", "ls"},
		{"runs", "diff", "rf_v1", "lgbm_v1", "--changed"},
	} {
		fmt.Println("$ mlite", args)
		if err := execute(ctx, append([]string{"--db", path}, args...), os.Stdout, os.Stdout); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// $ mlite [runs ls]
	// NAME     STATUS    START                DURATION  params.model  metrics.auc
	// lgbm_v1  FINISHED  2026-01-02 11:00:00  1m30s     lgbm                 0.88
	// rf_v1    FINISHED  2026-01-02 10:00:00  1m30s     rf                   0.81
	// $ mlite [runs diff rf_v1 lgbm_v1 --changed]
	//    KEY                  rf_v1  lgbm_v1
	// *  params.model         rf     lgbm
	// *  metrics.auc          0.81   0.88
	// *  tags.mlflow.runName  rf_v1  lgbm_v1
}
