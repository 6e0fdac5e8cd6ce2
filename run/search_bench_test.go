package run_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

var searchFixtureOnce struct {
	sync.Once
	path string
	err  error
}

// buildSearchStore writes 100,000 runs, each with 20 params, 10 metrics
// (loss with a 100-point history, the others one point) and 10 tags,
// straight through the store in large transactions. It is kept in the
// temp dir and reused by later benchmark runs (delete it after changing
// the file format).
func buildSearchStore() (string, error) {
	dir := filepath.Join(os.TempDir(), "mlite-bench-search-v2")
	path := filepath.Join(dir, "search.mlite")
	if _, err := os.Stat(path + ".done"); err == nil {
		return path, nil
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, &store.Options{NoSync: true})
	if err != nil {
		return "", err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	models := []string{"lgbm", "random_forest", "logreg", "xgboost", "mlp"}
	const runs, perTx = 100_000, 2_000
	loss := make([]store.Point, 100)
	for base := 0; base < runs; base += perTx {
		err := st.Update(ctx, func(tx *store.Tx) error {
			for i := base; i < base+perTx; i++ {
				r := &store.Run{ID: store.RunID(uuid.New()), Name: fmt.Sprintf("run-%d", i), Status: store.Finished,
					StartTime: 1_700_000_000_000 + int64(i)*1000, Params: map[string]string{}, Tags: map[string]string{}}
				r.Params["model"] = models[rng.IntN(len(models))]
				for p := range 19 {
					r.Params[fmt.Sprintf("param_%02d", p)] = fmt.Sprint(rng.IntN(1000))
				}
				for g := range 10 {
					r.Tags[fmt.Sprintf("tag_%02d", g)] = fmt.Sprint("value-", rng.IntN(100))
				}
				if err := tx.CreateRun(r); err != nil {
					return err
				}
				for s := range loss {
					loss[s] = store.Point{Step: int64(s), Time: r.StartTime + int64(s), Value: rng.Float64() / float64(s+1)}
				}
				if err := tx.AppendPoints(r, "loss", loss); err != nil {
					return err
				}
				if err := tx.AppendPoints(r, "auc", []store.Point{{Step: 99, Time: r.StartTime, Value: rng.Float64()}}); err != nil {
					return err
				}
				for m := range 8 {
					if err := tx.AppendPoints(r, fmt.Sprintf("metric_%d", m), []store.Point{{Value: rng.Float64()}}); err != nil {
						return err
					}
				}
				if err := tx.PutRun(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return path, os.WriteFile(path+".done", nil, 0o644)
}

func benchSearch(b *testing.B, opts run.SearchOptions) {
	searchFixtureOnce.Do(func() { searchFixtureOnce.path, searchFixtureOnce.err = buildSearchStore() })
	if searchFixtureOnce.err != nil {
		b.Fatal(searchFixtureOnce.err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, searchFixtureOnce.path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	tr, err := run.New(st, &run.Options{NoCapture: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, err := tr.SearchRuns(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Runs) == 0 {
			b.Fatal("no runs matched")
		}
	}
}

// BenchmarkSearchRuns: 100,000 runs; filter on a metric and a param, order
// by the metric, first page of 100.
func BenchmarkSearchRuns(b *testing.B) {
	benchSearch(b, run.SearchOptions{
		Filter:     "metrics.auc > 0.9 and params.model = 'lgbm'",
		OrderBy:    []string{"metrics.auc DESC"},
		MaxResults: 100,
	})
}

// BenchmarkSearchRunsAggregate: the same store, filtering on the minimum of
// each run's 100-point loss history.
func BenchmarkSearchRunsAggregate(b *testing.B) {
	benchSearch(b, run.SearchOptions{Filter: "min(metrics.loss) < 0.2", MaxResults: 100})
}

// BenchmarkSearchRunsScan: the same filter ordered by a param, which no
// index serves: every run's record is read (the cost a search pays when
// the metric order index cannot help).
func BenchmarkSearchRunsScan(b *testing.B) {
	benchSearch(b, run.SearchOptions{
		Filter:     "metrics.auc > 0.9 and params.model = 'lgbm'",
		OrderBy:    []string{"params.param_00 DESC"},
		MaxResults: 100,
	})
}
