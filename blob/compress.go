package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Deferred compression. Put compresses content of at most inlineMax bytes
// itself (microseconds); larger content that looks compressible is stored
// raw, at the speed of the disk, and marked by an empty file
// pending/<digest>. CompressPending later rewrites each marked blob in its
// zstd encoding, off the logging path. The marks are advisory: a lost mark
// leaves a blob raw (space, never correctness), a stale one is dropped.

// pendingDir is the subfolder of marks.
const pendingDir = "pending"

// inlineMax is the largest content Put compresses itself.
const inlineMax = 64 << 10

// pausePoll is how often a pass that yields to Puts looks whether they
// are over.
const pausePoll = 20 * time.Millisecond

// scanStamp is the file in pending/ whose modification time is when the
// last rescan for unmarked blobs began.
const scanStamp = "scanned"

// markPending marks the raw blob d for CompressPending. Best effort; the
// caller syncs pending/ (a mark lost costs space, not data, and a rescan
// finds the blob again).
func (s *Store) markPending(d Digest) {
	dir := filepath.Join(s.dir, pendingDir)
	p := filepath.Join(dir, d.String())
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) && os.Mkdir(dir, 0o755) == nil {
		f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	}
	if err == nil {
		_ = f.Close()
	}
}

// unmark removes d's mark. Best effort.
func (s *Store) unmark(d Digest) {
	_ = os.Remove(filepath.Join(s.dir, pendingDir, d.String()))
}

// Pending returns the digests of the blobs marked for CompressPending, in
// digest order: raw blobs whose content looked compressible.
func (s *Store) Pending() ([]Digest, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, pendingDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob: list pending blobs in %s: %w", s.dir, err)
	}
	var ds []Digest
	for _, e := range entries {
		if d, err := ParseDigest(e.Name()); err == nil && e.Type().IsRegular() && isHex(e.Name(), 64) {
			ds = append(ds, d)
		}
	}
	return ds, nil
}

// CompressOptions configure CompressPending. A nil *CompressOptions means
// the zero value.
type CompressOptions struct {
	// Workers is the number of goroutines compressing one blob. Zero:
	// Options.Concurrency (GOMAXPROCS by default).
	Workers int
	// Yield pauses the pass, between frames, while a Put, a Batch or a
	// reader of this Store is in progress, so that logging and downloads
	// keep the disk and the cores.
	Yield bool
	// Rescan first looks for raw blobs that should be marked and are not
	// (their mark was lost in a crash, or a writer that did not mark
	// stored them) and marks those whose samples compress, so that the
	// pass compresses them too. It looks at the blobs modified since the
	// last rescan began, less Options.TempGrace (a write in progress
	// then may have marked late), and at all of them the first time.
	Rescan bool
}

// CompressReport says what CompressPending did.
type CompressReport struct {
	// Compressed is the number of blobs rewritten in zstd.
	Compressed int
	// Before and After are their stored sizes before and after.
	Before, After int64
	// Raw is the number of marked blobs left raw: zstd would not save
	// enough, or they were no longer raw or no longer there.
	Raw int
	// Left is the number of marks kept for a later pass: their blob
	// could not be replaced now (on Windows, while a reader holds it).
	Left int
	// Found is the number of unmarked raw blobs the rescan marked.
	Found int
}

// CompressPending rewrites every blob marked pending in its zstd encoding
// when that saves at least 10%, and drops the marks. Each rewrite is safe
// against crashes and concurrent use: the encoding is written to a temp
// file, synced, decoded and checked against the digest, and renamed over
// the raw file only if that file is still there (a garbage collector may
// have deleted it meanwhile) and still raw; the new file keeps the raw
// file's modification time (which a garbage collector's grace reads), and
// the folder is synced. A reader that opened the raw file reads it to its
// end; one that opens the blob afterwards reads the new file; both verify
// the same digest. A crash leaves the raw blob or the new one, and at
// worst a temp file that Open removes after its grace.
//
// ctx is checked between frames; a cancelled pass leaves the remaining
// marks for a later one.
func (s *Store) CompressPending(ctx context.Context, o *CompressOptions) (CompressReport, error) {
	var rep CompressReport
	if s.opts.ReadOnly {
		return rep, fmt.Errorf("blob: compress %s: %w", s.dir, ErrReadOnly)
	}
	if o == nil {
		o = &CompressOptions{}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = s.opts.Concurrency
	}
	var pause func() error
	if o.Yield {
		pause = func() error { return s.waitIdle(ctx) }
	}
	if o.Rescan {
		found, err := s.rescan(ctx, pause)
		rep.Found = found
		if err != nil {
			return rep, err
		}
	}
	ds, err := s.Pending()
	if err != nil {
		return rep, err
	}
	for _, d := range ds {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("blob: compress %s: %w", s.dir, err)
		}
		if err := s.compressOne(ctx, d, workers, pause, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// waitIdle waits until no Put, Batch or reader of s is in progress.
func (s *Store) waitIdle(ctx context.Context) error {
	for s.active.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pausePoll):
		}
	}
	return nil
}

