package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func TestCreateVersionFromLoggedModel(t *testing.T) {
	ctx := context.Background()
	db, reg, rid := setup(t)
	lm := logModel(t, db, "model", rid.String(), map[string]string{"MLmodel": "flavors: {}\n"})
	source := "models:/" + lm.ID.String()
	mv, err := reg.CreateVersion(ctx, "credit", source, "")
	if err != nil {
		t.Fatal(err)
	}
	if mv.ModelID != lm.ID || mv.RunID != rid.String() || mv.Source != source {
		t.Errorf("version: got model id %s, run %s, source %s; want %s, %s, %s", mv.ModelID, mv.RunID, mv.Source, lm.ID, rid, source)
	}
	if got := filePaths(t, reg, "credit", mv.Version); got != "MLmodel" {
		t.Errorf("version files: got %q, want the logged model's MLmodel", got)
	}
	if _, err := reg.CreateVersion(ctx, "credit", source, ""); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetLoggedModel(ctx, lm.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"name": "credit", "version": 1}, {"name": "credit", "version": 2}]`
	if tag := got.Tags[registry.TagModelVersions]; tag != want {
		t.Errorf("%s: got %s, want %s", registry.TagModelVersions, tag, want)
	}
	// An entry the client wrote (its version a string) stays as it is.
	client := `[{"name": "credit", "version": "2"}]`
	if err := db.SetLoggedModelTags(ctx, lm.ID, map[string]string{registry.TagModelVersions: client}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateVersion(ctx, "credit", source, ""); err != nil {
		t.Fatal(err)
	}
	if got, err = db.GetLoggedModel(ctx, lm.ID); err != nil {
		t.Fatal(err)
	}
	want = `[{"name": "credit", "version": "2"}, {"name": "credit", "version": 3}]`
	if tag := got.Tags[registry.TagModelVersions]; tag != want {
		t.Errorf("%s after the client's: got %s, want %s", registry.TagModelVersions, tag, want)
	}
	back, err := reg.GetVersion(ctx, "credit", mv.Version)
	if err != nil || back.ModelID != lm.ID {
		t.Errorf("read back: got %+v, %v; want model id %s", back, err, lm.ID)
	}
	for _, c := range []struct{ source, runID string }{
		{"models:/" + store.NewModelID().String(), ""},
		{source, strings.Repeat("0", 32)},
	} {
		if _, err := reg.CreateVersion(ctx, "credit", c.source, c.runID); !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateVersion(%q, run %q): got %v, want not found or invalid", c.source, c.runID, err)
		}
	}
}

func TestLoggedModelURI(t *testing.T) {
	id := store.NewModelID()
	for _, c := range []struct {
		uri string
		ok  bool
	}{
		{"models:/" + id.String(), true},
		{"models:/" + id.String() + "/", true},
		{"models:/credit/1", false},
		{"models:/m-123", false},
		{"runs:/" + id.String(), false},
	} {
		got, ok := registry.LoggedModelURI(c.uri)
		if ok != c.ok || ok && got != id {
			t.Errorf("LoggedModelURI(%q) = %s, %v; want ok %v", c.uri, got, ok, c.ok)
		}
	}
}

// TestRunsURIOfLoggedModel: runs:/<run>/<name> names the run's logged
// model called name when the run has no artifacts there, as MLflow 3's
// client reads it (mlflow.<flavor>.log_model files a model under a logged
// model, and the article's create_model_version(source="runs:/<id>/model")
// follows): a version made from it holds the model's files and keeps its
// id (so its download URI is the model's artifact location), and Download
// writes them.
func TestRunsURIOfLoggedModel(t *testing.T) {
	ctx := context.Background()
	db, reg, rid := setup(t)
	// An older model of the same name and run, and one of another run:
	// the newest of this run wins.
	logModel(t, db, "clf", rid.String(), map[string]string{"MLmodel": "old\n"})
	// Creation times are milliseconds: the newer model must be a later one.
	time.Sleep(2 * time.Millisecond)
	lm := logModel(t, db, "clf", rid.String(), map[string]string{"MLmodel": "flavors: {}\n", "data/model.pkl": "weights"})
	logModel(t, db, "other", "", map[string]string{"MLmodel": "x"})

	source := "runs:/" + rid.String() + "/clf"
	mv, err := reg.CreateVersion(ctx, "credit", source, rid.String())
	if err != nil {
		t.Fatal(err)
	}
	if mv.Source != source || mv.RunID != rid.String() || mv.ModelID != lm.ID {
		t.Errorf("version: got source %s, run %s, model id %s; want %s, %s, %s", mv.Source, mv.RunID, mv.ModelID, source, rid, lm.ID)
	}
	if got, want := filePaths(t, reg, "credit", mv.Version), "MLmodel data/model.pkl"; got != want {
		t.Errorf("version files: got %s, want %s", got, want)
	}

	// A path inside the model, and Download of the runs:/ URI.
	mv2, err := reg.CreateVersion(ctx, "credit", source+"/data", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := filePaths(t, reg, "credit", mv2.Version); got != "model.pkl" {
		t.Errorf("version of %s/data: got %q, want model.pkl", source, got)
	}
	dst := t.TempDir()
	if _, err := reg.Download(ctx, source, dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "MLmodel")); err != nil || string(b) != "flavors: {}\n" {
		t.Errorf("downloaded MLmodel: got %q, %v; want the newest model's", b, err)
	}

	// No artifacts and no such model: not found, as before.
	for _, s := range []string{"runs:/" + rid.String() + "/nothing", "runs:/" + rid.String() + "/other"} {
		if _, err := reg.CreateVersion(ctx, "credit", s, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateVersion(%s): got %v, want not found", s, err)
		}
	}
}

// TestVersionsFromLocalSources registers versions from local sources inside
// the artifact folders of a run and a logged model of an experiment with a
// local artifact location: they record the source and copy nothing; a
// source outside is refused.
func TestVersionsFromLocalSources(t *testing.T) {
	ctx := context.Background()
	db, reg, storeRun := setup(t)
	dir := t.TempDir()
	rec := mlitetest.RunAt(t, db, "ext", dir)
	lm, err := db.CreateLoggedModel(ctx, rec.ExperimentID, run.LoggedModelOptions{Name: "lm", SourceRunID: rec.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, source, runID string
		model               *run.LoggedModel
		err                 error
	}{
		{name: "run folder", source: rec.ArtifactURI, runID: rec.ID.String()},
		{name: "file in it", source: "file://" + filepath.ToSlash(rec.ArtifactURI) + "/model", runID: rec.ID.String()},
		{name: "runs URI", source: "runs:/" + rec.ID.String() + "/model", runID: rec.ID.String()},
		{name: "model folder", source: lm.ArtifactLocation, model: lm},
		{name: "outside the run", source: dir, runID: rec.ID.String(), err: store.ErrInvalid},
		{name: "escaping", source: rec.ArtifactURI + "/../..", runID: rec.ID.String(), err: store.ErrInvalid},
		{name: "no run", source: rec.ArtifactURI, err: store.ErrInvalid},
		{name: "a run in the store", source: dir, runID: storeRun.String(), err: store.ErrInvalid},
		{name: "outside the model", source: dir, model: lm, err: store.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mv *registry.ModelVersion
			var err error
			if tc.model != nil {
				mv, err = reg.CreateVersionFromModel(ctx, "ext-model", tc.source, tc.model.ID)
			} else {
				mv, err = reg.CreateVersion(ctx, "ext-model", tc.source, tc.runID)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("got %v, want an error wrapping %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mv.Source != tc.source || mv.RunID != rec.ID.String() {
				t.Errorf("version: got source %q run %q, want %q, %s", mv.Source, mv.RunID, tc.source, rec.ID)
			}
			if tc.model != nil && mv.ModelID != tc.model.ID {
				t.Errorf("version's model: got %s, want %s", mv.ModelID, tc.model.ID)
			}
			if got := filePaths(t, reg, "ext-model", mv.Version); got != "" {
				t.Errorf("version files: got %q, want none (they stay in the folder)", got)
			}
		})
	}
}
