package store

import (
	"context"
	"math"
	"testing"
)

// TestRepeatedPointsCollapse: a point equal in step, time and value to one
// the series holds is kept once, whether it repeats within a batch, across
// batches, in the open head chunk or in a sealed one; a point differing in
// any of the three is kept.
func TestRepeatedPointsCollapse(t *testing.T) {
	nan := math.NaN()
	p := func(step, time int64, v float64) Point { return Point{Step: step, Time: time, Value: v} }
	train := make([]Point, 30000) // enough for several sealed chunks
	for i := range train {
		train[i] = p(int64(i), 1_700_000_000_000+int64(i), math.Sin(float64(i)))
	}
	tests := []struct {
		name    string
		batches [][]Point
		want    int // points kept
	}{
		{"repeat in one batch", [][]Point{{p(0, 1, 1), p(0, 1, 1), p(1, 2, 1)}}, 2},
		{"repeat in the next batch", [][]Point{{p(0, 1, 1)}, {p(0, 1, 1)}}, 1},
		{"resent batch", [][]Point{{p(0, 1, 1), p(1, 2, 2)}, {p(0, 1, 1), p(1, 2, 2)}}, 2},
		{"other value kept", [][]Point{{p(0, 1, 1)}, {p(0, 1, 2)}}, 2},
		{"other time kept", [][]Point{{p(0, 1, 1)}, {p(0, 2, 1)}}, 2},
		{"other step kept", [][]Point{{p(1, 1, 1)}, {p(0, 1, 1)}}, 2},
		{"NaN repeats", [][]Point{{p(0, 1, nan)}, {p(0, 1, nan)}}, 1},
		{"-0 is not 0", [][]Point{{p(0, 1, 0)}, {p(0, 1, math.Copysign(0, -1))}}, 2},
		{"step 0 logged with the clock", [][]Point{{p(0, 1, 1), p(0, 2, 1), p(0, 3, 1)}, {p(0, 2, 1)}}, 3},
		{"backfill between points", [][]Point{{p(0, 1, 1), p(10, 11, 1)}, {p(5, 6, 1), p(0, 1, 1)}}, 3},
		{"retry of a sealed chunk's points", [][]Point{train, train[:100], train[20000:20100]}, len(train)},
		{"one point of a sealed chunk, changed", [][]Point{train, {p(5, 1_700_000_000_005, 7)}}, len(train) + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			ctx := context.Background()
			r := newRun(t, s, 0)
			for _, b := range tt.batches {
				if err := s.LogPoints(r.ID, "m", b...); err != nil {
					t.Fatal(err)
				}
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			}
			mustView(t, s, func(tx *Tx) error {
				got, err := tx.Run(r.ID)
				if err != nil {
					return err
				}
				pts, err := tx.History(nil, got, "m", AllSteps)
				if err != nil {
					return err
				}
				if len(pts) != tt.want {
					t.Errorf("got %d points, want %d", len(pts), tt.want)
				}
				if c := got.Metrics["m"].Count; c != uint64(tt.want) {
					t.Errorf("summary counts %d points, want %d", c, tt.want)
				}
				return nil
			})
		})
	}
}
