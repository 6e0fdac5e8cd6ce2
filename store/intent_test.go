package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestReadHandleKeptUntilAWriterWaits: a busy reader keeps its handle
// (and its warm memory map) past MaxHoldTime while nobody wants to write,
// and gives it up as soon as another store on the file waits to write.
func TestReadHandleKeptUntilAWriterWaits(t *testing.T) {
	ctx := context.Background()
	// A long HoldTime: only MaxHoldTime or a waiting writer may end the
	// handle, not a reader descheduled for a few milliseconds.
	a := openTest(t, &Options{NoSync: true, LockTimeout: 5 * time.Second, HoldTime: time.Minute})
	heldSince := func() time.Time {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.heldSince
	}
	read := func() {
		if err := a.View(ctx, func(tx *Tx) error { _, err := tx.Experiment(0); return err }); err != nil {
			t.Error(err)
		}
	}
	read()
	first := heldSince()
	for end := time.Now().Add(3 * a.opts.MaxHoldTime); time.Now().Before(end); {
		read()
	}
	if got := heldSince(); !got.Equal(first) {
		t.Fatalf("a busy reader reopened its handle with no writer waiting (held since %v, then %v)", first, got)
	}

	b, err := Open(ctx, a.path, &Options{NoSync: true, LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				read()
			}
		}
	}()
	start := time.Now()
	for i := range 20 {
		if err := b.Update(ctx, func(tx *Tx) error {
			x, err := tx.Experiment(0)
			if err != nil {
				return err
			}
			x.Tags = map[string]string{"i": string(rune('a' + i))}
			return tx.PutExperiment(x)
		}); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	close(stop)
	wg.Wait()
	if got := heldSince(); got.Equal(first) {
		t.Fatal("the reader kept its handle while a writer waited")
	}
	t.Logf("20 writes beside a busy reader took %v", took)
}
