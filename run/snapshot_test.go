package run_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// snapshotFixture makes two experiments: "a" with runs a1, a2 (deleted) and
// a3 (auc 0.9), "b" with b1; and a deleted experiment "gone".
func snapshotFixture(t *testing.T, tr *run.Tracker) (a, b, gone run.ExperimentID, ids map[string]run.ID) {
	t.Helper()
	ids = map[string]run.ID{}
	mk := func(name string) run.ExperimentID {
		x, err := tr.CreateExperiment(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return x.ID
	}
	a, b, gone = mk("a"), mk("b"), mk("gone")
	for _, c := range []struct {
		exp  run.ExperimentID
		name string
		auc  float64
	}{{a, "a1", 0.7}, {a, "a2", 0.8}, {a, "a3", 0.9}, {b, "b1", 0.5}} {
		r, err := tr.StartRun(ctx, c.exp, run.Name(c.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.LogMetric("auc", c.auc); err != nil {
			t.Fatal(err)
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
		ids[c.name] = r.ID()
	}
	if err := tr.DeleteRun(ctx, ids["a2"]); err != nil {
		t.Fatal(err)
	}
	if err := tr.DeleteExperiment(ctx, gone); err != nil {
		t.Fatal(err)
	}
	return a, b, gone, ids
}

func TestSnapshotRuns(t *testing.T) {
	tr := newTracker(t, nil)
	a, b, _, _ := snapshotFixture(t, tr)
	auc, err := run.ParseFilter("metrics.auc >= 0.75")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		sel  run.RunSelection
		want []string
	}{
		{"every active run", run.RunSelection{}, []string{"a1", "a3", "b1"}},
		{"one experiment hides deleted runs", run.RunSelection{Experiments: []run.ExperimentID{a}}, []string{"a1", "a3"}},
		{"deleted only", run.RunSelection{Experiments: []run.ExperimentID{a}, View: run.DeletedOnly}, []string{"a2"}},
		{"all", run.RunSelection{Experiments: []run.ExperimentID{a}, View: run.All}, []string{"a1", "a2", "a3"}},
		{"filter", run.RunSelection{View: run.All, Filter: auc}, []string{"a2", "a3"}},
		{"repeated experiments", run.RunSelection{Experiments: []run.ExperimentID{b, a, b}}, []string{"a1", "a3", "b1"}},
		{"no experiment", run.RunSelection{Experiments: []run.ExperimentID{}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			err := tr.Snapshot(ctx, func(s *run.Snapshot) error {
				return s.Runs(c.sel, func(v *run.RunView) error {
					got = append(got, v.Name())
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestSnapshotReads(t *testing.T) {
	tr := newTracker(t, nil)
	a, _, gone, ids := snapshotFixture(t, tr)
	r, err := tr.StartRun(ctx, a, run.Name("curve"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := r.LogMetric("loss", float64(100-i), run.Step(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	logText(t, r, "hello", "notes/readme.txt")
	// No Flush: a snapshot sees what was logged before it.
	err = tr.Snapshot(ctx, func(s *run.Snapshot) error {
		var names []string
		if err := s.Experiments(0, func(x *run.Experiment) error { names = append(names, x.Name); return nil }); err != nil {
			return err
		}
		if want := []string{"Default", "a", "b"}; !slices.Equal(names, want) {
			t.Errorf("active experiments: got %v, want %v", names, want)
		}
		if x, err := s.Experiment(gone); err != nil || x.Lifecycle != run.Deleted {
			t.Errorf("deleted experiment: got %v, %v; want it, deleted", x, err)
		}
		rec, err := s.Run(r.ID())
		if err != nil {
			return err
		}
		pts, err := s.History(nil, rec, "loss", run.AllSteps)
		if err != nil || len(pts) != 100 {
			t.Errorf("history: got %d points, %v; want 100", len(pts), err)
		}
		few, err := s.Downsample(rec, "loss", run.AllSteps, 10)
		if err != nil || len(few) == 0 || len(few) >= 100 {
			t.Errorf("downsample to 10: got %d points, %v", len(few), err)
		}
		v, err := s.RunView(ids["a2"])
		if err != nil || v.Lifecycle() != run.Deleted {
			t.Errorf("view of a deleted run: got %v; want it, deleted", err)
		}
		f, err := s.Artifact(r.ID(), "notes/readme.txt")
		if err != nil || f.Size != 5 {
			t.Errorf("artifact: got %+v, %v; want 5 bytes", f, err)
		}
		if _, err := s.Artifact(r.ID(), "notes/none.txt"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing artifact: got %v, want ErrNotFound", err)
		}
		if _, err := s.Artifact(run.ID{1}, "notes/readme.txt"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("artifact of an unknown run: got %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPageTokenRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 50000} {
		got, err := run.ParsePageToken(run.PageToken(n))
		if err != nil || got != n {
			t.Errorf("ParsePageToken(PageToken(%d)): got %d, %v", n, got, err)
		}
	}
	if _, err := run.ParsePageToken("not a token"); !errors.Is(err, run.ErrBadQuery) {
		t.Errorf("bad token: got %v, want ErrBadQuery", err)
	}
	if _, err := run.ParseFilter("metrics.auc >"); !errors.Is(err, run.ErrBadQuery) {
		t.Errorf("bad filter: got %v, want ErrBadQuery", err)
	}
}
