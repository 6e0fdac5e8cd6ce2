package viewer_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/viewer"
)

// A program mounts the viewer like any http.Handler; here one request is
// served in memory.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "viewer-example")
	defer os.RemoveAll(dir)
	db, err := mlite.Open(filepath.Join(dir, "mlruns.mlite"), &mlite.Options{NoCapture: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ctx := context.Background()
	exp, _ := db.SetExperiment(ctx, "demo")
	r, _ := db.StartRun(ctx, exp.ID, mlite.RunName("first"))
	r.LogMetric("loss", 0.25)
	r.End(ctx)

	v, err := viewer.New(db, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// http.ListenAndServe("127.0.0.1:5000", v) would serve it.
	rec := httptest.NewRecorder()
	v.ServeHTTP(rec, httptest.NewRequest("GET", "/api/mlite/experiments", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 application/json
}
