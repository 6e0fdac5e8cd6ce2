package store

import (
	"crypto/rand"
	"io"
	"time"
)

// Options configure a Store. The zero value of every field means its
// default, and DefaultOptions returns those defaults spelled out.
type Options struct {
	// NoSync skips fsync on commit. Zero: every commit is synced. Only for
	// throwaway stores (tests): a crash may then lose or corrupt data.
	NoSync bool

	// LockTimeout bounds the wait for the file lock; past it a call fails
	// with ErrLocked. Zero: 30 s.
	LockTimeout time.Duration

	// FlushInterval is the longest time a logged value waits in memory
	// before the committer writes it. Zero: 200 ms.
	FlushInterval time.Duration

	// CommitPoints is the number of buffered metric points (other logged
	// values count as one point each) that makes the committer write at
	// once rather than wait for FlushInterval. Zero: 16384.
	CommitPoints int

	// MaxBufferedPoints bounds the memory buffer; when it is full, logging
	// calls wait for the committer (back-pressure) instead of growing
	// without limit or dropping data. Zero: 1,048,576 (about 32 MiB).
	MaxBufferedPoints int

	// Synchronous makes every logging call durable before it returns, as
	// MLflow's calls are. Zero: logging returns at once and is durable
	// after Flush, End or Close.
	Synchronous bool

	// HoldTime is how long an idle file handle, and with it the file lock,
	// is kept after a transaction so that back-to-back transactions skip
	// the reopen. Other processes wait at most about this long for an idle
	// holder. Zero: 2 ms. Negative: release at once.
	HoldTime time.Duration

	// ReadOnly opens the store for reading only: Open creates nothing (no
	// store file, no lock files where they cannot be made), every write
	// fails with ErrReadOnly and the file is never changed. It is how a
	// file on a read-only file system, or one the user may only read, is
	// opened. Zero: read and write.
	ReadOnly bool

	// MaxHoldTime bounds how long one process keeps the exclusive file
	// lock while busy writing before it lets other processes in. A busy
	// reader keeps its shared lock until a writer says it waits (the
	// intent lock), so repeated searches keep a warm memory map. Zero:
	// 50 ms.
	MaxHoldTime time.Duration

	// Now returns the current time for what the store stamps by itself: a
	// new file's creation time and its Default experiment's times. Zero:
	// time.Now. Set it (with Rand) to write a reproducible file, such as a
	// format fixture.
	Now func() time.Time

	// Rand is the source of a new file's random id (Store.FileID). Zero:
	// crypto/rand.
	Rand io.Reader
}

// DefaultOptions returns the defaults that zero fields stand for.
func DefaultOptions() *Options {
	return &Options{
		LockTimeout:       30 * time.Second,
		FlushInterval:     200 * time.Millisecond,
		CommitPoints:      16384,
		MaxBufferedPoints: 1 << 20,
		HoldTime:          2 * time.Millisecond,
		MaxHoldTime:       50 * time.Millisecond,
		Now:               time.Now,
		Rand:              rand.Reader,
	}
}

// withDefaults returns a copy of o with zero fields filled in.
func (o *Options) withDefaults() Options {
	d := DefaultOptions()
	if o == nil {
		return *d
	}
	r := *o
	if r.LockTimeout == 0 {
		r.LockTimeout = d.LockTimeout
	}
	if r.FlushInterval == 0 {
		r.FlushInterval = d.FlushInterval
	}
	if r.CommitPoints == 0 {
		r.CommitPoints = d.CommitPoints
	}
	if r.MaxBufferedPoints == 0 {
		r.MaxBufferedPoints = d.MaxBufferedPoints
	}
	if r.MaxBufferedPoints < r.CommitPoints {
		r.MaxBufferedPoints = r.CommitPoints
	}
	if r.HoldTime == 0 {
		r.HoldTime = d.HoldTime
	}
	if r.MaxHoldTime == 0 {
		r.MaxHoldTime = d.MaxHoldTime
	}
	if r.Now == nil {
		r.Now = d.Now
	}
	if r.Rand == nil {
		r.Rand = d.Rand
	}
	return r
}
