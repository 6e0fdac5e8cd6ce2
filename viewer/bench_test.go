package viewer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/store"
)

// Benchmark fixtures are built once and kept under $TMPDIR (delete the
// folder after a change of the file format).
var benchDir = filepath.Join(os.TempDir(), "mlite-viewer-bench-v1")

// Spikes planted in the chart fixture's series.
const (
	benchPoints  = 1_000_000
	benchSpikeAt = 612_345
	benchDipAt   = 123_457
)

type benchStore struct {
	once sync.Once
	path string
	exp  store.ExperimentID
	run  store.RunID
	err  error
}

var chartStore, runsStore benchStore

// buildChartStore writes one run with one metric of a million points: a
// noisy decaying curve with one spike up and one dip down.
func buildChartStore() (string, store.RunID, error) {
	path, id, err := cachedStore("chart.mlite", writeChartStore)
	if err != nil {
		return "", store.RunID{}, err
	}
	rid, err := store.ParseRunID(id)
	return path, rid, err
}

// cachedStore returns the path of the benchmark store name in benchDir
// and the id its build remembered, building it with build first when no
// finished build is there.
func cachedStore(name string, build func(ctx context.Context, st *store.Store) (id string, err error)) (path, id string, err error) {
	path = filepath.Join(benchDir, name)
	done := path + ".done"
	if b, err := os.ReadFile(done); err == nil {
		return path, string(b), nil
	}
	os.Remove(path)
	os.RemoveAll(path + "-blobs")
	if err := os.MkdirAll(benchDir, 0o755); err != nil {
		return "", "", err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, &store.Options{NoSync: true})
	if err != nil {
		return "", "", err
	}
	defer st.Close()
	if id, err = build(ctx, st); err != nil {
		return "", "", err
	}
	return path, id, os.WriteFile(done, []byte(id), 0o644)
}

func writeChartStore(ctx context.Context, st *store.Store) (string, error) {
	r := &store.Run{ID: store.RunID(uuid.New()), Name: "long", Status: store.Finished, StartTime: 1_700_000_000_000,
		Params: map[string]string{}, Tags: map[string]string{}}
	rng := rand.New(rand.NewPCG(1, 2))
	err := st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateRun(r); err != nil {
			return err
		}
		pts := make([]store.Point, 0, 10_000)
		for i := range benchPoints {
			v := 1/(1+float64(i)/1e4) + 0.01*rng.NormFloat64()
			switch i {
			case benchSpikeAt:
				v = 1000
			case benchDipAt:
				v = -1000
			}
			pts = append(pts, store.Point{Step: int64(i), Time: r.StartTime + int64(i)*10, Value: v})
			if len(pts) == cap(pts) {
				if err := tx.AppendPoints(r, "loss", pts); err != nil {
					return err
				}
				pts = pts[:0]
			}
		}
		if err := tx.AppendPoints(r, "loss", pts); err != nil {
			return err
		}
		return tx.PutRun(r)
	})
	return r.ID.String(), err
}

// buildRunsStore writes an experiment of 10,000 runs with 20 params and 10
// metrics each (loss with a 50-point history, the rest one point).
func buildRunsStore() (string, store.ExperimentID, error) {
	path, id, err := cachedStore("runs.mlite", writeRunsStore)
	if err != nil {
		return "", 0, err
	}
	x, err := store.ParseExperimentID(id)
	return path, x, err
}

