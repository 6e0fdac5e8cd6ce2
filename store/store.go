package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/mlite/mlite/internal/flock"
)

// Store is an open mlite file. It is safe for concurrent use by many
// goroutines, and several processes may open the same file at once.
//
// A Store does not hold the file between transactions: each transaction
// batch takes the sidecar lock "<path>.lock" (shared to read, exclusive to
// write), opens the bbolt file, runs, and lets go of both shortly after
// (Options.HoldTime), the way SQLite locks per transaction.
type Store struct {
	path       string
	lockPath   string
	intentPath string       // "<file>.intent": held exclusively by a writer waiting for the lock
	probe      *flock.Probe // asks whether a writer waits; opened with the first handle
	opts       Options
	fileID     [16]byte
	format     atomic.Uint32 // the file's format version, read at open, raised by writes

	mu        sync.Mutex
	cond      *sync.Cond
	bdb       *bolt.DB // open handle, or nil
	lock      *flock.Lock
	writable  bool      // bdb was opened for writing
	users     int       // transactions using bdb now
	heldSince time.Time // when bdb was opened
	draining  bool      // bdb must close once users drop to 0
	opening   bool      // a goroutine is opening bdb
	yieldTill time.Time // after giving up the lock for MaxHoldTime, wait till then to take it again
	idle      *time.Timer
	closed    bool

	w     *writer
	heads headCache // open head chunks' Appenders, between write transactions
}

// Open opens the store at path, creating it if it does not exist. A file
// that exists but is not an mlite store, is truncated, or was written by a
// newer format fails with ErrNotStore or ErrVersion and is left untouched.
// opts may be nil for the defaults.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{path: abs, lockPath: abs + ".lock", intentPath: abs + ".intent", opts: opts.withDefaults()}
	s.cond = sync.NewCond(&s.mu)
	if s.opts.ReadOnly {
		if _, err := os.Stat(s.path); err != nil {
			return nil, fmt.Errorf("store: open %s read-only: %w", s.path, err)
		}
	} else if err := s.createIfMissing(ctx); err != nil {
		return nil, err
	} else if err := s.checkWritable(); err != nil {
		return nil, err
	}
	if err := s.View(ctx, s.validate); err != nil {
		s.closeHandle()
		return nil, err
	}
	if err := s.ensureBuckets(ctx); err != nil {
		s.closeHandle()
		return nil, err
	}
	if !s.opts.ReadOnly {
		if err := s.cleanStaleTemps(ctx); err != nil {
			s.closeHandle()
			return nil, err
		}
	}
	s.w = newWriter(s)
	return s, nil
}

// Path returns the absolute path of the store file.
func (s *Store) Path() string { return s.path }

// FileID returns the random id the file was given when it was created.
func (s *Store) FileID() [16]byte { return s.fileID }

// FormatVersion returns the format version of the open file (see
// docs/format.md): at most the package's FormatVersion, which this code
// writes.
func (s *Store) FormatVersion() uint32 { return s.format.Load() }

// Options returns the options in force, defaults filled in.
func (s *Store) Options() Options { return s.opts }

// createIfMissing creates a new store file atomically: it is built under a
// temporary name and linked into place, so no reader ever sees a file
// half-initialised.
func (s *Store) createIfMissing(ctx context.Context) error {
	if _, err := os.Stat(s.path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	lk, err := s.takeLock(ctx, true)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if _, err := os.Stat(s.path); err == nil {
		return nil // another process created it meanwhile
	}
	tmp := fmt.Sprintf("%s%s%d", s.path, createSuffix, os.Getpid())
	os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{NoSync: s.opts.NoSync, NoGrowSync: s.opts.NoSync, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("store: create %s: %w", s.path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return initFile(tx, s.opts.Now(), s.opts.Rand) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, s.path)
	}
	os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		syncDir(filepath.Dir(s.path))
	}
	return nil
}

// checkWritable fails with ErrNotWritable when the store file cannot be
// opened for writing, so that a store on a read-only file system fails at
// Open, saying so, rather than at its first write.
func (s *Store) checkWritable() error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		if flock.NotWritable(err) {
			return fmt.Errorf("store: open %s: %w: %w", s.path, ErrNotWritable, err)
		}
		return nil // other troubles are reported, better, by the first open
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // not supported everywhere (Windows); the file itself was synced
		d.Close()
	}
}

