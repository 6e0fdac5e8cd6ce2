package store

import (
	"errors"

	"github.com/mlite/mlite/internal/validate"
)

// Sentinel errors. Callers test them with errors.Is; messages carry the details
// (what was wrong and where) around them.
var (
	// ErrNotFound: the experiment, run, key or record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the caller's input breaks a rule (a key's characters or length,
	// a value's length, a malformed id, a bad argument). It is
	// validate.ErrInvalid, which every rejection of the validation rules wraps.
	ErrInvalid = validate.ErrInvalid
	// ErrExists: a record with that identity already exists (an experiment name).
	ErrExists = errors.New("already exists")
	// ErrConflict: the write contradicts what is stored (a param logged again with
	// another value, a run ended twice).
	ErrConflict = errors.New("conflict")
	// ErrDeleted: the run or experiment is soft-deleted and does not take writes.
	ErrDeleted = errors.New("deleted")
	// ErrLocked: the file lock could not be taken within Options.LockTimeout.
	ErrLocked = errors.New("store is locked by another process")
	// ErrNotStore: the file is not an mlite store (foreign, empty or truncated).
	ErrNotStore = errors.New("not an mlite store")
	// ErrVersion: the file was written by a newer mlite with a format this one
	// does not know.
	ErrVersion = errors.New("unsupported format version")
	// ErrCorrupt: a record or chunk in the file does not decode.
	ErrCorrupt = errors.New("corrupt record")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrReadOnly: a write to a store opened read-only (Options.ReadOnly).
	ErrReadOnly = errors.New("store is open read-only")
	// ErrNotWritable: the store was opened for writing, but its file, or the
	// lock files beside it, cannot be written (a read-only file system, a
	// file the user may only read). Options.ReadOnly opens it for reading.
	ErrNotWritable = errors.New("store cannot be written here; open it read-only")
)
