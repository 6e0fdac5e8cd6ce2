package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"
)

// batchSyncs bounds the fsyncs a Batch runs at once, hence also the temp
// files it holds open (at most this many, plus the one being written).
// File systems with a journal (ext4, XFS) fold concurrent fsyncs into
// shared journal commits: 64 in flight make a folder of small files about
// 20 times faster to store than one fsync after the other.
const batchSyncs = 64

// ErrBatchDone: a Put to a Batch after its Commit or Discard.
var ErrBatchDone = errors.New("blob: batch is committed or discarded")

// Batch stores many blobs and makes them durable together: what a folder
// of small files needs. Each Put writes its temp file and hands its fsync
// and rename to one of a bounded number of goroutines; Commit waits for
// them, then fsyncs each folder that got a new blob once. A blob is
// renamed under its digest name only once its bytes are synced, so a file
// under a digest name holds its whole content even after a crash; but the
// names themselves are durable only when Commit returns nil.
//
// Content a batch already holds is not stored twice, and content already
// stored is reused as Store.Put does. Puts may run concurrently, but not
// with the Commit or Discard that ends the batch. Every batch must end with
// one of them, which stop its goroutines.
type Batch struct {
	s   *Store
	sem chan struct{} // one token per fsync in flight
	wg  sync.WaitGroup

	mu      sync.Mutex
	done    bool
	err     error           // the first failure of a background fsync or rename
	held    map[Digest]Info // what this batch stored, by digest
	dirs    map[string]bool // subfolders that got a new blob
	newDirs bool            // some subfolder was created: sync the store folder
}

// NewBatch starts a batch of Puts on s.
func (s *Store) NewBatch() *Batch {
	s.active.Add(1)
	return &Batch{
		s:    s,
		sem:  make(chan struct{}, batchSyncs),
		held: map[Digest]Info{},
		dirs: map[string]bool{},
	}
}

// Put stores the content read from r as Store.Put does, except that a new
// blob is durable only once Commit has returned nil. It fails at once if
// an earlier Put of the batch failed in the background (with that error).
func (b *Batch) Put(ctx context.Context, r io.Reader) (Info, error) {
	b.mu.Lock()
	done, err := b.done, b.err
	b.mu.Unlock()
	switch {
	case done:
		return Info{}, fmt.Errorf("blob: put: %w", ErrBatchDone)
	case err != nil:
		return Info{}, err
	}
	return b.s.put(ctx, r, b)
}

// holds returns the Info of content d that the batch b already stored (as
// content already present: New false). A nil b holds nothing.
func (b *Batch) holds(d Digest) (Info, bool) {
	if b == nil {
		return Info{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	info, ok := b.held[d]
	info.New = false
	return info, ok
}

// add hands the complete temp file t of the new blob d to a background
// goroutine that fsyncs and renames it, waiting while batchSyncs are in
// flight. With NoSync there is nothing to wait for: t is placed at once.
// pending says d is marked: Commit then syncs pending/ too.
func (b *Batch) add(ctx context.Context, t *tempFile, d Digest, h header, stored int64, pending bool) (Info, error) {
	info := Info{Digest: d, Size: h.size, Stored: stored, Codec: h.codec, ModTime: time.Now(), New: true}
	// The batch owns the file from here: the caller's deferred discard
	// of t must not close it under the goroutine that syncs it.
	owned := &tempFile{f: t.f, path: t.path}
	t.done = true
	t = owned
	if b.s.opts.NoSync {
		if _, err := b.s.commit(ctx, t, d, h, stored, pending); err != nil {
			return Info{}, err
		}
		b.record(info)
		return info, nil
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		t.discard()
		return Info{}, fmt.Errorf("blob: put %s: %w", d, ctx.Err())
	}
	b.record(info)
	b.wg.Go(func() {
		defer func() { <-b.sem }()
		_, created, err := b.s.place(ctx, t, d)
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil {
			delete(b.held, d)
			if b.err == nil {
				b.err = err
			}
			return
		}
		b.dirs[filepath.Dir(b.s.path(d))] = true
		if pending {
			b.dirs[filepath.Join(b.s.dir, pendingDir)] = true // its mark
		}
		b.newDirs = b.newDirs || created
	})
	return info, nil
}

// record notes that the batch holds info's content.
func (b *Batch) record(info Info) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held[info.Digest] = info
}

// Commit waits for the batch's fsyncs and renames, then fsyncs every
// folder that got a new blob, once each and in parallel. When it returns
// nil, every blob a Put of the batch reported is durable. When it fails,
// some of them may be missing after a crash, and the batch must not be
// relied on (blobs it did place stay, unreferenced: garbage for a
// collector). Either way the batch is over.
func (b *Batch) Commit(ctx context.Context) error {
	if err := b.end(); err != nil {
		return err
	}
	b.mu.Lock()
	err := b.err
	dirs := make([]string, 0, len(b.dirs)+1)
	for d := range b.dirs {
		dirs = append(dirs, d)
	}
	if b.newDirs {
		dirs = append(dirs, b.s.dir)
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: commit batch: %w", err)
	}
	errs := make(chan error, len(dirs))
	sem := make(chan struct{}, batchSyncs)
	var wg sync.WaitGroup
	for _, dir := range dirs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := b.s.syncDir(dir); err != nil {
				errs <- fmt.Errorf("blob: commit batch: sync %s: %w", dir, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs // the first failure, or nil
}

// Discard ends the batch without making it durable: it waits for the
// fsyncs and renames in flight. Blobs already placed stay, unreferenced.
// Discard after Commit does nothing.
func (b *Batch) Discard() { _ = b.end() }

// end marks the batch done and waits for its goroutines. It fails if the
// batch was over already.
func (b *Batch) end() error {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return fmt.Errorf("blob: commit batch: %w", ErrBatchDone)
	}
	b.done = true
	b.mu.Unlock()
	b.wg.Wait()
	b.s.active.Add(-1)
	return nil
}