// initFile lays out a new file created at time created: its buckets, meta
// keys (with a file id read from rnd) and the Default experiment "0".
func initFile(tx *bolt.Tx, created time.Time, rnd io.Reader) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	var id [16]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return fmt.Errorf("store: file id: %w", err)
	}
	now := created.UnixMilli()
	for _, kv := range [][2][]byte{
		{metaFormat, binary.BigEndian.AppendUint32(nil, createFormat)},
		{metaFileID, id[:]},
		{metaCreated, binary.BigEndian.AppendUint64(nil, uint64(now))},
		{metaNextExperiment, u64key(1)},
	} {
		if err := meta.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	t := &Tx{tx: tx}
	return t.putExperiment(&Experiment{
		ID: 0, Name: DefaultExperimentName, ArtifactLocation: ArtifactLocation(0),
		CreationTime: now, LastUpdateTime: now,
	}, "")
}

// DefaultExperimentName is the name of experiment "0", which always exists.
const DefaultExperimentName = "Default"

// ArtifactLocation is the artifact location of an experiment: MLflow's
// proxied-artifact scheme, so MLflow clients send artifacts through the
// mlite server.
func ArtifactLocation(id ExperimentID) string { return "mlflow-artifacts:/" + id.String() }

// validate checks that the open file is an mlite store of a format this
// code reads, and that it is whole.
func (s *Store) validate(tx *Tx) error {
	meta := tx.tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("store: open %s: no meta bucket: %w", s.path, ErrNotStore)
	}
	v := meta.Get(metaFormat)
	if len(v) != 4 {
		return fmt.Errorf("store: open %s: no format version: %w", s.path, ErrNotStore)
	}
	ver := binary.BigEndian.Uint32(v)
	if ver > FormatVersion {
		return fmt.Errorf("store: open %s: format version %d, this mlite reads up to %d; upgrade mlite: %w", s.path, ver, FormatVersion, ErrVersion)
	}
	s.format.Store(ver)
	copy(s.fileID[:], meta.Get(metaFileID))
	return nil
}

