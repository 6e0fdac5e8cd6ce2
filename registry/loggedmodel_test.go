package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry"
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
	want := `[{"name": "credit", "version": "1"}, {"name": "credit", "version": "2"}]`
	if tag := got.Tags[registry.TagModelVersions]; tag != want {
		t.Errorf("%s: got %s, want %s", registry.TagModelVersions, tag, want)
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
