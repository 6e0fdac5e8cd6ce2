package registry_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

func TestSnapshotReadsOneState(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	src := "runs:/" + id.String() + "/model"
	mustVersion(t, reg, "credit", src)
	mustVersion(t, reg, "credit", src)
	mustVersion(t, reg, "other", src)
	if err := reg.SetAlias(ctx, "credit", "champion", 1); err != nil {
		t.Fatal(err)
	}
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
