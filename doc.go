// Package mlite is an embedded, single-file experiment tracker and model
// registry: what SQLite is to a database server, mlite is to an MLflow
// tracking server. Open one file and get experiments and runs; params,
// metrics, tags and dataset inputs; nested runs for sweeps; all in one
// bbolt file that several processes may share.
//
// The front door:
//
//	db, err := mlite.Open("mlruns.mlite", nil)
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//	exp, err := db.SetExperiment(ctx, "credit_default_prediction")
//	r, err := db.StartRun(ctx, exp.ID, mlite.RunName("random_forest_v1"))
//	r.LogParam("n_estimators", 200)
//	r.LogMetric("auc", 0.88)
//	err = r.End(ctx)
//
// Logging calls return at once; one goroutine commits what was logged in
// batches. After Flush, Run.End or Close return nil, everything logged
// before survives a crash. Options.Synchronous makes every call durable.
//
// Package mlite ties the store and the tracking API (package run)
// together; package mlitetest gives throwaway stores for unit tests.
// It imports store, run and registry; the surfaces (viewer, mlflowapi,
// the command) import it. docs/architecture.md draws the layers and
// layers_test.go holds every package's imports to them.
package mlite
