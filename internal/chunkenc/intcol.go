package chunkenc

import (
	"math"
	"math/bits"
)

// Column kinds: the first byte of every column. Integer kinds serve the step
// and time columns, and the value column when every value is an integer.
const (
	kindFOR   byte = 0x01 // first value, min delta, width w, (n-1) deltas packed in w bits
	kindDoD   byte = 0x02 // 0x02..0x05: delta-of-delta, bucket table kind-kindDoD
	kindAdapt byte = 0x06 // first value, deltas in adaptive buckets (adapt.go)

	kindConst byte = 0x08 // value column: one 8-byte value repeated
	kindXOR   byte = 0x09 // value column: Gorilla XOR of the 64-bit patterns
	kindBits  byte = 0x10 // value column: kindBits|k is integer kind k over sortable(bits)
)

// isIntKind reports whether kind is an integer column kind.
func isIntKind(kind byte) bool { return kind >= kindFOR && kind <= kindAdapt }

// dodTables are the bucket widths of the delta-of-delta codes. A zigzagged
// delta-of-delta takes the first bucket wide enough for it; buckets 0..4 are
// announced by the prefixes 0, 10, 110, 1110, 1111.
var dodTables = [numTables][5]uint8{
	{0, 4, 8, 16, 64},
	{0, 7, 12, 20, 64},
	{0, 10, 16, 24, 64},
	{4, 8, 12, 20, 64},
}

const numTables = 4

// prefixLen is the length of the bucket prefixes.
var prefixLen = [5]uint8{1, 2, 3, 4, 4}

// dodCost[t][L] is the cost in bits of a zigzagged delta-of-delta of bit
// length L under table t.
var dodCost = func() (c [numTables][65]uint8) {
	for t, tab := range dodTables {
		for l := 0; l <= 64; l++ {
			k := 0
			for int(tab[k]) < l {
				k++
			}
			c[t][l] = prefixLen[k] + tab[k]
		}
	}
	return c
}()

// intStats tracks, one value at a time, what every integer encoding of a
// column would cost.
type intStats struct {
	n                     int
	first, prev           int64
	firstDelta, prevDelta int64
	minDelta, maxDelta    int64
	base                  int               // varint length of first
	forBase               int               // FOR body without the packed bits
	dodBase               int               // delta-of-delta body without the bits
	dod                   [numTables]uint64 // bits of the delta-of-delta stream per table
	ad                    adaptStats

	// While every delta equals firstDelta (steps almost always), dod and ad
	// are not updated: lazy counts those deltas, and the costs follow in
	// closed form until a different delta arrives (materialize).
	lazy           int
	lazyLe, lazyTz uint8 // firstDelta's adaptive residual length and shift
}

func (s *intStats) add(v int64) {
	if !s.addLazy(v) {
		s.addSlow(v)
	}
}

// addLazy adds v and reports true when v continues the constant delta of a
// lazy column. Small enough to inline, so hot callers write
// "if !s.addLazy(v) { s.addSlow(v) }".
func (s *intStats) addLazy(v int64) bool {
	if s.lazy > 0 && v-s.prev == s.firstDelta {
		s.lazy++
		s.prev = v
		s.n++
		return true
	}
	return false
}

func (s *intStats) addSlow(v int64) {
	switch s.n {
	case 0:
		s.first = v
		s.base = varintLen(v)
	case 1:
		d := v - s.prev
		s.firstDelta, s.prevDelta, s.minDelta, s.maxDelta = d, d, d, d
		s.dodBase = s.base + varintLen(d)
		s.forBase = s.dodBase + 1
		l := uint8(bits.Len64(zigzag(d)))
		tz := uint8(64)
		if d != 0 {
			tz = uint8(bits.TrailingZeros64(uint64(d)))
		}
		if le := l - min(l, tz); le <= maxBase-2 {
			s.lazy, s.lazyLe, s.lazyTz = 1, le, tz
		} else {
			s.ad.add(d)
		}
	default:
		d := v - s.prev
		if s.lazy > 0 { // and d differs from firstDelta
			s.materialize()
		}
		l := bits.Len64(zigzag(d - s.prevDelta))
		c := &dodCost
		s.dod[0] += uint64(c[0][l])
		s.dod[1] += uint64(c[1][l])
		s.dod[2] += uint64(c[2][l])
		s.dod[3] += uint64(c[3][l])
		s.prevDelta = d
		s.ad.add(d)
		if d < s.minDelta {
			s.minDelta = d
			s.forBase = s.base + varintLen(d) + 1
		} else if d > s.maxDelta {
			s.maxDelta = d
		}
	}
	s.prev = v
	s.n++
}

// materialize gives dod and ad the lazy deltas, all equal to firstDelta:
// lazy-1 zero delta-of-deltas, and an adaptive state that sequential adds
// would reach too (base = the residual length, which is then strictly the
// cheapest, so descend never moves).
func (s *intStats) materialize() {
	k := s.lazy
	s.lazy = 0
	for t := range s.dod {
		s.dod[t] = uint64(k-1) * uint64(dodCost[t][0])
	}
	a := &s.ad
	a.hist[bits.Len64(zigzag(s.firstDelta))] = uint16(k)
	a.n, a.tz, a.b = true, s.lazyTz, s.lazyLe
	for j := range a.cost {
		if base := int(a.b) + j - 1; base >= 0 {
			a.cost[j] = uint32(k) * uint32(adaptCost[base][s.lazyLe])
		} else {
			a.cost[j] = noCost
		}
	}
}

