package registry_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

var files = map[string]string{
	"model/MLmodel":   "flavors: {}\n",
	"model/model.pkl": "pickled bytes",
	"plots/roc.png":   "png",
}

// setup returns a throwaway store, its registry and a finished run holding files.
func setup(t *testing.T) (*mlite.DB, *registry.Registry, run.ID) {
	t.Helper()
	db := mlitetest.New(t)
	return db, registry.New(db.Tracker), logRun(t, db, files)
}

// logRun logs a finished run of db holding files (path: content) and
// returns its id.
func logRun(t testing.TB, db *mlite.DB, files map[string]string) run.ID {
	t.Helper()
	ctx := context.Background()
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range files {
		if err := r.LogBytes(ctx, []byte(s), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	return r.ID()
}

// logModel creates a logged model called name, of the run runID ("" for
// none), holding files (path: content).
func logModel(t testing.TB, db *mlite.DB, name, runID string, files map[string]string) *run.LoggedModel {
	t.Helper()
	ctx := context.Background()
	lm, err := db.CreateLoggedModel(ctx, 0, run.LoggedModelOptions{Name: name, SourceRunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range files {
		if err := db.LogModelReader(ctx, lm.ID, strings.NewReader(s), p); err != nil {
			t.Fatal(err)
		}
	}
	return lm
}

func mustVersion(t *testing.T, reg *registry.Registry, name, source string) *registry.ModelVersion {
	t.Helper()
	mv, err := reg.CreateVersion(context.Background(), name, source, "")
	if err != nil {
		t.Fatalf("CreateVersion(%q, %q): %v", name, source, err)
	}
	return mv
}

// setupVersions is setup with n versions of model name, all from the
// run's model directory, version i+1 moved to stages[i] ("" leaves it in
// None).
func setupVersions(t *testing.T, name string, n int, stages ...string) (*registry.Registry, run.ID) {
	t.Helper()
	_, reg, id := setup(t)
	for range n {
		mustVersion(t, reg, name, "runs:/"+id.String()+"/model")
	}
	for i, st := range stages {
		if st == "" {
			continue
		}
		mustTransition(t, reg, name, int64(i+1), st, false)
	}
	return reg, id
}

// filePaths returns the paths of version v's files, space-separated.
func filePaths(t *testing.T, reg *registry.Registry, name string, v int64) string {
	t.Helper()
	fs, err := reg.Files(context.Background(), name, v)
	if err != nil {
		t.Fatalf("Files(%q, %d): %v", name, v, err)
	}
	return joined(fs, func(f registry.File) string { return f.Path })
}

// joined returns f of each of xs, joined by spaces.
func joined[T any](xs []T, f func(T) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return strings.Join(out, " ")
}

func versionNumber(mv *registry.ModelVersion) string { return strconv.FormatInt(mv.Version, 10) }

// lookupCase is an input to a version lookup and what it must give: the
// version, or an error wrapping err.
type lookupCase struct {
	in   string
	want int64
	err  error
}

// checkLookups runs lookup on each case's input.
func checkLookups(t *testing.T, what string, cases []lookupCase, lookup func(in string) (*registry.ModelVersion, error)) {
	t.Helper()
	for _, tc := range cases {
		mv, err := lookup(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && mv.Version != tc.want) {
			t.Errorf("%s(%q): got %v, %v; want version %d, %v", what, tc.in, mv, err, tc.want, tc.err)
		}
	}
}

// mustTransition moves version v of model name to stage, failing t on an
// error.
func mustTransition(t *testing.T, reg *registry.Registry, name string, v int64, stage string, archive bool) {
	t.Helper()
	if _, err := reg.TransitionStage(context.Background(), name, v, stage, archive); err != nil {
		t.Fatalf("TransitionStage(%q, %d, %q, %v): %v", name, v, stage, archive, err)
	}
}

func TestVersionNumbering(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	src := "runs:/" + id.String() + "/model"
	for want := int64(1); want <= 3; want++ {
		if mv := mustVersion(t, reg, "credit", src); mv.Version != want {
			t.Fatalf("version: got %d, want %d", mv.Version, want)
		}
	}
	if err := reg.DeleteVersion(ctx, "credit", 3); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteVersion(ctx, "credit", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if mv := mustVersion(t, reg, "credit", src); mv.Version != 4 {
		t.Errorf("after deleting 3: got version %d, want 4", mv.Version)
	}
	mv, err := reg.GetVersion(ctx, "credit", 2)
	if err != nil {
		t.Fatal(err)
	}
	if mv.Stage != registry.None || mv.Status != store.Ready || mv.RunID != id.String() || mv.Source != src {
		t.Errorf("version 2: got %+v", mv)
	}
	vs, err := reg.Versions(ctx, "credit")
	if err != nil || len(vs) != 3 {
		t.Errorf("Versions: got %d versions, %v; want 3", len(vs), err)
	}
	if got := filePaths(t, reg, "credit", 1); got != "MLmodel model.pkl" {
		t.Errorf("files of a version from runs:/id/model: got %q, want MLmodel model.pkl", got)
	}
	// A single file: stored under its base name.
	mv = mustVersion(t, reg, "single", "runs:/"+id.String()+"/plots/roc.png")
	if got := filePaths(t, reg, "single", mv.Version); got != "roc.png" {
		t.Errorf("single file version: got %q, want roc.png", got)
	}
}

func TestCreateVersionErrors(t *testing.T) {
	_, reg, id := setup(t)
	other := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name, source, runID string
		want                error
	}{
		{"m", "runs:/" + id.String() + "/nothing", "", store.ErrNotFound},
		{"m", "runs:/" + other + "/model", "", store.ErrNotFound},
		{"m", "runs:/" + id.String() + "/model", other, store.ErrInvalid},
		{"m", "runs:/", "", store.ErrInvalid},
		{"m", "runs:/nothex/model", "", store.ErrInvalid},
		{"m", "runs:/nothex/model", "other", store.ErrInvalid},
		{"m", "runs:/" + other + "/model", "nothex", store.ErrInvalid},
		{"m", "s3://bucket/model", "", store.ErrInvalid},
		{"m", "runs:/" + id.String() + "/../x", "", store.ErrInvalid},
		{"", "runs:/" + id.String() + "/model", "", store.ErrInvalid},
	} {
		_, err := reg.CreateVersion(context.Background(), tc.name, tc.source, tc.runID)
		if !errors.Is(err, tc.want) {
			t.Errorf("CreateVersion(%q, %q, %q): got %v, want %v", tc.name, tc.source, tc.runID, err, tc.want)
		}
	}
}

// TestCreateVersionOfForeignRun registers versions from runs:/ sources of
// runs the store does not hold, named by run_id too, as MLflow does (its
// registry never reads the run): the version records source and run id and
// has no files.
func TestCreateVersionOfForeignRun(t *testing.T) {
	ctx := context.Background()
	_, reg, _ := setup(t)
	for i, run := range []string{"run_id", "0123456789abcdef0123456789abcdef"} {
		source := "runs:/" + run + "/model"
		mv, err := reg.CreateVersion(ctx, "foreign", source, run)
		if err != nil {
			t.Fatalf("CreateVersion(%q, run %q): %v", source, run, err)
		}
		if mv.Version != int64(i+1) || mv.Source != source || mv.RunID != run || mv.Status != store.Ready {
			t.Errorf("version from %q: got %d, source %q, run %q, %s; want %d, %q, %q, READY", source, mv.Version, mv.Source, mv.RunID, mv.Status, i+1, source, run)
		}
		files, err := reg.Files(ctx, "foreign", mv.Version)
		if err != nil || len(files) != 0 {
			t.Errorf("files of the version from %q: got %v, %v; want none", source, files, err)
		}
	}
}

func stages(t *testing.T, reg *registry.Registry, name string) []registry.Stage {
	t.Helper()
	vs, err := reg.Versions(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	var out []registry.Stage
	for _, v := range vs {
		out = append(out, v.Stage)
	}
	return out
}

func TestTransitionStage(t *testing.T) {
	ctx := context.Background()
	P, S, A, N := registry.Production, registry.Staging, registry.Archived, registry.None
	// Every case starts from versions 1, 2, 3 in Production, Staging, None.
	for _, tc := range []struct {
		desc    string
		version int64
		stage   string
		archive bool
		want    []registry.Stage // stages of versions 1..3 after
		wantErr error
	}{
		{"plain", 3, "production", false, []registry.Stage{P, S, P}, nil},
		{"archive existing", 3, "Production", true, []registry.Stage{A, S, P}, nil},
		{"archive existing staging", 1, "STAGING", true, []registry.Stage{S, A, N}, nil},
		{"archive when already there", 1, "production", true, []registry.Stage{P, S, N}, nil},
		{"to archived", 1, "archived", false, []registry.Stage{A, S, N}, nil},
		{"back to none", 2, "None", false, []registry.Stage{P, N, N}, nil},
		{"archive to None refused", 1, "None", true, nil, store.ErrInvalid},
		{"archive to Archived refused", 1, "archived", true, nil, store.ErrInvalid},
		{"bad stage", 1, "prod", false, nil, store.ErrInvalid},
		{"missing version", 9, "Staging", false, nil, store.ErrNotFound},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg, _ := setupVersions(t, "m", 3, "Production", "Staging")
			mv, err := reg.TransitionStage(ctx, "m", tc.version, tc.stage, tc.archive)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("TransitionStage(%d, %q, %v): got %v, want %v", tc.version, tc.stage, tc.archive, err, tc.wantErr)
				}
				if got := stages(t, reg, "m"); got[0] != P || got[1] != S || got[2] != N {
					t.Errorf("stages after a refused transition: got %v, want [Production Staging None]", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("TransitionStage(%d, %q, %v): %v", tc.version, tc.stage, tc.archive, err)
			}
			if mv.Stage != tc.want[tc.version-1] {
				t.Errorf("returned stage %v, want %v", mv.Stage, tc.want[tc.version-1])
			}
			if got := stages(t, reg, "m"); !slices.Equal(got, tc.want) {
				t.Fatalf("TransitionStage(%d, %q, %v): stages after: got %v, want %v", tc.version, tc.stage, tc.archive, got, tc.want)
			}
		})
	}
}

func TestLatestVersions(t *testing.T) {
	ctx := context.Background()
	reg, _ := setupVersions(t, "m", 4, "Production", "Production", "Staging")
	for _, tc := range []struct {
		stages []string
		want   string
	}{
		// Stages in the order of their oldest version, as MLflow lists them.
		{nil, "2 3 4"},
		{[]string{"production"}, "2"},
		{[]string{"Staging", "PRODUCTION"}, "2 3"},
		{[]string{"Archived"}, ""},
	} {
		vs, err := reg.LatestVersions(ctx, "m", tc.stages)
		if err != nil {
			t.Fatal(err)
		}
		if got := joined(vs, versionNumber); got != tc.want {
			t.Errorf("LatestVersions(%q): got %v, want %v", tc.stages, got, tc.want)
		}
	}
	if _, err := reg.LatestVersions(ctx, "m", []string{"bogus"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bogus stage: got %v, want ErrInvalid", err)
	}
}

func TestAliases(t *testing.T) {
	ctx := context.Background()
	reg, _ := setupVersions(t, "m", 3)
	for _, tc := range []struct {
		alias   string
		version int64
		want    error
	}{
		{"champion", 1, nil},
		{"champion", 2, nil}, // moves
		{"challenger", 3, nil},
		{"latest", 1, store.ErrInvalid},
		{"LaTeSt", 1, store.ErrInvalid},
		{"v3", 1, store.ErrInvalid},
		{"V12", 1, store.ErrInvalid},
		{"bad alias", 1, store.ErrInvalid},
		{"", 1, store.ErrInvalid},
		{"ghost", 9, store.ErrNotFound},
	} {
		if err := reg.SetAlias(ctx, "m", tc.alias, tc.version); !errors.Is(err, tc.want) {
			t.Errorf("SetAlias(%q, %d): got %v, want %v", tc.alias, tc.version, err, tc.want)
		}
	}
	checkLookups(t, "GetVersionByAlias", []lookupCase{
		{"champion", 2, nil},
		{"challenger", 3, nil},
		{"latest", 3, nil},
		{"Latest", 3, nil},
		{"nobody", 0, store.ErrInvalid},
	}, func(alias string) (*registry.ModelVersion, error) { return reg.GetVersionByAlias(ctx, "m", alias) })
	if err := reg.DeleteAlias(ctx, "m", "challenger"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteAlias(ctx, "m", "challenger"); err != nil {
		t.Errorf("deleting a missing alias: got %v, want nil", err)
	}
	if _, err := reg.GetVersionByAlias(ctx, "m", "challenger"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("deleted alias: got %v, want ErrInvalid", err)
	}
	// Deleting a version removes the aliases pointing at it.
	if err := reg.DeleteVersion(ctx, "m", 2); err != nil {
		t.Fatal(err)
	}
	m, err := reg.GetModel(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Aliases) != 0 {
		t.Errorf("aliases after deleting their version: got %v, want none", m.Aliases)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	reg, _ := setupVersions(t, "Credit Model", 3, "Production", "Staging")
	if err := reg.SetAlias(ctx, "Credit Model", "champion", 1); err != nil {
		t.Fatal(err)
	}
	checkLookups(t, "Resolve", []lookupCase{
		{"models:/Credit Model/2", 2, nil},
		{"models:/Credit Model/Production", 1, nil},
		{"models:/Credit Model/production", 1, nil},
		{"models:/Credit Model/Staging", 2, nil},
		{"models:/Credit Model/latest", 3, nil},
		{"models:/Credit Model/LATEST", 3, nil},
		{"models:/Credit Model@champion", 1, nil},
		{"models:/Credit Model@latest", 3, nil},
		{"MODELS:/Credit Model/1", 1, nil},
		{"models:///Credit Model/1", 1, nil},
		{"models:/Credit Model/9", 0, store.ErrNotFound},
		{"models:/Credit Model/Archived", 0, store.ErrNotFound},
		{"models:/Nobody/1", 0, store.ErrNotFound},
		{"models:/Credit Model@nobody", 0, store.ErrInvalid},
		{"models:/Credit Model/Prod", 0, store.ErrInvalid},
		{"models:/", 0, store.ErrInvalid},
		{"models:", 0, store.ErrInvalid},
		{"models:Credit Model/1", 0, store.ErrInvalid},
		{"runs:/Credit Model/1", 0, store.ErrInvalid},
		{"models:/Credit Model/1/2", 0, store.ErrInvalid},
		{"models:/Credit Model/", 0, store.ErrInvalid},
		{"models:/Credit Model/ ", 0, store.ErrInvalid},
		{"models:/ /1", 0, store.ErrInvalid},
		{"models:/Credit Model@", 0, store.ErrInvalid},
		{"models:/Credit Model", 0, store.ErrInvalid},
		{"models:/Credit Model/99999999999999999999999", 0, store.ErrInvalid},
	}, func(uri string) (*registry.ModelVersion, error) { return reg.Resolve(ctx, uri) })
}

func TestParseModelURIAliasLastAt(t *testing.T) {
	u, err := registry.ParseModelURI("models:/a@b@c")
	if err != nil || u.Name != "a@b" || u.Alias != "c" {
		t.Errorf("ParseModelURI(models:/a@b@c): got %+v, %v; want name a@b alias c", u, err)
	}
}

func readFile(t *testing.T, reg *registry.Registry, name string, v int64, p string) string {
	t.Helper()
	rc, err := reg.OpenFile(context.Background(), name, v, p)
	if err != nil {
		t.Fatalf("OpenFile(%q, %d, %q): %v", name, v, p, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVersionOutlivesRun(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	mv := mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	if err := db.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.PurgeRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	rep, err := db.GC(ctx, run.GCOptions{Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	// plots/roc.png belonged to the run only; the model's two files stay.
	if rep.Blobs != 1 || rep.Kept != 2 {
		t.Errorf("GC: deleted %d kept %d, want 1 and 2", rep.Blobs, rep.Kept)
	}
	for p, want := range map[string]string{"MLmodel": files["model/MLmodel"], "model.pkl": files["model/model.pkl"]} {
		if got := readFile(t, reg, "m", mv.Version, p); got != want {
			t.Errorf("file %q after purge and GC: got %q, want %q", p, got, want)
		}
	}
	vr, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !vr.OK() || vr.Blobs != 2 {
		t.Errorf("Verify after purge: got %d blobs, problems %v; want 2 and none", vr.Blobs, vr.Problems)
	}
	// Deleting the model lets GC take the rest.
	if err := reg.DeleteModel(ctx, "m"); err != nil {
		t.Fatal(err)
	}
	rep, err = db.GC(ctx, run.GCOptions{Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 2 || rep.Kept != 0 {
		t.Errorf("GC after deleting the model: deleted %d kept %d, want 2 and 0", rep.Blobs, rep.Kept)
	}
}

// twoModels returns a registry with versions 1 and 2 of model name and
// version 1 of model "other", all from source src of one run, and name's
// alias champion on version champion.
func twoModels(t *testing.T, name string, champion int64) (reg *registry.Registry, src string) {
	t.Helper()
	reg, id := setupVersions(t, name, 2)
	src = "runs:/" + id.String() + "/model"
	mustVersion(t, reg, "other", src)
	if err := reg.SetAlias(context.Background(), name, "champion", champion); err != nil {
		t.Fatal(err)
	}
	return reg, src
}

func TestRenameAndDeleteModel(t *testing.T) {
	ctx := context.Background()
	reg, src := twoModels(t, "old", 2)
	if err := reg.RenameModel(ctx, "old", "other"); !errors.Is(err, store.ErrExists) {
		t.Errorf("rename onto an existing name: got %v, want ErrExists", err)
	}
	if err := reg.RenameModel(ctx, "old", "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.GetModel(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old name: got %v, want ErrNotFound", err)
	}
	mv, err := reg.Resolve(ctx, "models:/new@champion")
	if err != nil || mv.Version != 2 || mv.Name != "new" {
		t.Fatalf("models:/new@champion: got %+v, %v", mv, err)
	}
	if got := readFile(t, reg, "new", 2, "MLmodel"); got != files["model/MLmodel"] {
		t.Errorf("renamed version's file: got %q", got)
	}
	if mv := mustVersion(t, reg, "new", src); mv.Version != 3 {
		t.Errorf("next version after rename: got %d, want 3", mv.Version)
	}
	if err := reg.DeleteModel(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc string
		err  error
	}{
		{"GetModel", func() error { _, err := reg.GetModel(ctx, "new"); return err }()},
		{"GetVersion", func() error { _, err := reg.GetVersion(ctx, "new", 1); return err }()},
		{"Files", func() error { _, err := reg.Files(ctx, "new", 1); return err }()},
		{"DeleteModel", reg.DeleteModel(ctx, "new")},
	} {
		if !errors.Is(tc.err, store.ErrNotFound) {
			t.Errorf("%s after delete: got %v, want ErrNotFound", tc.desc, tc.err)
		}
	}
	// A model created again under the name starts at 1.
	if mv := mustVersion(t, reg, "new", src); mv.Version != 1 {
		t.Errorf("recreated model: got version %d, want 1", mv.Version)
	}
}

func TestModelTagsAndDescription(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	if _, err := reg.CreateModel(ctx, "m", map[string]string{"team": "risk"}, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateModel(ctx, "m", nil, ""); !errors.Is(err, store.ErrExists) {
		t.Errorf("second CreateModel: got %v, want ErrExists", err)
	}
	mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	steps := []struct {
		desc string
		err  error
		want error
	}{
		{"set tag", reg.SetModelTag(ctx, "m", "owner", "ana"), nil},
		{"bad tag key", reg.SetModelTag(ctx, "m", "bad\x00key", "x"), store.ErrInvalid},
		{"delete tag", reg.DeleteModelTag(ctx, "m", "team"), nil},
		{"delete missing tag", reg.DeleteModelTag(ctx, "m", "team"), store.ErrNotFound},
		{"description", reg.UpdateModelDescription(ctx, "m", "second"), nil},
		{"version tag", reg.SetVersionTag(ctx, "m", 1, "validated", "yes"), nil},
		{"version tag, no version", reg.SetVersionTag(ctx, "m", 7, "k", "v"), store.ErrNotFound},
		{"version description", reg.UpdateVersionDescription(ctx, "m", 1, "v1"), nil},
		{"tag of missing model", reg.SetModelTag(ctx, "nobody", "k", "v"), store.ErrNotFound},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) {
			t.Errorf("%s: got %v, want %v", s.desc, s.err, s.want)
		}
	}
	m, err := reg.GetModel(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if m.Description != "second" || len(m.Tags) != 1 || m.Tags["owner"] != "ana" {
		t.Errorf("model: got %+v", m)
	}
	mv, err := reg.GetVersion(ctx, "m", 1)
	if err != nil || mv.Tags["validated"] != "yes" || mv.Description != "v1" {
		t.Errorf("version: got %+v, %v", mv, err)
	}
	if err := reg.DeleteVersionTag(ctx, "m", 1, "validated"); err != nil {
		t.Error(err)
	}
}

func TestParseStage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want registry.Stage
		ok   bool
	}{
		{"none", registry.None, true}, {"NONE", registry.None, true}, {"staging", registry.Staging, true},
		{"Production", registry.Production, true}, {"archived", registry.Archived, true},
		{"", 0, false}, {"Deleted_Internal", 0, false}, {"prod", 0, false},
	} {
		got, err := registry.ParseStage(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseStage(%q): got %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestConcurrentCreateVersion(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	const n = 8
	got := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mv, err := reg.CreateVersion(ctx, "m", "runs:/"+id.String()+"/model", id.String())
			if err == nil {
				got[i] = mv.Version
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("CreateVersion %d: %v", i, errs[i])
		}
		if got[i] < 1 || got[i] > n || seen[got[i]] {
			t.Fatalf("versions: got %v, want a permutation of 1..%d", got, n)
		}
		seen[got[i]] = true
	}
}

func TestSnapshotReadsOneState(t *testing.T) {
	ctx := context.Background()
	reg, _ := twoModels(t, "credit", 1)
	err := reg.Snapshot(ctx, func(s *registry.Snapshot) error {
		var names []string
		if err := s.Models(func(m *registry.RegisteredModel) error { names = append(names, m.Name); return nil }); err != nil {
			return err
		}
		if want := []string{"credit", "other"}; !slices.Equal(names, want) {
			t.Errorf("models: got %v, want %v", names, want)
		}
		m, err := s.Model("credit")
		if err != nil || m.Aliases["champion"] != 1 {
			t.Errorf("model: got %+v, %v; want alias champion -> 1", m, err)
		}
		vs, err := s.Versions("credit")
		if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 {
			t.Errorf("versions: got %d, %v; want 1 and 2", len(vs), err)
		}
		for alias, want := range map[string]int64{"champion": 1, "latest": 2} {
			if mv, err := s.VersionByAlias("credit", alias); err != nil || mv.Version != want {
				t.Errorf("alias %s: got %v, %v; want version %d", alias, mv, err, want)
			}
		}
		fs, err := s.Files("credit", 2)
		if err != nil || len(fs) != 2 {
			t.Errorf("files of credit/2: got %v, %v; want the 2 files under model/", fs, err)
		}
		evs, err := s.Audit("credit")
		if err != nil || len(evs) == 0 {
			t.Errorf("audit: got %d events, %v", len(evs), err)
		}
		for what, err := range map[string]error{
			"unknown model":    func() error { _, err := s.Model("none"); return err }(),
			"versions of none": func() error { _, err := s.Versions("none"); return err }(),
			"unknown version":  func() error { _, err := s.Version("credit", 9); return err }(),
			"files of none":    func() error { _, err := s.Files("credit", 9); return err }(),
			"audit of none":    func() error { _, err := s.Audit("none"); return err }(),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", what, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLastUpdated: as in MLflow, a tag or an alias leaves a model's and a
// version's last update time alone; a description, a stage and a rename
// move it (a rename moves every version's too).
func TestLastUpdated(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	times := func() (int64, int64) {
		t.Helper()
		m, err := reg.GetModel(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		v, err := reg.GetVersion(ctx, m.Name, 1)
		if err != nil {
			t.Fatal(err)
		}
		return m.LastUpdatedTime, v.LastUpdatedTime
	}
	for _, tc := range []struct {
		name                string
		change              func() error
		bumpModel, bumpVers bool
	}{
		{"set model tag", func() error { return reg.SetModelTag(ctx, "m", "k", "v") }, false, false},
		{"delete model tag", func() error { return reg.DeleteModelTag(ctx, "m", "k") }, false, false},
		{"set alias", func() error { return reg.SetAlias(ctx, "m", "champion", 1) }, false, false},
		{"delete alias", func() error { return reg.DeleteAlias(ctx, "m", "champion") }, false, false},
		{"set version tag", func() error { return reg.SetVersionTag(ctx, "m", 1, "k", "v") }, false, false},
		{"delete version tag", func() error { return reg.DeleteVersionTag(ctx, "m", 1, "k") }, false, false},
		{"model description", func() error { return reg.UpdateModelDescription(ctx, "m", "d") }, true, false},
		{"version description", func() error { return reg.UpdateVersionDescription(ctx, "m", 1, "d") }, false, true},
		{"rename", func() error {
			if err := reg.RenameModel(ctx, "m", "m2"); err != nil {
				return err
			}
			return reg.RenameModel(ctx, "m2", "m")
		}, true, true},
	} {
		m0, v0 := times()
		time.Sleep(2 * time.Millisecond) // the clock is real: let a bump show
		if err := tc.change(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m1, v1 := times()
		if got := m1 != m0; got != tc.bumpModel {
			t.Errorf("%s: model's last update moved: got %v, want %v", tc.name, got, tc.bumpModel)
		}
		if got := v1 != v0; got != tc.bumpVers {
			t.Errorf("%s: version's last update moved: got %v, want %v", tc.name, got, tc.bumpVers)
		}
	}
}
