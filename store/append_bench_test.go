package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAppendBatch: one write transaction per op appending one point
// to each of 100 series of a run, as MLflow's log_batch of 100 metrics
// does; every head chunk is resumed on each commit.
func BenchmarkAppendBatch(b *testing.B) {
	s := openTest(b, nil)
	r := newRun(b, s, 0)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("m%d", i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	step := int64(0)
	for b.Loop() {
		err := s.Update(ctx, func(tx *Tx) error {
			run, err := tx.Run(r.ID)
			if err != nil {
				return err
			}
			for j, k := range keys {
				p := Point{Step: step, Time: 1_700_000_000_000 + step, Value: float64(step*int64(j)) / 1e5}
				if err := tx.AppendPoints(run, k, []Point{p}); err != nil {
					return err
				}
			}
			return tx.PutRun(run)
		})
		if err != nil {
			b.Fatal(err)
		}
		step++
	}
	b.ReportMetric(float64(b.N)*float64(len(keys))/b.Elapsed().Seconds(), "points/s")
}
