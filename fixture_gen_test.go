package mlite_test

// The generator of the format fixture testdata/stores/v1 (docs/format.md,
// "Fixtures"). It writes through the public packages with a fixed clock, fixed
// run ids and fixed user, without the reproducibility capture (its system tags
// are written as plain tags), so that running it again yields a store that
// reads exactly as the committed one: TestFixtureGeneratorReproduces checks
// that, and `go test -run TestFixtureGeneratorReproduces -update-fixtures .`
// rewrites the fixture. Every artifact's bytes are literals or come from a
// seeded generator whose algorithm is fixed (math/rand/v2's PCG and ChaCha8),
// never from an encoder whose output could change between Go versions.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// fixtureFile is the store file's name inside a fixture folder; its blob
// folder is run.BlobDir of it, and its golden dump fixtureDump.
const (
	fixtureFile = "store.mlite"
	fixtureDump = "dump.json"
)

// fixtureUser is the user of every run and registry change in the fixture.
const fixtureUser = "fixture"

// fixtureBase is the fixture's time zero: every time in it is an offset
// from here.
var fixtureBase = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// fixtureClock is a settable clock: the generator sets it before each
// step, so that a code change adding a call to Now shifts nothing.
type fixtureClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fixtureClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// at sets the clock to the fixture's base plus d.
func (c *fixtureClock) at(d time.Duration) {
	c.mu.Lock()
	c.now = fixtureBase.Add(d)
	c.mu.Unlock()
}

// fixtureIDs returns ids derived from a counter and what ("run", "logged
// model"), so that they never change; with uuid4 they are version-4 UUIDs,
// so they look like the run ids MLflow makes.
func fixtureIDs[ID ~[16]byte](what string, uuid4 bool) func() ID {
	var mu sync.Mutex
	n := 0
	return func() ID {
		mu.Lock()
		defer mu.Unlock()
		n++
		sum := sha256.Sum256(fmt.Appendf(nil, "mlite format fixture %s %d", what, n))
		id := ID(sum[:16])
		if uuid4 {
			id[6] = id[6]&0x0f | 0x40
			id[8] = id[8]&0x3f | 0x80
		}
		return id
	}
}

// fixturePNG is a 16x16 RGB gradient, a PNG file as a plot library would
// write it; kept as bytes so that no encoder change alters it.
var fixturePNG, _ = hex.DecodeString("" +
	"89504e470d0a1a0a0000000d4948445200000010000000100802000000909168" +
	"360000002049444154789c62616068106060201eb1800852c0a886510d434703" +
	"200000ffff273a02a1d4a84a590000000049454e44ae426082")

// fixtureGitDiff is the patch a run started from a dirty work tree stores
// as run.GitDiffArtifact.
const fixtureGitDiff = `diff --git a/train.go b/train.go
index 3b18e51..a9c0f2d 100644
--- a/train.go
+++ b/train.go
@@ -12,7 +12,7 @@ func train(ctx context.Context, db *mlite.DB) error {
 	r, err := db.StartRun(ctx, exp.ID, mlite.RunName("sweep"))
 	if err != nil {
 		return err
 	}
-	r.LogParam("max_depth", 8)
+	r.LogParam("max_depth", 10)
 	return r.End(ctx)
 }
`

// fixtureMLmodel is the MLmodel file of the fixture's model folders.
const fixtureMLmodel = `artifact_path: model
flavors:
  go_mlite:
    go_version: go1.26.0
    model_file: model.json
    model_type: logistic_regression
mlflow_version: 3.17.2
model_size_bytes: 60
model_uuid: 6f1d2c3b4a5948e7b6c5d4e3f2a1b0c9
run_id: RUN_ID
utc_time_created: '2026-01-15 09:30:00.000000'
`

// fixtureModelJSON is the model file of the fixture's model folders.
const fixtureModelJSON = `{"weights": [0.25, -1.5, 3.125], "bias": 0.5, "classes": 2}` + "\n"

