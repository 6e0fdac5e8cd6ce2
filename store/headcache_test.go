package store

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// appendTx appends to metric key of run id in one write transaction of s,
// one AppendPoints call per part; fail makes the transaction roll back
// after the appends.
func appendTx(s *Store, id RunID, key string, fail error, parts ...[]Point) error {
	return s.Update(context.Background(), func(tx *Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		for _, pts := range parts {
			if err := tx.AppendPoints(r, key, pts); err != nil {
				return err
			}
		}
		if err := tx.PutRun(r); err != nil {
			return err
		}
		return fail
	})
}

// dropHeads empties s's head cache, so the next append decodes the chunk
// from the file as a process without the cache would.
func dropHeads(s *Store) {
	s.heads.mu.Lock()
	s.heads.m = nil
	s.heads.mu.Unlock()
}

// seriesBytes returns every chunk of s, by key.
func seriesBytes(t *testing.T, s *Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	mustView(t, s, func(tx *Tx) error {
		return tx.tx.Bucket(bucketSeries).ForEach(func(k, v []byte) error {
			out[string(k)] = bytes.Clone(v)
			return nil
		})
	})
	return out
}

func sameSeriesBytes(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d chunks, want %d", len(got), len(want))
	}
	for k, w := range want {
		if g := got[k]; !bytes.Equal(g, w) {
			t.Fatalf("chunk %x: got %d bytes %x, want %d bytes %x", k, len(g), g, len(w), w)
		}
	}
}

// headCachePoints is a workload for the head cache: in each of n
// transactions, one to three points for each of keys series, with steps
// mostly ahead, some repeats (a retry) and some backfills, values of every
// kind the encoder picks a column for.
func headCachePoints(n, keys int) [][][]Point {
	rng := rand.New(rand.NewPCG(7, 9))
	txs := make([][][]Point, n)
	for i := range txs {
		txs[i] = make([][]Point, keys)
		for k := range keys {
			for range 1 + rng.IntN(3) {
				step := int64(i)
				if rng.IntN(10) == 0 {
					step = int64(rng.IntN(i + 1)) // a backfill, or a repeat
				}
				v := []float64{float64(i), float64(float32(1 / float64(i+1))), math.NaN(), 0.5, -float64(k)}[(i+k)%5]
				txs[i][k] = append(txs[i][k], Point{Step: step, Time: 1_700_000_000_000 + step*40, Value: v})
			}
		}
	}
	return txs
}

// TestHeadCacheSameBytes: appends that resume cached head chunks write
// exactly the bytes that appends decoding each head from the file write,
// through chunk seals, repeats and backfills, and two appends to a series
// in one transaction.
func TestHeadCacheSameBytes(t *testing.T) {
	cached, fresh := openTest(t, nil), openTest(t, nil)
	keys := []string{"loss", "acc", "lr"}
	r := &Run{ExperimentID: 0, Name: "r", Status: Running, StartTime: 1000}
	copy(r.ID[:], randomID())
	for _, s := range []*Store{cached, fresh} {
		rr := *r
		mustUpdate(t, s, func(tx *Tx) error { return tx.CreateRun(&rr) })
	}
	for _, tx := range headCachePoints(3000, len(keys)) {
		for k, pts := range tx {
			dropHeads(fresh)
			parts := [][]Point{pts}
			if len(pts) > 1 {
				parts = [][]Point{pts[:1], pts[1:]}
			}
			for _, s := range []*Store{cached, fresh} {
				if err := appendTx(s, r.ID, keys[k], nil, parts...); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	got, want := seriesBytes(t, cached), seriesBytes(t, fresh)
	if len(want) < 2*len(keys) {
		t.Fatalf("got %d chunks, want a workload that seals some", len(want))
	}
	sameSeriesBytes(t, got, want)
}

// TestHeadCacheRollback: a transaction that rolls back after appending
// leaves no trace in the cache: the next append writes what it would have
// written had the rolled-back one never run.
func TestHeadCacheRollback(t *testing.T) {
	s, ref := openTest(t, nil), openTest(t, nil)
	r := &Run{ExperimentID: 0, Name: "r", Status: Running, StartTime: 1000}
	copy(r.ID[:], randomID())
	for _, st := range []*Store{s, ref} {
		rr := *r
		mustUpdate(t, st, func(tx *Tx) error { return tx.CreateRun(&rr) })
	}
	errRollback := errors.New("rolled back")
	for i := range 50 {
		p := []Point{{Step: int64(i), Time: int64(i), Value: float64(i) / 3}}
		if err := appendTx(s, r.ID, "m", nil, p); err != nil {
			t.Fatal(err)
		}
		if err := appendTx(ref, r.ID, "m", nil, p); err != nil {
			t.Fatal(err)
		}
		lost := []Point{{Step: int64(i), Time: int64(i) + 1, Value: -1}}
		if err := appendTx(s, r.ID, "m", errRollback, lost); !errors.Is(err, errRollback) {
			t.Fatalf("got %v, want the rollback", err)
		}
	}
	sameSeriesBytes(t, seriesBytes(t, s), seriesBytes(t, ref))
}

// TestHeadCacheOtherWriter: a cached head chunk that another handle on the
// file (another process, for the file) appended to since is not used: the
// next append resumes what the file holds, and no point is lost.
func TestHeadCacheOtherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.mlite")
	opts := &Options{NoSync: true, LockTimeout: 10 * time.Second}
	a, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ref := openTest(t, nil)
	r := &Run{ExperimentID: 0, Name: "r", Status: Running, StartTime: 1000}
	copy(r.ID[:], randomID())
	for _, st := range []*Store{a, ref} {
		rr := *r
		mustUpdate(t, st, func(tx *Tx) error { return tx.CreateRun(&rr) })
	}
	var want []Point
	for i := range 40 {
		writer := a
		if i%3 == 2 {
			writer = b
		}
		p := []Point{{Step: int64(i), Time: int64(i), Value: float64(i * i)}}
		want = append(want, p...)
		for _, st := range []*Store{writer, ref} {
			if err := appendTx(st, r.ID, "m", nil, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []Point
	mustView(t, a, func(tx *Tx) error {
		run, err := tx.Run(r.ID)
		if err != nil {
			return err
		}
		got, err = tx.History(nil, run, "m", AllSteps)
		return err
	})
	if len(got) != len(want) {
		t.Fatalf("got %d points, want %d", len(got), len(want))
	}
	for i := range want {
		if !samePoint(got[i], want[i]) {
			t.Fatalf("point %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	sameSeriesBytes(t, seriesBytes(t, a), seriesBytes(t, ref))
	mustCheck(t, a)
}
