package flock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrTimeout is returned when the lock was not granted within the wait.
var ErrTimeout = errors.New("flock: timed out waiting for the lock")

// ErrUnavailable is returned when the lock file cannot be written (a file
// system mounted read-only, a file or folder the user may not write) and,
// for a shared lock, cannot be read either (it does not exist yet).
var ErrUnavailable = errors.New("flock: lock file unavailable")

// openLockFile opens the lock file at path, creating it if missing. A
// shared lock needs no write access: where the file cannot be opened for
// writing it is opened for reading, which flock(2) accepts for both kinds.
func openLockFile(path string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err == nil {
		return f, nil
	}
	if !NotWritable(err) {
		return nil, err
	}
	if exclusive {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	f, rerr := os.Open(path)
	if rerr != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return f, nil
}

// Lock is a held lock. Unlock releases it.
type Lock struct {
	f *os.File
}

// Acquire locks the file at path (creating it if missing), exclusively when
// exclusive is true and shared otherwise. It waits at most timeout (zero or
// less: forever) or until ctx is done.
func Acquire(ctx context.Context, path string, exclusive bool, timeout time.Duration) (*Lock, error) {
	f, err := openLockFile(path, exclusive)
	if err != nil {
		return nil, fmt.Errorf("flock: open %s: %w", path, err)
	}
	ok, err := tryLock(f, exclusive)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("flock: lock %s: %w", path, err)
	}
	if ok {
		return &Lock{f: f}, nil
	}

	// Block in the kernel on a goroutine so the wait is fair, and bound it here.
	done := make(chan error, 1)
	go func() { done <- lock(f, exclusive) }()
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("flock: lock %s: %w", path, err)
		}
		return &Lock{f: f}, nil
	case <-timer:
		go abandon(f, done)
		return nil, fmt.Errorf("flock: %s: waited %v: %w", path, timeout, ErrTimeout)
	case <-ctx.Done():
		go abandon(f, done)
		return nil, fmt.Errorf("flock: %s: %w", path, ctx.Err())
	}
}

// abandon waits for a lock call nobody wants any more and releases what it
// got: closing the descriptor drops the lock.
func abandon(f *os.File, done <-chan error) {
	<-done
	f.Close()
}

// Unlock releases the lock. It is safe to call once.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Probe answers, without waiting, whether another descriptor holds a lock
// file exclusively. It keeps its file open so that asking costs two system
// calls.
type Probe struct {
	f *os.File
}

// OpenProbe opens the lock file at path (creating it if missing, or for
// reading only where it may not be written) for probing.
func OpenProbe(path string) (*Probe, error) {
	f, err := openLockFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("flock: open %s: %w", path, err)
	}
	return &Probe{f: f}, nil
}

// Exclusive reports whether someone holds (or has been granted) the file's
// lock exclusively right now: a shared lock cannot be had at once.
func (p *Probe) Exclusive() (bool, error) {
	ok, err := tryLock(p.f, false)
	if err != nil {
		return false, fmt.Errorf("flock: probe %s: %w", p.f.Name(), err)
	}
	if !ok {
		return true, nil
	}
	return false, unlock(p.f)
}

// Moved reports whether the probe's file is no longer the one at its path
// (deleted, or replaced by another): its answers then say nothing about
// the lock others take at that path.
func (p *Probe) Moved() bool {
	mine, err := p.f.Stat()
	if err != nil {
		return true
	}
	now, err := os.Stat(p.f.Name())
	return err != nil || !os.SameFile(mine, now)
}

// Close closes the probe's file.
func (p *Probe) Close() error {
	if p == nil || p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	return err
}

// TryExisting locks an existing file exclusively if nobody holds a lock on
// it, without waiting and without creating it. ok is false when the file is
// locked by someone else.
func TryExisting(path string) (l *Lock, ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, false, fmt.Errorf("flock: open %s: %w", path, err)
	}
	ok, err = tryLock(f, true)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, false, fmt.Errorf("flock: lock %s: %w", path, err)
		}
		return nil, false, nil
	}
	return &Lock{f: f}, true, nil
}