// fixtureSystemTags are the reproducibility tags a captured run carries,
// fixed (the capture itself is off in the generator).
var fixtureSystemTags = map[string]string{
	"mlflow.source.name":        "/home/fixture/credit/cmd/train/train",
	"mlflow.source.type":        "LOCAL",
	"mlflow.source.git.commit":  "3b18e512c2f0a4d6e8f9a1b2c3d4e5f6a7b8c9d0",
	"mlflow.source.git.branch":  "main",
	"mlflow.source.git.repoURL": "git@example.com:fixture/credit.git",
	"mlite.go.version":          "go1.26.0",
	"mlite.go.os":               "linux",
	"mlite.go.arch":             "amd64",
	"mlite.host":                "fixture-laptop",
	"mlite.cmdline":             "train --sweep --max-depth=10",
}

// purgedRunTag is the experiment tag in which a fixture names the runs it
// purged (comma-separated), so that its test can check they stay gone.
const purgedRunTag = "mlite.fixture.purged_runs"

// generateV2 writes the format-2 fixture: a store at path and its blob
// folder, holding every kind of record formats 1 and 2 have. It returns after
// closing the store.
func generateV2(ctx context.Context, path string) (err error) {
	clock := &fixtureClock{}
	clock.at(0)
	st, err := store.Open(ctx, path, &store.Options{
		Now:  clock.Now,
		Rand: rand.NewChaCha8(sha256.Sum256([]byte("mlite format fixture v2 file id"))),
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); err == nil {
			err = cerr
		}
	}()
	tr, err := run.New(st, &run.Options{User: fixtureUser, NoCapture: true, Now: clock.Now, NewRunID: fixtureIDs[run.ID]("run", true), NewModelID: fixtureIDs[run.ModelID]("logged model", false)})
	if err != nil {
		return err
	}
	defer tr.Wait()
	reg := registry.New(tr)
	g := &gen{ctx: ctx, clock: clock, tr: tr, reg: reg}
	g.experiments()
	g.runs()
	g.registry()
	g.loggedModels()
	g.syncMarks()
	if g.err != nil {
		return g.err
	}
	if err := st.Flush(ctx); err != nil {
		return err
	}
	// bbolt grows a file in steps and leaves the pages of rewritten
	// records free: Compact keeps the committed fixture small.
	_, _, err = st.Compact(ctx)
	return err
}

// gen runs the generator's steps, keeping the first error so that the
// steps read as a script.
type gen struct {
	ctx   context.Context
	clock *fixtureClock
	tr    *run.Tracker
	reg   *registry.Registry
	err   error

	credit, scratch, restored run.ExperimentID
	sweep                     *run.Run
	best, purged              run.ID
	restoredRun               run.ID
}

// do records the first error of a step.
func (g *gen) do(what string, err error) {
	if err != nil && g.err == nil {
		g.err = fmt.Errorf("fixture: %s: %w", what, err)
	}
}

// minutes sets the clock to the base plus m minutes.
func (g *gen) minutes(m int) { g.clock.at(time.Duration(m) * time.Minute) }

func (g *gen) experiments() {
	g.minutes(1)
	x, err := g.tr.CreateExperiment(g.ctx, "credit_default", map[string]string{
		"team": "risk", "mlflow.note.content": "Credit default sweep: **logistic** and trees",
	})
	g.do("create experiment", err)
	if err != nil {
		return
	}
	g.credit = x.ID
	g.minutes(2)
	g.do("experiment tag", g.tr.SetExperimentTag(g.ctx, g.credit, "dataset.version", "2026-01"))

	g.minutes(3)
	x, err = g.tr.CreateExperiment(g.ctx, "scratch", map[string]string{"temp": "yes"})
	g.do("create scratch", err)
	if err != nil {
		return
	}
	g.scratch = x.ID

	g.minutes(4)
	x, err = g.tr.CreateExperiment(g.ctx, "old name", nil)
	g.do("create restored", err)
	if err != nil {
		return
	}
	g.restored = x.ID
	g.minutes(5)
	g.do("rename experiment", g.tr.RenameExperiment(g.ctx, g.restored, "restored"))
}

// longKey is a key of exactly the key length limit (250 characters).
func longKey(prefix string) string { return prefix + strings.Repeat("k", 250-len(prefix)) }

