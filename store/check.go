package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/mlite/mlite/internal/chunkenc"
)

// Problem is one inconsistency found by Check.
type Problem struct {
	Where string // the record: "run 3f2a…", "experiment 4", "series …"
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// maxProblems bounds Check's report on a badly damaged file.
const maxProblems = 1000

// Check walks the whole store in one transaction and reports every
// inconsistency: pages bbolt finds broken, records that do not decode,
// index entries pointing nowhere or missing, chunks that do not decode,
// and metric summaries (latest value, counts, min/max) that disagree with
// the chunks. An empty report means the store is sound. The error is for
// failures to read at all. Writers wait while it runs.
func (s *Store) Check(ctx context.Context) ([]Problem, error) {
	// bbolt's page check reads the free list unguarded, so it must not run
	// beside a commit: Check holds the write transaction (and so the
	// exclusive lock) and rolls it back, writing nothing.
	// Read-only, no commit can run in this process, and bbolt's shared lock
	// on the file keeps other processes' commits out.
	db, err := s.acquire(ctx, !s.opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer s.release()
	btx, err := db.Begin(!s.opts.ReadOnly)
	if err != nil {
		return nil, fmt.Errorf("store: check %s: %w", s.path, err)
	}
	defer btx.Rollback()
	return append(s.staleProblems(), (&Tx{tx: btx}).check(ctx)...), nil
}

type checker struct {
	probs []Problem
}

func (c *checker) add(where, format string, args ...any) {
	if len(c.probs) < maxProblems {
		c.probs = append(c.probs, Problem{where, fmt.Sprintf(format, args...)})
	}
}

func (t *Tx) check(ctx context.Context) []Problem {
	c := &checker{}
	for err := range t.tx.Check() {
		c.add("file", "%v", err)
	}
	meta := t.tx.Bucket(bucketMeta)
	nextExp := uint64(0)
	if v := meta.Get(metaNextExperiment); len(v) == 8 {
		nextExp = binary.BigEndian.Uint64(v)
	} else {
		c.add("meta", "next_experiment is %d bytes, want 8", len(v))
	}

	exps := map[ExperimentID]*Experiment{}
	checkRecords(t, c, bucketExperiments, "experiment key %x", DecodeExperiment, func(k []byte, x *Experiment) {
		if !bytes.Equal(k, expKey(x.ID)) {
			c.add("experiment "+x.ID.String(), "stored under key %x", k)
		}
		if uint64(x.ID) >= nextExp {
			c.add("experiment "+x.ID.String(), "id not below next_experiment %d", nextExp)
		}
		if id, ok := t.nameOwner(x.Name); !ok || id != x.ID {
			c.add("experiment "+x.ID.String(), "name %q not indexed to it", x.Name)
		}
		exps[x.ID] = x
	})
	if _, ok := exps[0]; !ok {
		c.add("experiment 0", "the Default experiment is missing")
	}
	t.tx.Bucket(bucketExpNames).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			c.add(fmt.Sprintf("experiment name %q", k), "value of %d bytes", len(v))
		} else if x := exps[ExperimentID(binary.BigEndian.Uint64(v))]; x == nil || x.Name != string(k) {
			c.add(fmt.Sprintf("experiment name %q", k), "points at experiment %d, which does not have that name", binary.BigEndian.Uint64(v))
		}
		return nil
	})

	runs := map[RunID]*Run{}
	checkRecords(t, c, bucketRuns, "run key %x", DecodeRun, func(k []byte, r *Run) {
		where := "run " + r.ID.String()
		t.checkInExperiment(c, where, k, r.ID[:], exps[r.ExperimentID] != nil, r.ExperimentID,
			bucketRunsByExp, runsByExpKey(r.ExperimentID, r.StartTime, r.ID))
		if !r.Parent.IsZero() && !t.hasKey(bucketChildren, childKey(r.Parent, r.ID)) {
			c.add(where, "missing from run_children of parent %s", r.Parent)
		}
		t.checkSeries(ctx, c, r)
		runs[r.ID] = r
	})

	t.tx.Bucket(bucketRunsByExp).ForEach(func(k, _ []byte) error {
		if len(k) != 32 {
			c.add(fmt.Sprintf("runs_by_experiment key %x", k), "length %d, want 32", len(k))
			return nil
		}
		var id RunID
		copy(id[:], k[16:])
		r := runs[id]
		if r == nil || !bytes.Equal(k, runsByExpKey(r.ExperimentID, r.StartTime, r.ID)) {
			c.add(fmt.Sprintf("runs_by_experiment key %x", k), "no run %s with that experiment and start time", id)
		}
		return nil
	})
	t.tx.Bucket(bucketChildren).ForEach(func(k, _ []byte) error {
		if len(k) != 32 {
			c.add(fmt.Sprintf("run_children key %x", k), "length %d, want 32", len(k))
			return nil
		}
		var parent, child RunID
		copy(parent[:], k[:16])
		copy(child[:], k[16:])
		if r := runs[child]; r == nil || r.Parent != parent {
			c.add(fmt.Sprintf("run_children %s/%s", parent, child), "child does not exist or names another parent")
		}
		return nil
	})
	t.tx.Bucket(bucketSeries).ForEach(func(k, _ []byte) error {
		if len(k) != seriesKeyLen {
			c.add(fmt.Sprintf("series key %x", k), "length %d, want %d", len(k), seriesKeyLen)
			return nil
		}
		var id RunID
		copy(id[:], k[:16])
		idx, seq := binary.BigEndian.Uint32(k[16:]), binary.BigEndian.Uint32(k[20:])
		r := runs[id]
		if r == nil {
			c.add(fmt.Sprintf("series key %x", k), "run %s does not exist", id)
			return nil
		}
		found := false
		for _, s := range r.Metrics {
			if s.Index == idx {
				found = seq < s.Chunks
			}
		}
		if !found {
			c.add(fmt.Sprintf("series key %x", k), "run %s has no chunk %d of series %d", id, seq, idx)
		}
		return nil
	})
	checkFiles(t, c, bucketArtifacts, "artifact", "run", "artifact", func(id RunID) bool { return runs[id] != nil })
	t.tx.Bucket(bucketDatasets).ForEach(func(k, v []byte) error {
		if _, err := DecodeDataset(v); err != nil {
			c.add(fmt.Sprintf("dataset key %x", k), "%v", err)
		}
		if len(k) < 10 || exps[ExperimentID(binary.BigEndian.Uint64(k))] == nil {
			c.add(fmt.Sprintf("dataset key %x", k), "experiment does not exist")
		}
		return nil
	})
	t.checkRegistry(c, runs)
	t.checkSyncMarks(c)
	t.checkLoggedModels(c, exps, runs)
	t.checkAudit(c)
	t.checkMetricOrder(c, runs)
	return c.probs
}

