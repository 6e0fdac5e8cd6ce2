// Package mlitetest gives throwaway mlite stores to unit tests of code that
// logs: New returns a store in t.TempDir() without fsync, closed and
// integrity-checked when the test ends, and helpers read back what the
// code under test logged.
//
// It imports the root package mlite, run and store; nothing of mlite
// imports it but tests.
package mlitetest

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// New returns an open throwaway store. When the test ends it is closed and
// checked; any problem fails the test.
func New(t testing.TB) *mlite.DB {
	t.Helper()
	db, err := open(t.TempDir())
	if err != nil {
		t.Fatalf("mlitetest: %v", err)
	}
	t.Cleanup(func() {
		for _, err := range finish(db) {
			t.Errorf("mlitetest: %v", err)
		}
	})
	return db
}

// open makes a store in dir without fsync, without reproducibility
// capture, and letting go of the file after every transaction.
func open(dir string) (*mlite.DB, error) {
	return mlite.Open(filepath.Join(dir, "test.mlite"), &mlite.Options{
		User:      "mlitetest",
		NoCapture: true,
		Store:     &store.Options{NoSync: true, HoldTime: -1},
	})
}

// finish checks and closes db, returning every problem.
func finish(db *mlite.DB) []error {
	var errs []error
	probs, err := db.Check(context.Background())
	if err != nil {
		errs = append(errs, fmt.Errorf("check: %w", err))
	}
	for _, p := range probs {
		errs = append(errs, fmt.Errorf("check: %s", p))
	}
	if err := db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close: %w", err))
	}
	return errs
}

// RunAt creates experiment name with the artifact location loc (see
// run.Tracker.CreateExperimentAt: a local folder or a remote URI) and an
// ended run in it, and returns the run's record.
func RunAt(t testing.TB, db *mlite.DB, name, loc string) *run.Record {
	t.Helper()
	ctx := context.Background()
	x, err := db.CreateExperimentAt(ctx, name, loc, nil)
	if err != nil {
		t.Fatalf("mlitetest: experiment %q at %q: %v", name, loc, err)
	}
	r, err := db.StartRun(ctx, x.ID)
	if err != nil {
		t.Fatalf("mlitetest: run in %q: %v", name, err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatalf("mlitetest: end run: %v", err)
	}
	return Run(t, db, r.ID())
}

// Run returns the stored record of run id, failing the test if it is missing.
func Run(t testing.TB, db *mlite.DB, id run.ID) *run.Record {
	t.Helper()
	r, err := db.GetRun(context.Background(), id)
	if err != nil {
		t.Fatalf("mlitetest: run %s: %v", id, err)
	}
	return r
}

// Param returns the value of param key of run id ("" if it was not logged).
func Param(t testing.TB, db *mlite.DB, id run.ID, key string) string {
	t.Helper()
	return Run(t, db, id).Params[key]
}

// Tag returns the value of tag key of run id ("" if it is not set).
func Tag(t testing.TB, db *mlite.DB, id run.ID, key string) string {
	t.Helper()
	return Run(t, db, id).Tags[key]
}

// Latest returns the latest value of metric key of run id, failing the
// test if it was never logged.
func Latest(t testing.TB, db *mlite.DB, id run.ID, key string) float64 {
	t.Helper()
	s := Run(t, db, id).Metrics[key]
	if s == nil {
		t.Fatalf("mlitetest: run %s has no metric %q", id, key)
	}
	return s.Latest.Value
}

// History returns the values of metric key of run id in logged order.
func History(t testing.TB, db *mlite.DB, id run.ID, key string) []float64 {
	t.Helper()
	pts, err := db.MetricHistory(context.Background(), id, key, run.AllSteps)
	if err != nil {
		t.Fatalf("mlitetest: history of %q in run %s: %v", key, id, err)
	}
	vals := make([]float64, len(pts))
	for i, p := range pts {
		vals[i] = p.Value
	}
	return vals
}

// Artifact returns the content of artifact path of run id, failing the test
// if it cannot be read.
func Artifact(t testing.TB, db *mlite.DB, id run.ID, path string) []byte {
	t.Helper()
	rc, err := db.OpenArtifact(context.Background(), id, path)
	if err != nil {
		t.Fatalf("mlitetest: artifact %q of run %s: %v", path, id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("mlitetest: artifact %q of run %s: %v", path, id, err)
	}
	return b
}
