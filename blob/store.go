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
	"strings"
	"sync/atomic"
	"time"
)

// Sentinel errors. Callers test them with errors.Is; the messages around
// them name the digest and the path.
var (
	// ErrNotFound: no blob with that digest is stored.
	ErrNotFound = errors.New("blob: not found")
	// ErrCorrupt: a stored file is not a valid blob for its digest (bad
	// header, truncated, undecodable, or content that hashes otherwise).
	ErrCorrupt = errors.New("blob: corrupt")
	// ErrReadOnly: a Put or Delete on a folder opened read-only.
	ErrReadOnly = errors.New("blob: folder is open read-only")
)

// DefaultTempGrace is the age past which Open removes leftover temp files
// when Options.TempGrace is zero.
const DefaultTempGrace = time.Hour

// tmpDir is the subfolder for writes in progress.
const tmpDir = "tmp"

// Temp file names are tmpPrefix + random + tmpSuffix.
const (
	tmpPrefix = "put-"
	tmpSuffix = ".tmp"
)

// Options configure a Store. The zero value of every field means its
// default; DefaultOptions returns those defaults spelled out. A nil
// *Options means all defaults.
type Options struct {
	// NoSync skips every fsync (of blob files and of directories). Zero:
	// a Put that returns nil has made its blob and directory entry durable.
	// Only for throwaway stores (tests): after a crash a blob may then be
	// missing or, if the file system reorders writes, corrupt (which
	// readers detect).
	NoSync bool

	// TempGrace is how old a leftover temp file must be before Open
	// removes it. Another process may be writing one right now, so it
	// should be longer than any single Put can take. Zero: DefaultTempGrace
	// (one hour). Negative: remove every temp file, whatever its age; only
	// safe when no other process uses the folder.
	TempGrace time.Duration

	// NoCompress stores every blob raw and marks none. Zero: blobs are
	// compressed with zstd when that saves at least 10% of their size, by
	// Put up to 64 KiB, by CompressPending beyond.
	NoCompress bool

	// ReadOnly opens the folder for reading only: Open creates and removes
	// nothing (a missing folder reads as empty), Put and Delete fail with
	// ErrReadOnly. Zero: read and write.
	ReadOnly bool

	// Concurrency is the number of goroutines with which CompressPending
	// compresses one blob, unless its options say otherwise. Zero:
	// GOMAXPROCS. Put uses one more goroutine to write its temp file while
	// it hashes.
	Concurrency int
}

// DefaultOptions returns the defaults that zero fields stand for.
func DefaultOptions() *Options {
	return &Options{
		TempGrace:   DefaultTempGrace,
		Concurrency: runtime.GOMAXPROCS(0),
	}
}

// withDefaults returns a copy of o with zero fields filled in.
func (o *Options) withDefaults() Options {
	d := DefaultOptions()
	if o == nil {
		return *d
	}
	r := *o
	if r.TempGrace == 0 {
		r.TempGrace = d.TempGrace
	}
	if r.Concurrency <= 0 {
		r.Concurrency = d.Concurrency
	}
	return r
}

// Info describes a stored blob.
type Info struct {
	Digest  Digest
	Size    int64     // uncompressed content size; -1 from Walk when the header is unreadable
	Stored  int64     // bytes on disk, header included
	Codec   Codec     // how the payload is stored
	ModTime time.Time // last write, or last Put of the same content
	New     bool      // set by Put only: this Put stored the content
	// Pending is set by Put only: the content was stored raw and looked
	// compressible, so it is marked for CompressPending.
	Pending bool
}

// Store is a content-addressed blob folder. Its methods are safe for
// concurrent use, also by several processes sharing the folder. A Store
// holds no open files or goroutines between calls, so it needs no Close.
type Store struct {
	dir  string
	tmp  string
	opts Options

	// active counts the Puts, open Batches and open readers of this
	// Store, which a
	// compression pass may yield to.
	active atomic.Int64
}

// Open opens the blob folder dir, creating it (and its tmp/ subfolder) if
// missing, and removes leftover temp files older than opts.TempGrace.
// A nil opts means DefaultOptions.
func Open(dir string, opts *Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("blob: open: empty folder name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	s := &Store{dir: abs, tmp: filepath.Join(abs, tmpDir), opts: opts.withDefaults()}
	if s.opts.ReadOnly {
		return s, nil
	}
	if err := s.mkdir(abs); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", abs, err)
	}
	if err := s.mkdir(s.tmp); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", abs, err)
	}
	if err := s.cleanTemp(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the blob folder's absolute path.
func (s *Store) Dir() string { return s.dir }

// mkdir creates dir (its parent must exist, or, for the store folder, is
// created too) and syncs the parent when it created it.
func (s *Store) mkdir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return s.syncDir(filepath.Dir(dir))
}

// cleanTemp removes temp files older than the grace period.
func (s *Store) cleanTemp() error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("blob: open %s: clean temp files: %w", s.dir, err)
	}
	cutoff := time.Now().Add(-s.opts.TempGrace)
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, tmpPrefix) || !strings.HasSuffix(name, tmpSuffix) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if s.opts.TempGrace > 0 && fi.ModTime().After(cutoff) {
			continue // maybe a Put in progress in another process
		}
		p := filepath.Join(s.tmp, name)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: open %s: remove leftover temp file: %w", s.dir, err)
		}
	}
	return nil
}

