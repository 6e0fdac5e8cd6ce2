package mlflowapi

import (
	"math"
	"slices"
	"testing"

	"github.com/mlite/mlite/run"
)

// TestSampleRows: MLflow 3.17's NTILE sampling of a metric history.
func TestSampleRows(t *testing.T) {
	steps := func(n int) []run.Point {
		pts := make([]run.Point, n)
		for i := range pts {
			pts[i] = run.Point{Step: int64(i), Time: int64(100 + i), Value: float64(i)}
		}
		return pts
	}
	tests := []struct {
		name string
		pts  []run.Point
		n    int
		want []int64 // steps kept
	}{
		{"none", nil, 3, nil},
		{"fewer than n", steps(2), 5, []int64{0, 1}},
		{"5 in 3 buckets of 2, 2, 1", steps(5), 3, []int64{0, 2, 4}},
		{"10 in 4 buckets, the last replaced", steps(10), 4, []int64{0, 3, 6, 9}},
		{"7 in 3 buckets of 3, 2, 2: the last replaces", steps(7), 3, []int64{0, 3, 6}},
		{"8 in 3: the last replaces", steps(8), 3, []int64{0, 3, 7}},
		{"one: the last point", steps(6), 1, []int64{5}},
		{"by time within a step", []run.Point{{Step: 0, Time: 3}, {Step: 0, Time: 1}, {Step: 0, Time: 2}}, 2, []int64{0, 0}},
	}
	for _, tt := range tests {
		got := sampleRows(slices.Clone(tt.pts), tt.n)
		var gs []int64
		for _, p := range got {
			gs = append(gs, p.Step)
		}
		if !slices.Equal(gs, tt.want) {
			t.Errorf("%s: got steps %v, want %v", tt.name, gs, tt.want)
		}
	}
	// A NaN sorts as the 0 MLflow stores for it, after a real 0.
	got := sampleRows([]run.Point{{Value: math.NaN()}, {Value: 0}, {Value: -1}}, 3)
	if got[0].Value != -1 || got[1].Value != 0 || !math.IsNaN(got[2].Value) {
		t.Errorf("NaN order: got %v, want -1, 0, NaN", got)
	}
}