// checkRecords decodes every record of bucket, reports each that does not
// decode under keyFormat (given the key), and calls fn with the others.
func checkRecords[T any](t *Tx, c *checker, bucket []byte, keyFormat string, decode func([]byte) (T, error), fn func(k []byte, x T)) {
	t.tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		x, err := decode(v)
		if err != nil {
			c.add(fmt.Sprintf(keyFormat, k), "%v", err)
			return nil
		}
		fn(k, x)
		return nil
	})
}

// checkFiles checks a files bucket, whose keys are a 16-byte owner id and
// a path: every value decodes and every owner exists. Problems read
// "<keyWhat> key <hex>" for a short key, "<owner> <id> <file> <path>" for
// an entry.
func checkFiles[ID interface {
	~[16]byte
	String() string
}](t *Tx, c *checker, bucket []byte, keyWhat, owner, file string, exists func(ID) bool) {
	t.tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		if len(k) <= 16 {
			c.add(fmt.Sprintf("%s key %x", keyWhat, k), "too short")
			return nil
		}
		id := ID(k[:16])
		where := fmt.Sprintf("%s %s %s %q", owner, id, file, k[16:])
		if _, err := DecodeArtifact(string(k[16:]), v); err != nil {
			c.add(where, "%v", err)
		}
		if !exists(id) {
			c.add(where, "%s does not exist", owner)
		}
		return nil
	})
}

// checkInExperiment checks a record an experiment owns (a run, a logged
// model): stored under its id, in an experiment that exists (expOK), and
// listed in the experiment's index under indexKey.
func (t *Tx) checkInExperiment(c *checker, where string, k, id []byte, expOK bool, exp ExperimentID, index, indexKey []byte) {
	if !bytes.Equal(k, id) {
		c.add(where, "stored under key %x", k)
	}
	if !expOK {
		c.add(where, "experiment %s does not exist", exp)
	}
	if !t.hasKey(index, indexKey) {
		c.add(where, "missing from %s", index)
	}
}

