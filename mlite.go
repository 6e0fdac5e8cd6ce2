package mlite

import (
	"context"
	"time"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound = store.ErrNotFound
	ErrInvalid  = store.ErrInvalid
	ErrExists   = store.ErrExists
	ErrConflict = store.ErrConflict
	ErrDeleted  = store.ErrDeleted
	ErrLocked   = store.ErrLocked
	ErrNotStore = store.ErrNotStore
	ErrVersion  = store.ErrVersion
	ErrCorrupt  = store.ErrCorrupt
	ErrClosed   = store.ErrClosed
	// ErrReadOnly: a write to a store opened with Options.ReadOnly.
	ErrReadOnly = store.ErrReadOnly
	// ErrNotWritable: Open without ReadOnly of a store that cannot be
	// written here (a read-only file system, a file the user may only read).
	ErrNotWritable = store.ErrNotWritable
)

// DefaultPath is where the CLI and viewer look when no path is given, the
// way ./mlruns is MLflow's default.
const DefaultPath = "mlruns.mlite"

// Options configure Open. The zero value of every field means its default.
type Options struct {
	// NoSync skips fsync: fast, for throwaway stores only.
	NoSync bool
	// Synchronous makes every logging call durable before it returns.
	Synchronous bool
	// FlushInterval is the longest a logged value waits in memory. Zero: 200 ms.
	FlushInterval time.Duration
	// LockTimeout bounds the wait for another process's lock. Zero: 30 s.
	LockTimeout time.Duration
	// MaxBufferedPoints bounds the logging buffer; when it is full, logging
	// waits. Zero: 1,048,576.
	MaxBufferedPoints int
	// User is recorded on runs. Zero: the process's user.
	User string
	// NoCapture skips the reproducibility tags (source, git, Go build).
	NoCapture bool
	// ReadOnly opens the store for reading only: nothing is created or
	// changed (the file may sit on a read-only file system, or be one the
	// user may only read), and every write fails with ErrReadOnly.
	ReadOnly bool
	// ArtifactRoot keeps the artifacts of experiments created without an
	// artifact location outside the store, under <ArtifactRoot>/<id>; see
	// run.Options.ArtifactRoot. Zero: in the store.
	ArtifactRoot string
	// Store gives full control of the store's options; when set, the
	// store fields above are ignored.
	Store *store.Options
}

// DB is an open mlite store with its tracking API: all of run.Tracker's
// methods (SetExperiment, StartRun, GetRun, ListRuns, MetricHistory, ...)
// are DB's.
type DB struct {
	*run.Tracker
	st  *store.Store
	reg *registry.Registry
}

// Open opens the store at path, creating it if missing. opts may be nil.
func Open(path string, opts *Options) (*DB, error) {
	return OpenContext(context.Background(), path, opts)
}

// OpenContext is Open with a context bounding the wait for the file lock.
func OpenContext(ctx context.Context, path string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = &Options{}
	}
	so := opts.Store
	if so == nil {
		so = &store.Options{
			NoSync: opts.NoSync, Synchronous: opts.Synchronous, FlushInterval: opts.FlushInterval,
			LockTimeout: opts.LockTimeout, MaxBufferedPoints: opts.MaxBufferedPoints,
			ReadOnly: opts.ReadOnly,
		}
	}
	st, err := store.Open(ctx, path, so)
	if err != nil {
		return nil, err
	}
	t, err := run.New(st, &run.Options{User: opts.User, NoCapture: opts.NoCapture, ArtifactRoot: opts.ArtifactRoot})
	if err != nil {
		st.Close()
		return nil, err
	}
	// The registry is made at once so that its model versions' files count
	// as references for every GC run through this DB.
	return &DB{Tracker: t, st: st, reg: registry.New(t)}, nil
}

// Registry returns the model registry of the store: registered models,
// versions, stages, aliases and models:/ URIs.
func (db *DB) Registry() *registry.Registry { return db.reg }

// Close waits for background work, writes everything still buffered and
// closes the file. It returns the first error a buffered write met.
func (db *DB) Close() error {
	db.Tracker.Wait()
	return db.st.Close()
}

// Flush makes everything logged so far durable and returns the errors
// buffered writes met since the last Flush.
func (db *DB) Flush(ctx context.Context) error { return db.st.Flush(ctx) }

// Check walks the whole file and reports every inconsistency; see store.Store.Check.
func (db *DB) Check(ctx context.Context) ([]store.Problem, error) {
	if err := db.st.Commit(ctx); err != nil {
		return nil, err
	}
	return db.st.Check(ctx)
}

// Compact rewrites the file without free pages; see store.Store.Compact.
func (db *DB) Compact(ctx context.Context) (before, after int64, err error) {
	return db.st.Compact(ctx)
}

// Path returns the absolute path of the store file.
func (db *DB) Path() string { return db.st.Path() }

// FormatVersion returns the format version of the open file (see
// docs/format.md).
func (db *DB) FormatVersion() uint32 { return db.st.FormatVersion() }

// Start options and metric options, re-exported from package run.
var (
	// RunName names a run.
	RunName = run.Name
	// Parent makes a run a child (nested run) of another.
	Parent = run.Parent
	// Tags sets tags at run start.
	Tags = run.Tags
	// Description sets a run's description.
	Description = run.Description
	// Step sets a metric point's step.
	Step = run.Step
	// Timestamp sets a metric point's time.
	Timestamp = run.Timestamp
)
