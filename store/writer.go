package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"
)

// TagRunName is MLflow's system tag that mirrors a run's name; setting it
// renames the run.
const TagRunName = "mlflow.runName"

type opKind uint8

const (
	opParam opKind = iota + 1
	opTag
	opDeleteTag
)

// op is a buffered change to a run other than metric points.
type op struct {
	kind       opKind
	run        RunID
	key, value string
}

type seriesRef struct {
	run RunID
	key string
}

// batch is what the committer writes in one transaction.
type batch struct {
	points map[seriesRef][]Point
	ops    []op
	n      int // points + ops
}

func newBatch() *batch { return &batch{points: map[seriesRef][]Point{}} }

// writer is the store's group committer: logging calls add to the pending
// batch and return; one goroutine writes batches in single transactions.
type writer struct {
	s *Store

	mu       sync.Mutex
	space    *sync.Cond // signalled when buffered drops
	pending  *batch
	buffered int // pending plus in flight, for back-pressure
	closed   bool
	errs     map[RunID][]error // per-run errors met by buffered writes
	fail     error             // the last failed commit, until one succeeds

	kick  chan struct{}
	flush chan flushReq
	quit  chan struct{}
	done  chan struct{}
}

type flushReq struct {
	run    *RunID // nil: report every run's errors
	commit bool   // only commit: report a failed commit, keep runs' errors
	reply  chan error
}