// dodBits returns the bits of the delta-of-delta stream under table t.
func (s *intStats) dodBits(t int) uint64 {
	if s.lazy > 0 {
		return uint64(s.lazy-1) * uint64(dodCost[t][0])
	}
	return s.dod[t]
}

// adapt returns the adaptive code's base, shift and cost in bits.
func (s *intStats) adapt() (base, tz uint, cost uint64) {
	if s.lazy > 0 {
		return uint(s.lazyLe), uint(s.lazyTz), uint64(s.lazy) * uint64(1+s.lazyLe)
	}
	b, c := s.ad.best()
	return b, uint(s.ad.tz), c
}

// forWidth is the bit width of the packed deltas.
func (s *intStats) forWidth() uint { return uint(bits.Len64(uint64(s.maxDelta - s.minDelta))) }

// choose returns the cheapest kind and its body length in bytes (n >= 1).
// Ties go to the lower kind.
func (s *intStats) choose() (kind byte, body int) {
	if s.n == 1 {
		return kindFOR, s.base
	}
	kind = kindFOR
	body = s.forBase + int((uint64(s.n-1)*uint64(s.forWidth())+7)>>3)
	var ac uint64
	if s.lazy > 0 {
		// All deltas equal: the delta-of-deltas are 0, cheapest under the
		// tables whose first bucket is 0 bits wide (1 bit each).
		if l := s.dodBase + (s.lazy-1+7)>>3; l < body {
			kind, body = kindDoD, l
		}
		ac = uint64(s.lazy) * uint64(1+s.lazyLe)
	} else {
		t, b := 0, s.dod[0]
		for i := 1; i < numTables; i++ {
			if s.dod[i] < b {
				t, b = i, s.dod[i]
			}
		}
		if l := s.dodBase + int((b+7)>>3); l < body {
			kind, body = kindDoD+byte(t), l
		}
		ac = uint64(s.ad.cost[1])
	}
	if l := s.base + 2 + int((ac+7)>>3); l < body {
		kind, body = kindAdapt, l
	}
	return kind, body
}

// bound returns an upper bound of the body length after adding v (n >= 2).
func (s *intStats) bound(v int64) int {
	b := s.dodBits(0)
	for t := 1; t < numTables; t++ {
		b = min(b, s.dodBits(t))
	}
	body := s.dodBase + int((b+68+7)>>3)
	if d := v - s.prev; d >= s.minDelta && d <= s.maxDelta {
		body = min(body, s.forBase+int((uint64(s.n)*uint64(s.forWidth())+7)>>3))
	}
	return body
}

// field names a Point field an integer column decodes into.
type field uint8

const (
	fieldStep field = iota
	fieldTime
	fieldValue // the value as an int64, converted to float64
	fieldBits  // the value as sortable(bits)
)

func set(dst []Point, i int, f field, v int64) {
	switch f {
	case fieldStep:
		dst[i].Step = v
	case fieldTime:
		dst[i].Time = v
	case fieldValue:
		dst[i].Value = float64(v)
	default:
		dst[i].Value = math.Float64frombits(unsortable(v))
	}
}

// decodeIntColumn decodes the body of an integer column of kind into field f
// of dst (len(dst) points).
func decodeIntColumn(dst []Point, f field, kind byte, body []byte) error {
	n := len(dst)
	d := decoder{b: body}
	v := d.varint("column first value")
	if d.err != nil {
		return d.err
	}
	set(dst, 0, f, v)
	if n == 1 {
		if len(d.b) != 0 {
			return corrupt("column length")
		}
		return nil
	}
	switch {
	case kind == kindAdapt:
		return decodeAdapt(dst, f, v, d.b)
	case kind == kindFOR:
		minDelta := d.varint("column min delta")
		w := uint(d.byte("column width"))
		if d.err != nil {
			return d.err
		}
		if w > 64 {
			return corrupt("column width above 64")
		}
		if uint64(len(d.b)) != (uint64(n-1)*uint64(w)+7)/8 {
			return corrupt("column length")
		}
		if w == 0 {
			for i := 1; i < n; i++ {
				v += minDelta
				set(dst, i, f, v)
			}
			return nil
		}
		r := newBitReader(d.b)
		if w <= 56 {
			for i := 1; i < n; i++ {
				if r.n < w {
					r.refill()
				}
				x := r.acc >> (64 - w)
				r.acc <<= w
				r.n -= w
				v += int64(x) + minDelta
				set(dst, i, f, v)
			}
		} else {
			for i := 1; i < n; i++ {
				v += int64(r.read64(w)) + minDelta
				set(dst, i, f, v)
			}
		}
		if !r.ok() {
			return corrupt("column bits")
		}
		return nil
	case kind >= kindDoD && kind < kindDoD+numTables:
		delta := d.varint("column first delta")
		if d.err != nil {
			return d.err
		}
		tab := &dodTables[kind-kindDoD]
		v += delta
		set(dst, 1, f, v)
		r := newBitReader(d.b)
		for i := 2; i < n; i++ {
			if r.n < 56 {
				r.refill()
			}
			k := bits.LeadingZeros64(^r.acc)
			if k > 4 {
				k = 4
			}
			pl := uint(prefixLen[k])
			r.acc <<= pl
			r.n -= pl
			w := uint(tab[k])
			var zz uint64
			if w <= 52 {
				zz = r.acc >> (64 - w)
				r.acc <<= w
				r.n -= w
			} else {
				zz = r.read64(w)
			}
			delta += unzigzag(zz)
			v += delta
			set(dst, i, f, v)
		}
		if !r.ok() {
			return corrupt("column bits")
		}
		return nil
	}
	return corrupt("unknown integer column kind")
}