func (g *gen) runs() {
	if g.err != nil {
		return
	}
	ctx := g.ctx
	g.minutes(10)
	tags := map[string]string{"stage": "sweep", "unicode": "Kreditausfall ✓ 信用"}
	for k, v := range fixtureSystemTags {
		tags[k] = v
	}
	sweep, err := g.tr.StartRun(ctx, g.credit, run.Name("sweep"), run.Tags(tags),
		run.Description("Grid over max_depth and resampling."))
	g.do("start sweep", err)
	if err != nil {
		return
	}
	g.sweep = sweep
	g.do("params", sweep.LogParams(map[string]any{
		"max_depth": 10, "learning_rate": 0.05, "resampling": "smote", "empty": "",
		longKey("long_key_"): "at the key length limit",
		"long_value":         strings.Repeat("v", 6000),
	}))
	g.do("git dirty", sweep.SetTag("mlflow.source.git.dirty", "true"))
	g.do("git diff", sweep.LogBytes(ctx, []byte(fixtureGitDiff), run.GitDiffArtifact))

	// A noisy loss curve long enough to span several chunks: values of
	// full float64 precision cost about 8 bytes a point.
	rng := rand.New(rand.NewPCG(1, 21))
	loss := make([]run.Point, 1800)
	t0 := fixtureBase.Add(11 * time.Minute).UnixMilli()
	for i := range loss {
		loss[i] = run.Point{Step: int64(i), Time: t0 + int64(i)*250, Value: 1/(1+float64(i)/100) + rng.Float64()/50}
	}
	g.do("loss", sweep.LogSeries("loss", loss))
	// Every special value, negative and repeated steps, steps out of order.
	special := []run.Point{
		{Step: -5, Time: t0, Value: -1.5},
		{Step: 0, Time: t0 + 1, Value: math.NaN()},
		{Step: 0, Time: t0 + 1, Value: 0},
		{Step: 0, Time: t0 + 2, Value: math.Copysign(0, -1)},
		{Step: 1, Time: t0 + 3, Value: math.Inf(1)},
		{Step: 1, Time: t0 + 3, Value: math.Inf(-1)},
		{Step: 3, Time: t0 + 4, Value: math.MaxFloat64},
		{Step: 2, Time: t0 + 5, Value: math.SmallestNonzeroFloat64},
		{Step: 3, Time: t0 + 4, Value: -math.MaxFloat64},
		{Step: math.MaxInt64, Time: t0 + 6, Value: math.NaN()},
	}
	g.do("special", sweep.LogSeries("special", special))
	g.do("constant", sweep.LogSeries("constant", constant(t0, 300, 0.75)))
	g.minutes(12)
	g.do("metric now", sweep.LogMetric("val_auc", 0.83, run.Step(0)))
	g.do("metric step", sweep.LogMetric("val_auc", 0.87, run.Step(1), run.TimestampMillis(t0+60_000)))

	g.minutes(13)
	g.do("inputs", g.tr.LogInputs(ctx, sweep.ID(), []run.Input{
		{Dataset: run.Dataset{Name: "credit-train", Digest: "5d6f7a8b", SourceType: "local",
			Source: `{"uri": "/data/credit/train.parquet"}`, Schema: `{"mlflow_colspec": [{"name": "age", "type": "long"}]}`,
			Profile: `{"num_rows": 24000}`},
			Tags: map[string]string{run.TagDatasetContext: "training", "split": "80%"}},
		{Dataset: run.Dataset{Name: "credit-eval", Digest: "0a1b2c3d", SourceType: "local",
			Source: `{"uri": "/data/credit/eval.parquet"}`},
			Tags: map[string]string{run.TagDatasetContext: "eval"}},
		{Dataset: run.Dataset{Name: "no-tags", Digest: "ffff0000", SourceType: "code", Source: "{}"}},
	}))

	// Artifacts: compressible text, incompressible bytes, an image, a
	// folder tree from disk with its permission bits.
	g.minutes(14)
	var csv strings.Builder
	csv.WriteString("step,loss,val_auc\n")
	for i := range 400 {
		fmt.Fprintf(&csv, "%d,%.6f,%.4f\n", i, loss[i].Value, 0.5+float64(i)/1000)
	}
	g.do("csv", sweep.LogText(ctx, csv.String(), "metrics/history.csv"))
	raw := make([]byte, 48<<10)
	rand.NewChaCha8(sha256.Sum256([]byte("mlite format fixture v1 raw blob"))).Read(raw)
	g.do("raw", sweep.LogBytes(ctx, raw, "weights/tensor.bin"))
	g.do("png", sweep.LogBytes(ctx, fixturePNG, "plots/roc.png"))
	g.do("empty file", sweep.LogBytes(ctx, nil, "notes/empty.txt"))
	g.do("tree", g.logTree(sweep, "report"))

	g.nested()
	g.minutes(40)
	g.do("end sweep", sweep.End(ctx))
	g.lifecycles()
}

