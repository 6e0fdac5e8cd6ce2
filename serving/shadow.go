package serving

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlite/mlite/registry/mlmodel"
)

// Defaults of ShadowOptions.
const (
	DefaultShadowQueue   = 1024
	DefaultShadowTimeout = 10 * time.Second
)

// ShadowResult is one request scored by the primary model, whose answer
// the client got, and by the shadow, off the request path.
type ShadowResult struct {
	// Seq numbers the shadowed requests from 0.
	Seq  int64
	Rows int
	// Primary and Shadow hold each model's numbers, row after row, with
	// PrimaryWidth and ShadowWidth numbers per row (0: one per row).
	Primary, Shadow           []float64
	PrimaryWidth, ShadowWidth int
	PrimaryLatency            time.Duration
	ShadowLatency             time.Duration
	// Err is the shadow's error (nil when it answered).
	Err error
}

// ShadowOptions configure NewShadow. nil means all defaults.
type ShadowOptions struct {
	// Queue is how many requests may wait for the shadow; a request
	// arriving when the queue is full is not shadowed (Dropped counts it),
	// so memory stays bounded and the primary never waits. Zero:
	// DefaultShadowQueue.
	Queue int
	// Timeout bounds the shadow's scoring of one request. Zero:
	// DefaultShadowTimeout.
	Timeout time.Duration
	// Sample is the fraction of requests shadowed, in (0, 1]. Zero: all.
	Sample float64
	// Record gets each shadowed request's result, from the shadow's one
	// goroutine, in order.
	Record func(ShadowResult)
}

type shadowJob struct {
	f       *mlmodel.Frame
	preds   []float64
	width   int
	latency time.Duration
}

// Shadow scores requests with a second model off the request path: the
// scoring server hands it each request after answering with the primary
// (Options.Shadow), and one goroutine scores them in turn and records both
// answers. A slow or failing shadow never delays or fails a response.
type Shadow struct {
	m       *Model
	o       ShadowOptions
	jobs    chan shadowJob
	offered atomic.Int64
	dropped atomic.Int64
	sampled atomic.Int64
	mu      sync.Mutex // guards closed and sends on jobs
	closed  bool
	done    chan struct{}
}

// NewShadow starts the shadow scoring of m; Close stops it.
func NewShadow(m *Model, o *ShadowOptions) *Shadow {
	s := &Shadow{m: m, o: valueOf(o), done: make(chan struct{})}
	s.o.Queue = positiveOr(s.o.Queue, DefaultShadowQueue)
	s.o.Timeout = positiveOr(s.o.Timeout, DefaultShadowTimeout)
	if s.o.Sample <= 0 || s.o.Sample > 1 {
		s.o.Sample = 1
	}
	s.jobs = make(chan shadowJob, s.o.Queue)
	go s.loop()
	return s
}

// Model is the shadow model.
func (s *Shadow) Model() *Model { return s.m }

// offer hands a scored request to the shadow without waiting.
func (s *Shadow) offer(f *mlmodel.Frame, preds []float64, width int, latency time.Duration) {
	s.offered.Add(1)
	if s.o.Sample < 1 && rand.Float64() >= s.o.Sample {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.dropped.Add(1)
		return
	}
	select {
	case s.jobs <- shadowJob{f: f, preds: preds, width: width, latency: latency}:
		s.sampled.Add(1)
	default:
		s.dropped.Add(1)
	}
}

func (s *Shadow) loop() {
	defer close(s.done)
	var seq int64
	for j := range s.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
		start := time.Now()
		preds, width, err := s.score(ctx, j.f)
		cancel()
		r := ShadowResult{Seq: seq, Rows: j.f.Rows, Primary: j.preds, PrimaryWidth: j.width, PrimaryLatency: j.latency,
			Shadow: preds, ShadowWidth: width, ShadowLatency: time.Since(start), Err: err}
		seq++
		if s.o.Record != nil {
			s.o.Record(r)
		}
	}
}

// score runs the shadow model, turning a panic of its predictor into an
// error: a broken shadow must not bring the server down.
func (s *Shadow) score(ctx context.Context, f *mlmodel.Frame) (preds []float64, width int, err error) {
	defer func() {
		if p := recover(); p != nil {
			preds, width, err = nil, 0, &shadowPanic{p}
		}
	}()
	return s.m.Score(ctx, f)
}

type shadowPanic struct{ v any }

func (p *shadowPanic) Error() string { return "serving: the shadow model panicked" }

// Close stops taking requests, lets the shadow finish the queued ones and
// returns when their results are recorded.
func (s *Shadow) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.jobs)
	}
	s.mu.Unlock()
	<-s.done
}

// Stats returns how many requests were offered to the shadow, queued for
// it (sampled) and dropped because its queue was full.
func (s *Shadow) Stats() (offered, sampled, dropped int64) {
	return s.offered.Load(), s.sampled.Load(), s.dropped.Load()
}
