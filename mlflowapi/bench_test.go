package mlflowapi

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mlite/mlite/internal/cputime"
	"github.com/mlite/mlite/run"
)

// BenchmarkSearchRunsJSON answers runs/search for a page of 100 runs, each
// with 10 params, 10 metrics and 5 tags besides the system ones: "handler"
// is the whole request (search and JSON), "encode" only the writing of
// the page's JSON.
func BenchmarkSearchRunsJSON(b *testing.B) {
	ctx := context.Background()
	_, tr, reg, _ := newStore(b)
	exp, err := tr.CreateExperiment(ctx, "bench", nil)
	must(b, err)
	for i := range 100 {
		r, err := tr.StartRun(ctx, exp.ID, run.Name(fmt.Sprintf("run-%03d", i)), run.Tags(map[string]string{
			"team": "risk", "model": "lgbm", "stage": "dev", "seed": fmt.Sprint(i), "note": "benchmark run",
		}))
		must(b, err)
		for k := range 10 {
			must(b, r.LogParam(fmt.Sprintf("param_%d", k), fmt.Sprintf("value-%d-%d", k, i)))
			must(b, r.LogMetric(fmt.Sprintf("metric_%d", k), float64(i)/7+float64(k), run.Step(int64(k))))
		}
		must(b, r.End(ctx))
	}
	h := newHandler(tr, reg, &Options{Logger: discardLogger()})
	body := fmt.Sprintf(`{"experiment_ids": [%q], "max_results": 100}`, exp.ID.String())

	b.Run("handler", func(b *testing.B) {
		var size int
		for b.Loop() {
			size = postOK(b, h, "runs/search", body)
		}
		b.SetBytes(int64(size))
		b.ReportAllocs()
		b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "runs/s")
	})

	b.Run("encode", func(b *testing.B) {
		page, err := tr.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: []run.ExperimentID{exp.ID}, MaxResults: 100, Models: true})
		must(b, err)
		if len(page.Runs) != 100 {
			b.Fatalf("got %d runs, want 100", len(page.Runs))
		}
		l, err := h.runList(ctx, page)
		must(b, err)
		w := &jsonWriter{}
		for b.Loop() {
			w.b, w.n = w.b[:0], w.n[:0]
			w.open()
			writeRunPage(w, l)
			w.close()
		}
		b.SetBytes(int64(len(w.b)))
		b.ReportAllocs()
		b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "runs/s")
	})
}

// BenchmarkLogBatch posts runs/log-batch requests of 1,000 metric points
// (10 keys x 100 steps) to one run: "fresh" advances the steps with every
// request, as a training loop does; "resend" posts the same batch again, as
// the mlflow client's retry does, so every point is an exact repeat.
func BenchmarkLogBatch(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"fresh", "resend"} {
		b.Run(mode, func(b *testing.B) {
			_, tr, reg, _ := newStore(b)
			exp, err := tr.CreateExperiment(ctx, "bench", nil)
			must(b, err)
			r, err := tr.StartRun(ctx, exp.ID)
			must(b, err)
			h := newHandler(tr, reg, &Options{Logger: discardLogger()})
			batch := func(first int) string {
				var sb strings.Builder
				fmt.Fprintf(&sb, `{"run_id": %q, "metrics": [`, r.ID().String())
				for i := range 1000 {
					if i > 0 {
						sb.WriteByte(',')
					}
					step := first + i/10
					fmt.Fprintf(&sb, `{"key": "metric_%d", "value": %g, "timestamp": %d, "step": %d}`,
						i%10, 1/float64(step+1), 1_700_000_000_000+int64(step), step)
				}
				sb.WriteString("]}")
				return sb.String()
			}
			same := batch(0)
			n := 0
			for b.Loop() {
				body := same
				if mode == "fresh" {
					body = batch(n * 100)
				}
				n++
				postOK(b, h, "runs/log-batch", body)
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "points/s")
		})
	}
}

// postOK posts a JSON body to endpoint path of h, fails b unless the answer
// is 200, and returns the answer's length.
func postOK(b *testing.B, h http.Handler, path, body string) int {
	req := httptest.NewRequest("POST", api+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Len()
}

// BenchmarkDownloadArtifact downloads a 256 MiB artifact through the
// artifact proxy over a real connection on 127.0.0.1, the blob verified as
// it streams: "random" is stored raw, "text" compressed. Goal: 1 GB/s.
// "MB/cpu-s" counts the client's CPU too (both run in this process).
func BenchmarkDownloadArtifact(b *testing.B) {
	ctx := context.Background()
	const size = 256 << 20
	for _, kind := range []string{"random", "text"} {
		b.Run(kind, func(b *testing.B) {
			_, tr, reg, _ := newStore(b)
			r, err := tr.StartRun(ctx, 0)
			must(b, err)
			data := make([]byte, size)
			if kind == "random" {
				rand.NewChaCha8([32]byte{1}).Read(data)
			} else {
				for i := 0; i < size; i += 8 {
					copy(data[i:], fmt.Sprintf("%07d,", i%9999991))
				}
			}
			must(b, r.LogBytes(ctx, data, "big.bin"))
			tr.Wait()
			if _, err := tr.CompressArtifacts(ctx); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(newHandler(tr, reg, &Options{Logger: discardLogger()}))
			defer srv.Close()
			url := fmt.Sprintf("%s/api/2.0/mlflow-artifacts/artifacts/0/%s/artifacts/big.bin", srv.URL, r.ID())
			b.SetBytes(size)
			cpu := cputime.Used()
			for b.Loop() {
				resp, err := http.Get(url)
				must(b, err)
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != size || resp.StatusCode != http.StatusOK {
					b.Fatalf("got %d bytes, status %d, %v", n, resp.StatusCode, err)
				}
			}
			// Server and client together, in this process: less
			// disturbed by a busy machine than the wall clock.
			if used := cputime.Used() - cpu; used > 0 {
				b.ReportMetric(float64(size)*float64(b.N)/1e6/used.Seconds(), "MB/cpu-s")
			}
		})
	}
}