func (t *Tx) hasKey(bucket, key []byte) bool {
	k, _ := t.tx.Bucket(bucket).Cursor().Seek(key)
	return bytes.Equal(k, key)
}

func (t *Tx) nameOwner(name string) (ExperimentID, bool) {
	v := t.tx.Bucket(bucketExpNames).Get([]byte(name))
	if len(v) != 8 {
		return 0, false
	}
	return ExperimentID(binary.BigEndian.Uint64(v)), true
}

// checkSeries decodes every chunk of every series of r and compares the
// summary with what the chunks hold.
func (t *Tx) checkSeries(ctx context.Context, c *checker, r *Run) {
	seen := map[uint32]string{}
	var pts []Point
	for key, s := range r.Metrics {
		if ctx.Err() != nil {
			return
		}
		where := fmt.Sprintf("run %s metric %q", r.ID, key)
		if other, dup := seen[s.Index]; dup {
			c.add(where, "series index %d also used by %q", s.Index, other)
		}
		seen[s.Index] = key
		var err error
		pts, err = t.History(pts[:0], r, key, AllSteps)
		if err != nil {
			c.add(where, "%v", err)
			continue
		}
		want := newSeries(r)
		want.Index, want.Chunks = s.Index, s.Chunks
		for _, p := range pts {
			want.observe(p)
		}
		if !sameSeries(want, s) {
			c.add(where, "summary %+v, the chunks say %+v", *s, *want)
		}
	}
}

func sameSeries(a, b *Series) bool {
	eq := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	return a.Index == b.Index && a.Count == b.Count && a.NaNs == b.NaNs && a.Chunks == b.Chunks &&
		a.Latest.Step == b.Latest.Step && a.Latest.Time == b.Latest.Time && eq(a.Latest.Value, b.Latest.Value) &&
		eq(a.Min, b.Min) && eq(a.Max, b.Max) && eq(a.Sum, b.Sum) && a.MinStep == b.MinStep && a.MaxStep == b.MaxStep
}

// Compact rewrites the file without its free pages, which pile up after
// runs are deleted and slow every open and commit. It holds the exclusive
// lock for the whole rewrite; other processes wait (up to LockTimeout).
// The old file is replaced atomically only once the new one is complete
// and synced, so a crash during Compact loses nothing.
func (s *Store) Compact(ctx context.Context) (before, after int64, err error) {
	if s.opts.ReadOnly {
		return 0, 0, fmt.Errorf("store: compact %s: %w", s.path, ErrReadOnly)
	}
	if err := s.Flush(ctx); err != nil {
		return 0, 0, err
	}
	s.mu.Lock()
	for s.users > 0 || s.opening {
		s.cond.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return 0, 0, ErrClosed
	}
	s.closeHandleLocked()
	s.opening = true // keeps other goroutines out until the rewrite is done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.opening = false
		s.cond.Broadcast()
		s.mu.Unlock()
	}()

	lk, src, err := s.openFile(ctx, true)
	if err != nil {
		return 0, 0, err
	}
	defer lk.Unlock()
	s.removeStaleTemps()
	fi, _ := os.Stat(s.path)
	tmp := fmt.Sprintf("%s%s%d", s.path, compactSuffix, os.Getpid())
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o644, &bolt.Options{NoSync: true, Timeout: time.Second})
	if err == nil {
		err = bolt.Compact(dst, src, 64<<20)
		if err == nil && !s.opts.NoSync {
			err = dst.Sync()
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}
	// The old file stays open, and so locked by bbolt, until the new one is
	// in place: a process that opened the path meanwhile gets the old
	// file's lock only after the rename, sees that the path names another
	// file now and reopens (openFile), instead of writing into the old one.
	// Windows cannot rename over an open file, and its processes cannot
	// open a file being renamed either, so there it is closed first.
	if closeBeforeRename {
		src.Close()
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if !closeBeforeRename {
		src.Close()
	}
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		syncDir(filepath.Dir(s.path))
	}
	nfi, err := os.Stat(s.path)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", s.path, err)
	}
	return fi.Size(), nfi.Size(), nil
}

// ChunkHeader is re-exported so callers can read chunk summaries.
type ChunkHeader = chunkenc.Header
