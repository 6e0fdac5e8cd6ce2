package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// snapshot renders every model, version and audit event, so a test can
// see that a refused call changed nothing.
func snapshot(t *testing.T, reg *registry.Registry) string {
	t.Helper()
	ctx := context.Background()
	ms, _, err := reg.SearchModels(ctx, registry.SearchOptions{MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	vs, _, err := reg.SearchVersions(ctx, registry.SearchOptions{OrderBy: []string{"name", "version_number"}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%+v\n", *m)
		evs, err := reg.Audit(ctx, m.Name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d events\n", len(evs))
	}
	for _, v := range vs {
		fmt.Fprintf(&b, "%+v\n", *v)
	}
	return b.String()
}

func TestBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	src := "runs:/" + id.String() + "/model"
	mustVersion(t, reg, "m", src)
	mustVersion(t, reg, "other", src)
	if err := reg.SetAlias(ctx, "m", "champion", 1); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, reg)
	tests := []struct {
		name string
		call func() error
		is   error
		want string
	}{
		{"unknown model", func() error { _, err := reg.TransitionStage(ctx, "nope", 1, "Staging", false); return err }, store.ErrNotFound, `"nope"`},
		{"unknown version", func() error { _, err := reg.TransitionStage(ctx, "m", 9, "Staging", false); return err }, store.ErrNotFound, "no version 9"},
		{"alias to unknown version", func() error { return reg.SetAlias(ctx, "m", "shadow", 9) }, store.ErrNotFound, "no version 9"},
		{"invalid stage", func() error { _, err := reg.TransitionStage(ctx, "m", 1, "Live", false); return err }, store.ErrInvalid, "Live"},
		{"archive into None", func() error { _, err := reg.TransitionStage(ctx, "m", 1, "None", true); return err }, store.ErrInvalid, "not an active stage"},
		{"reserved alias latest", func() error { return reg.SetAlias(ctx, "m", "latest", 1) }, store.ErrInvalid, "latest"},
		{"reserved alias v3", func() error { return reg.SetAlias(ctx, "m", "v3", 1) }, store.ErrInvalid, "v3"},
		{"malformed alias", func() error { return reg.SetAlias(ctx, "m", "a/b", 1) }, store.ErrInvalid, "a/b"},
		{"empty alias", func() error { return reg.SetAlias(ctx, "m", "", 1) }, store.ErrInvalid, "alias"},
		{"malformed models URI", func() error { _, err := reg.Resolve(ctx, "models:/m/1/2"); return err }, store.ErrInvalid, "not a proper models:/ URI"},
		{"models URI without name", func() error { _, err := reg.Resolve(ctx, "models:/"); return err }, store.ErrInvalid, "not a proper models:/ URI"},
		{"unknown stage in URI", func() error { _, err := reg.Resolve(ctx, "models:/m/Live"); return err }, store.ErrInvalid, "Live"},
		{"unknown alias in URI", func() error { _, err := reg.Resolve(ctx, "models:/m@ghost"); return err }, store.ErrInvalid, "ghost"},
		{"malformed runs URI", func() error { _, err := reg.CreateVersion(ctx, "m", "runs:/zzz/model", ""); return err }, store.ErrInvalid, "runs:/"},
		{"source without the path", func() error { _, err := reg.CreateVersion(ctx, "m", "runs:/"+id.String()+"/nothere", ""); return err }, store.ErrNotFound, "nothere"},
		{"source run unknown", func() error {
			_, err := reg.CreateVersion(ctx, "m", "runs:/0123456789abcdef0123456789abcdef/model", "")
			return err
		}, store.ErrNotFound, "0123456789abcdef0123456789abcdef"},
		{"duplicate model", func() error { _, err := reg.CreateModel(ctx, "m", nil, ""); return err }, store.ErrExists, `"m"`},
		{"rename onto another model", func() error { return reg.RenameModel(ctx, "m", "other") }, store.ErrExists, `"other"`},
		{"invalid model name", func() error { _, err := reg.CreateModel(ctx, "", nil, ""); return err }, store.ErrInvalid, "name"},
		{"download unknown version", func() error { _, err := reg.Download(ctx, "models:/m/7", t.TempDir()); return err }, store.ErrNotFound, "no version 7"},
		{"delete unknown version tag", func() error { return reg.DeleteVersionTag(ctx, "m", 1, "nope") }, store.ErrNotFound, "nope"},
	}
	for _, tt := range tests {
		err := tt.call()
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %v mentioning %q", tt.name, err, tt.is, tt.want)
		}
		if after := snapshot(t, reg); after != before {
			t.Fatalf("%s changed the registry:\n%s\nwas:\n%s", tt.name, after, before)
		}
	}
}

func TestLogModel(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "weights.json"), []byte(`[0.5, -1]`), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := []map[string]any{{"age": 34, "income": 52000.0}, {"age": 51}}
	sig, err := mlmodel.InferSignature(rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, mv, err := reg.LogModel(ctx, id, dir, &registry.LogModelOptions{ArtifactPath: "clf", Signature: sig,
		InputExample: rows, RegisteredModelName: "credit", Metadata: map[string]any{"owner": "risk"}})
	if err != nil {
		t.Fatal(err)
	}
	if mv == nil || mv.Version != 1 || mv.Source != "runs:/"+id.String()+"/clf" {
		t.Fatalf("registered version = %+v", mv)
	}
	if m.ArtifactPath != "clf" || m.RunID != id.String() || m.SavedInputExample == nil || *m.ModelSizeBytes <= 9 {
		t.Fatalf("MLmodel = %+v", m)
	}
	rc, err := db.OpenArtifact(ctx, id, "clf/input_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Columns []string `json:"columns"`
		Data    [][]any  `json:"data"`
	}
	if err := json.NewDecoder(rc).Decode(&ex); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if strings.Join(ex.Columns, ",") != "age,income" || len(ex.Data) != 2 || ex.Data[1][1] != nil {
		t.Fatalf("input example = %+v", ex)
	}
	files, err := reg.Files(ctx, "credit", 1)
	if err != nil || len(files) != 4 {
		t.Fatalf("version files = %+v, %v; want MLmodel, weights and two examples", files, err)
	}
	// A second model from the same run is appended to the history tag.
	if _, _, err := reg.LogModel(ctx, id, dir, &registry.LogModelOptions{ArtifactPath: "clf2"}); err != nil {
		t.Fatal(err)
	}
	rec, err := db.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var hist []map[string]any
	if err := json.Unmarshal([]byte(rec.Tags[registry.TagLogModelHistory]), &hist); err != nil || len(hist) != 2 {
		t.Fatalf("history tag %q: %v; want two entries", rec.Tags[registry.TagLogModelHistory], err)
	}
	if hist[0]["artifact_path"] != "clf" || hist[1]["artifact_path"] != "clf2" {
		t.Fatalf("history = %v", hist)
	}

	// Downloading a runs:/ URI gives the model folder's files.
	dst := t.TempDir()
	if v, err := reg.Download(ctx, "runs:/"+id.String()+"/clf2", dst); err != nil || v != nil {
		t.Fatalf("Download(runs:/) = %v, %v", v, err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "weights.json")); err != nil || string(b) != "[0.5, -1]" {
		t.Fatalf("downloaded weights = %q, %v", b, err)
	}
}

func TestLogModelErrors(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	two := t.TempDir()
	for _, f := range []string{"a.bin", "b.bin"} {
		if err := os.WriteFile(filepath.Join(two, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	withMLmodel := t.TempDir()
	if err := os.WriteFile(filepath.Join(withMLmodel, "MLmodel"), []byte("flavors: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	one := t.TempDir()
	if err := os.WriteFile(filepath.Join(one, "m.bin"), []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknown, _ := store.ParseRunID("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name string
		id   run.ID
		dir  string
		opts *registry.LogModelOptions
		is   error
		want string
	}{
		{"path leaves the run", id, one, &registry.LogModelOptions{ArtifactPath: "../x"}, store.ErrInvalid, "artifact path"},
		{"missing directory", id, filepath.Join(one, "nope"), nil, store.ErrNotFound, "does not exist"},
		{"directory with MLmodel", id, withMLmodel, nil, store.ErrInvalid, "already holds an MLmodel"},
		{"two files, no flavor", id, two, nil, store.ErrInvalid, "give Flavors"},
		{"unknown run", unknown, one, nil, store.ErrNotFound, "0123456789abcdef0123456789abcdef"},
		{"tensor input example", id, one, &registry.LogModelOptions{InputExample: []float64{1, 2}}, store.ErrInvalid, "input example"},
		{"go flavor without model_file", id, one, &registry.LogModelOptions{Flavors: map[string]map[string]any{mlmodel.GoFlavor: {}}}, store.ErrInvalid, "model_file"},
	}
	for _, tt := range tests {
		_, _, err := reg.LogModel(ctx, tt.id, tt.dir, tt.opts)
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %v mentioning %q", tt.name, err, tt.is, tt.want)
		}
	}
	got, err := db.ListArtifacts(ctx, id, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("failed LogModel calls left artifacts: %+v", got)
	}
	rec, _ := db.GetRun(ctx, id)
	if _, ok := rec.Tags[registry.TagLogModelHistory]; ok {
		t.Fatal("failed LogModel calls set the history tag")
	}
}
