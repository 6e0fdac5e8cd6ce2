package flock

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestExclusiveExcludes(t *testing.T) {
	ctx := context.Background()
	path, a := lockNew(t, true)
	if _, err := Acquire(ctx, path, true, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second exclusive lock: got %v, want ErrTimeout", err)
	}
	if _, err := Acquire(ctx, path, false, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("shared lock under exclusive: got %v, want ErrTimeout", err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(ctx, path, true, 5*time.Second)
		if err == nil {
			err = l.Unlock()
		}
		got <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter after unlock: %v", err)
	}
}

func TestSharedShares(t *testing.T) {
	ctx := context.Background()
	path, a := lockNew(t, false)
	defer a.Unlock()
	b, err := Acquire(ctx, path, false, 20*time.Millisecond)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	b.Unlock()
}

func TestAbandonedWaiterReleases(t *testing.T) {
	ctx := context.Background()
	path, a := lockNew(t, true)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Acquire(cctx, path, true, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: got %v, want context.Canceled", err)
	}
	a.Unlock()
	// The abandoned waiter gets the lock and drops it; a fresh caller must
	// then get it within the wait.
	b, err := Acquire(ctx, path, true, 2*time.Second)
	if err != nil {
		t.Fatalf("lock after abandoned waiter: %v", err)
	}
	b.Unlock()
}

// lockNew locks a new lock file, exclusive or shared, failing the test on
// error; it returns the file's path and the lock.
func lockNew(t *testing.T, exclusive bool) (string, *Lock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(context.Background(), path, exclusive, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return path, l
}