// compressOne compresses the marked blob d, as CompressPending describes,
// and counts the outcome in rep.
func (s *Store) compressOne(ctx context.Context, d Digest, workers int, pause func() error, rep *CompressReport) error {
	if pause != nil {
		if err := pause(); err != nil {
			return fmt.Errorf("blob: compress %s: %w", d, err)
		}
	}
	p := s.path(d)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		s.unmark(d) // deleted since it was marked
		rep.Raw++
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: compress %s: %w", d, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("blob: compress %s: %w", d, err)
	}
	var hb [headerSize]byte
	n, _ := io.ReadFull(f, hb[:])
	h, err := parseHeader(hb[:n])
	if err == nil {
		err = checkStored(h, fi.Size())
	}
	if err != nil || h.codec != Raw {
		s.unmark(d) // compressed already, or broken: Verify's business
		rep.Raw++
		return nil
	}
	z, stored, err := s.compressFile(ctx, d, f, p, h.size, workers, pause)
	if err != nil {
		return err
	}
	defer z.discard()
	if !saves(stored-headerSize, h.size) {
		s.unmark(d)
		rep.Raw++
		return nil
	}
	if pause != nil {
		if err := pause(); err != nil {
			return fmt.Errorf("blob: compress %s: %w", d, err)
		}
	}
	if !s.opts.NoSync {
		if err := z.f.Sync(); err != nil {
			return s.writeErr(d, z, err)
		}
	}
	// Check the encoding before it replaces anything.
	if _, err := z.f.Seek(0, io.SeekStart); err != nil {
		return s.writeErr(d, z, err)
	}
	r, err := newReader(ctx, "compress", z.f, stored, d, z.path)
	if err == nil {
		_, err = r.WriteTo(discard{pause})
		r.Close()
	}
	if err != nil {
		return fmt.Errorf("blob: compress %s: the new encoding does not read back: %w", d, err)
	}
	_ = z.f.Chmod(0o444)
	if err := z.f.Close(); err != nil {
		return s.writeErr(d, z, err)
	}
	// Replace the raw file only if it is still there and still raw:
	// never bring back a blob a garbage collector has just deleted.
	now, err := statFile(p, d)
	if errors.Is(err, fs.ErrNotExist) || err == nil && now.Codec != Raw {
		s.unmark(d)
		rep.Raw++
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: compress %s: %w", d, err)
	}
	// Compression is no use of the blob: keep its age.
	_ = os.Chtimes(z.path, now.ModTime, now.ModTime)
	if err := os.Rename(z.path, p); err != nil {
		if runtime.GOOS == "windows" {
			rep.Left++ // a reader holds it; a later pass retries
			return nil
		}
		return fmt.Errorf("blob: compress %s: %w%s", d, err, s.hint(err))
	}
	z.done = true
	// A Put that touched the raw file between our stat and the rename
	// touched the file we still hold open: carry that time over.
	if late, err := f.Stat(); err == nil && late.ModTime().After(now.ModTime) {
		_ = os.Chtimes(p, late.ModTime(), late.ModTime())
	}
	if err := s.syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: compress %s: sync folder: %w", d, err)
	}
	s.unmark(d)
	rep.Compressed++
	rep.Before += fi.Size()
	rep.After += stored
	return nil
}

