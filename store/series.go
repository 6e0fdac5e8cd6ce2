package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/mlite/mlite/internal/chunkenc"
)

// headCache keeps the Appender of each series' open head chunk between
// write transactions of this process, so appending to it does not decode
// and re-encode the whole chunk on every commit. An entry is used only
// while its chunk number and bytes equal what the transaction reads from
// the file: a write by another process (or another handle) makes it miss.
//
// A transaction takes the entries it uses out of the cache and stages the
// Appenders it leaves behind (Tx.heads); they go back in only when it
// commits, so a rolled-back transaction leaves no Appender holding points
// the file does not.
type headCache struct {
	mu sync.Mutex
	m  map[headRef]*headEntry
}

type headRef struct {
	run RunID
	idx uint32
}

type headEntry struct {
	seq   uint32
	app   *chunkenc.Appender
	bytes []byte // the chunk as last written
}

func (e *headEntry) matches(seq uint32, stored []byte) bool {
	return e != nil && e.seq == seq && bytes.Equal(e.bytes, stored)
}

// maxHeadCache bounds the cache; past it, it starts over. An Appender
// keeps its chunk's raw points (up to about 40 KiB), so this bounds the
// cache to some 160 MiB in the worst case.
const maxHeadCache = 4096

// take removes and returns the Appender cached for ref if it holds the
// chunk seq whose bytes are stored, else nil.
func (c *headCache) take(ref headRef, seq uint32, stored []byte) *chunkenc.Appender {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[ref]
	if e == nil {
		return nil
	}
	delete(c.m, ref)
	if !e.matches(seq, stored) {
		return nil
	}
	return e.app
}

// keep adds the entries a committed transaction staged.
func (c *headCache) keep(staged map[headRef]*headEntry) {
	if len(staged) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(staged) > maxHeadCache {
		c.m = make(map[headRef]*headEntry, len(staged))
	}
	maps.Copy(c.m, staged)
}

// headAppender returns an Appender holding chunk seq of ref, whose bytes
// are stored: the one this transaction staged or the cache kept, if it
// holds exactly that chunk, else one decoded from stored. Either way it is
// the caller's: an append that fails half-way must not leave it staged.
func (t *Tx) headAppender(ref headRef, seq uint32, stored []byte) (*chunkenc.Appender, error) {
	if e := t.staged[ref]; e != nil {
		delete(t.staged, ref)
		if e.matches(seq, stored) {
			return e.app, nil
		}
	}
	if t.heads != nil {
		if app := t.heads.take(ref, seq, stored); app != nil {
			return app, nil
		}
	}
	return chunkenc.ResumeAppender(stored)
}

// stage records app, whose chunk seq of ref was just written as enc, for
// the cache to keep if this transaction commits.
func (t *Tx) stage(ref headRef, seq uint32, app *chunkenc.Appender, enc []byte) {
	if t.heads == nil {
		return
	}
	if t.staged == nil {
		t.staged = map[headRef]*headEntry{}
	}
	t.staged[ref] = &headEntry{seq: seq, app: app, bytes: enc}
}

// newSeries returns the summary of a key not logged before in r.
func newSeries(r *Run) *Series {
	return &Series{Index: uint32(len(r.Metrics)), Min: math.NaN(), Max: math.NaN(),
		MinStep: math.MaxInt64, MaxStep: math.MinInt64}
}

// observe folds p into the summary.
func (s *Series) observe(p Point) {
	if s.Count == 0 || chunkenc.Newer(p, s.Latest) {
		s.Latest = p
	}
	s.Count++
	if math.IsNaN(p.Value) {
		s.NaNs++
	} else {
		s.Sum += p.Value
		if !(p.Value >= s.Min) { // also true while Min is NaN
			s.Min = p.Value
		}
		if !(p.Value <= s.Max) {
			s.Max = p.Value
		}
	}
	s.MinStep = min(s.MinStep, p.Step)
	s.MaxStep = max(s.MaxStep, p.Step)
}

