package store

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestOrderedFloat(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -1, -1e-300, math.Copysign(0, -1), 0, 1e-300, 1, 1e300, math.Inf(1)}
	for i := 1; i < len(vals); i++ {
		if orderedFloat(vals[i-1]) >= orderedFloat(vals[i]) {
			t.Errorf("orderedFloat(%v) >= orderedFloat(%v)", vals[i-1], vals[i])
		}
	}
	for _, v := range vals {
		if got := floatFromOrdered(orderedFloat(v)); math.Float64bits(got) != math.Float64bits(v) {
			t.Errorf("round trip of %v gave %v", v, got)
		}
	}
}

func metricOrder(t *testing.T, s *Store, key string, desc bool) string {
	t.Helper()
	var out []string
	err := s.View(context.Background(), func(tx *Tx) error {
		return tx.MetricOrder(key, desc, func(v float64, id RunID) (bool, error) {
			r, err := tx.Run(id)
			if err != nil {
				return false, err
			}
			out = append(out, r.Name)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func TestMetricOrderIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.mlite"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]RunID{}
	put := func(name string, key string, v float64) {
		t.Helper()
		mustUpdate(t, s, func(tx *Tx) error {
			id, ok := ids[name]
			var r *Run
			if !ok {
				id[0], id[15] = byte(len(ids)+1), byte(len(ids)+1)
				ids[name] = id
				r = &Run{ID: id, Name: name, Status: Running}
				if err := tx.CreateRun(r); err != nil {
					return err
				}
			} else {
				var err error
				if r, err = tx.Run(id); err != nil {
					return err
				}
			}
			if err := tx.AppendPoints(r, key, []Point{{Step: int64(len(r.Metrics) + 100), Value: v}}); err != nil {
				return err
			}
			return tx.PutRun(r)
		})
	}
	put("a", "auc", 0.5)
	put("b", "auc", 0.9)
	put("c", "auc", 0.5)
	put("d", "auc", math.NaN())
	put("e", "loss", 1)
	if got, want := metricOrder(t, s, "auc", true), "b a c"; got != want {
		t.Errorf("auc DESC = %q, want %q", got, want)
	}
	if got, want := metricOrder(t, s, "auc", false), "a c b"; got != want {
		t.Errorf("auc ASC = %q, want %q", got, want)
	}
	put("a", "auc", 0.95) // a newer point moves a to the top
	put("b", "auc", math.NaN())
	if got, want := metricOrder(t, s, "auc", true), "a c"; got != want {
		t.Errorf("after updates, auc DESC = %q, want %q", got, want)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.PurgeRun(ids["a"]) }); err != nil {
		t.Fatal(err)
	}
	if got, want := metricOrder(t, s, "auc", true), "c"; got != want {
		t.Errorf("after purge, auc DESC = %q, want %q", got, want)
	}
	if got := metricOrder(t, s, "nope", true); got != "" {
		t.Errorf("unknown metric = %q", got)
	}

	// Check notices an index that disagrees with the runs; a file without
	// the index gets it built on open.
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.tx.Bucket(bucketMetricOrder).Put(metricOrderKey("auc", 7, ids["e"]), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	probs, err := s.Check(ctx)
	if err != nil || len(probs) != 1 || !strings.Contains(probs[0].String(), "no run has that latest value") {
		t.Fatalf("Check = %v, %v; want the stray entry", probs, err)
	}
	err = s.Update(ctx, func(tx *Tx) error { return tx.tx.DeleteBucket(bucketMetricOrder) })
	if err != nil {
		t.Fatal(err)
	}
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, want := metricOrder(t, s2, "auc", true), "c"; got != want {
		t.Errorf("rebuilt index: auc DESC = %q, want %q", got, want)
	}
	if got, want := metricOrder(t, s2, "loss", true), "e"; got != want {
		t.Errorf("rebuilt index: loss DESC = %q, want %q", got, want)
	}
	mustCheck(t, s2)
}
