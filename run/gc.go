package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/store"
)

// Garbage collection and integrity of the blob folder.
//
// What keeps a blob alive is a reference: an entry of some run's or logged
// model's artifact index (active or soft-deleted alike; purging drops its
// entries), or a reference held by a Referrer added to the tracker (the
// model registry's versions). GC deletes the blobs nothing refers to, and
// Verify re-hashes those something does.
//
// The protocol that makes GC safe while other goroutines and processes log:
//
//   - a writer stores a blob first, then adds its reference in a write
//     transaction that checks, inside it, that the blob still exists (and
//     stores it again if not): see logFiles;
//   - GC deletes blobs only inside write transactions, after re-reading
//     every reference in that same transaction and re-checking each
//     blob's modification time against the grace period.
//
// Write transactions are serialised across processes by the store's file
// lock, so a reference is either committed before GC's transaction, which
// then sees it, or after, when its writer sees the deletion and stores the
// blob again. The grace period covers writers that have stored a blob and
// not yet referenced it: blob.Store.Put gives a new blob a fresh
// modification time and touches one it finds already stored, so such blobs
// look young and are spared, and the writer rarely has to store anything
// twice.

// DefaultGCGrace is the grace period of GC when GCOptions.Grace is zero.
const DefaultGCGrace = time.Hour

// Ref is one reference to a blob: who holds it, under which path.
type Ref struct {
	// Run is the run whose artifact index holds the blob; zero for
	// references held by a Referrer.
	Run ID
	// Owner names a holder that is not a run, as its Referrer chooses
	// (for instance "model credit version 3"); empty for runs.
	Owner string
	// Path is the artifact path inside the holder.
	Path string
}

// String returns "run <id>: <path>" or "<owner>: <path>".
func (r Ref) String() string {
	if r.Owner != "" {
		return r.Owner + ": " + r.Path
	}
	return "run " + r.Run.String() + ": " + r.Path
}

// Referrer is a holder of blob references other than runs' artifact
// indexes, kept in the same store: the model registry, whose versions copy
// their source run's index and outlive it. GC keeps every blob a Referrer
// reports; Verify checks them and names their holders.
//
// A Referrer must add its references in store write transactions in which
// the blob is known to exist: copied from an index entry read in the same
// transaction, or checked there with blob.Store.Stat (storing it again if
// it is missing). GC deletes only inside write transactions, after calling
// every Referrer in them, so a reference added that way never dangles.
type Referrer interface {
	// Refs calls fn with every blob the holder refers to and the
	// reference, reading tx (a read or write transaction of the store),
	// and returns the first error fn returns.
	Refs(tx *store.Tx, fn func(d blob.Digest, ref Ref) error) error
}

// ReferrerFunc adapts a function to a Referrer.
type ReferrerFunc func(tx *store.Tx, fn func(d blob.Digest, ref Ref) error) error

// Refs calls f(tx, fn).
func (f ReferrerFunc) Refs(tx *store.Tx, fn func(d blob.Digest, ref Ref) error) error {
	return f(tx, fn)
}

var _ Referrer = ReferrerFunc(nil)

// AddReferrer adds r to the holders of blob references that GC spares and
// Verify checks, besides runs. The front door (package mlite) adds the
// registry's when it opens a store: every tracker over a store whose other
// holders refer to blobs must have them added before it collects garbage.
func (t *Tracker) AddReferrer(r Referrer) {
	t.refMu.Lock()
	defer t.refMu.Unlock()
	t.referrers = append(t.referrers, r)
}

// forEachRef calls fn with every blob reference in tx: runs' artifact
// indexes, then every Referrer's.
func (t *Tracker) forEachRef(tx *store.Tx, fn func(d blob.Digest, ref Ref) error) error {
	if err := tx.ForEachArtifact(func(id store.RunID, a store.Artifact) error {
		return fn(a.Digest, Ref{Run: id, Path: a.Path})
	}); err != nil {
		return err
	}
	if err := tx.ForEachLoggedModelFile(func(id store.ModelID, a store.Artifact) error {
		return fn(a.Digest, Ref{Owner: "logged model " + id.String(), Path: a.Path})
	}); err != nil {
		return err
	}
	t.refMu.Lock()
	refs := slices.Clone(t.referrers)
	t.refMu.Unlock()
	for _, r := range refs {
		if err := r.Refs(tx, fn); err != nil {
			return err
		}
	}
	return nil
}

// referenced returns the set of digests referred to in tx.
func (t *Tracker) referenced(tx *store.Tx) (map[blob.Digest]int64, error) {
	set := map[blob.Digest]int64{}
	err := t.forEachRef(tx, func(d blob.Digest, _ Ref) error {
		set[d]++
		return nil
	})
	return set, err
}

// GCOptions configure GC.
type GCOptions struct {
	// DryRun reports what GC would delete and deletes nothing.
	DryRun bool
	// Grace spares unreferenced blobs modified more recently than this:
	// writes in progress, whose blob is stored but not yet referenced.
	// Zero: DefaultGCGrace (an hour). Negative: no grace, every
	// unreferenced blob goes (safe, by the protocol above, but a writer
	// streaming from a source it cannot read twice may then fail).
	Grace time.Duration
}

