package serving_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/serving"
	"github.com/mlite/mlite/serving/servingtest"
)

// shadowPredictor is a shadow model that sleeps, then fails or answers 0.5
// (panic: it panics instead).
type shadowPredictor struct {
	delay time.Duration
	fail  bool
	panic bool
}

func (p shadowPredictor) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	time.Sleep(p.delay)
	if p.panic {
		panic("broken shadow")
	}
	if p.fail {
		return nil, errors.New("shadow broke")
	}
	out := make([]float64, f.Rows)
	for i := range out {
		out[i] = 0.5
	}
	return out, nil
}

// TestShadowNeverDelays: under 8 concurrent clients the primary's answers
// are the ones it gives alone and arrive long before a slow shadow could
// answer; every request is either recorded or counted as dropped; a failing
// or panicking shadow is recorded as failed and changes no response.
func TestShadowNeverDelays(t *testing.T) {
	primary, err := serving.LoadFS(os.DirFS("lightgbm/testdata/binary"))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"dataframe_records": [{"income": 41000, "debt_ratio": 0.4, "age": 33, "utilisation": 0.7}, {"income": 90000, "debt_ratio": 0.1, "age": 51, "utilisation": null}]}`
	alone := invokeBody(t, serving.New(primary, nil), body)
	for _, sp := range []shadowPredictor{{delay: 300 * time.Millisecond}, {delay: 5 * time.Millisecond, fail: true}, {panic: true}} {
		shadowModel := &serving.Model{Inputs: primary.Inputs, Predictor: sp}
		var mu sync.Mutex
		var results []serving.ShadowResult
		s := serving.NewShadow(shadowModel, &serving.ShadowOptions{Queue: 16, Record: func(r serving.ShadowResult) {
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		}})
		h := serving.New(primary, &serving.Options{Shadow: s})
		const clients, each = 8, 25
		var slowest time.Duration
		var smu sync.Mutex
		servingtest.Concurrently(clients, each, func() {
			start := time.Now()
			got := invokeBody(t, h, body)
			d := time.Since(start)
			smu.Lock()
			slowest = max(slowest, d)
			smu.Unlock()
			if got != alone {
				t.Errorf("with a shadow the answer is %s, alone %s", got, alone)
			}
		})
		if sp.delay >= 300*time.Millisecond && slowest >= sp.delay {
			t.Errorf("slow shadow: the slowest primary answer took %v, as long as the shadow's %v", slowest, sp.delay)
		}
		s.Close()
		offered, sampled, dropped := s.Stats()
		if offered != clients*each || sampled+dropped != offered || int64(len(results)) != sampled {
			t.Errorf("%+v: offered %d, sampled %d, dropped %d, recorded %d; want %d offered, each recorded or dropped",
				sp, offered, sampled, dropped, len(results), clients*each)
		}
		for i, r := range results {
			if r.Seq != int64(i) || r.Rows != 2 || len(r.Primary) != 2 {
				t.Fatalf("result %d: %+v", i, r)
			}
			if (sp.fail || sp.panic) != (r.Err != nil) {
				t.Errorf("%+v: result %d error %v", sp, i, r.Err)
			}
		}
	}
}

// invokeBody posts a JSON body and returns the response body; any status
// but 200 is an error of t.
func invokeBody(t *testing.T, h http.Handler, body string) string {
	t.Helper()
	b, _ := servingtest.Post(t, h, []byte(body))
	return string(b)
}