// AppendPoints appends pts to the series key of run r, writing chunks and
// updating r.Metrics; the caller stores r with PutRun afterwards. A point
// equal in step, time and value to one the series holds (a retried request,
// a repeat within pts) is dropped, as MLflow keeps one copy of it.
//
// The check is cheap on the append path: a point after the series' newest
// in (step, time) order, as a training loop logs them, cannot repeat one
// and is not checked. Only a point at or before it (a retry, a backfill)
// looks at the open head chunk and decodes the sealed chunks whose headers
// cover it.
func (t *Tx) AppendPoints(r *Run, key string, pts []Point) error {
	if len(pts) == 0 {
		return nil
	}
	if r.Metrics == nil {
		r.Metrics = map[string]*Series{}
	}
	s := r.Metrics[key]
	if s == nil {
		s = newSeries(r)
		r.Metrics[key] = s
	}
	b := t.tx.Bucket(bucketSeries)
	ref := headRef{r.ID, s.Index}
	var app *chunkenc.Appender
	if s.Chunks == 0 {
		app = chunkenc.NewAppender()
		s.Chunks = 1
	} else {
		stored := b.Get(seriesKey(r.ID, s.Index, s.Chunks-1))
		if stored == nil {
			return fmt.Errorf("store: run %s metric %q: head chunk %d missing: %w", r.ID, key, s.Chunks-1, ErrCorrupt)
		}
		var err error
		if app, err = t.headAppender(ref, s.Chunks-1, stored); err != nil {
			return fmt.Errorf("store: run %s metric %q chunk %d: %w", r.ID, key, s.Chunks-1, err)
		}
	}
	var sealed sealedChunks
	for _, p := range pts {
		if s.Count > 0 && !afterLatest(p, s.Latest) {
			dup := app.Contains(p)
			if !dup {
				var err error
				if dup, err = sealed.contains(b, r.ID, s, p); err != nil {
					return fmt.Errorf("store: run %s metric %q: %w", r.ID, key, err)
				}
			}
			if dup {
				continue
			}
		}
		if app.Count() > 0 && !app.Fits(p, chunkenc.TargetSize) {
			if err := b.Put(seriesKey(r.ID, s.Index, s.Chunks-1), app.Bytes(nil)); err != nil {
				return err
			}
			app = chunkenc.NewAppender()
			s.Chunks++
		}
		app.Append(p)
		s.observe(p)
	}
	enc := app.Bytes(nil)
	if err := b.Put(seriesKey(r.ID, s.Index, s.Chunks-1), enc); err != nil {
		return err
	}
	t.stage(ref, s.Chunks-1, app, enc)
	return nil
}

// afterLatest reports whether p comes after latest in (step, time) order,
// so that it cannot equal any point of a series whose newest is latest.
func afterLatest(p, latest Point) bool {
	return p.Step > latest.Step || p.Step == latest.Step && p.Time > latest.Time
}

// sealedChunks looks for repeats in a series' sealed chunks (all but the
// open head) during one append, reading each header once and decoding a
// chunk only when its header covers a point looked for.
type sealedChunks struct {
	headers []chunkenc.Header  // of chunks 0..len-1, read so far
	points  map[uint32][]Point // decoded chunks
}

func (c *sealedChunks) contains(b *bolt.Bucket, id RunID, s *Series, p Point) (bool, error) {
	for seq := uint32(0); seq+1 < s.Chunks; seq++ {
		if int(seq) == len(c.headers) {
			v := b.Get(seriesKey(id, s.Index, seq))
			if v == nil {
				return false, fmt.Errorf("chunk %d missing: %w", seq, ErrCorrupt)
			}
			h, err := chunkenc.ReadHeader(v)
			if err != nil {
				return false, fmt.Errorf("chunk %d: %w", seq, err)
			}
			c.headers = append(c.headers, h)
		}
		if !c.headers[seq].Covers(p) {
			continue
		}
		pts, ok := c.points[seq]
		if !ok {
			var err error
			if pts, err = chunkenc.AppendPoints(nil, b.Get(seriesKey(id, s.Index, seq))); err != nil {
				return false, fmt.Errorf("chunk %d: %w", seq, err)
			}
			if c.points == nil {
				c.points = map[uint32][]Point{}
			}
			c.points[seq] = pts
		}
		for _, q := range pts {
			if samePoint(p, q) {
				return true, nil
			}
		}
	}
	return false, nil
}