// rescan marks the raw blobs larger than inlineMax, modified since the
// last rescan began (less the temp grace), that have no mark and whose
// samples compress, and returns how many it marked. It then records when
// it began in pending/scanned, and syncs pending/ if it marked any.
// pause, if not nil, is called between blobs.
func (s *Store) rescan(ctx context.Context, pause func() error) (int, error) {
	dir := filepath.Join(s.dir, pendingDir)
	stamp := filepath.Join(dir, scanStamp)
	var since time.Time
	if fi, err := os.Stat(stamp); err == nil {
		since = fi.ModTime().Add(-max(s.opts.TempGrace, 0))
	}
	began := time.Now()
	found := 0
	err := s.unmarked(ctx, since, pause, func(info Info) {
		s.markPending(info.Digest)
		found++
	})
	if err == nil && found > 0 {
		err = s.syncDir(dir)
	}
	if err != nil {
		return found, fmt.Errorf("blob: rescan %s: %w", s.dir, err)
	}
	_ = os.Mkdir(dir, 0o755)
	if err := os.WriteFile(stamp, nil, 0o644); err == nil {
		_ = os.Chtimes(stamp, began, began)
	}
	return found, nil
}

// unmarked calls fn for each raw blob larger than inlineMax, modified
// since since, that has no mark and whose samples compress: a blob whose
// mark was lost. pause, if not nil, is called before each blob sampled.
func (s *Store) unmarked(ctx context.Context, since time.Time, pause func() error, fn func(Info)) error {
	marked, err := s.Pending()
	if err != nil {
		return err
	}
	isMarked := make(map[Digest]bool, len(marked))
	for _, d := range marked {
		isMarked[d] = true
	}
	recent := func(e fs.DirEntry) bool {
		fi, err := e.Info()
		return err == nil && !fi.ModTime().Before(since)
	}
	return s.walk(ctx, recent, func(info Info) error {
		if info.Codec != Raw || info.Size <= inlineMax || isMarked[info.Digest] {
			return nil
		}
		if pause != nil {
			if err := pause(); err != nil {
				return err
			}
		}
		ok, err := s.rawWorthCompressing(info)
		if err == nil && ok {
			fn(info)
		}
		return err
	})
}

// Backlog is what a compression pass (CompressPending with Rescan) has
// to do: blobs stored raw to be compressed.
type Backlog struct {
	// Pending is the number of blobs marked pending, and PendingBytes
	// their stored size. Marks whose blob is gone or no longer raw are
	// not counted (a pass drops them).
	Pending      int
	PendingBytes int64
	// Unmarked is the number of raw blobs whose mark was lost (in a
	// crash before it was synced) or never written, that a rescan would
	// mark, and UnmarkedBytes their stored size.
	Unmarked      int
	UnmarkedBytes int64
}

// Backlog reports what a compression pass with Rescan would compress,
// changing nothing: the blobs marked pending, and the raw blobs a rescan
// would mark, looking at every blob (not only those modified since the
// last rescan). A read-only Store reports it too.
func (s *Store) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	if _, err := os.Stat(s.dir); errors.Is(err, fs.ErrNotExist) {
		return b, nil // no blob stored yet, or the folder is lost (Verify's business)
	}
	ds, err := s.Pending()
	if err != nil {
		return b, err
	}
	for _, d := range ds {
		info, err := statFile(s.path(d), d)
		if err == nil && info.Codec == Raw {
			b.Pending++
			b.PendingBytes += info.Stored
		}
	}
	err = s.unmarked(ctx, time.Time{}, nil, func(info Info) {
		b.Unmarked++
		b.UnmarkedBytes += info.Stored
	})
	if err != nil {
		return b, fmt.Errorf("blob: backlog of %s: %w", s.dir, err)
	}
	return b, nil
}

// rawWorthCompressing samples the raw blob info (as Put does) and
// reports whether it should be compressed. A blob deleted meanwhile
// reports false.
func (s *Store) rawWorthCompressing(info Info) (bool, error) {
	f, err := os.Open(s.path(info.Digest))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	return s.worthCompressing(f, info.Size, 1) // one core: a rescan runs in the background pass
}

// discard is io.Discard that calls pause, if not nil, before each write:
// a check of a new encoding yields to logging as the compression does.
type discard struct{ pause func() error }

func (d discard) Write(p []byte) (int, error) {
	if d.pause != nil {
		if err := d.pause(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
