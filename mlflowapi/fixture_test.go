package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	goldenfile "github.com/mlite/mlite/internal/golden"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// clockBase is the fixture's first instant; the clock ticks one second per
// reading, so every time the tracker records is deterministic.
const clockBase = 1700000000000

type clock struct {
	mu sync.Mutex
	ms int64
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ms += 1000
	return time.UnixMilli(clockBase + c.ms)
}

// fixture is a store with experiments, runs, artifacts and registered
// models, and the handler over it.
type fixture struct {
	tr   *run.Tracker
	reg  *registry.Registry
	st   *store.Store
	h    *Handler
	runs map[string]run.ID // by run name
	path string
}

func newStore(t testing.TB) (*store.Store, *run.Tracker, *registry.Registry, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.mlite")
	st, err := store.Open(context.Background(), path, &store.Options{NoSync: true, HoldTime: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	tr, err := run.New(st, &run.Options{User: "alice", NoCapture: true, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(tr)
	t.Cleanup(func() {
		tr.Wait()
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st, tr, reg, path
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, tr, reg, path := newStore(t)
	f := &fixture{tr: tr, reg: reg, st: st, runs: map[string]run.ID{}, path: path}
	f.h = newHandler(tr, reg, &Options{Logger: discardLogger()})

	credit, err := tr.CreateExperiment(ctx, "credit", map[string]string{"team": "risk", "mlflow.note.content": "Credit default models"})
	must(t, err)
	gone, err := tr.CreateExperiment(ctx, "abandoned", nil)
	must(t, err)
	must(t, tr.DeleteExperiment(ctx, gone.ID))

	start := func(name string, opts ...run.StartOption) *run.Run {
		r, err := tr.StartRun(ctx, credit.ID, append(opts, run.Name(name))...)
		must(t, err)
		f.runs[name] = r.ID()
		return r
	}
	rf := start("rf", run.Tags(map[string]string{"model": "random_forest"}))
	must(t, rf.LogParams(map[string]any{"n_estimators": 200, "max_depth": 10, "criterion": "gini"}))
	for step, v := range []float64{0.71, 0.8, 0.88} {
		must(t, rf.LogMetric("auc", v, run.Step(int64(step)), run.TimestampMillis(clockBase+int64(step)*10)))
	}
	must(t, rf.LogMetric("loss", math.NaN(), run.Step(0), run.TimestampMillis(clockBase)))
	must(t, rf.LogMetric("loss", 0.31, run.Step(1), run.TimestampMillis(clockBase+10)))
	must(t, rf.LogMetric("big", math.Inf(1), run.TimestampMillis(clockBase)))
	must(t, rf.LogMetric("tiny", 1e-05, run.TimestampMillis(clockBase)))
	must(t, rf.LogMetric("neg", math.Inf(-1), run.TimestampMillis(clockBase)))
	must(t, rf.LogInput(ctx, run.Dataset{Name: "train", Digest: "abc123", SourceType: "local", Source: `{"uri": "data/train.csv"}`, Schema: `{"mlflow_colspec": []}`}, "training"))
	must(t, rf.LogText(ctx, "flavors:\n  go_mlite: {}\n", "model/MLmodel"))
	must(t, rf.LogBytes(ctx, []byte{0, 1, 2, 3, 4, 5, 6, 7}, "model/model.bin"))
	must(t, rf.LogText(ctx, "<html><script>alert(1)</script></html>", "report.html"))
	must(t, rf.LogText(ctx, `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "plots/roc.svg"))
	must(t, rf.LogText(ctx, "all good\n", "notes.txt"))
	must(t, rf.End(ctx))

	child := start("lgbm", run.Parent(rf.ID()))
	must(t, child.LogParam("lr", 0.05))
	must(t, child.LogMetric("auc", 0.91, run.TimestampMillis(clockBase+100)))
	must(t, child.Flush(ctx))

	empty := start("empty")
	must(t, empty.Flush(ctx))

	bad := start("svm")
	must(t, bad.Fail(ctx, nil))
	must(t, tr.DeleteRun(ctx, bad.ID()))

	_, err = reg.CreateModel(ctx, "CreditModel", map[string]string{"owner": "risk"}, "Predicts credit default")
	must(t, err)
	src := "runs:/" + rf.ID().String() + "/model"
	v1, err := reg.CreateVersion(ctx, "CreditModel", src, rf.ID().String())
	must(t, err)
	v2, err := reg.CreateVersion(ctx, "CreditModel", src, "")
	must(t, err)
	_, err = reg.CreateVersion(ctx, "CreditModel", src, "")
	must(t, err)
	_, err = reg.TransitionStage(ctx, "CreditModel", v1.Version, "Production", false)
	must(t, err)
	_, err = reg.TransitionStage(ctx, "CreditModel", v2.Version, "staging", false)
	must(t, err)
	must(t, reg.SetAlias(ctx, "CreditModel", "champion", v1.Version))
	must(t, reg.SetVersionTag(ctx, "CreditModel", v1.Version, "validation", "passed"))
	_, err = reg.CreateVersion(ctx, "Other", "runs:/"+rf.ID().String()+"/notes.txt", "")
	must(t, err)
	return f
}

// do sends one request to the fixture's handler.
func (f *fixture) do(t testing.TB, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(f.expand(body))
	}
	req := httptest.NewRequest(method, f.expand(target), rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// expand replaces {run:NAME} in s with the id of run NAME.
func (f *fixture) expand(s string) string {
	for name, id := range f.runs {
		s = strings.ReplaceAll(s, "{run:"+name+"}", id.String())
	}
	return s
}

var (
	reTime  = regexp.MustCompile(`"(creation_time|last_update_time|creation_timestamp|last_updated_timestamp|creation_timestamp_ms|last_updated_timestamp_ms)":(\d+)`)
	reToken = regexp.MustCompile(`"(next_page_token|nextPageToken)":"[^"]*"`)
)

// normalize makes a response body deterministic: run ids become
// {run:NAME}, times not from the fixture's clock (the Default experiment's,
// the registry's) become "<now>", and run search tokens "<token>".
func (f *fixture) normalize(body string) string {
	for name, id := range f.runs {
		body = strings.ReplaceAll(body, id.String(), "{run:"+name+"}")
	}
	body = reTime.ReplaceAllStringFunc(body, func(m string) string {
		sub := reTime.FindStringSubmatch(m)
		var n int64
		fmt.Sscan(sub[2], &n)
		if n >= clockBase && n < clockBase+1e7 {
			return m
		}
		return `"` + sub[1] + `":"<now>"`
	})
	// Keyset tokens of run searches hold a run id; MLflow's offset tokens
	// (base64 of {"offset": N}) are deterministic and kept.
	return reToken.ReplaceAllStringFunc(body, func(m string) string {
		key, tok, _ := strings.Cut(m, ":")
		if strings.HasPrefix(tok, `"eyJ`) || tok == `""` {
			return m
		}
		return key + `:"<token>"`
	})
}

// golden compares got with testdata/name, rewriting it with -update.
// goldenCase is a request whose whole answer is kept in
// testdata/<name>.golden. {run:NAME} stands for a fixture run's id.
type goldenCase struct {
	name, method, target, body string
}

// check sends tc's request and compares its answer with the golden file.
// createdInfo returns the string fields of the info of what a create
// answered, as {member: {info: {...}}}, failing when it has no idKey.
func createdInfo(t *testing.T, rec *httptest.ResponseRecorder, member, idKey string) map[string]string {
	t.Helper()
	var resp map[string]struct {
		Info map[string]any `json:"info"`
	}
	err := json.Unmarshal(rec.Body.Bytes(), &resp)
	info := map[string]string{}
	for k, v := range resp[member].Info {
		if s, ok := v.(string); ok {
			info[k] = s
		}
	}
	if err != nil || info[idKey] == "" {
		t.Fatalf("no %s in %s (%v)", member, rec.Body, err)
	}
	return info
}

func (f *fixture) check(t *testing.T, tc goldenCase) *httptest.ResponseRecorder {
	t.Helper()
	rec := f.do(t, tc.method, tc.target, tc.body)
	golden(t, tc.name+".golden", render(t, rec, f.normalize(rec.Body.String())))
	return rec
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

// render is the golden form of a response: status, the headers that
// matter, and the body indented (key order and number forms kept).
func render(t *testing.T, rec *httptest.ResponseRecorder, body string) string {
	t.Helper()
	var sb strings.Builder
	fmt.Fprintf(&sb, "status %d\n", rec.Code)
	for _, k := range []string{"Content-Type", "Allow"} {
		if v := rec.Header().Get(k); v != "" {
			fmt.Fprintf(&sb, "%s: %s\n", k, v)
		}
	}
	sb.WriteString("\n")
	if body == "" && rec.Code == 200 {
		return sb.String() // MLflow's empty answer to an upload
	}
	if !json.Valid([]byte(body)) {
		t.Errorf("body is not JSON: %s", body)
		sb.WriteString(body)
		return sb.String()
	}
	var buf bytes.Buffer
	must(t, json.Indent(&buf, []byte(body), "", "  "))
	sb.Write(buf.Bytes())
	sb.WriteString("\n")
	return sb.String()
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