// StepRange selects the points whose step lies in [From, To].
type StepRange struct {
	From, To int64
}

// AllSteps selects every point.
var AllSteps = StepRange{math.MinInt64, math.MaxInt64}

func (rg StepRange) overlaps(h chunkenc.Header) bool {
	return h.MaxStep >= rg.From && h.MinStep <= rg.To
}

// History appends to dst the points of metric key of run r whose step lies
// in rg, in the order they were logged, skipping chunks outside rg by their
// headers. An unknown key gives no points and no error.
func (t *Tx) History(dst []Point, r *Run, key string, rg StepRange) ([]Point, error) {
	s := r.Metrics[key]
	if s == nil {
		return dst, nil
	}
	if rg == AllSteps && dst == nil {
		dst = make([]Point, 0, min(s.Count, 1<<24))
	}
	err := t.chunks(r.ID, s, func(seq uint32, v []byte) error {
		var err error
		if rg == AllSteps {
			dst, err = chunkenc.AppendPoints(dst, v)
			return err
		}
		h, err := chunkenc.ReadHeader(v)
		if err != nil || !rg.overlaps(h) {
			return err
		}
		n := len(dst)
		dst, err = chunkenc.AppendPoints(dst, v)
		if err != nil {
			return err
		}
		keep := dst[:n]
		for _, p := range dst[n:] {
			if p.Step >= rg.From && p.Step <= rg.To {
				keep = append(keep, p)
			}
		}
		dst = keep
		return nil
	})
	if err != nil {
		return dst, fmt.Errorf("store: run %s metric %q: %w", r.ID, key, err)
	}
	return dst, nil
}

// ChunkHeaders returns the headers of the chunks of metric key of run r.
func (t *Tx) ChunkHeaders(r *Run, key string) ([]chunkenc.Header, error) {
	s := r.Metrics[key]
	if s == nil {
		return nil, nil
	}
	out := make([]chunkenc.Header, 0, s.Chunks)
	err := t.chunks(r.ID, s, func(_ uint32, v []byte) error {
		h, err := chunkenc.ReadHeader(v)
		out = append(out, h)
		return err
	})
	return out, err
}

// chunks calls fn with each chunk of a series in order. v is only valid
// during the call.
func (t *Tx) chunks(id RunID, s *Series, fn func(seq uint32, v []byte) error) error {
	prefix := seriesKey(id, s.Index, 0)[:20]
	c := t.tx.Bucket(bucketSeries).Cursor()
	want := uint32(0)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != seriesKeyLen {
			return fmt.Errorf("series key of %d bytes: %w", len(k), ErrCorrupt)
		}
		if seq := binary.BigEndian.Uint32(k[20:]); seq != want {
			return fmt.Errorf("chunk %d where chunk %d was expected: %w", seq, want, ErrCorrupt)
		}
		if err := fn(want, v); err != nil {
			return err
		}
		want++
	}
	if want != s.Chunks {
		return fmt.Errorf("%d chunks stored, the summary says %d: %w", want, s.Chunks, ErrCorrupt)
	}
	return nil
}

