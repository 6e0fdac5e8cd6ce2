package mlite_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func benchDB(b *testing.B, opts *mlite.Options) *mlite.DB {
	b.Helper()
	if opts == nil {
		opts = &mlite.Options{}
	}
	opts.NoCapture = true
	db, err := mlite.Open(filepath.Join(b.TempDir(), "bench.mlite"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func reportRate(b *testing.B, points int, start time.Time) {
	b.ReportMetric(float64(points)/time.Since(start).Seconds(), "points/s")
}

// BenchmarkLogMetric: one run, one key, default options (fsync on), Flush at the end.
func BenchmarkLogMetric(b *testing.B) {
	db := benchDB(b, nil)
	ctx := context.Background()
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	start := logLoss(b, r)
	if err := r.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	reportRate(b, b.N, start)
}

// logLoss resets the benchmark's timer and logs b.N points of "loss" into
// r; it returns when the timer started.
func logLoss(b *testing.B, r *run.Run) time.Time {
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := r.LogMetric("loss", float64(i), run.Step(int64(i))); err != nil {
			b.Fatal(err)
		}
	}
	return start
}

// BenchmarkLogMetricManySeries: 100 runs x 10 keys, interleaved, Flush at the end.
func BenchmarkLogMetricManySeries(b *testing.B) {
	db := benchDB(b, nil)
	ctx := context.Background()
	runs := make([]*run.Run, 100)
	for i := range runs {
		var err error
		if runs[i], err = db.StartRun(ctx, 0); err != nil {
			b.Fatal(err)
		}
	}
	keys := []string{"loss", "val_loss", "acc", "val_acc", "lr", "grad_norm", "epoch", "auc", "f1", "throughput"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		r := runs[i%100]
		if err := r.LogMetric(keys[(i/100)%10], float64(i), run.Step(int64(i/1000))); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	reportRate(b, b.N, start)
}

// BenchmarkLogMetricSync: every LogMetric durable before it returns,
// against a bare bbolt loop of one-Put durable commits on a held handle.
func BenchmarkLogMetricSync(b *testing.B) {
	db := benchDB(b, &mlite.Options{Synchronous: true})
	ctx := context.Background()
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	bare, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o644, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	bare.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })

	ours := time.Since(logLoss(b, r))
	b.StopTimer()
	start := time.Now()
	for i := range b.N {
		err := bare.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("b")).Put([]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}, make([]byte, 24))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	bareTime := time.Since(start)
	b.ReportMetric(float64(b.N)/ours.Seconds(), "points/s")
	b.ReportMetric(float64(b.N)/bareTime.Seconds(), "bare-commits/s")
	b.ReportMetric(bareTime.Seconds()/ours.Seconds(), "ratio")
}

// lossCurve is a noisy, decaying float32-precision loss with ~50 ms jittered timestamps.
func lossCurve(n int) []run.Point {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]run.Point, n)
	t := int64(1_700_000_000_000)
	for i := range pts {
		t += 40 + rng.Int64N(21)
		v := 0.9*math.Exp(-float64(i)/float64(n/4)) + 0.02*rng.NormFloat64()
		pts[i] = run.Point{Step: int64(i), Time: t, Value: float64(float32(v))}
	}
	return pts
}

func constCurve(n int) []run.Point {
	pts := lossCurve(n)
	for i := range pts {
		pts[i].Value = 0.001
	}
	return pts
}

func counterCurve(n int) []run.Point {
	pts := lossCurve(n)
	for i := range pts {
		pts[i].Value = float64(i * 32)
	}
	return pts
}

// sharedStore is a benchmark store built once per test binary, with the
// run the benchmark reads.
type sharedStore struct {
	once sync.Once
	path string
	id   run.ID
	err  error
}

var history sharedStore

// BenchmarkMetricHistory reads a 1,000,000-point float32-precision loss series.
func BenchmarkMetricHistory(b *testing.B) {
	ctx := context.Background()
	db := openHistory(b)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		pts, err := db.MetricHistory(ctx, history.id, "loss", run.AllSteps)
		if err != nil || len(pts) != 1_000_000 {
			b.Fatalf("got %d points, %v", len(pts), err)
		}
	}
	reportRate(b, b.N*1_000_000, start)
}