// ensureBuckets creates the buckets a file of this format version may lack
// because it was written before they existed.
func (s *Store) ensureBuckets(ctx context.Context) error {
	missing, missingRequired := false, false
	if err := s.View(ctx, func(tx *Tx) error {
		for _, name := range allBuckets {
			gone := tx.tx.Bucket(name) == nil
			missing = missing || gone
			missingRequired = missingRequired || gone && !slices.ContainsFunc(formatTwoBuckets, func(b []byte) bool { return bytes.Equal(b, name) })
		}
		return nil
	}); err != nil || !missing {
		return err
	}
	if s.opts.ReadOnly && !missingRequired {
		// A format 1 file: its readers see format 2's buckets empty.
		return nil
	}
	if s.opts.ReadOnly {
		return fmt.Errorf("store: open %s read-only: written by an earlier mlite, the file lacks records this one adds on its first write; open it once for writing: %w", s.path, ErrReadOnly)
	}
	return s.Update(ctx, func(tx *Tx) error {
		fill := tx.tx.Bucket(bucketMetricOrder) == nil
		for _, name := range allBuckets {
			if _, err := tx.tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if fill {
			return tx.fillMetricOrder()
		}
		return nil
	})
}

// takeLock takes the store's file lock: first the intent lock (exclusive
// for a writer, which tells holders of the file lock that a writer waits;
// shared for a reader, so that new readers queue behind a waiting writer
// rather than starve it), then the file lock itself, then it lets go of
// the intent lock. The whole wait is bounded by LockTimeout.
func (s *Store) takeLock(ctx context.Context, exclusive bool) (*flock.Lock, error) {
	lk, err := s.takeLocks(ctx, exclusive)
	if errors.Is(err, flock.ErrUnavailable) {
		if s.opts.ReadOnly {
			// No lock file and no right to make one: read without it.
			// bbolt's shared lock on the data file still keeps writers
			// out meanwhile; only the fair queueing between processes is
			// lost.
			return nil, nil
		}
		return nil, fmt.Errorf("store: %s: the lock files beside it cannot be made: %w", s.path, ErrNotWritable)
	}
	return lk, err
}

func (s *Store) takeLocks(ctx context.Context, exclusive bool) (*flock.Lock, error) {
	start := time.Now()
	intent, err := flock.Acquire(ctx, s.intentPath, exclusive, s.opts.LockTimeout)
	if err == nil {
		left := s.opts.LockTimeout - time.Since(start)
		if s.opts.LockTimeout > 0 && left < time.Millisecond {
			left = time.Millisecond
		}
		var lk *flock.Lock
		lk, err = flock.Acquire(ctx, s.lockPath, exclusive, left)
		intent.Unlock()
		if err == nil {
			return lk, nil
		}
	}
	if errors.Is(err, flock.ErrTimeout) {
		return nil, fmt.Errorf("store: %s: %w (waited %v): %w", s.path, ErrLocked, s.opts.LockTimeout, err)
	}
	return nil, fmt.Errorf("store: %s: %w", s.path, err)
}

// writerWaiting reports whether another process (or store) waits to write:
// then a held handle is given up at the end of its transaction.
func (s *Store) writerWaiting() bool {
	if s.probe == nil {
		p, err := flock.OpenProbe(s.intentPath)
		if err != nil {
			return true // cannot tell: be polite
		}
		s.probe = p
	}
	waiting, err := s.probe.Exclusive()
	if !waiting && err == nil && s.probe.Moved() {
		// The intent file was deleted or replaced: writers now announce
		// themselves on another file. Probe that one from now on, and let
		// go of the handle in case one waits already.
		s.probe.Close()
		s.probe = nil
		return true
	}
	return waiting || err != nil
}

// openFile takes the lock and opens the bbolt file.
//
// The file it opens must be the one at the store's path when it holds the
// file's own lock: Compact replaces the file by a rename, and a process
// that opened the path just before (its sidecar lock deleted by a cleanup
// script, say) would otherwise commit into the replaced file, and what it
// wrote would be gone. bbolt locks the data file itself for as long as a
// handle is open, and Compact keeps the old file locked until the new one
// is in place, so comparing the opened file with the path once the handle
// is open is enough; on a mismatch the handle is reopened.
func (s *Store) openFile(ctx context.Context, write bool) (*flock.Lock, *bolt.DB, error) {
	for {
		lk, db, replaced, err := s.openOnce(ctx, write)
		if err != nil || !replaced {
			return lk, db, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
}

// openOnce is one try of openFile; replaced reports that the file was
// replaced while it was being opened, and nothing is held then.
func (s *Store) openOnce(ctx context.Context, write bool) (lk *flock.Lock, db *bolt.DB, replaced bool, err error) {
	lk, err = s.takeLock(ctx, write)
	if err != nil {
		return nil, nil, false, err
	}
	fail := func(err error) (*flock.Lock, *bolt.DB, bool, error) {
		if db != nil {
			db.Close()
		}
		lk.Unlock()
		return nil, nil, false, err
	}
	if fi, err := os.Stat(s.path); err != nil {
		return fail(fmt.Errorf("store: open %s: %w", s.path, err))
	} else if fi.Size() == 0 {
		// bbolt would lay a new database into an empty file opened for
		// writing: refuse it first.
		return fail(fmt.Errorf("store: open %s: empty file: %w", s.path, ErrNotStore))
	}
	var f *os.File
	db, err = bolt.Open(s.path, 0o644, &bolt.Options{
		ReadOnly:   !write,
		Timeout:    s.opts.LockTimeout,
		NoSync:     s.opts.NoSync,
		NoGrowSync: s.opts.NoSync,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			var err error
			f, err = os.OpenFile(name, flag, perm)
			return f, err
		},
	})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return fail(fmt.Errorf("store: open %s: %w", s.path, ErrLocked))
		}
		if flock.NotWritable(err) {
			return fail(fmt.Errorf("store: open %s: %w: %w", s.path, ErrNotWritable, err))
		}
		return fail(fmt.Errorf("store: open %s: %w: %w", s.path, ErrNotStore, err))
	}
	opened, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("store: open %s: %w", s.path, err))
	}
	now, err := os.Stat(s.path)
	if err != nil || !os.SameFile(opened, now) {
		db.Close()
		lk.Unlock()
		return nil, nil, true, nil
	}
	// A file cut short would map pages past its end; refuse it before any
	// read touches them.
	var hwm int64
	db.View(func(tx *bolt.Tx) error { hwm = tx.Size(); return nil })
	if hwm > opened.Size() {
		return fail(fmt.Errorf("store: open %s: truncated: %d bytes, the data needs %d: %w", s.path, opened.Size(), hwm, ErrNotStore))
	}
	return lk, db, false, nil
}

