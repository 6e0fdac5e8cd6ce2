package chunkenc

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Column kinds: the first byte of every column. Integer kinds serve the step
// and time columns, and the value column when every value is an integer.
const (
	kindFOR   byte = 0x01 // first value, min delta, width w, (n-1) deltas packed in w bits
	kindDoD   byte = 0x02 // 0x02..0x05: delta-of-delta, bucket table kind-kindDoD
	kindAdapt byte = 0x06 // first value, deltas in adaptive buckets (adapt.go)

	kindConst     byte = 0x08 // value column: one 8-byte value repeated
	kindXOR       byte = 0x09 // value column: Gorilla XOR of the 64-bit patterns
	kindBitsAdapt byte = 0x0a // value column: kindAdapt over sortable(bits)
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
}

func (s *intStats) add(v int64) {
	switch s.n {
	case 0:
		s.first = v
		s.base = varintLen(v)
	case 1:
		d := v - s.prev
		s.firstDelta, s.prevDelta, s.minDelta, s.maxDelta = d, d, d, d
		s.dodBase = s.base + varintLen(d)
		s.forBase = s.dodBase + 1
		s.ad.add(d)
	default:
		d := v - s.prev
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

// forWidth is the bit width of the packed deltas.
func (s *intStats) forWidth() uint { return uint(bits.Len64(uint64(s.maxDelta - s.minDelta))) }

// choose returns the cheapest kind and its body length in bytes (n >= 1).
func (s *intStats) choose() (kind byte, body int) {
	if s.n == 1 {
		return kindFOR, s.base
	}
	kind = kindFOR
	body = s.forBase + int((uint64(s.n-1)*uint64(s.forWidth())+7)>>3)
	for t, b := range s.dod {
		if l := s.dodBase + int((b+7)>>3); l < body {
			kind, body = kindDoD+byte(t), l
		}
	}
	if _, c := s.ad.best(); s.base+2+int((c+7)>>3) < body {
		kind, body = kindAdapt, s.base+2+int((c+7)>>3)
	}
	return kind, body
}

// bound returns an upper bound of the body length after adding v (n >= 2).
func (s *intStats) bound(v int64) int {
	b := s.dod[0]
	for _, c := range s.dod[1:] {
		b = min(b, c)
	}
	body := s.dodBase + int((b+68+7)>>3)
	if d := v - s.prev; d >= s.minDelta && d <= s.maxDelta {
		body = min(body, s.forBase+int((uint64(s.n)*uint64(s.forWidth())+7)>>3))
	}
	return body
}

// appendIntColumn appends the body of an integer column of kind to dst.
func appendIntColumn(dst []byte, kind byte, s *intStats, vals []int64) []byte {
	dst = binary.AppendVarint(dst, vals[0])
	if len(vals) == 1 {
		return dst
	}
	if kind == kindAdapt {
		return appendAdapt(dst, &s.ad, vals)
	}
	if kind == kindFOR {
		w := s.forWidth()
		dst = binary.AppendVarint(dst, s.minDelta)
		dst = append(dst, byte(w))
		if w == 0 {
			return dst
		}
		bw := bitWriter{b: dst}
		prev := vals[0]
		for _, v := range vals[1:] {
			bw.write(uint64(v-prev-s.minDelta), w)
			prev = v
		}
		return bw.finish()
	}
	tab := &dodTables[kind-kindDoD]
	d := vals[1] - vals[0]
	dst = binary.AppendVarint(dst, d)
	bw := bitWriter{b: dst}
	prev := vals[1]
	for _, v := range vals[2:] {
		nd := v - prev
		zz := zigzag(nd - d)
		l := uint8(bits.Len64(zz))
		k := 0
		for tab[k] < l {
			k++
		}
		// prefix: k ones then a zero; the last bucket has no zero.
		if k < 4 {
			bw.write(1<<(k+1)-2, uint(k+1))
		} else {
			bw.write(15, 4)
		}
		bw.write(zz, uint(tab[k]))
		d, prev = nd, v
	}
	return bw.finish()
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
