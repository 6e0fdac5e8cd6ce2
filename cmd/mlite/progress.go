package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is a progress bar on stderr when stderr is a terminal, and
// nothing at all otherwise (a pipe, a log file, a test). Its methods are
// safe on a nil *progress.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress starts a bar of total units (bytes when bytes is set) with a
// description, or returns nil when stderr is not a terminal.
func (a *app) newProgress(total int64, desc string, bytes bool) *progress {
	if !isTerminal(a.stderr) && !a.bars {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionUseIECUnits(true))
	}
	if total < 0 {
		total = -1 // a spinner: the amount of work is unknown
	}
	return &progress{bar: progressbar.NewOptions64(total, opts...)}
}

// set moves the bar to n units done.
func (p *progress) set(n int64) {
	if p != nil {
		p.bar.Set64(n)
	}
}

// add moves the bar n units on.
func (p *progress) add(n int64) {
	if p != nil {
		p.bar.Add64(n)
	}
}

// done removes the bar.
func (p *progress) done() {
	if p != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}

// reader counts what r yields on the bar.
func (p *progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	pr := progressbar.NewReader(r, p.bar)
	return &pr
}

// spin keeps a spinner turning until stop is called, for work that reports
// no progress of its own (compact, check).
func (a *app) spin(desc string) (stop func()) {
	p := a.newProgress(-1, desc, false)
	if p == nil {
		return func() {}
	}
	return p.every(100*time.Millisecond, func() { p.add(1) })
}

// every calls tick every d on a goroutine of its own until stop is called;
// stop waits for the goroutine, then finishes the bar.
func (p *progress) every(d time.Duration, tick func()) (stop func()) {
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				tick()
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
		p.done()
	}
}