// GCReport says what GC did (or, in a dry run, would do).
type GCReport struct {
	// Blobs is the number of unreferenced blobs deleted (in a dry run:
	// that would be).
	Blobs int64
	// Bytes is the disk space they took (stored bytes, header included).
	Bytes int64
	// Deleted lists their digests, in order.
	Deleted []blob.Digest
	// Kept is the number of blobs kept because something refers to them.
	Kept int64
	// KeptBytes is the disk space those take.
	KeptBytes int64
	// Young is the number of unreferenced blobs spared by the grace
	// period (or referenced while GC ran).
	Young int64
	// DryRun is set when nothing was deleted on purpose.
	DryRun bool
}

// gcBatch bounds how long one deleting transaction holds the store's
// write lock, and how many blobs it deletes.
const (
	gcBatchTime  = 200 * time.Millisecond
	gcBatchBlobs = 1000
)

// GC deletes the blobs no run (active or soft-deleted) and no Referrer
// refers to and that were not modified within the grace period, and
// reports what it freed. It is safe while other goroutines and processes
// log artifacts (see the protocol above): it decides from a snapshot, then
// deletes in short write transactions that re-read every reference and
// re-check each blob's age. Purging runs (PurgeRun, PurgeExperiment) and
// then collecting frees the blobs only they referred to.
//
// Unless DryRun, GC also removes the temp files of writes that died (a
// crash) once they are older than the grace period or
// blob.DefaultTempGrace, whichever is longer: a temp file is a write in
// progress for as long as that write takes.
func (t *Tracker) GC(ctx context.Context, o GCOptions) (GCReport, error) {
	rep := GCReport{DryRun: o.DryRun}
	if !o.DryRun {
		if err := t.writable(); err != nil {
			return rep, fmt.Errorf("run: gc: %w", err)
		}
	}
	grace := o.Grace
	switch {
	case grace == 0:
		grace = DefaultGCGrace
	case grace < 0:
		grace = 0
	}
	cutoff := time.Now().Add(-grace)

	var refs map[blob.Digest]int64
	if err := t.st.View(ctx, func(tx *store.Tx) (err error) { refs, err = t.referenced(tx); return err }); err != nil {
		return rep, fmt.Errorf("run: gc: read references: %w", err)
	}
	type candidate struct {
		d      blob.Digest
		stored int64
	}
	var cands []candidate
	err := t.blobs.Walk(ctx, func(info blob.Info) error {
		switch {
		case refs[info.Digest] > 0:
			rep.Kept++
			rep.KeptBytes += info.Stored
		case info.ModTime.After(cutoff):
			rep.Young++
		default:
			cands = append(cands, candidate{info.Digest, info.Stored})
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("run: gc: %w", err)
	}
	refs = nil
	if o.DryRun {
		for _, c := range cands {
			rep.Blobs++
			rep.Bytes += c.stored
			rep.Deleted = append(rep.Deleted, c.d)
		}
		return rep, nil
	}

	for len(cands) > 0 {
		done := 0
		var freed []candidate
		var young int64
		err := t.st.Update(ctx, func(tx *store.Tx) error {
			done, freed, young = 0, freed[:0], 0
			refs, err := t.referenced(tx)
			if err != nil {
				return fmt.Errorf("read references: %w", err)
			}
			deadline := time.Now().Add(gcBatchTime)
			for _, c := range cands {
				if done > 0 && (done == gcBatchBlobs || time.Now().After(deadline)) {
					break
				}
				done++
				if refs[c.d] > 0 {
					young++
					continue
				}
				info, err := t.blobs.Stat(ctx, c.d)
				switch {
				case errors.Is(err, blob.ErrNotFound):
					continue // another GC was here first
				case errors.Is(err, blob.ErrCorrupt):
					// A broken header: no trustworthy time; the
					// snapshot found it old and nothing refers to it.
				case err != nil:
					return err
				case info.ModTime.After(cutoff):
					young++ // touched by a Put since the snapshot
					continue
				default:
					c.stored = info.Stored
				}
				if err := t.blobs.Delete(ctx, c.d); err != nil {
					if errors.Is(err, blob.ErrNotFound) {
						continue
					}
					return err
				}
				freed = append(freed, c)
			}
			return nil
		})
		// Deleted files stay deleted whether or not the (empty)
		// transaction commits: count them either way.
		for _, c := range freed {
			rep.Blobs++
			rep.Bytes += c.stored
			rep.Deleted = append(rep.Deleted, c.d)
		}
		if err != nil {
			return rep, fmt.Errorf("run: gc: %w", err)
		}
		rep.Young += young
		cands = cands[done:]
	}
	slices.SortFunc(rep.Deleted, func(a, b blob.Digest) int { return bytes.Compare(a[:], b[:]) })

	// Reopening the folder removes old temp files. A temp file is a Put
	// in progress, in this process or another, for as long as that Put
	// takes, so the grace for them is never below blob's default.
	opts := blob.DefaultOptions()
	opts.TempGrace = max(grace, blob.DefaultTempGrace)
	if _, err := blob.Open(t.blobs.Dir(), opts); err != nil {
		return rep, fmt.Errorf("run: gc: %w", err)
	}
	return rep, nil
}

// BlobProblem is a referenced blob that Verify found missing or damaged.
type BlobProblem struct {
	Digest blob.Digest
	// Missing is true when the blob is not in the folder; otherwise it is
	// corrupt or could not be read, as Err says.
	Missing bool
	// Err is what verifying it returned: it wraps blob.ErrNotFound,
	// blob.ErrCorrupt or the I/O error.
	Err error
	// Refs lists every reference to the blob: the runs (and other
	// holders) that have lost an artifact, with its path.
	Refs []Ref
}

// Runs returns the runs among p's references, each once, in order.
func (p BlobProblem) Runs() []ID {
	var ids []ID
	for _, r := range p.Refs {
		if !r.Run.IsZero() {
			ids = append(ids, r.Run)
		}
	}
	slices.SortFunc(ids, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(ids)
}

// String describes the problem and names who refers to the blob.
func (p BlobProblem) String() string {
	var b bytes.Buffer
	what := "corrupt"
	if p.Missing {
		what = "missing"
	}
	fmt.Fprintf(&b, "blob %s %s (%v), referred to by", p.Digest, what, p.Err)
	for i, r := range p.Refs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(r.String())
	}
	return b.String()
}

// VerifyReport says what Verify checked and found.
type VerifyReport struct {
	// Blobs is the number of distinct referenced blobs checked.
	Blobs int
	// Refs is the number of references to them.
	Refs int64
	// Bytes is the content re-hashed, in bytes.
	Bytes int64
	// Problems lists the missing and damaged blobs in digest order.
	Problems []BlobProblem
}

// OK reports whether Verify found no problem.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify re-hashes every blob something refers to (runs' artifacts and
// every Referrer's) and reports those that are missing or whose bytes do
// not match their digest, with the references that have lost them.
// Problems with blobs are reported, not returned as errors; the error is
// for what stopped Verify (ctx, the store). progress, if not nil, is called
// with (0, total) first and then after each blob, from the calling
// goroutine.
func (t *Tracker) Verify(ctx context.Context, progress func(done, total int)) (VerifyReport, error) {
	var rep VerifyReport
	var refs map[blob.Digest]int64
	if err := t.st.View(ctx, func(tx *store.Tx) (err error) { refs, err = t.referenced(tx); return err }); err != nil {
		return rep, fmt.Errorf("run: verify: read references: %w", err)
	}
	digests := make([]blob.Digest, 0, len(refs))
	for d, n := range refs {
		digests = append(digests, d)
		rep.Refs += n
	}
	refs = nil
	slices.SortFunc(digests, func(a, b blob.Digest) int { return bytes.Compare(a[:], b[:]) })
	rep.Blobs = len(digests)
	if progress != nil {
		progress(0, len(digests))
	}

	type result struct {
		d    blob.Digest
		size int64
		err  error
	}
	workers := min(runtime.GOMAXPROCS(0), 4, max(len(digests), 1))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan blob.Digest)
	results := make(chan result)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				res := result{d: d}
				info, err := t.blobs.Stat(ctx, d)
				if err == nil {
					res.size = info.Size
					err = t.blobs.Verify(ctx, d)
				}
				res.err = err
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, d := range digests {
			select {
			case jobs <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	bad := map[blob.Digest]*BlobProblem{}
	done := 0
	var stop error
	for res := range results {
		if stop != nil {
			continue // drain
		}
		if err := ctx.Err(); err != nil {
			stop = err
			cancel()
			continue
		}
		done++
		switch {
		case res.err == nil:
			rep.Bytes += res.size
		case errors.Is(res.err, context.Canceled), errors.Is(res.err, context.DeadlineExceeded):
			stop = res.err
			cancel()
			continue
		default:
			bad[res.d] = &BlobProblem{Digest: res.d, Missing: errors.Is(res.err, blob.ErrNotFound), Err: res.err}
		}
		if progress != nil {
			progress(done, len(digests))
		}
	}
	if stop != nil {
		return rep, fmt.Errorf("run: verify: %w", stop)
	}
	if len(bad) == 0 {
		return rep, nil
	}

	// Name the holders of the bad blobs: a second pass over the
	// references, so that the first need not keep them all.
	err := t.st.View(ctx, func(tx *store.Tx) error {
		for _, p := range bad {
			p.Refs = p.Refs[:0]
		}
		return t.forEachRef(tx, func(d blob.Digest, ref Ref) error {
			if p := bad[d]; p != nil {
				p.Refs = append(p.Refs, ref)
			}
			return nil
		})
	})
	if err != nil {
		return rep, fmt.Errorf("run: verify: read references: %w", err)
	}
	for _, p := range bad {
		rep.Problems = append(rep.Problems, *p)
	}
	slices.SortFunc(rep.Problems, func(a, b BlobProblem) int { return bytes.Compare(a.Digest[:], b.Digest[:]) })
	return rep, nil
}