// BenchmarkDownsample draws the 1,000,000-point series of
// BenchmarkMetricHistory at 2,000 points (M4 buckets, every chunk's
// lowest and highest point kept): what a chart of it costs the server.
func BenchmarkDownsample(b *testing.B) {
	ctx := context.Background()
	db := openHistory(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		got, err := db.Downsample(ctx, []run.ID{history.id}, "loss", run.AllSteps, 2000)
		if err != nil || len(got[history.id]) == 0 || len(got[history.id]) > 2000 {
			b.Fatalf("got %d points, %v", len(got[history.id]), err)
		}
	}
}

// openHistory builds (once) and opens the store of a 1,000,000-point
// series; the store is closed when b ends.
func openHistory(b *testing.B) *mlite.DB {
	ctx := context.Background()
	history.once.Do(func() {
		dir, err := os.MkdirTemp("", "mlite-bench-history")
		if err != nil {
			history.err = err
			return
		}
		history.path = filepath.Join(dir, "history.mlite")
		db, err := mlite.Open(history.path, &mlite.Options{NoCapture: true, NoSync: true})
		if err != nil {
			history.err = err
			return
		}
		defer db.Close()
		r, err := db.StartRun(ctx, 0)
		if err != nil {
			history.err = err
			return
		}
		history.id = r.ID()
		if err := r.LogSeries("loss", lossCurve(1_000_000)); err != nil {
			history.err = err
			return
		}
		history.err = r.End(ctx)
	})
	if history.err != nil {
		b.Fatal(history.err)
	}
	db, err := mlite.Open(history.path, &mlite.Options{NoCapture: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkMetricBytes reports the bytes a series occupies in the file
// (in-use bytes of the series bucket / points) for three shapes of metric.
func BenchmarkMetricBytes(b *testing.B) {
	const n = 1_000_000
	for _, c := range []struct {
		name string
		pts  []run.Point
	}{{"loss", lossCurve(n)}, {"const", constCurve(n)}, {"counter", counterCurve(n)}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var perPoint float64
			for range b.N {
				db := benchDB(b, &mlite.Options{NoSync: true})
				r, err := db.StartRun(ctx, 0)
				if err != nil {
					b.Fatal(err)
				}
				// Log as a training loop would: a commit every few thousand points.
				for i := 0; i < n; i += 5000 {
					if err := r.LogSeries(c.name, c.pts[i:i+5000]); err != nil {
						b.Fatal(err)
					}
					if err := r.Flush(ctx); err != nil {
						b.Fatal(err)
					}
				}
				st, err := db.Store().Stats(ctx)
				if err != nil {
					b.Fatal(err)
				}
				perPoint = float64(st.Buckets[store.SeriesBucket].InuseBytes) / n
			}
			b.ReportMetric(perPoint, "B/point")
		})
	}
}

var bigStore sharedStore

// BenchmarkOpen opens a store of more than 1 GB and reads one run (warm cache).
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	bigStore.once.Do(func() { bigStore.path, bigStore.id, bigStore.err = buildBigStore(ctx) })
	if bigStore.err != nil {
		b.Fatal(bigStore.err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		db, err := mlite.Open(bigStore.path, &mlite.Options{NoCapture: true})
		if err != nil {
			b.Fatal(err)
		}
		r, err := db.GetRun(ctx, bigStore.id)
		if err != nil || r.Params["i"] == "" {
			b.Fatalf("run: %v %v", r, err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// buildBigStore writes about 1.2 GB of noisy float64 metric series (about
// 7 B per point after compression) in 240 runs, once per test binary.
func buildBigStore(ctx context.Context) (string, run.ID, error) {
	dir, err := os.MkdirTemp("", "mlite-bench-open")
	if err != nil {
		return "", run.ID{}, err
	}
	path := filepath.Join(dir, "big.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true, NoSync: true})
	if err != nil {
		return "", run.ID{}, err
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]run.Point, 700_000)
	var last run.ID
	for i := range 240 {
		r, err := db.StartRun(ctx, 0)
		if err != nil {
			return "", run.ID{}, err
		}
		r.LogParam("i", i)
		for j := range pts {
			pts[j] = run.Point{Step: int64(j), Time: int64(j), Value: rng.Float64()}
		}
		if err := r.LogSeries("noise", pts); err != nil {
			return "", run.ID{}, err
		}
		if err := r.End(ctx); err != nil {
			return "", run.ID{}, err
		}
		last = r.ID()
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", run.ID{}, err
	}
	if fi.Size() < 1<<30 {
		return "", run.ID{}, fmt.Errorf("the store has %d bytes, want at least 1 GiB", fi.Size())
	}
	return path, last, nil
}
