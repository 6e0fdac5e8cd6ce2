package chunkenc

import (
	"math"
	"math/bits"
)

// Adaptive delta buckets (column kinds kindAdapt and kindBits|kindAdapt).
//
// Each delta d between consecutive values (wrapping int64 arithmetic) is
// coded as r = zigzag(d >> tz), where tz is the fewest trailing zero bits of
// any nonzero delta of the column, in the first bucket wide enough for it.
// The four buckets of base b have widths b, b+2, b+4 (capped at 64) and 64,
// announced by the prefixes 0, 10, 110, 111. The Appender keeps a histogram
// of the deltas' bit lengths and walks b towards the cheapest base one step
// at a time, so Size stays O(1) and deterministic.

const maxBase = 60

// adaptCost[b][l] is the cost in bits of a residual of l bits under base b.
var adaptCost = func() (c [maxBase + 2][65]uint8) {
	for b := range c {
		for l := range c[b] {
			w := adaptWidths(uint(b))
			k := 0
			for k < 3 && uint(l) > w[k] {
				k++
			}
			c[b][l] = adaptPrefix[k] + uint8(w[k])
		}
	}
	return c
}()

var adaptPrefix = [4]uint8{1, 2, 3, 3}

func adaptWidths(b uint) [4]uint {
	return [4]uint{min(b, 64), min(b+2, 64), min(b+4, 64), 64}
}

// adaptStats tracks the cost of the adaptive code for a column's deltas.
type adaptStats struct {
	hist [65]uint16 // residual counts by bit length of zigzag(d) (not shifted)
	tz   uint8      // fewest trailing zeros of a nonzero delta; 64 when none
	b    uint8      // current base; cost holds bases b-1, b, b+1
	n    bool       // at least one delta seen
	cost [3]uint32  // bits of the stream under bases b-1, b, b+1
}

const noCost = 1 << 31 // above any real cost (65535 * 67 bits), with room to add to

func (s *adaptStats) add(d int64) {
	l := uint8(bits.Len64(zigzag(d)))
	s.hist[l]++
	if !s.n {
		s.n = true
		s.tz = 64
		if d != 0 {
			s.tz = uint8(bits.TrailingZeros64(uint64(d)))
		}
		s.b = min(l-min(l, s.tz), maxBase)
		s.recompute()
		s.descend()
		return
	}
	if d != 0 {
		if t := uint8(bits.TrailingZeros64(uint64(d))); t < s.tz {
			s.tz = t
			s.recompute()
			s.descend()
			return
		}
	}
	le := l - min(l, s.tz) // 0 for d == 0
	b := int(s.b)
	row := &adaptCost[b+1]
	s.cost[2] += uint32(row[le])
	row = &adaptCost[b]
	s.cost[1] += uint32(row[le])
	if b > 0 {
		row = &adaptCost[b-1]
		s.cost[0] += uint32(row[le])
	}
	if s.cost[0]+hysteresis < s.cost[1] || s.cost[2]+hysteresis < s.cost[1] {
		s.descend()
	}
}

// hysteresis keeps b from flipping between two bases of nearly equal cost.
const hysteresis = 16

// descend moves b one step towards the cheapest base when a neighbour is
// cheaper by more than hysteresis bits. One step per delta bounds the work of
// an Append; b keeps walking on the next deltas if it needs to.
func (s *adaptStats) descend() {
	switch {
	case s.cost[2]+hysteresis < s.cost[1] && s.cost[2] <= s.cost[0] && s.b < maxBase:
		s.b++
	case s.cost[0]+hysteresis < s.cost[1]:
		s.b--
	default:
		return
	}
	s.recompute()
}

// recompute sets cost from the histogram.
func (s *adaptStats) recompute() {
	s.cost = [3]uint32{noCost, 0, 0}
	lo := 0
	if s.b > 0 {
		s.cost[0] = 0
	} else {
		lo = 1
	}
	for l, h := range s.hist {
		if h == 0 {
			continue
		}
		le := uint8(l) - min(uint8(l), s.tz)
		for j := lo; j < 3; j++ {
			s.cost[j] += uint32(h) * uint32(adaptCost[int(s.b)+j-1][le])
		}
	}
}

// best returns the base to encode with and its cost in bits: the current
// base b, which is within hysteresis bits of its neighbours. Keeping to b
// (rather than the cheapest of the three) lets Bytes extend the previous
// encoding until b moves.
func (s *adaptStats) best() (base uint, cost uint64) {
	return uint(s.b), uint64(s.cost[1])
}

// decodeAdapt decodes the deltas of an adaptive column after its first value
// v (already stored at dst[0]) into field f of dst[1:].
func decodeAdapt(dst []Point, f field, v int64, body []byte) error {
	d := decoder{b: body}
	base := uint(d.byte("column base"))
	tz := uint(d.byte("column shift"))
	if d.err != nil {
		return d.err
	}
	if base > maxBase || tz > 64 {
		return corrupt("column base or shift")
	}
	// The top three bits of the stream select the bucket: 0xx, 10x, 110, 111.
	w := adaptWidths(base)
	var tab [8]struct{ plen, width uint }
	for top := range tab {
		k := min(bits.LeadingZeros8(^uint8(top<<5)), 3)
		tab[top].plen, tab[top].width = uint(adaptPrefix[k]), w[k]
	}
	r := newBitReader(d.b)
	for i := 1; i < len(dst); i++ {
		if r.n < 56 {
			r.refill()
		}
		e := tab[r.acc>>61]
		r.acc <<= e.plen
		r.n -= e.plen
		var x uint64
		if e.width <= 53 {
			x = r.acc >> (64 - e.width)
			r.acc <<= e.width
			r.n -= e.width
		} else {
			x = r.read64(e.width)
		}
		v += unzigzag(x) << (tz & 63) // tz == 64: every delta is 0
		set(dst, i, f, v)
	}
	if !r.ok() {
		return corrupt("column bits")
	}
	return nil
}

// sortable maps a float64 bit pattern to an int64 that orders like the value
// and keeps its trailing zero bits: the sign-magnitude bits as two's
// complement, with -0 as MinInt64. It is a bijection; unsortable inverts it.
func sortable(b uint64) int64 {
	if b == 1<<63 {
		return math.MinInt64
	}
	m := int64(b) >> 63 // all ones when negative
	return (int64(b&^(1<<63)) ^ m) - m
}

func unsortable(x int64) uint64 {
	m := x >> 63
	return uint64((x^m)-m) | uint64(m)<<63 // MinInt64: 1<<63, -0
}