func writeRunsStore(ctx context.Context, st *store.Store) (string, error) {
	x := &store.Experiment{Name: "sweep", ArtifactLocation: "mlflow-artifacts:/1", CreationTime: 1_700_000_000_000, LastUpdateTime: 1_700_000_000_000}
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.CreateExperiment(x) }); err != nil {
		return "", err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	models := []string{"lgbm", "random_forest", "logreg", "xgboost", "mlp"}
	const runs, perTx = 10_000, 1_000
	loss := make([]store.Point, 50)
	for base := 0; base < runs; base += perTx {
		err := st.Update(ctx, func(tx *store.Tx) error {
			for i := base; i < base+perTx; i++ {
				r := &store.Run{ID: store.RunID(uuid.New()), ExperimentID: x.ID, Name: fmt.Sprintf("run-%05d", i), Status: store.Finished,
					StartTime: 1_700_000_000_000 + int64(i)*1000, EndTime: 1_700_000_000_000 + int64(i)*1000 + int64(rng.IntN(900_000)),
					User: "bench", Params: map[string]string{}, Tags: map[string]string{"mlflow.user": "bench", "mlflow.runName": fmt.Sprintf("run-%05d", i)}}
				r.Params["model"] = models[rng.IntN(len(models))]
				r.Params["seed"] = "42" // the same everywhere: not a default column
				for p := range 18 {
					r.Params[fmt.Sprintf("param_%02d", p)] = fmt.Sprint(rng.IntN(1000))
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
				for m := range 9 {
					if err := tx.AppendPoints(r, fmt.Sprintf("metric_%d", m), []store.Point{{Step: 49, Time: r.StartTime, Value: rng.Float64()}}); err != nil {
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
	return x.ID.String(), nil
}

// benchViewer opens a fixture and returns its viewer.
func benchViewer(b *testing.B, path string) *Viewer {
	b.Helper()
	_, v := openViewer(b, path, &mlite.Options{NoCapture: true})
	return v
}

func serve(b *testing.B, v *Viewer, url string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	v.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d %s", url, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkChartData: the chart data of one 1,000,000-point series for a
// chart 1,000 pixels wide (at most 2,000 points), server side, JSON
// included. The spike and the dip planted in the series must survive.
func BenchmarkChartData(b *testing.B) {
	chartStore.once.Do(func() { chartStore.path, chartStore.run, chartStore.err = buildChartStore() })
	if chartStore.err != nil {
		b.Fatal(chartStore.err)
	}
	v := benchViewer(b, chartStore.path)
	url := "/api/mlite/chart?key=loss&width=1000&run=" + chartStore.run.String()
	rec := serve(b, v, url)
	var got struct {
		Series []struct {
			Steps  []int64
			Values []float64
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		b.Fatal(err)
	}
	s := got.Series[0]
	if n := len(s.Steps); n > 2000 || n < 1000 {
		b.Fatalf("got %d points, want 1,000 to 2,000", n)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range s.Values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != -1000 || hi != 1000 {
		b.Fatalf("got min %v max %v, want the planted dip -1000 and spike 1000", lo, hi)
	}
	b.SetBytes(benchPoints * 24) // the points read: step, time, value
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		serve(b, v, url)
	}
	b.ReportMetric(float64(len(s.Steps)), "points") // after ResetTimer, which clears it
}

// BenchmarkRunsPage: the first page (100 runs) of the runs table of an
// experiment of 10,000 runs with 20 params and 10 metrics, server side,
// JSON, with the default columns (those that vary).
func BenchmarkRunsPage(b *testing.B) {
	runsStore.once.Do(func() { runsStore.path, runsStore.exp, runsStore.err = buildRunsStore() })
	if runsStore.err != nil {
		b.Fatal(runsStore.err)
	}
	v := benchViewer(b, runsStore.path)
	for _, bc := range []struct{ name, query string }{
		{"default", ""},
		{"sorted", "?order_by=metrics.metric_3+DESC"},
		{"filtered", "?filter=" + "params.model+%3D+%27lgbm%27+and+metrics.loss+%3C+0.01"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			url := "/api/mlite/experiments/" + runsStore.exp.String() + "/runs" + bc.query
			rec := serve(b, v, url)
			var p runsPage
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				b.Fatal(err)
			}
			if bc.query == "" && (p.Total != 10_000 || len(p.Rows) != 100 || len(p.Params) != 19 || len(p.Metrics) != mainMetrics) {
				b.Fatalf("got %d runs, %d rows, %d param and %d metric columns; want 10,000, 100, 19, 5", p.Total, len(p.Rows), len(p.Params), len(p.Metrics))
			}
			b.SetBytes(int64(rec.Body.Len()))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				serve(b, v, url)
			}
		})
	}
}

// BenchmarkChartView: the chart view's data (every matching run as
// columns: 20 params and 10 metrics each) of an experiment of 10,000 runs,
// server side, JSON.
func BenchmarkChartView(b *testing.B) {
	runsStore.once.Do(func() { runsStore.path, runsStore.exp, runsStore.err = buildRunsStore() })
	if runsStore.err != nil {
		b.Fatal(runsStore.err)
	}
	v := benchViewer(b, runsStore.path)
	for _, bc := range []struct {
		name, query string
		runs        int
	}{
		{"all", "", 10_000},
		{"filtered", "?filter=" + "params.model+%3D+%27lgbm%27", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			url := "/api/mlite/experiments/" + runsStore.exp.String() + "/points" + bc.query
			rec := serve(b, v, url)
			var p struct {
				Total   int                  `json:"total"`
				Params  map[string][]*string `json:"params"`
				Metrics map[string][]any     `json:"metrics"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				b.Fatal(err)
			}
			if bc.runs > 0 && (p.Total != bc.runs || len(p.Params) != 20 || len(p.Metrics) != 10 || len(p.Metrics["loss"]) != bc.runs) {
				b.Fatalf("got %d runs, %d param and %d metric columns; want %d, 20, 10", p.Total, len(p.Params), len(p.Metrics), bc.runs)
			}
			b.SetBytes(int64(rec.Body.Len()))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				serve(b, v, url)
			}
			b.ReportMetric(float64(p.Total), "runs")
		})
	}
}
