// Package servingtest helps the tests of serving's flavor packages: it
// posts requests to a scoring handler and compares its predictions with
// what MLflow's pyfunc answered, and it runs a folder of golden models
// (each a model directory with an expected.json written by
// serving/testdata/make_golden.py).
//
// Package servingtest imports serving and the standard library; only tests
// import it.
package servingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mlite/mlite/serving"
)

// Tolerance is the largest difference Compare accepts between a
// prediction and pyfunc's.
const Tolerance = 1e-9

// Post posts body (JSON) to h's /invocations and returns the response
// body; any status but 200 is an error of t, and ok is false. Post may run
// on any goroutine.
func Post(t testing.TB, h http.Handler, body []byte) (resp []byte, ok bool) {
	t.Helper()
	req := httptest.NewRequest("POST", "/invocations", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("POST /invocations: got %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes(), rec.Code == http.StatusOK
}

// Invoke posts body (JSON) to h's /invocations and returns the
// predictions; any status but 200 fails t.
func Invoke(t testing.TB, h http.Handler, body []byte) []any {
	t.Helper()
	b, ok := Post(t, h, body)
	if !ok {
		t.FailNow()
	}
	var resp struct {
		Predictions []any `json:"predictions"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Predictions
}

// Concurrently runs f each times on each of clients goroutines and waits
// for them all.
func Concurrently(clients, each int, f func()) {
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				f()
			}
		}()
	}
	wg.Wait()
}

// Compare checks got against want (pyfunc's), row by row, list against
// list, number by number within Tolerance. When float32ULP is set (a model
// computing in float32 with the platform's expf, XGBoost's softmax), a
// number one float32 step away from pyfunc's is counted instead, and
// Compare fails only when more than 1% of the rows have one; it returns
// the number of such rows.
func Compare(t testing.TB, got, want []any, float32ULP bool) int {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d predictions, want %d", len(got), len(want))
	}
	bad, ulpRows := 0, 0
	for i := range want {
		g, w := flatten(got[i]), flatten(want[i])
		if len(g) != len(w) {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
		}
		ulpRow := false
		for j := range w {
			d := math.Abs(g[j] - w[j])
			if d <= Tolerance || math.IsNaN(g[j]) && math.IsNaN(w[j]) {
				continue
			}
			if float32ULP && d <= ulp32(w[j]) {
				ulpRow = true
				continue
			}
			if bad++; bad <= 5 {
				t.Errorf("row %d: got %v, want %v (difference %g)", i, got[i], want[i], g[j]-w[j])
			}
		}
		if ulpRow {
			ulpRows++
		}
	}
	if bad > 0 {
		t.Errorf("%d numbers of %d rows differ from pyfunc's by more than %g", bad, len(want), Tolerance)
	}
	if ulpRows*100 > len(want) {
		t.Errorf("%d of %d rows are one float32 step from pyfunc's: more than 1%%", ulpRows, len(want))
	}
	return ulpRows
}

// ulp32 is the gap between float32(x) and the next float32 away from zero.
func ulp32(x float64) float64 {
	f := float32(math.Abs(x))
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

// flatten returns a prediction's numbers (NaN for null).
func flatten(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case nil:
		return []float64{math.NaN()}
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []float64{math.NaN(), math.NaN()}
}

// Expected is a golden model's expected.json.
type Expected struct {
	Request     json.RawMessage `json:"request"`
	Predictions []any           `json:"predictions"`
}

// Golden loads each model directory under dir that has an expected.json,
// serves it and compares its answer to the request with pyfunc's; skip
// names directories that must not load (they are tested elsewhere). It
// returns the models it checked.
func Golden(t *testing.T, dir string, float32ULP bool, skip ...string) []*serving.Model {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var models []*serving.Model
	for _, e := range entries {
		name := e.Name()
		exp, err := os.ReadFile(filepath.Join(dir, name, "expected.json"))
		if !e.IsDir() || err != nil || contains(skip, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			var want Expected
			if err := json.Unmarshal(exp, &want); err != nil {
				t.Fatal(err)
			}
			m, err := serving.LoadFS(os.DirFS(filepath.Join(dir, name)))
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, m)
			got := Invoke(t, serving.New(m, nil), want.Request)
			if n := Compare(t, got, want.Predictions, float32ULP); n > 0 {
				t.Logf("%d of %d rows one float32 step from pyfunc's", n, len(got))
			}
		})
	}
	if len(models) == 0 {
		t.Fatalf("no golden models under %s", dir)
	}
	return models
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// ScoreEdgeRows scores three rows of n features, zeros, NaNs and 1e300,
// with predictMatrix (a tree flavor's PredictMatrix) and fails t on an
// error: what a flavor's fuzz test asks of every model it loads.
func ScoreEdgeRows(t testing.TB, n int, predictMatrix func(ctx context.Context, x []float64, rows int) ([]float64, error)) {
	t.Helper()
	x := make([]float64, 3*n)
	for j := range n {
		x[n+j] = math.NaN()
		x[2*n+j] = 1e300
	}
	if _, err := predictMatrix(context.Background(), x, 3); err != nil {
		t.Fatal(err)
	}
}