// constant returns n points of value v, one a second.
func constant(t0 int64, n int, v float64) []run.Point {
	pts := make([]run.Point, n)
	for i := range pts {
		pts[i] = run.Point{Step: int64(i), Time: t0 + int64(i)*1000, Value: v}
	}
	return pts
}

// logTree writes a folder tree to a scratch folder and logs it under dir.
func (g *gen) logTree(r *run.Run, dir string) error {
	tmp, err := os.MkdirTemp("", "mlite-fixture-tree")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files := []struct {
		path string
		mode os.FileMode
		data string
	}{
		{"index.html", 0o644, "<!doctype html><title>report</title><h1>Sweep</h1>\n"},
		{"tables/summary.json", 0o644, `{"best": {"max_depth": 10, "val_auc": 0.91}}` + "\n"},
		{"tables/deep/nested/leaf.txt", 0o600, "a file four folders down\n"},
		{"bin/run.sh", 0o755, "#!/bin/sh\nexec ./train --sweep\n"},
	}
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.data), f.mode); err != nil {
			return err
		}
		if err := os.Chmod(p, f.mode); err != nil { // past the umask
			return err
		}
	}
	return r.LogArtifacts(g.ctx, tmp, dir)
}

// logModel logs a model folder (model.json and MLmodel) under "model".
func (g *gen) logModel(r *run.Run) {
	g.do("model file", r.LogBytes(g.ctx, []byte(fixtureModelJSON), "model/model.json"))
	g.do("MLmodel", r.LogBytes(g.ctx, []byte(strings.ReplaceAll(fixtureMLmodel, "RUN_ID", r.ID().String())), "model/MLmodel"))
}

// nested starts the sweep's children, one per end state.
func (g *gen) nested() {
	ctx := g.ctx
	child := func(minute int, name string, depth int, auc float64) *run.Run {
		g.minutes(minute)
		r, err := g.tr.StartRun(ctx, g.credit, run.Name(name), run.Parent(g.sweep.ID()),
			run.Tags(map[string]string{"model": "lgbm"}))
		g.do("start "+name, err)
		if err != nil {
			return nil
		}
		g.do("param", r.LogParam("max_depth", depth))
		g.do("auc", r.LogMetric("val_auc", auc, run.Step(5)))
		g.do("loss", r.LogSeries("loss", constant(fixtureBase.Add(time.Duration(minute)*time.Minute).UnixMilli(), 20, 0.25)))
		return r
	}
	if r := child(15, "depth-10", 10, 0.91); r != nil {
		g.best = r.ID()
		g.logModel(r)
		g.minutes(16)
		g.do("end best", r.End(ctx))
	}
	if r := child(17, "depth-12", 12, 0.88); r != nil {
		g.minutes(18)
		g.do("fail", r.Fail(ctx, fmt.Errorf("train: out of memory at step %d", 5)))
	}
	if r := child(19, "depth-14", 14, 0.79); r != nil {
		g.minutes(20)
		g.do("kill", r.Kill(ctx))
	}
	if r := child(21, "depth-16", 16, 0.80); r != nil {
		g.do("flush running", r.Flush(ctx)) // left RUNNING: the process died
	}
	if r := child(22, "depth-18", 18, 0.81); r != nil {
		g.minutes(23)
		g.do("flush scheduled", r.Flush(ctx))
		g.do("schedule", g.tr.SetTerminated(ctx, r.ID(), run.Scheduled, 0))
	}
	if r := child(24, "depth-20", 20, 0.82); r != nil {
		g.restoredRun = r.ID()
		g.logModel(r)
		g.minutes(25)
		g.do("end", r.End(ctx))
		g.do("delete", g.tr.DeleteRun(ctx, r.ID()))
		g.minutes(26)
		g.do("restore", g.tr.RestoreRun(ctx, r.ID()))
	}
	if r := child(27, "depth-22", 22, 0.60); r != nil {
		g.minutes(28)
		g.do("end", r.End(ctx))
		g.do("delete", g.tr.DeleteRun(ctx, r.ID()))
	}
	if r := child(29, "depth-24", 24, 0.55); r != nil {
		g.purged = r.ID()
		g.logModel(r) // registered below, then purged: the version keeps its files
		g.do("own artifact", r.LogText(ctx, "only the purged run had this\n", "notes.txt"))
		g.minutes(30)
		g.do("end", r.End(ctx))
	}
}