// lockYield is how long a process that held the file lock for
// MaxHoldTime waits before taking it again.
const lockYield = time.Millisecond

// acquire returns an open handle fit for writing (write) or reading, and
// the function that gives it back.
func (s *Store) acquire(ctx context.Context, write bool) (*bolt.DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if write && s.opts.ReadOnly {
		return nil, fmt.Errorf("store: %s: %w", s.path, ErrReadOnly)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case s.closed:
			return nil, ErrClosed
		case s.bdb != nil && !s.draining && (s.writable || !write) &&
			(!s.writable || time.Since(s.heldSince) < s.opts.MaxHoldTime) && !s.writerWaiting():
			// A read handle is kept for as long as it is used and no
			// writer waits (readers never block readers); a write handle
			// also blocks readers, which cannot say they wait, so it is
			// given up after MaxHoldTime.
			s.users++
			return s.bdb, nil
		case s.bdb != nil:
			// Wrong mode, held long enough, or a writer waits: close once
			// idle, then reopen.
			if !s.draining && s.writable && time.Since(s.heldSince) >= s.opts.MaxHoldTime {
				s.yieldTill = time.Now().Add(lockYield)
			}
			s.draining = true
			if s.users == 0 {
				s.closeHandleLocked()
			} else {
				s.cond.Wait()
			}
		case s.opening:
			s.cond.Wait()
		case time.Now().Before(s.yieldTill):
			// flock wakes its waiters but does not hand the lock over: a
			// process that takes it again at once starves the others.
			// Stepping aside for a moment lets a waiter in.
			d := time.Until(s.yieldTill)
			s.mu.Unlock()
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			s.mu.Lock()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.yieldTill = time.Time{}
		default:
			s.opening = true
			s.mu.Unlock()
			lk, db, err := s.openFile(ctx, write)
			s.mu.Lock()
			s.opening = false
			s.cond.Broadcast()
			if err != nil {
				return nil, err
			}
			s.bdb, s.lock, s.writable, s.heldSince, s.draining = db, lk, write, time.Now(), false
			if s.closed {
				s.closeHandleLocked()
				return nil, ErrClosed
			}
			s.users++
			return db, nil
		}
	}
}

func (s *Store) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users > 0 {
		return
	}
	if s.draining || s.closed || s.opts.HoldTime < 0 {
		s.closeHandleLocked()
		return
	}
	if s.idle == nil {
		s.idle = time.AfterFunc(s.opts.HoldTime, s.closeIfIdle)
	} else {
		s.idle.Reset(s.opts.HoldTime)
	}
}

func (s *Store) closeIfIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == 0 {
		s.closeHandleLocked()
	}
}

func (s *Store) closeHandle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeHandleLocked()
}

func (s *Store) closeHandleLocked() {
	if s.bdb != nil {
		s.bdb.Close()
		s.lock.Unlock()
		s.bdb, s.lock = nil, nil
	}
	s.draining = false
	s.cond.Broadcast()
}

// View runs fn in a read transaction: a consistent snapshot of the file.
// Values fn gets from tx are copies and stay valid after it returns.
func (s *Store) View(ctx context.Context, fn func(tx *Tx) error) error {
	db, err := s.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer s.release()
	return db.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Update runs fn in a write transaction and commits it durably (unless
// Options.NoSync) before returning. If fn returns an error nothing of the
// transaction is written.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if s.opts.ReadOnly {
		return fmt.Errorf("store: %s: %w", s.path, ErrReadOnly)
	}
	db, err := s.acquire(ctx, true)
	if err != nil {
		return err
	}
	defer s.release()
	var raised uint32
	var staged map[headRef]*headEntry
	err = db.Update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, heads: &s.heads}
		err := fn(t)
		raised, staged = t.raised, t.staged
		return err
	})
	if err != nil {
		return err
	}
	s.heads.keep(staged)
	if raised > s.format.Load() {
		s.format.Store(raised)
	}
	return nil
}

// Close writes everything still buffered, stops the committer and lets go
// of the file. It returns the first error a buffered write met. The Store
// is unusable afterwards; Close is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	var err error
	if s.w != nil {
		err = s.w.close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.idle != nil {
		s.idle.Stop()
	}
	for s.users > 0 || s.opening {
		s.cond.Wait()
	}
	s.closeHandleLocked()
	if cerr := s.probe.Close(); err == nil {
		err = cerr
	}
	return err
}
