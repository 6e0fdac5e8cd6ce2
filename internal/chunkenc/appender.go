package chunkenc

import (
	"fmt"
	"math"
)

// Appender builds one chunk incrementally. Append, Size, Fits and Header are
// O(1); Bytes returns the chunk so far, encoding only the points appended
// since its last call (plus a copy), and leaves the Appender usable for more
// points. An Appender keeps its points (40 bytes each) until Reset. It is not
// safe for concurrent use. The zero value is not ready: use NewAppender.
type Appender struct {
	steps, times []int64
	vals         []float64
	st           [2]state // st[cur] is the chunk so far; st[1-cur] what Fits computed
	cur          int
	svals, ivals []int64 // values as sortable(bits), and as integers while they all are
	fitted       Point   // the point st[1-cur] includes, when fitValid
	fitValid     bool
	enc          [3]colEnc // encoded columns, extended by each Bytes
}

// state is everything Size and Header need, kept up to date by Append.
type state struct {
	hdr        Header
	step, time intStats
	val        floatStats
}

func (s *state) add(p Point) {
	b := math.Float64bits(p.Value)
	i, ok := asInt(p.Value)
	s.addBits(p, b, sortable(b), i, ok)
}

// addBits is add with the value's bits, sortable bits and integer form.
func (s *state) addBits(p Point, b uint64, sb int64, i int64, isInt bool) {
	s.hdr.add(p)
	if !s.step.addLazy(p.Step) {
		s.step.addSlow(p.Step)
	}
	if !s.time.addLazy(p.Time) {
		s.time.addSlow(p.Time)
	}
	s.val.add(p.Value, b, sb, i, isInt)
}

// NewAppender returns an empty Appender.
func NewAppender() *Appender {
	a := &Appender{}
	a.Reset()
	return a
}

// Reset empties a for a new chunk, keeping its buffers.
func (a *Appender) Reset() {
	a.steps, a.times, a.vals = a.steps[:0], a.times[:0], a.vals[:0]
	a.svals, a.ivals = a.svals[:0], a.ivals[:0]
	for i := range a.enc {
		a.enc[i].reset()
	}
	a.cur, a.fitValid = 0, false
	a.st[0] = state{hdr: emptyHeader()}
}

// ResumeAppender returns an Appender holding the points of chunk, to append
// more. It decodes and checks the whole chunk (as Check does).
func ResumeAppender(chunk []byte) (*Appender, error) {
	pts, err := decodeChecked(nil, chunk)
	if err != nil {
		return nil, err
	}
	a := NewAppender()
	a.steps = make([]int64, 0, len(pts))
	a.times = make([]int64, 0, len(pts))
	a.vals = make([]float64, 0, len(pts))
	a.svals = make([]int64, 0, len(pts))
	for _, p := range pts {
		a.Append(p)
	}
	return a, nil
}

// Append adds p after the points already in the chunk. The chunk must not be
// Full: Append on a full Appender is a bug in the caller and panics.
func (a *Appender) Append(p Point) {
	if a.Full() {
		panic(fmt.Sprintf("chunkenc: BUG: Append on a full chunk (%d points)", MaxPoints))
	}
	a.steps = append(a.steps, p.Step)
	a.times = append(a.times, p.Time)
	a.vals = append(a.vals, p.Value)
	b := math.Float64bits(p.Value)
	sb := sortable(b)
	a.svals = append(a.svals, sb)
	i, isInt := asInt(p.Value)
	if isInt && len(a.ivals) == len(a.vals)-1 {
		a.ivals = append(a.ivals, i)
	}
	if a.fitValid && samePoint(p, a.fitted) {
		a.cur = 1 - a.cur // Fits already computed the state with p
	} else {
		a.st[a.cur].addBits(p, b, sb, i, isInt)
	}
	a.fitValid = false
}

func samePoint(a, b Point) bool {
	return a.Step == b.Step && a.Time == b.Time && math.Float64bits(a.Value) == math.Float64bits(b.Value)
}

// Contains reports whether the chunk holds a point equal to p in step,
// time and value bits. The header rules most points out in O(1); the
// others cost a scan of the chunk's points, newest first.
func (a *Appender) Contains(p Point) bool {
	if !a.st[a.cur].hdr.Covers(p) {
		return false
	}
	bits := math.Float64bits(p.Value)
	for i := len(a.steps) - 1; i >= 0; i-- {
		if a.steps[i] == p.Step && a.times[i] == p.Time && math.Float64bits(a.vals[i]) == bits {
			return true
		}
	}
	return false
}

// Count reports how many points the chunk holds.
func (a *Appender) Count() int { return a.st[a.cur].hdr.Count }

// Full reports whether the chunk holds MaxPoints points and takes no more.
func (a *Appender) Full() bool { return a.Count() >= MaxPoints }

// Fits reports whether p can be appended with the encoded chunk staying
// within limit bytes (and the chunk not Full). It does not change the chunk;
// an Append of the same p right after reuses its work. A store that seals a
// chunk when the next point does not fit keeps every chunk at or under its
// size target.
func (a *Appender) Fits(p Point, limit int) bool {
	if a.Full() {
		return false
	}
	if a.st[a.cur].sizeBound(p) <= limit {
		return true // exact size <= bound
	}
	next := &a.st[1-a.cur]
	*next = a.st[a.cur]
	next.add(p)
	a.fitted, a.fitValid = p, true
	return encodedSize(next) <= limit
}

// Size returns the exact length Bytes would produce now.
func (a *Appender) Size() int { return encodedSize(&a.st[a.cur]) }

// Header returns the header of the chunk so far.
func (a *Appender) Header() Header { return a.st[a.cur].hdr }

func colSize(body int) int { return 1 + uvarintLen(uint64(body)) + body }

func encodedSize(s *state) int {
	n := headerLen(&s.hdr)
	if s.hdr.Count == 0 {
		return n
	}
	_, sb := s.step.choose()
	_, tb := s.time.choose()
	_, vb := s.val.choose()
	return n + colSize(sb) + colSize(tb) + colSize(vb)
}

// sameHeader compares headers bit for bit (NaN payloads and -0 included).
func sameHeader(a, b *Header) bool {
	f := math.Float64bits
	return a.Codec == b.Codec && a.Count == b.Count && a.MinStep == b.MinStep && a.MaxStep == b.MaxStep &&
		a.MinTime == b.MinTime && a.MaxTime == b.MaxTime && a.NaNs == b.NaNs &&
		f(a.MinValue) == f(b.MinValue) && f(a.MaxValue) == f(b.MaxValue) &&
		a.Last.Step == b.Last.Step && a.Last.Time == b.Last.Time && f(a.Last.Value) == f(b.Last.Value)
}

// sizeBound returns an upper bound of the encoded size after appending p,
// cheaper than computing it: each column is bounded by the encodings whose
// growth by one point is bounded (delta-of-delta, XOR, FOR when the new delta
// is within the known range), since the chosen encoding is never larger.
func (s *state) sizeBound(p Point) int {
	if s.hdr.Count < 2 {
		return math.MaxInt
	}
	h := s.hdr
	h.add(p)
	n := headerLen(&h) + colSize(s.step.bound(p.Step)) + colSize(s.time.bound(p.Time))
	v := &s.val
	vb := 8 + int((v.xorBits+77+7)>>3)
	if v.constant && math.Float64bits(p.Value) == v.first {
		vb = 8
	}
	if v.integral {
		if i, ok := asInt(p.Value); ok {
			vb = min(vb, v.ints.bound(i))
		}
	}
	vb = min(vb, v.bits.bound(sortable(math.Float64bits(p.Value))))
	return n + colSize(vb)
}
