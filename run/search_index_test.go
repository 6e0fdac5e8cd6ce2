package run_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite/run"
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