// Downsample returns at most n points of metric key of run r within rg,
// chosen so the shape survives. When n allows two points per chunk, every
// chunk's lowest and highest point is kept, and the rest of the budget goes
// to M4: the steps are cut into buckets and each keeps its first, last,
// lowest and highest point. Either way no spike disappears. With n at
// least the number of points, it returns them all. The result is ordered
// by step.
func (t *Tx) Downsample(r *Run, key string, rg StepRange, n int) ([]Point, error) {
	s := r.Metrics[key]
	if s == nil {
		return nil, nil
	}
	// The decode buffer is pooled (a million points are 24 MB) and sized
	// for the whole series (bounded: a range may want a sliver of a huge
	// one), so decoding chunk after chunk does not regrow it.
	bufp := downsampleBufs.Get().(*[]Point)
	defer downsampleBufs.Put(bufp)
	pts := (*bufp)[:0]
	if want := min(s.Count, 1<<20); uint64(cap(pts)) < want {
		pts = make([]Point, 0, want)
	}
	defer func() { *bufp = pts[:0] }()
	var extremes []Point
	err := t.chunks(r.ID, s, func(_ uint32, v []byte) error {
		h, err := chunkenc.ReadHeader(v)
		if err != nil || !rg.overlaps(h) {
			return err
		}
		start := len(pts)
		if pts, err = chunkenc.AppendPoints(pts, v); err != nil {
			return err
		}
		keep := pts[:start]
		lo, hi := -1, -1
		for _, p := range pts[start:] {
			if p.Step < rg.From || p.Step > rg.To {
				continue
			}
			keep = append(keep, p)
			if i := len(keep) - 1; !math.IsNaN(p.Value) {
				if lo < 0 || p.Value < keep[lo].Value {
					lo = i
				}
				if hi < 0 || p.Value > keep[hi].Value {
					hi = i
				}
			}
		}
		if lo >= 0 {
			extremes = append(extremes, keep[lo], keep[hi])
		}
		pts = keep
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: run %s metric %q: %w", r.ID, key, err)
	}
	switch {
	case n <= 0 || len(pts) <= n:
		return slices.Clone(downsample(pts, n)), nil // the result must not be the pooled buffer
	case len(extremes) > n/2:
		return downsample(pts, n), nil
	case n-len(extremes) < 4: // no room for an M4 bucket besides the extremes
		return mergeByStep(nil, downsample(extremes, 0)), nil
	}
	return mergeByStep(downsample(pts, n-len(extremes)), downsample(extremes, 0)), nil
}

var downsampleBufs = sync.Pool{New: func() any { return new([]Point) }}

// mergeByStep merges two step-ordered point lists, dropping exact repeats.
func mergeByStep(a, b []Point) []Point {
	out := make([]Point, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		var p Point
		if len(b) == 0 || (len(a) > 0 && comparePoints(a[0], b[0]) <= 0) {
			p, a = a[0], a[1:]
		} else {
			p, b = b[0], b[1:]
		}
		if k := len(out); k > 0 && samePoint(out[k-1], p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func samePoint(a, b Point) bool {
	return a.Step == b.Step && a.Time == b.Time && math.Float64bits(a.Value) == math.Float64bits(b.Value)
}

// comparePoints orders points by step, then time.
func comparePoints(a, b Point) int {
	if c := cmp.Compare(a.Step, b.Step); c != 0 {
		return c
	}
	return cmp.Compare(a.Time, b.Time)
}

func downsample(pts []Point, n int) []Point {
	if !slices.IsSortedFunc(pts, comparePoints) { // steps usually come in order
		slices.SortStableFunc(pts, comparePoints)
	}
	if n <= 0 || len(pts) <= n {
		return pts
	}
	buckets := max(n/4, 1)
	lo, hi := pts[0].Step, pts[len(pts)-1].Step
	scale := float64(buckets) / (float64(hi) - float64(lo) + 1)
	// bucket is monotonic in the step, so a bucket's points are adjacent;
	// the clamp absorbs float rounding at the ends of huge step ranges,
	// which would otherwise open a bucket past the budget.
	bucket := func(step int64) int {
		return min(max(int((float64(step)-float64(lo))*scale), 0), buckets-1)
	}
	out := make([]Point, 0, n)
	for i := 0; i < len(pts); {
		b := bucket(pts[i].Step)
		j := i
		first, last, mn, mx := i, i, -1, -1
		for ; j < len(pts) && bucket(pts[j].Step) == b; j++ {
			last = j
			if v := pts[j].Value; !math.IsNaN(v) {
				if mn < 0 || v < pts[mn].Value {
					mn = j
				}
				if mx < 0 || v > pts[mx].Value {
					mx = j
				}
			}
		}
		keep := []int{first, mn, mx, last}
		slices.Sort(keep)
		prev := -1
		for _, k := range keep {
			if k >= 0 && k != prev {
				out = append(out, pts[k])
				prev = k
			}
		}
		i = j
	}
	return out
}