// lifecycles deletes, restores and purges: experiments and runs.
func (g *gen) lifecycles() {
	ctx := g.ctx
	g.minutes(41)
	r, err := g.tr.StartRun(ctx, g.scratch, run.Name("scratch-run"))
	g.do("scratch run", err)
	if err == nil {
		g.do("metric", r.LogMetric("x", 1, run.Step(0)))
		g.do("end", r.End(ctx))
	}
	g.minutes(42)
	g.do("delete scratch", g.tr.DeleteExperiment(ctx, g.scratch))

	g.minutes(43)
	r, err = g.tr.StartRun(ctx, g.restored, run.Name("comes-back"))
	g.do("restored run", err)
	if err == nil {
		g.do("end", r.End(ctx))
	}
	g.minutes(44)
	g.do("delete restored", g.tr.DeleteExperiment(ctx, g.restored))
	g.minutes(45)
	g.do("restore", g.tr.RestoreExperiment(ctx, g.restored))

	g.minutes(46)
	r, err = g.tr.StartRun(ctx, 0, run.Name("in-default"), run.Tags(map[string]string{"mlflow.user": "someone-else"}))
	g.do("default run", err)
	if err == nil {
		g.do("batch", g.tr.LogBatch(ctx, r.ID(), run.Batch{
			Metrics: []run.Metric{{Key: "acc", Value: 0.5, Time: fixtureBase.Add(46 * time.Minute).UnixMilli(), Step: 0},
				{Key: "acc", Value: 0.75, Time: fixtureBase.Add(47 * time.Minute).UnixMilli(), Step: 1}},
			Params: map[string]string{"batch": "yes"},
			Tags:   map[string]string{"via": "log_batch"},
		}))
		g.do("delete tag", g.tr.DeleteRunTag(ctx, r.ID(), "via"))
		g.do("rename", g.tr.RenameRun(ctx, r.ID(), "in-default-renamed"))
		g.minutes(48)
		g.do("end", r.End(ctx))
	}
}

