package run

import (
	"context"
	"fmt"
	"sync"

	"github.com/mlite/mlite/blob"
)

// Deferred compression of artifacts. Logging stores large compressible
// files raw, at the speed of the disk, and marks them (blob.Info.Pending);
// the tracker then compresses them in the background: one goroutine, one
// core at most, pausing while artifacts are being logged. Wait (and so
// closing the front door's DB) stops it; the marks stay, and the next
// artifact logged, or CompressArtifacts (`mlite compact`), resumes. The
// first pass of a Tracker, and CompressArtifacts, also look for raw blobs
// whose marks were lost (blob.CompressOptions.Rescan): a crash before a
// mark was synced leaves its blob raw only until then.

// compressor runs the background pass of one Tracker.
type compressor struct {
	mu        sync.Mutex
	running   bool
	again     bool // more was marked while the pass ran
	rescanned bool // a pass of this Tracker has looked for lost marks
	cancel    context.CancelFunc
	done      chan struct{}
}

// compressLater starts the background pass, or has the running one look
// again once it is over.
func (t *Tracker) compressLater() {
	c := &t.comp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.again = true
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.running, c.again, c.cancel, c.done = true, false, cancel, make(chan struct{})
	rescan := !c.rescanned
	c.rescanned = true
	go func() {
		for {
			// Errors are left for CompressArtifacts to report: the marks
			// stay, and nothing was replaced that did not check out.
			_, _ = t.blobs.CompressPending(ctx, &blob.CompressOptions{Workers: 1, Yield: true, Rescan: rescan})
			rescan = false
			c.mu.Lock()
			if !c.again || ctx.Err() != nil {
				c.running = false
				close(c.done)
				cancel()
				c.mu.Unlock()
				return
			}
			c.again = false
			c.mu.Unlock()
		}
	}()
}

// stopCompressing stops the background pass, if one runs, and waits for
// it.
func (t *Tracker) stopCompressing() {
	c := &t.comp
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return
	}
	c.cancel()
	done := c.done
	c.mu.Unlock()
	<-done
}

// CompressArtifacts compresses, on every core, the artifacts stored raw
// for later compression (see blob.Store.CompressPending), after stopping
// the background pass, and reports what it did: what `mlite compact`
// does for the blob folder.
func (t *Tracker) CompressArtifacts(ctx context.Context) (blob.CompressReport, error) {
	if err := t.writable(); err != nil {
		return blob.CompressReport{}, fmt.Errorf("run: compress artifacts: %w", err)
	}
	t.stopCompressing()
	rep, err := t.blobs.CompressPending(ctx, &blob.CompressOptions{Rescan: true})
	if err != nil {
		return rep, fmt.Errorf("run: compress artifacts: %w", err)
	}
	return rep, nil
}

// ArtifactBacklog reports the artifacts stored raw that a compression
// pass would compress (see blob.Store.Backlog): those marked pending, and
// those whose mark was lost, which the first background pass of a
// Tracker that logs artifacts, or CompressArtifacts, would find. It
// changes nothing.
func (t *Tracker) ArtifactBacklog(ctx context.Context) (blob.Backlog, error) {
	b, err := t.blobs.Backlog(ctx)
	if err != nil {
		return b, fmt.Errorf("run: artifact backlog: %w", err)
	}
	return b, nil
}
