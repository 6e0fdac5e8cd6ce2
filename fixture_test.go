package mlite_test

// The file format's promise, tested (docs/format.md, "Fixtures"): every
// fixture in testdata/stores/ opens with the current code, reads exactly
// as its golden dump says, passes Check and Verify, takes new writes and
// reads back old and new data after a reopen; a newer file is refused and
// left untouched; the generator of the newest fixture still writes it.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/fixture"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

var (
	updateFixtures = flag.Bool("update-fixtures", false,
		"regenerate the newest format fixture (testdata/stores/"+currentFixture+") and its dump; never an older one")
	updateDumps = flag.Bool("update-dumps", false,
		"rewrite every fixture's dump.json from what the current code reads; review the diff: it may only add fields")
)

// currentFixture is the fixture the generator writes: the one of the
// current FormatVersion. Older ones are only ever read.
const currentFixture = "v2-sync-marks"

// fixtureDirs lists the fixture folders, oldest first.
func fixtureDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "stores", "v*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no fixture in testdata/stores")
	}
	return dirs
}

// copyFixture copies a fixture's store and blob folder into a new temp
// folder and returns the copy's store path.
func copyFixture(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), fixtureFile)
	src := filepath.Join(dir, fixtureFile)
	if err := fixture.Copy(src, dst); err != nil {
		t.Fatal(err)
	}
	if err := fixture.Copy(run.BlobDir(src), run.BlobDir(dst)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func openFixture(t *testing.T, path string) *mlite.DB {
	t.Helper()
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true, User: "fixture-test", Store: &store.Options{NoSync: true}})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return db
}

func readDump(t *testing.T, dir string) obj {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, fixtureDump))
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeDump(data)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Join(dir, fixtureDump), err)
	}
	return d
}

func dumpOf(t *testing.T, db *mlite.DB) obj {
	t.Helper()
	d, err := dumpStore(context.Background(), db)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	if d, err = normalise(d); err != nil {
		t.Fatal(err)
	}
	return d
}

// reportDiff fails the test with each difference (the first 40).
func reportDiff(t *testing.T, what string, diffs []string) {
	t.Helper()
	for i, d := range diffs {
		if i == 40 {
			t.Errorf("%s: ... and %d more differences", what, len(diffs)-i)
			break
		}
		t.Errorf("%s: %s", what, d)
	}
}

// checkSound runs Check and Verify and fails on any problem.
func checkSound(t *testing.T, db *mlite.DB) {
	t.Helper()
	ctx := context.Background()
	probs, err := db.Check(ctx)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, p := range probs {
		t.Errorf("check: %s", p)
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, p := range rep.Problems {
		t.Errorf("verify: %+v", p)
	}
}

func TestFormatFixtures(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := readDump(t, dir)
			path := copyFixture(t, dir)
			db := openFixture(t, path)
			got := dumpOf(t, db)
			if *updateDumps {
				writeDump(t, dir, got)
				want = got
			}
			reportDiff(t, "read as written", diffDumps(got, want))
			checkSound(t, db)
			added := writeMore(t, db, want)
			if err := db.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}

			db = openFixture(t, path)
			defer db.Close()
			after := dumpOf(t, db)
			added.check(t, after, want)
			reportDiff(t, "old data after new writes", diffDumps(after, want))
			checkSound(t, db)
		})
	}
}