func (g *gen) registry() {
	if g.err != nil {
		return
	}
	ctx, reg := g.ctx, g.reg
	const name = "CreditDefaultModel"
	reg.RegisterCheck("schema", func(context.Context, *registry.ModelVersion, *run.Record) error { return nil })
	g.minutes(60)
	_, err := reg.CreateModel(ctx, name, map[string]string{"owner": "risk"}, "Predicts default")
	g.do("create model", err)
	g.minutes(61)
	g.do("model tag", reg.SetModelTag(ctx, name, "domain", "credit"))
	g.do("model description", reg.UpdateModelDescription(ctx, name, "Predicts **default** within 12 months"))
	g.do("gate production", reg.SetGate(ctx, name, registry.Gate{Target: "Production",
		RequiredTags: map[string]string{"validation": "passed"}, MetricFilter: "metrics.val_auc >= 0.85", Checks: []string{"schema"}}))
	g.do("gate alias", reg.SetGate(ctx, name, registry.Gate{Target: "@champion",
		RequiredTags: map[string]string{"validation": "passed"}}))
	g.do("gate staging", reg.SetGate(ctx, name, registry.Gate{Target: "Staging", Checks: []string{"schema"}}))
	g.do("drop staging gate", reg.DeleteGate(ctx, name, "Staging"))

	version := func(minute int, src run.ID) int64 {
		g.minutes(minute)
		mv, err := reg.CreateVersion(ctx, name, "runs:/"+src.String()+"/model", src.String())
		g.do("create version", err)
		if err != nil {
			return 0
		}
		return mv.Version
	}
	v1 := version(62, g.restoredRun)
	v2 := version(63, g.best)
	v3 := version(64, g.purged)
	v4 := version(65, g.best)
	v5 := version(66, g.restoredRun)
	if g.err != nil {
		return
	}
	g.minutes(67)
	_, err = reg.TransitionStage(ctx, name, v1, "Staging", false)
	g.do("v1 staging", err)
	g.do("v2 tag", reg.SetVersionTag(ctx, name, v2, "validation", "passed"))
	g.do("v2 description", reg.UpdateVersionDescription(ctx, name, v2, "depth 10, best val_auc"))
	g.minutes(68)
	_, err = reg.TransitionStage(ctx, name, v2, "production", false)
	g.do("v2 production", err)
	g.minutes(69)
	_, err = reg.TransitionStage(ctx, name, v5, "Staging", true) // archives v1
	g.do("v5 staging", err)
	g.do("champion", reg.SetAlias(ctx, name, "champion", v2))
	g.do("challenger", reg.SetAlias(ctx, name, "challenger", v5))
	g.do("doomed alias", reg.SetAlias(ctx, name, "doomed", v4))
	g.do("v3 tag", reg.SetVersionTag(ctx, name, v3, "note", "source run purged"))
	g.do("v3 tag delete", reg.SetVersionTag(ctx, name, v3, "tmp", "x"))
	g.do("v3 tag deleted", reg.DeleteVersionTag(ctx, name, v3, "tmp"))
	g.minutes(70)
	g.do("delete v4", reg.DeleteVersion(ctx, name, v4))

	// A renamed model and a deleted one: their histories stay in the log.
	g.minutes(71)
	_, err = reg.CreateModel(ctx, "FraudModel", nil, "")
	g.do("fraud", err)
	g.do("fraud tag", reg.SetModelTag(ctx, "FraudModel", "tmp", "1"))
	g.do("fraud tag delete", reg.DeleteModelTag(ctx, "FraudModel", "tmp"))
	g.minutes(72)
	g.do("rename", reg.RenameModel(ctx, "FraudModel", "FraudDetector"))
	g.minutes(73)
	_, err = reg.CreateVersion(ctx, "FraudDetector", "runs:/"+g.best.String()+"/model/model.json", "")
	g.do("fraud version", err)
	g.minutes(74)
	_, err = reg.CreateModel(ctx, "Scratch", map[string]string{"temp": "yes"}, "to be deleted")
	g.do("scratch model", err)
	g.minutes(75)
	g.do("delete scratch model", reg.DeleteModel(ctx, "Scratch"))
	g.do("delete champion alias", reg.DeleteAlias(ctx, name, "challenger"))
	g.do("challenger again", reg.SetAlias(ctx, name, "challenger", v5))

	// Purge the source run of v3: the version keeps its files.
	g.minutes(80)
	g.do("delete purged", g.tr.DeleteRun(ctx, g.purged))
	g.do("purge", g.tr.PurgeRun(ctx, g.purged))
	g.do("name the purged run", g.tr.SetExperimentTag(ctx, g.credit, purgedRunTag, g.purged.String()))
}

// syncMarks writes the bookkeeping of a push to an MLflow server (the
// sync_marks bucket, additive to format 2): an experiment, a run with its
// params, a series with a span past its prefix, and an artifact.
func (g *gen) syncMarks() {
	if g.err != nil {
		return
	}
	const peer = "mlflow:http://127.0.0.1:5000"
	best := g.best
	g.do("sync marks", g.tr.Store().Update(g.ctx, func(tx *store.Tx) error {
		marks := []struct {
			kind store.SyncKind
			key  []byte
			m    store.SyncMark
		}{
			{1, binary.BigEndian.AppendUint64(nil, uint64(g.credit)), store.SyncMark{Ref: "7"}},
			{2, best[:], store.SyncMark{Ref: "0123456789abcdef0123456789abcdef", State: []byte("0123456789abcdef")}},
			{3, best[:], store.SyncMark{State: []byte("fedcba9876543210")}},
			{6, append(best[:], "auc"...), store.SyncMark{Count: 12, State: []byte{20, 30}}},
			{7, append(best[:], "model/model.txt"...), store.SyncMark{State: bytes.Repeat([]byte{0xab}, 32)}},
		}
		for _, m := range marks {
			if err := tx.PutSyncMark(peer, m.kind, m.key, m.m); err != nil {
				return err
			}
		}
		return nil
	}))
}
