package run_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

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