// path returns the stored file's path for d: <dir>/ab/cdef….
func (s *Store) path(d Digest) string {
	h := d.String()
	return filepath.Join(s.dir, h[:2], h[2:])
}

// syncDir fsyncs a directory so that entries created, renamed or removed
// in it survive a crash. A no-op with NoSync.
func (s *Store) syncDir(dir string) error {
	if s.opts.NoSync {
		return nil
	}
	return syncDir(dir)
}

// Stat describes the blob d without reading its content. It fails with
// ErrNotFound if d is not stored and ErrCorrupt if its header is invalid
// (Stat does not verify the content; Verify does).
func (s *Store) Stat(ctx context.Context, d Digest) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", d, err)
	}
	p := s.path(d)
	info, err := statFile(p, d)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Info{}, fmt.Errorf("blob: stat %s (%s): %w", d, p, ErrNotFound)
		}
		return Info{}, fmt.Errorf("blob: stat %s: %w", d, err)
	}
	return info, nil
}

// statFile reads the header and file metadata of the stored file p. An
// invalid header gives an error wrapping ErrCorrupt; a missing file, one
// wrapping fs.ErrNotExist.
func statFile(p string, d Digest) (Info, error) {
	f, err := os.Open(p)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	var b [headerSize]byte
	n, err := io.ReadFull(f, b[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Info{}, fmt.Errorf("read header of %s: %w", p, err)
	}
	h, err := parseHeader(b[:n])
	if err == nil {
		err = checkStored(h, fi.Size())
	}
	if err != nil {
		return Info{}, fmt.Errorf("%s: %v: %w", p, err, ErrCorrupt)
	}
	return Info{Digest: d, Size: h.size, Stored: fi.Size(), Codec: h.codec, ModTime: fi.ModTime()}, nil
}

// checkStored checks what the header and the file size say together: a raw
// payload is exactly the content.
func checkStored(h header, stored int64) error {
	if h.codec == Raw && stored-headerSize != h.size {
		return fmt.Errorf("raw payload is %d bytes, header says %d", stored-headerSize, h.size)
	}
	return nil
}

// Walk calls fn for every stored blob, in digest order, and stops at the
// first error fn returns, which Walk returns as is. It skips tmp/ and
// names that are not blobs. A blob whose header is invalid is reported
// with Size -1 and Codec Unknown (Verify says why); one deleted while Walk
// runs may or may not be reported. ctx is checked between blobs.
func (s *Store) Walk(ctx context.Context, fn func(Info) error) error {
	return s.walk(ctx, nil, fn)
}

// walk is Walk over the blob files for which keep (if not nil) returns
// true; it is given their directory entry before the file is opened.
func (s *Store) walk(ctx context.Context, keep func(fs.DirEntry) bool, fn func(Info) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: walk %s: %w", s.dir, err)
	}
	subs, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("blob: walk %s: %w", s.dir, err)
	}
	for _, sub := range subs {
		if !sub.IsDir() || !isHex(sub.Name(), 2) {
			continue
		}
		subdir := filepath.Join(s.dir, sub.Name())
		files, err := os.ReadDir(subdir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("blob: walk %s: %w", s.dir, err)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("blob: walk %s: %w", s.dir, err)
			}
			if !f.Type().IsRegular() || !isHex(f.Name(), 62) || keep != nil && !keep(f) {
				continue
			}
			d, err := ParseDigest(sub.Name() + f.Name())
			if err != nil {
				continue // cannot happen: isHex checked the name
			}
			info, err := statFile(filepath.Join(subdir, f.Name()), d)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				continue // deleted meanwhile
			case errors.Is(err, ErrCorrupt):
				fi, ferr := f.Info()
				if ferr != nil {
					continue
				}
				info = Info{Digest: d, Size: -1, Stored: fi.Size(), Codec: Unknown, ModTime: fi.ModTime()}
			case err != nil:
				return fmt.Errorf("blob: walk %s: %w", s.dir, err)
			}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Delete removes the blob d. It fails with ErrNotFound if d is not stored.
// Deleting a blob that something still refers to is the caller's mistake:
// a garbage collector should spare blobs modified within a grace period,
// since Put touches a blob it finds already stored.
func (s *Store) Delete(ctx context.Context, d Digest) error {
	if s.opts.ReadOnly {
		return fmt.Errorf("blob: delete %s: %w", d, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete %s: %w", d, err)
	}
	p := s.path(d)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrPermission) {
		// Blob files are read-only; some systems refuse to remove those.
		if os.Chmod(p, 0o644) == nil {
			err = os.Remove(p)
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: delete %s (%s): %w", d, p, ErrNotFound)
		}
		return fmt.Errorf("blob: delete %s: %w", d, err)
	}
	if err := s.syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob: delete %s: sync folder: %w", d, err)
	}
	return nil
}
