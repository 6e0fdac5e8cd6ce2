package run_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// TestSearchDefaultOrderUsesTheIndex: a one-experiment search in the
// default order reads the experiment's run index and stops at a full
// page; its pages must equal those of the full scan, with equal start
// times, start times before the epoch, and a filter.
func TestSearchDefaultOrderUsesTheIndex(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, nil)
	exp := createExperiment(t, tr, "e")
	other := createExperiment(t, tr, "other")
	starts := []int64{-5000, -1, 0, 1, 1, 1, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001}
	var all []string
	for i := range 120 {
		start := starts[i%len(starts)] + int64(i/len(starts))*1000
		r, err := tr.StartRun(ctx, exp.ID, run.StartTime(time.UnixMilli(start)), run.Name(fmt.Sprintf("r%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.LogParam("even", i%2 == 0); err != nil {
			t.Fatal(err)
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
		all = append(all, r.ID().String())
		if _, err := tr.StartRun(ctx, other.ID); err != nil { // noise in another experiment
			t.Fatal(err)
		}
	}
	if err := tr.Store().Commit(ctx); err != nil {
		t.Fatal(err)
	}
	pages := func(filter string, exps []run.ExperimentID, size int) []string {
		var ids []string
		tok := ""
		for range 1000 {
			p, err := tr.SearchRuns(ctx, run.SearchOptions{Filter: filter, ExperimentIDs: exps, MaxResults: size, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Runs {
				ids = append(ids, r.ID.String())
			}
			if tok = p.NextPageToken; tok == "" {
				return ids
			}
		}
		t.Fatal("paging did not end")
		return nil
	}
	for _, filter := range []string{"", "params.even = 'true'", "attributes.start_time < 2"} {
		// The reference: the same search through the full scan with an
		// explicit order (not the index path), restricted to experiment e.
		ref, err := tr.SearchRuns(ctx, run.SearchOptions{Filter: filter, ExperimentIDs: []run.ExperimentID{exp.ID, other.ID},
			OrderBy: []string{"attributes.start_time DESC", "attributes.run_id ASC"}, MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range ref.Runs {
			if r.ExperimentID == exp.ID {
				want = append(want, r.ID.String())
			}
		}
		for _, size := range []int{1, 7, 50, 1000} {
			got := pages(filter, []run.ExperimentID{exp.ID}, size)
			if !slices.Equal(got, want) {
				t.Fatalf("filter %q, pages of %d:\ngot  %s\nwant %s", filter, size, strings.Join(got, " "), strings.Join(want, " "))
			}
		}
	}
	if got := pages("", []run.ExperimentID{exp.ID}, 1000); len(got) != len(all) {
		t.Fatalf("%d runs, want %d", len(got), len(all))
	}
}

// TestSearchExperimentsScanOrLookup: a search of some experiments reads
// their runs by lookups when they are few and by a scan of the file when
// they are many; both give the runs of exactly those experiments.
func TestSearchExperimentsScanOrLookup(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, nil)
	sizes := map[string]int{"small": 4, "big": 150, "other": 60}
	exps := map[string]run.ExperimentID{}
	for name, n := range sizes {
		x := createExperiment(t, tr, name)
		exps[name] = x.ID
		for i := range n {
			r, err := tr.StartRun(ctx, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.LogMetric("m", float64(i%9)); err != nil {
				t.Fatal(err)
			}
			if err := r.End(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, names := range [][]string{{"small"}, {"big"}, {"small", "big"}, {"small", "other"}} {
		var ids []run.ExperimentID
		want := 0
		for _, n := range names {
			ids = append(ids, exps[n])
			want += sizes[n]
		}
		p, err := tr.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: ids, Filter: "metrics.m >= 0", OrderBy: []string{"attributes.run_name"}, MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Runs) != want {
			t.Fatalf("experiments %v: %d runs, want %d", names, len(p.Runs), want)
		}
		for _, r := range p.Runs {
			if !slices.Contains(ids, r.ExperimentID) {
				t.Fatalf("experiments %v: got a run of experiment %d", names, r.ExperimentID)
			}
		}
		if !slices.IsSortedFunc(p.Runs, func(a, b *run.Record) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("experiments %v: not ordered by run name", names)
		}
	}
}

// TestSearchByMetricUsesTheIndex: a search ordered by a metric's latest
// value reads the metric order index and stops once the page is settled.
// Every run here has one point per metric, so max(metrics.m), which the
// index cannot serve, orders the same: the two must page identically,
// with ties, NaN, missing values, -0, filters, experiments and view types.
func TestSearchByMetricUsesTheIndex(t *testing.T) {
	ctx := context.Background()
	tr := newTracker(t, nil)
	other := createExperiment(t, tr, "other")
	values := []float64{0.5, 0.25, math.NaN(), 0.75, -1, math.Copysign(0, -1), 0, 0.5, math.Inf(1), math.Inf(-1)}
	err := tr.Store().Update(ctx, func(tx *store.Tx) error {
		for i := range 600 {
			r := &store.Run{ID: store.RunID(uuid.New()), Name: fmt.Sprint("r", i), Status: store.Finished,
				StartTime: int64(1000 + i%40), Params: map[string]string{"even": fmt.Sprint(i%2 == 0)}}
			if i%3 == 0 {
				r.ExperimentID = other.ID
			}
			if i%11 == 0 {
				r.Lifecycle = store.Deleted
			}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
			if i%13 != 0 { // some runs lack the metric
				if err := tx.AppendPoints(r, "m", []store.Point{{Value: values[i%len(values)]}}); err != nil {
					return err
				}
			}
			if err := tx.PutRun(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pages := func(o run.SearchOptions) []string {
		var names []string
		for range 10000 {
			p, err := tr.SearchRuns(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Runs {
				names = append(names, r.Name)
			}
			if o.PageToken = p.NextPageToken; o.PageToken == "" {
				return names
			}
		}
		t.Fatal("paging did not end")
		return nil
	}
	for _, dir := range []string{"DESC", "ASC"} {
		for _, filter := range []string{"", "params.even = 'true'", "metrics.m > 0"} {
			for _, exps := range [][]run.ExperimentID{nil, {other.ID}} {
				for _, view := range []run.ViewType{run.ActiveOnly, run.All} {
					for _, size := range []int{1, 9, 100, 1000} {
						o := run.SearchOptions{Filter: filter, ExperimentIDs: exps, View: view, MaxResults: size}
						o.OrderBy = []string{"metrics.m " + dir}
						got := pages(o)
						o.OrderBy = []string{"max(metrics.m) " + dir}
						want := pages(o)
						if !slices.Equal(got, want) {
							t.Fatalf("%s, filter %q, experiments %v, view %v, pages of %d:\ngot  %s\nwant %s",
								dir, filter, exps, view, size, strings.Join(got, " "), strings.Join(want, " "))
						}
					}
				}
			}
		}
	}
}
