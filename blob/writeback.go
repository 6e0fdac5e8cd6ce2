package blob

import "os"

// writebackQueue bounds the ranges a writeback holds; more are dropped
// (the final fsync writes them).
const writebackQueue = 64

// writeback starts the kernel's writeback of the ranges of a temp file
// that a Put has written, on a goroutine of its own, so that a disk slow
// to take them never holds up the Put: for content that turns out to be
// stored already, the temp file is removed and what was not written yet
// never is. stop ends it without waiting; ranges still queued then are
// for a closed file and left alone.
type writeback struct {
	ch chan [2]int64
}

// newWriteback starts the writeback goroutine for f.
func newWriteback(f *os.File) *writeback {
	w := &writeback{ch: make(chan [2]int64, writebackQueue)}
	go func() {
		for r := range w.ch {
			startWriteback(f, r[0], r[1])
		}
	}()
	return w
}

// add queues the n bytes at off, unless the queue is full. A nil w does
// nothing.
func (w *writeback) add(off, n int64) {
	if w == nil {
		return
	}
	select {
	case w.ch <- [2]int64{off, n}:
	default:
	}
}

// stop ends the goroutine once it has taken what is queued.
func (w *writeback) stop() { close(w.ch) }