func newWriter(s *Store) *writer {
	w := &writer{
		s: s, pending: newBatch(), errs: map[RunID][]error{},
		kick: make(chan struct{}, 1), flush: make(chan flushReq),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	w.space = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// lockSpace takes w.mu and waits while the buffer is full. On success it
// returns with w.mu held; the caller adds its work to w.pending and calls
// added.
func (w *writer) lockSpace() error {
	if w.s.opts.ReadOnly {
		return fmt.Errorf("store: %s: %w", w.s.path, ErrReadOnly)
	}
	w.mu.Lock()
	for !w.closed && w.fail == nil && w.buffered >= w.s.opts.MaxBufferedPoints {
		w.space.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if w.fail != nil && w.buffered >= w.s.opts.MaxBufferedPoints {
		// The buffer is full and commits fail: say so rather than wait
		// forever. What is buffered stays, to be retried.
		err := w.fail
		w.mu.Unlock()
		return err
	}
	return nil
}

// added counts n units of work just added under w.mu, releases w.mu and
// wakes the committer if a batch is due.
func (w *writer) added(n int) {
	w.pending.n += n
	w.buffered += n
	full := w.pending.n >= w.s.opts.CommitPoints
	w.mu.Unlock()
	if full {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// LogPoints buffers metric points of run id's key. They are written by the
// committer and durable after Flush, FlushRun or Close return nil (at once
// with Options.Synchronous). The caller has validated key and points.
func (s *Store) LogPoints(id RunID, key string, pts ...Point) error {
	if err := s.w.lockSpace(); err != nil {
		return err
	}
	ref := seriesRef{id, key}
	s.w.pending.points[ref] = append(s.w.pending.points[ref], pts...)
	s.w.added(len(pts))
	return s.syncIfAsked(id)
}

// LogPoint buffers one metric point; see LogPoints.
func (s *Store) LogPoint(id RunID, key string, p Point) error {
	if err := s.w.lockSpace(); err != nil {
		return err
	}
	ref := seriesRef{id, key}
	s.w.pending.points[ref] = append(s.w.pending.points[ref], p)
	s.w.added(1)
	return s.syncIfAsked(id)
}

// LogParam buffers a param. If the run already has the key with another
// value, the write is refused when committed and the error (wrapping
// ErrConflict) is returned by the next Flush or FlushRun.
func (s *Store) LogParam(id RunID, key, value string) error {
	return s.logOp(op{opParam, id, key, value})
}

// SetTag buffers setting a run tag; see LogPoints for durability.
func (s *Store) SetTag(id RunID, key, value string) error {
	return s.logOp(op{opTag, id, key, value})
}

// DeleteTag buffers deleting a run tag. A missing tag is an error
// (ErrNotFound) reported by the next Flush, as MLflow reports it.
func (s *Store) DeleteTag(id RunID, key string) error {
	return s.logOp(op{opDeleteTag, id, key, ""})
}

func (s *Store) logOp(o op) error {
	if err := s.w.lockSpace(); err != nil {
		return err
	}
	s.w.pending.ops = append(s.w.pending.ops, o)
	s.w.added(1)
	return s.syncIfAsked(o.run)
}

func (s *Store) syncIfAsked(id RunID) error {
	if !s.opts.Synchronous {
		return nil
	}
	return s.FlushRun(context.Background(), id)
}

// Flush writes everything buffered so far and makes it durable. It returns
// the errors buffered writes of any run met since the last Flush.
func (s *Store) Flush(ctx context.Context) error { return s.w.request(ctx, nil, false) }

// FlushRun is Flush, but returns only the errors met by run id's writes
// (and a failed commit); other runs' errors wait for their own flush.
func (s *Store) FlushRun(ctx context.Context, id RunID) error { return s.w.request(ctx, &id, false) }

// Commit writes everything buffered so far and makes it durable, like
// Flush, but reports only a failed commit: the errors of single buffered
// writes stay for the Flush, FlushRun or Close that owns them. Reads use it
// to see what was logged before them.
func (s *Store) Commit(ctx context.Context) error { return s.w.request(ctx, nil, true) }

func (w *writer) request(ctx context.Context, run *RunID, commitOnly bool) error {
	req := flushReq{run: run, commit: commitOnly, reply: make(chan error, 1)}
	select {
	case w.flush <- req:
	case <-w.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) loop() {
	defer close(w.done)
	tick := time.NewTicker(w.s.opts.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.kick:
			w.commit()
		case <-tick.C:
			w.commit()
		case req := <-w.flush:
			w.commit()
			if req.commit {
				req.reply <- w.failure()
			} else {
				req.reply <- w.takeErrors(req.run)
			}
		case <-w.quit:
			w.commit()
			return
		}
	}
}

func (w *writer) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fail
}

// takeErrors returns and forgets the buffered-write errors of run (of all
// runs when run is nil), plus the last commit failure.
func (w *writer) takeErrors(run *RunID) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	if w.fail != nil {
		errs = append(errs, w.fail)
	}
	if run == nil {
		for _, e := range w.errs {
			errs = append(errs, e...)
		}
		clear(w.errs)
	} else {
		errs = append(errs, w.errs[*run]...)
		delete(w.errs, *run)
	}
	return errors.Join(errs...)
}

// commit writes the pending batch in one transaction. If the transaction
// fails as a whole, the batch goes back in front of what was logged since,
// to be tried again.
func (w *writer) commit() {
	w.mu.Lock()
	b := w.pending
	if b.n == 0 {
		w.mu.Unlock()
		return
	}
	w.pending = newBatch()
	w.mu.Unlock()

	runErrs := map[RunID][]error{}
	err := w.s.Update(context.Background(), func(tx *Tx) error {
		clear(runErrs)
		return tx.applyBatch(b, runErrs)
	})

	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.fail = fmt.Errorf("store: commit of %d buffered values failed, kept to retry: %w", b.n, err)
		w.space.Broadcast() // waiting producers learn of the failure
		// Put b back in front of newer work, preserving each series' order.
		for ref, pts := range w.pending.points {
			b.points[ref] = append(b.points[ref], pts...)
		}
		b.ops = append(b.ops, w.pending.ops...)
		b.n += w.pending.n
		w.pending = b
		return
	}
	w.fail = nil
	for id, e := range runErrs {
		w.errs[id] = append(w.errs[id], e...)
	}
	w.buffered -= b.n
	w.space.Broadcast()
}

// applyBatch applies b inside one write transaction. A change that cannot
// apply (unknown or deleted run, a param changed) is dropped with an error
// recorded for its run; the rest of the batch still applies.
func (t *Tx) applyBatch(b *batch, runErrs map[RunID][]error) error {
	runs := map[RunID]*Run{}
	bad := map[RunID]bool{}
	load := func(id RunID) *Run {
		if r, ok := runs[id]; ok {
			return r
		}
		if bad[id] {
			return nil
		}
		r, err := t.Run(id)
		if err == nil && r.Lifecycle == Deleted {
			err = fmt.Errorf("store: run %s is deleted; restore it before logging to it: %w", id, ErrDeleted)
		}
		if err != nil {
			bad[id] = true
			runErrs[id] = append(runErrs[id], err)
			return nil
		}
		runs[id] = r
		return r
	}
	for _, o := range b.ops {
		r := load(o.run)
		if r == nil {
			continue
		}
		if err := applyOp(r, o); err != nil {
			runErrs[o.run] = append(runErrs[o.run], err)
		}
	}
	for _, ref := range sortedRefs(b.points) {
		r := load(ref.run)
		if r == nil {
			continue
		}
		if err := t.AppendPoints(r, ref.key, b.points[ref]); errors.Is(err, ErrCorrupt) {
			// A damaged series takes no more points; the rest of the batch,
			// and other series, still go in.
			runErrs[ref.run] = append(runErrs[ref.run], err)
		} else if err != nil {
			return err
		}
	}
	for _, r := range runs {
		if err := t.PutRun(r); err != nil {
			return err
		}
	}
	return nil
}

// sortedRefs orders series by run then key, so chunk writes walk the
// series bucket in key order.
func sortedRefs(m map[seriesRef][]Point) []seriesRef {
	refs := make([]seriesRef, 0, len(m))
	for ref := range maps.Keys(m) {
		refs = append(refs, ref)
	}
	if len(refs) > 1 {
		sortRefs(refs)
	}
	return refs
}

func applyOp(r *Run, o op) error {
	switch o.kind {
	case opParam:
		return r.SetParam(o.key, o.value)
	case opTag:
		r.SetTag(o.key, o.value)
	case opDeleteTag:
		if _, ok := r.Tags[o.key]; !ok {
			return fmt.Errorf("store: run %s: no tag %q to delete: %w", r.ID, o.key, ErrNotFound)
		}
		delete(r.Tags, o.key)
	}
	return nil
}

// SetParam sets a param of r unless it holds another value already: params
// are write-once, and a change fails with an error wrapping ErrConflict
// that names the key, the old and the new value.
func (r *Run) SetParam(key, value string) error {
	if old, ok := r.Params[key]; ok && old != value {
		return fmt.Errorf("store: run %s param %q: already logged as %q, cannot change it to %q (params are write-once): %w",
			r.ID, key, old, value, ErrConflict)
	}
	r.Params[key] = value
	return nil
}

// SetTag sets a tag of r; the mlflow.runName tag also renames the run.
func (r *Run) SetTag(key, value string) {
	r.Tags[key] = value
	if key == TagRunName {
		r.Name = value
	}
}

// close stops the committer after a last commit and returns every error
// not yet reported.
func (w *writer) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.space.Broadcast()
	w.mu.Unlock()
	close(w.quit)
	<-w.done
	return w.takeErrors(nil)
}
