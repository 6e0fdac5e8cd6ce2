package transfer_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/mlflowapi"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
	"github.com/mlite/mlite/transfer"
)

// fill logs an experiment with a parent and two children, params, tags,
// metrics (with NaN and infinities), an input, artifacts, and a registered
// model with two versions, a stage and an alias.
func fill(t *testing.T, db *mlite.DB) {
	t.Helper()
	ctx := context.Background()
	exp, err := db.CreateExperiment(ctx, "sweep", map[string]string{"team": "risk"})
	if err != nil {
		t.Fatal(err)
	}
	parent, err := db.StartRun(ctx, exp.ID, run.Name("parent"))
	if err != nil {
		t.Fatal(err)
	}
	parent.LogParam("grid", "small")
	if err := parent.LogBytes(ctx, []byte("a,b\n1,2\n"), "data/sample.csv"); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"child-a", "child-b"} {
		c, err := db.StartRun(ctx, exp.ID, run.Name(name), run.Parent(parent.ID()))
		if err != nil {
			t.Fatal(err)
		}
		c.LogParam("lr", 0.1*float64(i+1))
		c.SetTag("kind", name)
		for s := range 2500 {
			c.LogMetric("loss", 1/float64(s+1), run.Step(int64(s)), run.TimestampMillis(int64(1000+s)))
		}
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)} {
			c.LogMetric("odd", v, run.TimestampMillis(5))
		}
		if err := c.LogInput(ctx, run.Dataset{Name: "train", Digest: "d1", SourceType: "local", Source: "file:///data"}, "training"); err != nil {
			t.Fatal(err)
		}
		if err := c.LogBytes(ctx, bytes.Repeat([]byte{byte(i)}, 70_000), "model/weights.bin"); err != nil {
			t.Fatal(err)
		}
		if err := c.End(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := parent.End(ctx); err != nil {
		t.Fatal(err)
	}
	reg := db.Registry()
	if _, err := reg.CreateModel(ctx, "Credit", map[string]string{"owner": "risk"}, "scores loans"); err != nil {
		t.Fatal(err)
	}
	kids, err := db.Children(ctx, parent.ID())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids {
		if _, err := reg.CreateVersion(ctx, "Credit", "runs:/"+k.ID.String()+"/model", k.ID.String()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.TransitionStage(ctx, "Credit", 2, "Production", false); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetAlias(ctx, "Credit", "champion", 2); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetVersionTag(ctx, "Credit", 1, "checked", "yes"); err != nil {
		t.Fatal(err)
	}
}

// server is an MLflow API (mlite's own, over a second store) behind a
// middleware that counts and may spoil requests.
type server struct {
	db    *mlite.DB
	api   http.Handler // the MLflow API, behind the middleware
	url   string
	calls atomic.Int64
	spoil atomic.Pointer[func(n int64, w http.ResponseWriter, r *http.Request) bool]
}

func newServer(t *testing.T) *server {
	s := &server{db: mlitetest.New(t)}
	h := mlflowapi.New(s.db, nil)
	s.api = h
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		if f := s.spoil.Load(); f != nil && (*f)(n, w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

func (s *server) setSpoil(f func(n int64, w http.ResponseWriter, r *http.Request) bool) {
	if f == nil {
		s.spoil.Store(nil)
		return
	}
	s.spoil.Store(&f)
}

func push(t *testing.T, src *mlite.DB, url string, o *transfer.Options) (*transfer.Report, error) {
	t.Helper()
	if o == nil {
		o = &transfer.Options{}
	}
	return transfer.Push(context.Background(), src.Tracker, src.Registry(), url, o)
}

// pushedFill fills a new store and pushes it to a new server.
func pushedFill(t *testing.T) (*mlite.DB, *server) {
	t.Helper()
	src, srv := mlitetest.New(t), newServer(t)
	fill(t, src)
	if _, err := push(t, src, srv.url, nil); err != nil {
		t.Fatal(err)
	}
	return src, srv
}

// same checks that dst holds what src does: runs by name with their info,
// params, tags (the parent named by its copy), every metric point, inputs
// and artifact bytes; and the registry.
func same(t *testing.T, src, dst *mlite.DB) {
	t.Helper()
	ctx := context.Background()
	exp, err := dst.GetExperimentByName(ctx, "sweep")
	if err != nil {
		t.Fatalf("the experiment is not on the server: %v", err)
	}
	srcExp, err := src.GetExperimentByName(ctx, "sweep")
	if err != nil {
		t.Fatal(err)
	}
	if exp.Tags["team"] != "risk" {
		t.Errorf("experiment tags: got %v, want team=risk", exp.Tags)
	}
	list := func(db *mlite.DB, x run.ExperimentID) map[string]*run.Record {
		page, err := db.ListRuns(ctx, x, run.ListOptions{MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*run.Record{}
		for _, r := range page.Runs {
			if out[r.Name] != nil {
				t.Errorf("run %q twice", r.Name)
			}
			out[r.Name] = r
		}
		return out
	}
	want, got := list(src, srcExp.ID), list(dst, exp.ID)
	if len(got) != len(want) {
		t.Errorf("runs: got %d, want %d", len(got), len(want))
	}
	byID := map[string]string{}
	for name, w := range want {
		if g := got[name]; g != nil {
			byID[g.ID.String()] = w.ID.String()
		}
	}
	for name, w := range want {
		g := got[name]
		if g == nil {
			t.Errorf("run %q is missing", name)
			continue
		}
		if g.Status != w.Status || g.StartTime != w.StartTime || g.EndTime != w.EndTime || g.User != w.User {
			t.Errorf("run %q: got %s %d-%d %q, want %s %d-%d %q", name, g.Status, g.StartTime, g.EndTime, g.User, w.Status, w.StartTime, w.EndTime, w.User)
		}
		if fmt.Sprint(g.Params) != fmt.Sprint(w.Params) {
			t.Errorf("run %q: params: got %v, want %v", name, g.Params, w.Params)
		}
		gt, wt := copyMap(g.Tags), copyMap(w.Tags)
		if p := gt[run.TagParentRunID]; p != "" {
			gt[run.TagParentRunID] = byID[p]
		}
		if fmt.Sprint(gt) != fmt.Sprint(wt) {
			t.Errorf("run %q: tags: got %v, want %v", name, gt, wt)
		}
		for k := range w.Metrics {
			// MLflow orders no history: batches sent in parallel arrive
			// in any order.
			wh, _ := src.MetricHistory(ctx, w.ID, k, run.AllSteps)
			gh, _ := dst.MetricHistory(ctx, g.ID, k, run.AllSteps)
			byStep := func(a, b run.Point) int {
				return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Time, b.Time), cmp.Compare(math.Float64bits(a.Value), math.Float64bits(b.Value)))
			}
			slices.SortStableFunc(wh, byStep)
			slices.SortStableFunc(gh, byStep)
			if len(gh) != len(wh) {
				t.Errorf("run %q: metric %s: got %d points, want %d", name, k, len(gh), len(wh))
				continue
			}
			for i := range wh {
				if gh[i].Step != wh[i].Step || gh[i].Time != wh[i].Time || math.Float64bits(gh[i].Value) != math.Float64bits(wh[i].Value) && !(math.IsNaN(gh[i].Value) && math.IsNaN(wh[i].Value)) {
					t.Errorf("run %q: metric %s point %d: got %+v, want %+v", name, k, i, gh[i], wh[i])
					break
				}
			}
		}
		if len(g.Inputs) != len(w.Inputs) {
			t.Errorf("run %q: inputs: got %d, want %d", name, len(g.Inputs), len(w.Inputs))
		}
		wf, _ := src.ListArtifacts(ctx, w.ID, "", true)
		gf, _ := dst.ListArtifacts(ctx, g.ID, "", true)
		if fmt.Sprint(gf) != fmt.Sprint(wf) {
			t.Errorf("run %q: artifacts: got %v, want %v", name, gf, wf)
		}
	}
	vs, err := dst.Registry().Versions(ctx, "Credit")
	if err != nil {
		t.Fatalf("the model is not on the server: %v", err)
	}
	if len(vs) != 2 || vs[1].Stage.String() != "Production" || vs[0].Tags["checked"] != "yes" || byID[vs[0].RunID] == "" {
		t.Errorf("versions: got %+v", vs)
	}
	m, _ := dst.Registry().GetModel(ctx, "Credit")
	if m.Aliases["champion"] != 2 || m.Description != "scores loans" || m.Tags["owner"] != "risk" {
		t.Errorf("model: got %+v", m)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestPushCopiesIdempotentIncremental(t *testing.T) {
	src, srv := mlitetest.New(t), newServer(t)
	fill(t, src)
	ctx := context.Background()

	dry, err := push(t, src, srv.url, &transfer.Options{DryRun: true})
	if err != nil || srv.calls.Load() != 0 {
		t.Fatalf("dry run: got %v and %d requests, want none", err, srv.calls.Load())
	}
	rep, err := push(t, src, srv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 3 || rep.Points != 2*2504 || rep.Artifacts != 3 || rep.Versions != 2 {
		t.Errorf("first push: got %+v", rep)
	}
	if dry.Runs != rep.Runs || dry.Points != rep.Points || dry.Artifacts != rep.Artifacts || dry.Versions != rep.Versions {
		t.Errorf("dry run said %+v, the push did %+v", dry, rep)
	}
	same(t, src, srv.db)

	// A second push reads the server's id and sends nothing, through this
	// URL or another one of the same server.
	for _, url := range []string{srv.url, strings.Replace(srv.url, "127.0.0.1", "localhost", 1)} {
		before := srv.calls.Load()
		rep, err = push(t, src, url, nil)
		if err != nil || srv.calls.Load() != before+1 || rep.Reads != 1 || rep.Writes != 0 {
			t.Errorf("second push to %s: got %v, %d requests (%+v), want one read", url, err, srv.calls.Load()-before, rep)
		}
	}

	// More logging: only the new points, the new run and the new tag go.
	page, _ := src.ListRuns(ctx, 1, run.ListOptions{})
	var child *run.Record
	for _, r := range page.Runs {
		if r.Name == "child-a" {
			child = r
		}
	}
	h, err := src.ResumeRun(ctx, child.ID)
	if err != nil {
		t.Fatal(err)
	}
	for s := 2500; s < 2600; s++ {
		h.LogMetric("loss", 0.001, run.Step(int64(s)), run.TimestampMillis(int64(1000+s)))
	}
	h.SetTag("reviewed", "yes")
	if err := h.End(ctx); err != nil {
		t.Fatal(err)
	}
	x, _ := src.GetExperimentByName(ctx, "sweep")
	r, _ := src.StartRun(ctx, x.ID, run.Name("late"))
	r.LogMetric("m", 1)
	r.End(ctx)
	rep, err = push(t, src, srv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Points != 101 || rep.Runs != 1 || rep.Artifacts != 0 || rep.Versions != 0 || rep.Params != 0 {
		t.Errorf("incremental push: got %+v, want 101 points and 1 run", rep)
	}
	same(t, src, srv.db)
}

// TestPushDeletesWhatWasDeletedHere deletes, after a push, a run tag, an
// experiment tag, a registered model's tag, a version's tag and an alias:
// the next push deletes each on the server, and only those.
func TestPushDeletesWhatWasDeletedHere(t *testing.T) {
	ctx := context.Background()
	src, srv := pushedFill(t)
	x, _ := src.GetExperimentByName(ctx, "sweep")
	page, _ := src.ListRuns(ctx, x.ID, run.ListOptions{})
	var child *run.Record
	for _, r := range page.Runs {
		if r.Name == "child-a" {
			child = r
		}
	}
	reg := src.Registry()
	steps := []error{
		src.DeleteRunTag(ctx, child.ID, "kind"),
		src.DeleteExperimentTag(ctx, x.ID, "team"),
		reg.DeleteModelTag(ctx, "Credit", "owner"),
		reg.DeleteVersionTag(ctx, "Credit", 1, "checked"),
		reg.DeleteAlias(ctx, "Credit", "champion"),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	rep, err := push(t, src, srv.url, nil)
	if err != nil || rep.Deleted != 5 {
		t.Fatalf("push after deleting: got %v, %+v, want 5 deleted", err, rep)
	}
	dst := srv.db
	dx, _ := dst.GetExperimentByName(ctx, "sweep")
	if _, ok := dx.Tags["team"]; ok {
		t.Errorf("experiment tags on the server: got %v, want no team", dx.Tags)
	}
	dpage, _ := dst.ListRuns(ctx, dx.ID, run.ListOptions{})
	for _, r := range dpage.Runs {
		if _, ok := r.Tags["kind"]; ok != (r.Name == "child-b") {
			t.Errorf("run %s on the server: tags %v", r.Name, r.Tags)
		}
	}
	m, _ := dst.Registry().GetModel(ctx, "Credit")
	if len(m.Tags) != 0 || len(m.Aliases) != 0 {
		t.Errorf("model on the server: got tags %v aliases %v, want none", m.Tags, m.Aliases)
	}
	vs, _ := dst.Registry().Versions(ctx, "Credit")
	if len(vs) != 2 || len(vs[0].Tags) != 0 {
		t.Errorf("versions on the server: got %+v, want version 1 without tags", vs)
	}
	again, err := push(t, src, srv.url, nil)
	if err != nil || again.Writes != 0 {
		t.Errorf("push again: got %v, %+v, want no writes", err, again)
	}
}

func TestPushBadServers(t *testing.T) {
	ctx := context.Background()
	src := mlitetest.New(t)
	fill(t, src)
	marks := func() int {
		n := 0
		src.Store().View(ctx, func(tx *store.Tx) error {
			peers, _ := tx.SyncPeers()
			for _, p := range peers {
				for k := store.SyncKind(1); k < 20; k++ {
					tx.SyncMarks(p, k, func([]byte, store.SyncMark) error { n++; return nil })
				}
			}
			return nil
		})
		return n
	}
	fast := func() *transfer.Options { return &transfer.Options{Retries: 1, Timeout: 300 * time.Millisecond} }

	t.Run("down", func(t *testing.T) {
		hs := httptest.NewServer(http.NotFoundHandler())
		url := hs.URL
		hs.Close()
		_, err := push(t, src, url, fast())
		if err == nil || !strings.Contains(err.Error(), "connection refused") || marks() != 0 {
			t.Errorf("got %v and %d marks, want connection refused and none", err, marks())
		}
	})
	srv := newServer(t)
	t.Run("refuses credentials", func(t *testing.T) {
		srv.setSpoil(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("Authorization") == "Bearer good" {
				return false
			}
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error_code":"UNAUTHENTICATED","message":"no"}`)
			return true
		})
		_, err := push(t, src, srv.url, &transfer.Options{Token: "bad"})
		if !errors.Is(err, mlflowclient.ErrUnauthorized) || marks() != 0 {
			t.Errorf("got %v and %d marks, want ErrUnauthorized and none", err, marks())
		}
	})
	t.Run("times out midway", func(t *testing.T) {
		srv.setSpoil(func(n int64, w http.ResponseWriter, r *http.Request) bool {
			if n > 15 && strings.HasSuffix(r.URL.Path, "log-batch") {
				time.Sleep(time.Second)
				w.WriteHeader(http.StatusGatewayTimeout)
				return true
			}
			return false
		})
		o := fast()
		o.Token = "good"
		_, err := push(t, src, srv.url, o)
		if err == nil || marks() == 0 {
			t.Errorf("got %v and %d marks, want a timeout and the marks of what arrived", err, marks())
		}
	})
	t.Run("answers garbage midway", func(t *testing.T) {
		srv.setSpoil(func(n int64, w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "log-batch") && n%3 == 0 {
				io.WriteString(w, "<html>not json")
				return true
			}
			return false
		})
		_, err := push(t, src, srv.url, &transfer.Options{Token: "good"})
		if !errors.Is(err, mlflowclient.ErrBadAnswer) {
			t.Errorf("got %v, want ErrBadAnswer", err)
		}
	})
	t.Run("resumes", func(t *testing.T) {
		srv.setSpoil(nil)
		if _, err := push(t, src, srv.url, &transfer.Options{Token: "good"}); err != nil {
			t.Fatal(err)
		}
		same(t, src, srv.db)
	})
}

func TestImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, srv := pushedFill(t)
	back := mlitetest.New(t)
	rep, err := transfer.Import(ctx, back.Tracker, back.Registry(), srv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 3 || rep.Points != 2*2504 || rep.Artifacts != 3 || rep.Versions != 2 || rep.Models != 1 {
		t.Errorf("import: got %+v", rep)
	}
	same(t, src, back)
	again, err := transfer.Import(ctx, back.Tracker, back.Registry(), srv.url, nil)
	if err != nil || again.Runs+again.RunsUpdated+again.Artifacts+again.Versions+again.Registry != 0 || again.Points != 0 {
		t.Errorf("second import: got %+v %v, want nothing written", again, err)
	}
}

func TestImportMlruns(t *testing.T) {
	ctx := context.Background()
	db := mlitetest.New(t)
	rep, err := transfer.Import(ctx, db.Tracker, db.Registry(), "testdata/mlruns", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 2 || rep.Points != 2 || rep.Artifacts != 1 || rep.Versions != 1 {
		t.Errorf("import: got %+v", rep)
	}
	id, _ := run.ParseID("2765e6c571944aa5bbe58f7975d3b477")
	r, err := db.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Params["p"] != "1" || r.Tags["t"] != "v" || r.Name != "r1" || r.Status != run.Finished || len(r.Inputs) != 1 {
		t.Errorf("run: got %+v", r)
	}
	h, _ := db.MetricHistory(ctx, id, "m", run.AllSteps)
	if len(h) != 2 || h[0].Value != 1.5 || h[0].Step != 2 || !math.IsNaN(h[1].Value) {
		t.Errorf("history: got %+v", h)
	}
	if b := mlitetest.Artifact(t, db, id, "a/b.txt"); string(b) != "hello" {
		t.Errorf("artifact: got %q, want hello", b)
	}
	mv, err := db.Registry().GetVersionByAlias(ctx, "M", "champ")
	if err != nil || mv.Stage.String() != "Staging" || mv.Version != 1 {
		t.Errorf("version: got %+v %v", mv, err)
	}
	files, _ := db.Registry().Files(ctx, "M", 1)
	if len(files) != 1 || files[0].Path != "b.txt" {
		t.Errorf("version files: got %+v", files)
	}
	again, err := transfer.Import(ctx, db.Tracker, db.Registry(), "testdata/mlruns", nil)
	if err != nil || again.Runs+again.RunsUpdated+again.Artifacts+again.Versions+again.Registry != 0 || again.Points != 0 {
		t.Errorf("second import: got %+v %v, want nothing written", again, err)
	}
}

// copyStore copies a closed store file and its blob folder.
func copyStore(t *testing.T, from, to string) {
	t.Helper()
	cp := func(src, dst string) {
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cp(run.BlobDir(from), run.BlobDir(to))
}

func TestMergeSharedRunsAndAConflict(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a.mlite"), filepath.Join(dir, "b.mlite")
	opts := &mlite.Options{NoCapture: true, Store: &store.Options{NoSync: true}}
	a, err := mlite.Open(pa, opts)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, a)
	a.Close()
	copyStore(t, pa, pb)
	if a, err = mlite.Open(pa, opts); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := mlite.Open(pb, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// b logs more to a shared run, and a run and a version 3 of its own;
	// a makes its own version 3 from another run: a conflict.
	x, _ := b.GetExperimentByName(ctx, "sweep")
	page, _ := b.ListRuns(ctx, x.ID, run.ListOptions{})
	byName := map[string]run.ID{}
	for _, r := range page.Runs {
		byName[r.Name] = r.ID
	}
	h, err := b.ResumeRun(ctx, byName["child-a"])
	if err != nil {
		t.Fatal(err)
	}
	for s := 2500; s < 2600; s++ {
		h.LogMetric("loss", 0.5, run.Step(int64(s)))
	}
	h.End(ctx)
	only, _ := b.StartRun(ctx, x.ID, run.Name("b-only"))
	only.LogBytes(ctx, []byte("b's model"), "model/m.txt")
	only.End(ctx)
	if _, err := b.Registry().CreateVersion(ctx, "Credit", "runs:/"+only.ID().String()+"/model", only.ID().String()); err != nil {
		t.Fatal(err)
	}
	mine, err := a.Registry().CreateVersion(ctx, "Credit", "runs:/"+byName["parent"].String()+"/data", byName["parent"].String())
	if err != nil || mine.Version != 3 {
		t.Fatalf("a's version 3: got %+v %v", mine, err)
	}

	rep, err := transfer.Merge(ctx, a.Tracker, a.Registry(), b.Tracker, b.Registry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Points != 100 || rep.Runs != 1 || rep.Versions != 0 || rep.Artifacts != 1 {
		t.Errorf("merge: got %+v, want 100 points, 1 run, 1 file and no version", rep)
	}
	if !slices.ContainsFunc(rep.Skipped, func(s string) bool { return strings.Contains(s, "version 3: conflict") }) {
		t.Errorf("merge: skipped %q, want the conflict on version 3", rep.Skipped)
	}
	v3, _ := a.Registry().GetVersion(ctx, "Credit", 3)
	if v3.RunID != byName["parent"].String() {
		t.Errorf("a's version 3 changed: got run %s", v3.RunID)
	}
	h2, _ := a.MetricHistory(ctx, byName["child-a"], "loss", run.AllSteps)
	if len(h2) != 2600 {
		t.Errorf("shared run: got %d points, want 2600", len(h2))
	}
	again, err := transfer.Merge(ctx, a.Tracker, a.Registry(), b.Tracker, b.Registry(), nil)
	if err != nil || again.Points+int64(again.Runs+again.RunsUpdated+again.Artifacts+again.Versions+again.Registry) != 0 {
		t.Errorf("second merge: got %+v %v, want nothing written", again, err)
	}
	// Renumbering adds b's version 3 as version 4, once.
	for i := range 2 {
		rep, err = transfer.Merge(ctx, a.Tracker, a.Registry(), b.Tracker, b.Registry(), &transfer.ImportOptions{RenumberConflicts: true})
		if want := 1 - i; err != nil || rep.Versions != want {
			t.Errorf("renumbering merge %d: got %d versions (%v), want %d", i, rep.Versions, err, want)
		}
	}
	v4, err := a.Registry().GetVersion(ctx, "Credit", 4)
	if err != nil || v4.RunID != only.ID().String() {
		t.Errorf("version 4: got %+v %v, want b's version 3", v4, err)
	}
	if files, _ := a.Registry().Files(ctx, "Credit", 4); len(files) != 1 || files[0].Path != "m.txt" {
		t.Errorf("version 4 files: got %+v", files)
	}
}

// fillLogged logs, in experiment "lm", a run that logs a logged model
// (params, tags, two files, two metric values on a dataset), links it as
// its output, finalizes it READY and registers it; and a second run that
// uses it as an input.
func fillLogged(t *testing.T, db *mlite.DB) (run.ModelID, store.RunID) {
	t.Helper()
	ctx := context.Background()
	tr := db.Tracker
	exp, err := db.CreateExperiment(ctx, "lm", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.StartRun(ctx, exp.ID, run.Name("trainer"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := tr.CreateLoggedModel(ctx, exp.ID, run.LoggedModelOptions{Name: "clf", SourceRunID: r.ID().String(), ModelType: "sklearn",
		Params: map[string]string{"C": "1.0"}, Tags: map[string]string{"team": "risk", "tmp": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	for p, b := range map[string]string{"MLmodel": "flavors: {}\n", "model.pkl": strings.Repeat("w", 5000)} {
		if err := tr.LogModelReader(ctx, m.ID, strings.NewReader(b), p); err != nil {
			t.Fatal(err)
		}
	}
	err = tr.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{
		{Key: "auc", Value: 0.9, Time: 1000, Step: 1, ModelID: m.ID, DatasetName: "val", DatasetDigest: "d1"},
		{Key: "auc", Value: 0.8, Time: 1001, Step: 1, ModelID: m.ID, DatasetName: "train", DatasetDigest: "d2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.LinkModels(ctx, r.ID(), []run.RunModel{{Model: m.ID, Output: true, Step: 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.FinalizeLoggedModel(ctx, m.ID, run.ModelReady); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	user, err := db.StartRun(ctx, exp.ID, run.Name("scorer"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.LinkModels(ctx, user.ID(), []run.RunModel{{Model: m.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := user.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Registry().CreateVersion(ctx, "Clf", "models:/"+m.ID.String(), ""); err != nil {
		t.Fatal(err)
	}
	return m.ID, r.ID()
}

// sameLogged checks that dst's experiment "lm" holds src's logged models
// (by name: params, tags, status, metric values, files), linked to the runs
// of the same names, and that dst's version of Clf names dst's copy.
func sameLogged(t *testing.T, src, dst *mlite.DB) {
	t.Helper()
	ctx := context.Background()
	models := func(db *mlite.DB) (map[string]*run.LoggedModel, map[string]string) {
		x, err := db.GetExperimentByName(ctx, "lm")
		if err != nil {
			t.Fatal(err)
		}
		page, err := db.Tracker.SearchLoggedModels(ctx, run.LoggedModelSearch{ExperimentIDs: []run.ExperimentID{x.ID}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*run.LoggedModel{}
		for _, m := range page.Models {
			out[m.Name] = m
		}
		links := map[string]string{}
		runs, _ := db.ListRuns(ctx, x.ID, run.ListOptions{})
		for _, r := range runs.Runs {
			ls, _ := db.Tracker.RunModels(ctx, r.ID)
			for _, l := range ls {
				links[r.Name] += fmt.Sprintf("%s:%v:%d ", page.Models[slices.IndexFunc(page.Models, func(m *run.LoggedModel) bool { return m.ID == l.Model })].Name, l.Output, l.Step)
			}
		}
		return out, links
	}
	want, wantLinks := models(src)
	got, gotLinks := models(dst)
	if len(got) != len(want) {
		t.Fatalf("logged models: got %d, want %d", len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if g == nil {
			t.Errorf("logged model %s is missing", name)
			continue
		}
		delete(g.Tags, "mlflow.modelVersions")
		delete(w.Tags, "mlflow.modelVersions")
		if g.Status != w.Status || g.ModelType != w.ModelType || fmt.Sprint(g.Params) != fmt.Sprint(w.Params) || fmt.Sprint(g.Tags) != fmt.Sprint(w.Tags) {
			t.Errorf("logged model %s: got %s %s %v %v, want %s %s %v %v", name, g.Status, g.ModelType, g.Params, g.Tags, w.Status, w.ModelType, w.Params, w.Tags)
		}
		strip := func(ms []run.ModelMetric) string {
			var out []string
			for _, x := range ms {
				out = append(out, fmt.Sprint(x.Key, x.Value, x.Time, x.Step, x.DatasetName, x.DatasetDigest))
			}
			slices.Sort(out)
			return strings.Join(out, ";")
		}
		if strip(g.Metrics) != strip(w.Metrics) {
			t.Errorf("logged model %s: metrics: got %s, want %s", name, strip(g.Metrics), strip(w.Metrics))
		}
		gf, _ := dst.Tracker.ListModelArtifacts(ctx, g.ID, "", true)
		wf, _ := src.Tracker.ListModelArtifacts(ctx, w.ID, "", true)
		if fmt.Sprint(gf) != fmt.Sprint(wf) {
			t.Errorf("logged model %s: files: got %v, want %v", name, gf, wf)
		}
	}
	if fmt.Sprint(gotLinks) != fmt.Sprint(wantLinks) {
		t.Errorf("run-model links: got %v, want %v", gotLinks, wantLinks)
	}
	vs, err := dst.Registry().Versions(ctx, "Clf")
	if err != nil || len(vs) != 1 || vs[0].ModelID != got["clf"].ID {
		t.Errorf("version of Clf: got %+v %v, want one made from the copy %s", vs, err, got["clf"].ID)
	}
}

func TestPushLoggedModels(t *testing.T) {
	ctx := context.Background()
	src, srv := mlitetest.New(t), newServer(t)
	id, _ := fillLogged(t, src)
	dry, err := push(t, src, srv.url, &transfer.Options{DryRun: true})
	if err != nil || dry.LoggedModels != 1 {
		t.Fatalf("dry run: got %v %+v, want 1 logged model", err, dry)
	}
	rep, err := push(t, src, srv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LoggedModels != 1 || rep.Versions != 1 || len(rep.Skipped) != 0 {
		t.Errorf("push: got %+v, want 1 logged model and 1 version", rep)
	}
	sameLogged(t, src, srv.db)
	again, err := push(t, src, srv.url, nil)
	if err != nil || again.Writes != 0 {
		t.Errorf("push again: got %v %+v, want no writes", err, again)
	}
	// A tag deleted and one set here go there.
	if err := src.Tracker.DeleteLoggedModelTag(ctx, id, "tmp"); err != nil {
		t.Fatal(err)
	}
	if err := src.Tracker.SetLoggedModelTags(ctx, id, map[string]string{"stage": "checked"}); err != nil {
		t.Fatal(err)
	}
	rep, err = push(t, src, srv.url, nil)
	if err != nil || rep.LoggedUpdated != 1 || rep.Deleted != 1 {
		t.Errorf("push after tags changed: got %v %+v, want 1 updated, 1 deleted", err, rep)
	}
	sameLogged(t, src, srv.db)

	// Import brings them back.
	back := mlitetest.New(t)
	irep, err := transfer.Import(ctx, back.Tracker, back.Registry(), srv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if irep.LoggedModels != 1 {
		t.Errorf("import: got %+v, want 1 logged model", irep)
	}
	sameLogged(t, src, back)
	irep, err = transfer.Import(ctx, back.Tracker, back.Registry(), srv.url, nil)
	if err != nil || irep.LoggedModels+irep.LoggedUpdated+irep.Versions != 0 {
		t.Errorf("import again: got %v %+v, want nothing", err, irep)
	}
}

// TestPushWritersBound checks that no more writing requests than
// Options.Writers are in flight at once, however many requests are.
func TestPushWritersBound(t *testing.T) {
	src, srv := mlitetest.New(t), newServer(t)
	fill(t, src)
	var cur, most atomic.Int64
	srv.setSpoil(func(_ int64, w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/api/2.0/mlflow/") {
			n := cur.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			defer cur.Add(-1)
		}
		srv.api.ServeHTTP(w, r) // counted while it is served
		return true
	})
	if _, err := push(t, src, srv.url, &transfer.Options{Concurrency: 8, Writers: 2}); err != nil {
		t.Fatal(err)
	}
	if most.Load() > 2 {
		t.Errorf("writing requests in flight: got %d at once, want at most 2", most.Load())
	}
	same(t, src, srv.db)
}

// TestPushExternalArtifacts pushes a run whose experiment keeps its
// artifacts in a local folder: the files are read there and land in the
// server's store; a file rewritten there goes again. A run
// whose artifacts are remote stops the push with an error naming them.
func TestPushExternalArtifacts(t *testing.T) {
	ctx := context.Background()
	src, srv := mlitetest.New(t), newServer(t)
	x, err := src.CreateExperimentAt(ctx, "shared", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.StartRun(ctx, x.ID, run.Name("outside"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogText(ctx, "first", "notes/a.txt"); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := push(t, src, srv.url, nil)
	if err != nil || rep.Artifacts != 1 {
		t.Fatalf("push: got %+v, %v, want 1 artifact", rep, err)
	}
	read := func() string {
		t.Helper()
		page, err := srv.db.ListRuns(ctx, 1, run.ListOptions{})
		if err != nil || len(page.Runs) != 1 {
			t.Fatalf("server's runs: got %v, %v, want 1", page, err)
		}
		return string(mlitetest.Artifact(t, srv.db, page.Runs[0].ID, "notes/a.txt"))
	}
	if got := read(); got != "first" {
		t.Errorf("on the server: got %q, want first", got)
	}
	if err := src.LogText(ctx, r.ID(), "second, longer", "notes/a.txt"); err != nil {
		t.Fatal(err)
	}
	if rep, err := push(t, src, srv.url, nil); err != nil || rep.Artifacts != 1 {
		t.Fatalf("push again: got %+v, %v, want 1 artifact", rep, err)
	}
	if got := read(); got != "second, longer" {
		t.Errorf("on the server after the change: got %q, want the new text", got)
	}
	// Rewritten at the same size: its modification time tells it apart.
	if err := src.LogText(ctx, r.ID(), "second, LONGER", "notes/a.txt"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(x.ArtifactLocation, r.ID().String(), "artifacts", "notes", "a.txt")
	if err := os.Chtimes(file, time.Time{}, time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	if rep, err := push(t, src, srv.url, nil); err != nil || rep.Artifacts != 1 {
		t.Fatalf("push after a same-size rewrite: got %+v, %v, want 1 artifact", rep, err)
	}
	if got := read(); got != "second, LONGER" {
		t.Errorf("on the server after a same-size rewrite: got %q, want the new text", got)
	}

	mlitetest.RunAt(t, src, "remote", "s3://bucket/p")
	if _, err := push(t, src, srv.url, nil); !errors.Is(err, run.ErrRemoteArtifacts) || !strings.Contains(err.Error(), "s3://bucket/p/") {
		t.Errorf("push of a remote run: got %v, want an error wrapping ErrRemoteArtifacts naming the location", err)
	}
}
