package chunkenc

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Appender builds one chunk incrementally. Append is O(1); Size and Header are
// O(1); Bytes encodes the chunk so far (O(points)) and leaves the Appender
// usable for more points. The zero value is not ready: use NewAppender.
type Appender struct {
	steps, times []int64
	vals         []float64
	hdr          Header
	stats        stats
	scratch      []int64
}

// stats is everything Size needs, kept up to date by Append.
type stats struct {
	step, time intStats
	val        floatStats
}

func (s *stats) add(p Point) {
	s.step.add(p.Step)
	s.time.add(p.Time)
	s.val.add(p.Value)
}

// NewAppender returns an empty Appender.
func NewAppender() *Appender {
	return &Appender{hdr: emptyHeader()}
}

// ResumeAppender returns an Appender holding the points of chunk, to append
// more. It decodes and checks the whole chunk (as Check does).
func ResumeAppender(chunk []byte) (*Appender, error) {
	pts, err := decodeChecked(nil, chunk)
	if err != nil {
		return nil, err
	}
	a := NewAppender()
	a.grow(len(pts))
	for _, p := range pts {
		a.Append(p)
	}
	return a, nil
}

func (a *Appender) grow(n int) {
	a.steps = make([]int64, 0, n)
	a.times = make([]int64, 0, n)
	a.vals = make([]float64, 0, n)
}

// Append adds p after the points already in the chunk. The chunk must not be
// Full: Append on a full Appender is a bug in the caller and panics.
func (a *Appender) Append(p Point) {
	if a.hdr.Count >= MaxPoints {
		panic(fmt.Sprintf("chunkenc: BUG: Append on a full chunk (%d points)", MaxPoints))
	}
	a.steps = append(a.steps, p.Step)
	a.times = append(a.times, p.Time)
	a.vals = append(a.vals, p.Value)
	a.hdr.add(p)
	a.stats.add(p)
}

// Count reports how many points the chunk holds.
func (a *Appender) Count() int { return a.hdr.Count }

// Full reports whether the chunk holds MaxPoints points and takes no more.
func (a *Appender) Full() bool { return a.hdr.Count >= MaxPoints }

// Fits reports whether p can be appended with the encoded chunk staying
// within limit bytes (and the chunk not Full). It does not change a.
// A store that seals a chunk when the next point does not fit keeps every
// chunk at or under its size target.
func (a *Appender) Fits(p Point, limit int) bool {
	if a.Full() {
		return false
	}
	h, s := a.hdr, a.stats
	h.add(p)
	s.add(p)
	return encodedSize(&h, &s) <= limit
}

// Size returns the exact length Bytes would produce now.
func (a *Appender) Size() int { return encodedSize(&a.hdr, &a.stats) }

// Header returns the header of the chunk so far.
func (a *Appender) Header() Header { return a.hdr }

func colSize(body int) int { return 1 + uvarintLen(uint64(body)) + body }

func encodedSize(h *Header, s *stats) int {
	n := headerLen(h)
	if h.Count == 0 {
		return n
	}
	_, sb := s.step.choose()
	_, tb := s.time.choose()
	_, vb := s.val.choose()
	return n + colSize(sb) + colSize(tb) + colSize(vb)
}

// Bytes appends the encoded chunk (header and columns) to dst and returns the
// extended slice. The Appender stays usable.
func (a *Appender) Bytes(dst []byte) []byte {
	start := len(dst)
	dst = appendHeader(dst, &a.hdr)
	if a.hdr.Count > 0 {
		kind, body := a.stats.step.choose()
		dst = appendColumn(dst, kind, body, func(b []byte) []byte {
			return appendIntColumn(b, kind, &a.stats.step, a.steps)
		})
		kind, body = a.stats.time.choose()
		dst = appendColumn(dst, kind, body, func(b []byte) []byte {
			return appendIntColumn(b, kind, &a.stats.time, a.times)
		})
		kind, body = a.stats.val.choose()
		dst = appendColumn(dst, kind, body, func(b []byte) []byte {
			b, a.scratch = appendFloatColumn(b, kind, &a.stats.val, a.vals, a.scratch)
			return b
		})
	}
	if got, want := len(dst)-start, a.Size(); got != want {
		panic(fmt.Sprintf("chunkenc: BUG: encoded %d bytes, Size said %d", got, want))
	}
	return dst
}

func appendColumn(dst []byte, kind byte, body int, enc func([]byte) []byte) []byte {
	dst = append(dst, kind)
	dst = binary.AppendUvarint(dst, uint64(body))
	n := len(dst)
	dst = enc(dst)
	if len(dst)-n != body {
		panic(fmt.Sprintf("chunkenc: BUG: column kind 0x%02x encoded %d bytes, expected %d", kind, len(dst)-n, body))
	}
	return dst
}

// sameHeader compares headers bit for bit (NaN payloads and -0 included).
func sameHeader(a, b *Header) bool {
	f := math.Float64bits
	return a.Codec == b.Codec && a.Count == b.Count && a.MinStep == b.MinStep && a.MaxStep == b.MaxStep &&
		a.MinTime == b.MinTime && a.MaxTime == b.MaxTime && a.NaNs == b.NaNs &&
		f(a.MinValue) == f(b.MinValue) && f(a.MaxValue) == f(b.MaxValue) &&
		a.Last.Step == b.Last.Step && a.Last.Time == b.Last.Time && f(a.Last.Value) == f(b.Last.Value)
}