func writeDump(t *testing.T, dir string, d obj) {
	t.Helper()
	b, err := encodeDump(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fixtureDump), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// additions are what writeMore wrote into an old file.
type additions struct {
	runID      string
	exp        string
	model      string
	version    string
	oldNext    int64
	artifact   []byte
	lastAudit  string
	metricPts  int
	stage      string
	sourceFile string
}

// writeMore writes what a user of the current code would into an old
// file: a run with metrics and an artifact in the Default experiment, and
// a new version of the first model, moved to Staging.
func writeMore(t *testing.T, db *mlite.DB, old obj) *additions {
	t.Helper()
	ctx := context.Background()
	a := &additions{exp: "0", artifact: []byte("written by the current code into an old file\n"), metricPts: 50, stage: "Staging"}
	r, err := db.StartRun(ctx, 0, mlite.RunName("after-open"))
	if err != nil {
		t.Fatalf("start run in the old file: %v", err)
	}
	a.runID = r.ID().String()
	for i := range a.metricPts {
		if err := r.LogMetric("new_metric", float64(i)/10, mlite.Step(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	a.sourceFile = "model/weights.txt"
	if err := r.LogBytes(ctx, a.artifact, a.sourceFile); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	models, _ := old["models"].(obj)
	names := slices.Sorted(maps.Keys(models))
	if len(names) == 0 {
		t.Fatal("the fixture has no registered model")
	}
	a.model = names[0]
	a.oldNext = asInt(t, models[a.model].(obj)["next_version"])
	if audit, _ := old["audit"].(obj); len(audit) > 0 {
		keys := slices.Sorted(maps.Keys(audit))
		a.lastAudit = keys[len(keys)-1]
	}
	reg := db.Registry()
	mv, err := reg.CreateVersion(ctx, a.model, "runs:/"+a.runID+"/model", a.runID)
	if err != nil {
		t.Fatalf("new version of %q in the old file: %v", a.model, err)
	}
	a.version = strconv.FormatInt(mv.Version, 10)
	if _, err := reg.TransitionStage(ctx, a.model, mv.Version, a.stage, false); err != nil {
		t.Fatalf("stage change in the old file: %v", err)
	}
	return a
}

func asInt(t *testing.T, v any) int64 {
	t.Helper()
	n, err := strconv.ParseInt(toString(v), 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %v", v)
	}
	return n
}

func toString(v any) string {
	if s, ok := v.(interface{ String() string }); ok {
		return s.String()
	}
	s, _ := v.(string)
	return s
}

// check verifies the additions read back from the reopened file's dump d,
// then takes them out of d (and puts back the golden values of the fields
// they changed by design), so that what is left must equal golden.
func (a *additions) check(t *testing.T, d, golden obj) {
	t.Helper()
	runs := d["runs"].(obj)
	nr, ok := runs[a.runID].(obj)
	if !ok {
		t.Fatalf("new run %s: not read back", a.runID)
	}
	if got := toString(nr["status"]); got != "FINISHED" {
		t.Errorf("new run: status: got %s, want FINISHED", got)
	}
	m, _ := nr["metrics"].(obj)["new_metric"].(obj)
	if hist, _ := m["history"].([]any); len(hist) != a.metricPts {
		t.Errorf("new run: metrics[\"new_metric\"].history: got %d points, want %d", len(hist), a.metricPts)
	}
	sum := sha256.Sum256(a.artifact)
	art, _ := nr["artifacts"].(obj)[a.sourceFile].(obj)
	if got, want := toString(art["content_sha256"]), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("new run: artifacts[%q].content_sha256: got %s, want %s", a.sourceFile, got, want)
	}
	delete(runs, a.runID)
	exp := d["experiments"].(obj)[a.exp].(obj)
	ids := exp["runs"].([]any)
	if i := slices.Index(ids, any(a.runID)); i < 0 {
		t.Errorf("experiment %s: runs: the new run %s is not listed", a.exp, a.runID)
	} else {
		exp["runs"] = slices.Delete(ids, i, i+1)
	}
	searches := d["searches"].(obj)
	for k, s := range searches { // a search may list the new run wherever it sorts
		list := s.([]any)
		if i := slices.Index(list, any(a.runID)); i >= 0 {
			searches[k] = slices.Delete(list, i, i+1)
		}
	}

	model := d["models"].(obj)[a.model].(obj)
	was := golden["models"].(obj)[a.model].(obj)
	versions := model["versions"].(obj)
	v, ok := versions[a.version].(obj)
	if !ok {
		t.Fatalf("model %q: versions[%q]: not read back", a.model, a.version)
	}
	if got := toString(v["stage"]); got != a.stage {
		t.Errorf("model %q: versions[%q].stage: got %s, want %s", a.model, a.version, got, a.stage)
	}
	if got := toString(v["run_id"]); got != a.runID {
		t.Errorf("model %q: versions[%q].run_id: got %s, want %s", a.model, a.version, got, a.runID)
	}
	delete(versions, a.version)
	if got := asInt(t, model["next_version"]); got != a.oldNext+1 {
		t.Errorf("model %q: next_version: got %d, want %d", a.model, got, a.oldNext+1)
	}
	if got := toString(model["latest_versions"].(obj)[a.stage]); got != a.version {
		t.Errorf("model %q: latest_versions[%q]: got %s, want %s", a.model, a.stage, got, a.version)
	}
	if got, old := asInt(t, model["last_updated_time"]), asInt(t, was["last_updated_time"]); got < old {
		t.Errorf("model %q: last_updated_time: got %d, before the change %d", a.model, got, old)
	}
	for _, f := range []string{"next_version", "latest_versions", "last_updated_time"} {
		model[f] = was[f]
	}

	audit := d["audit"].(obj)
	var actions []string
	for k, ev := range audit {
		if k > a.lastAudit {
			actions = append(actions, toString(ev.(obj)["action"]))
			delete(audit, k)
		}
	}
	slices.Sort(actions)
	if want := []string{"create_version", "transition_stage"}; !slices.Equal(actions, want) {
		t.Errorf("audit: new events: got %v, want %v", actions, want)
	}
}

func TestFixtureGeneratorReproduces(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join("testdata", "stores", currentFixture)
	if *updateFixtures {
		regenerate(t, dir)
	}
	path := filepath.Join(t.TempDir(), fixtureFile)
	if err := generateV2(ctx, path); err != nil {
		t.Fatal(err)
	}
	db := openFixture(t, path)
	defer db.Close()
	reportDiff(t, "generated again", diffDumps(dumpOf(t, db), readDump(t, dir)))
}

// regenerate rewrites the current fixture: store, blob folder and dump.
func regenerate(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, fixtureFile)
	for _, p := range []string{path, run.BlobDir(path), path + ".lock", path + ".intent"} {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := generateV2(ctx, path); err != nil {
		t.Fatal(err)
	}
	// The dump is read from a copy, so that reading leaves nothing (no
	// lock files, no temp folder) beside the committed store.
	db := openFixture(t, copyFixture(t, dir))
	defer db.Close()
	writeDump(t, dir, dumpOf(t, db))
	for _, p := range []string{path + ".lock", path + ".intent", filepath.Join(run.BlobDir(path), "tmp")} {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
	size := int64(0)
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			size += fi.Size()
		}
		return nil
	})
	t.Logf("wrote %s: %d bytes in all", dir, size)
}

// A reader that loses a field is caught, and the message names the record
// and the field.
func TestFixtureDiffNamesRecordAndField(t *testing.T) {
	ctx := context.Background()
	want, db, sweep := openCurrentFixture(t)
	for _, tc := range []struct {
		name  string
		bug   func(r *run.Record)
		wants []string
	}{
		{"skips the user field", func(r *run.Record) { r.User = "" },
			[]string{"run " + sweep + `: user: got "", want "fixture"`}},
		{"loses a param", func(r *run.Record) { delete(r.Params, "max_depth") },
			[]string{"run " + sweep + `: params["max_depth"]: got nothing, want "10"`}},
		{"misreads a param", func(r *run.Record) { r.Params["max_depth"] = "9" },
			[]string{"run " + sweep + `: params["max_depth"]: got "9", want "10"`}},
		{"drops the latest point's value", func(r *run.Record) { r.Metrics["val_auc"].Latest.Value = 0 },
			[]string{fmt.Sprintf(`run %s: metrics["val_auc"].latest: got "1 %[2]d 0", want "1 %[2]d 0.87"`, sweep, fixtureBase.Add(12*time.Minute).UnixMilli())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			faulty := dumpReader{db: db, getRun: func(ctx context.Context, id run.ID) (*run.Record, error) {
				r, err := db.GetRun(ctx, id)
				if err == nil && id.String() == sweep {
					tc.bug(r)
				}
				return r, err
			}}
			d, err := faulty.dump(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = normalise(d); err != nil {
				t.Fatal(err)
			}
			got := diffDumps(d, want)
			if !slices.Equal(got, tc.wants) {
				t.Errorf("differences:\ngot  %q\nwant %q", got, tc.wants)
			}
		})
	}
}

// A store whose record differs from what the fixture holds is caught the
// same way: here a copy in which one tag of one run was changed.
func TestFixtureDiffNamesChangedRecord(t *testing.T) {
	ctx := context.Background()
	want, db, sweep := openCurrentFixture(t)
	id, err := store.ParseRunID(sweep)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetRunTag(ctx, id, "stage", "changed"); err != nil {
		t.Fatal(err)
	}
	got := diffDumps(dumpOf(t, db), want)
	if w := []string{"run " + sweep + `: tags["stage"]: got "changed", want "sweep"`}; !slices.Equal(got, w) {
		t.Errorf("differences:\ngot  %q\nwant %q", got, w)
	}
}

// openCurrentFixture opens a copy of the newest fixture (closed when the
// test ends) and returns its golden dump and the id of its run "sweep".
func openCurrentFixture(t *testing.T) (obj, *mlite.DB, string) {
	t.Helper()
	dir := filepath.Join("testdata", "stores", currentFixture)
	want := readDump(t, dir)
	db := openFixture(t, copyFixture(t, dir))
	t.Cleanup(func() { db.Close() })
	return want, db, findRun(t, want, "sweep")
}

// findRun returns the id of the run named name in a dump.
func findRun(t *testing.T, d obj, name string) string {
	t.Helper()
	for id, r := range d["runs"].(obj) {
		if toString(r.(obj)["name"]) == name {
			return id
		}
	}
	t.Fatalf("no run named %q in the dump", name)
	return ""
}

// A file of a newer format is refused with ErrVersion and the advice to
// upgrade, and is left byte for byte as it was.
func TestNewerFormatRefused(t *testing.T) {
	dir := filepath.Join("testdata", "stores", currentFixture)
	path := copyFixture(t, dir)
	if err := fixture.SetFormatVersion(path, store.FormatVersion+1); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)
	blobsBefore := treeSum(t, run.BlobDir(path))
	for _, o := range []*mlite.Options{nil, {NoCapture: true}, {Store: &store.Options{NoSync: true}}} {
		db, err := mlite.Open(path, o)
		if err == nil {
			db.Close()
			t.Fatalf("opened a file of format %d", store.FormatVersion+1)
		}
		if !errors.Is(err, mlite.ErrVersion) {
			t.Errorf("open: got %v, want ErrVersion", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "upgrade mlite") || !strings.Contains(msg, "format version "+strconv.Itoa(store.FormatVersion+1)) {
			t.Errorf("open: got message %q, want the format version and \"upgrade mlite\"", msg)
		}
	}
	if after := fileSum(t, path); after != before {
		t.Errorf("the refused file changed: sha256 %x, was %x", after, before)
	}
	if after := treeSum(t, run.BlobDir(path)); after != blobsBefore {
		t.Errorf("the refused file's blob folder changed")
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// treeSum hashes the names, sizes and bytes of a folder's files.
func treeSum(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		io.WriteString(h, p+"\x00"+fi.Mode().String()+"\x00")
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// The comparison names records by kind and fields by path, for every
// shape of difference.
func TestDiffDumps(t *testing.T) {
	want := obj{
		"store":  obj{"format_version": json.Number("1")},
		"runs":   obj{"ab": obj{"params": obj{"a": "1"}, "metrics": obj{"loss": obj{"history": []any{"0 1 0.5", "1 2 0.25"}}}}},
		"models": obj{"M": obj{"versions": obj{"2": obj{"stage": "Production", "files": obj{"model/MLmodel": obj{"size": json.Number("10")}}}}}},
		"audit":  obj{"000001": obj{"action": "create_model"}},
	}
	for _, tc := range []struct {
		name   string
		change func(d obj)
		wants  []string
	}{
		{"equal", func(obj) {}, nil},
		{"format", func(d obj) { d["store"].(obj)["format_version"] = json.Number("2") },
			[]string{`store: format_version: got 2, want 1`}},
		{"history point", func(d obj) {
			d["runs"].(obj)["ab"].(obj)["metrics"].(obj)["loss"].(obj)["history"] = []any{"0 1 0.5"}
		}, []string{`run ab: metrics["loss"].history[1]: got nothing, want "1 2 0.25"`}},
		{"version field", func(d obj) {
			d["models"].(obj)["M"].(obj)["versions"].(obj)["2"].(obj)["stage"] = "Archived"
		}, []string{`model "M": versions["2"].stage: got "Archived", want "Production"`}},
		{"file size", func(d obj) {
			d["models"].(obj)["M"].(obj)["versions"].(obj)["2"].(obj)["files"].(obj)["model/MLmodel"] = obj{"size": json.Number("11")}
		}, []string{`model "M": versions["2"].files["model/MLmodel"].size: got 11, want 10`}},
		{"missing record", func(d obj) { delete(d["audit"].(obj), "000001") },
			[]string{`audit event 000001: missing, want {"action":"create_model"}`}},
		{"extra record", func(d obj) { d["runs"].(obj)["cd"] = obj{} },
			[]string{`run cd: unexpected, got {}`}},
		{"type", func(d obj) { d["runs"].(obj)["ab"].(obj)["params"] = []any{} },
			[]string{`run ab: params: got [], want {"a":"1"}`}},
		{"new section", func(d obj) { d["logged_models"] = obj{} },
			[]string{`logged_models: (whole record): got {}, want nothing`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := encodeDump(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeDump(b)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(got)
			if diffs := diffDumps(got, want); !slices.Equal(diffs, tc.wants) {
				t.Errorf("got  %q\nwant %q", diffs, tc.wants)
			}
		})
	}
}
