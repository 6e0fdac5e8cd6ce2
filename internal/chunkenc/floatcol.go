package chunkenc

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// xorState is the Gorilla window: the leading-zero count and the length of
// the meaningful bits of the last XOR written in full. sig == 0: no window.
type xorState struct {
	lead, sig uint8
}

// step returns the cost in bits of coding x (the XOR of a value with the one
// before it) and whether the window is reused; it updates the window.
// Codes: x == 0: '0'. Within the window: '10' and the window's sig bits.
// Otherwise '11', 5 bits of leading zeros (at most 31), 6 bits of sig (64 as
// 0), and the sig meaningful bits; that becomes the window. The window is
// reused only when it is no more expensive than a fresh one.
func (s *xorState) step(x uint64) (cost uint, reuse bool) {
	if x == 0 {
		return 1, false
	}
	lead := min(uint8(bits.LeadingZeros64(x)), 31)
	trail := uint8(bits.TrailingZeros64(x))
	sig := 64 - lead - trail
	if s.sig != 0 && lead >= s.lead && trail >= 64-s.lead-s.sig && s.sig <= 11+sig {
		return 2 + uint(s.sig), true
	}
	s.lead, s.sig = lead, sig
	return 13 + uint(sig), false
}

// floatStats tracks, one value at a time, what every encoding of the value
// column would cost.
type floatStats struct {
	n        int
	first    uint64
	prev     uint64
	constant bool     // all bit patterns equal
	xorBits  uint64   // bits of the XOR stream
	xor      xorState // window after the last value
	integral bool     // all values are integers in int64 range, no -0
	ints     intStats // the values as int64, while integral
	bits     intStats // the values as sortable(bits)
}

const twoTo63 = 9223372036854775808.0

// asInt reports v as an int64 when it converts exactly both ways (not -0).
func asInt(v float64) (int64, bool) {
	if v >= -twoTo63 && v < twoTo63 {
		i := int64(v)
		if float64(i) == v && (i != 0 || !math.Signbit(v)) {
			return i, true
		}
	}
	return 0, false
}

// add adds v, whose bits are b, sortable(b) sb, and asInt(v) i, isInt.
func (s *floatStats) add(v float64, b uint64, sb int64, i int64, isInt bool) {
	if !s.bits.addLazy(sb) {
		s.bits.addSlow(sb)
	}
	if s.n == 0 {
		s.first = b
		s.constant = true
		s.integral = true
	} else {
		x := b ^ s.prev
		if x != 0 {
			s.constant = false
		}
		c, _ := s.xor.step(x)
		s.xorBits += uint64(c)
	}
	if s.integral {
		if isInt {
			if !s.ints.addLazy(i) {
				s.ints.addSlow(i)
			}
		} else {
			s.integral = false
		}
	}
	s.prev = b
	s.n++
}

// choose returns the cheapest kind and its body length in bytes (n >= 1).
func (s *floatStats) choose() (kind byte, body int) {
	if s.integral {
		kind, body = s.ints.choose()
	}
	if s.constant && (kind == 0 || 8 < body) {
		kind, body = kindConst, 8
	}
	if l := 8 + int((s.xorBits+7)/8); kind == 0 || l < body {
		kind, body = kindXOR, l
	}
	if s.n > 1 {
		if k, l := s.bits.choose(); l < body {
			kind, body = kindBits|k, l
		}
	}
	return kind, body
}

// decodeFloatColumn decodes the body of a value column of kind into the
// values of dst (len(dst) points).
func decodeFloatColumn(dst []Point, kind byte, body []byte) error {
	n := len(dst)
	switch kind {
	case kindConst:
		if len(body) != 8 {
			return corrupt("value column length")
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(body))
		for i := range dst {
			dst[i].Value = v
		}
		return nil
	case kindXOR:
		if len(body) < 8 {
			return corrupt("value column length")
		}
		prev := binary.LittleEndian.Uint64(body)
		dst[0].Value = math.Float64frombits(prev)
		r := newBitReader(body[8:])
		var lead, sig uint = 0, 64
		for i := 1; i < n; i++ {
			if r.n < 56 {
				r.refill()
			}
			if r.acc>>63 == 0 {
				r.acc <<= 1
				r.n--
				dst[i].Value = math.Float64frombits(prev)
				continue
			}
			if r.acc>>62 == 3 {
				ctl := r.acc >> (64 - 13)
				r.acc <<= 13
				r.n -= 13
				lead = uint(ctl>>6) & 31
				sig = uint(ctl) & 63
				if sig == 0 {
					sig = 64
				}
				if lead+sig > 64 {
					return corrupt("value column window")
				}
			} else {
				r.acc <<= 2
				r.n -= 2
			}
			var x uint64
			if sig <= r.n {
				x = r.acc >> (64 - sig)
				r.acc <<= sig
				r.n -= sig
			} else {
				x = r.read64(sig)
			}
			prev ^= x << (64 - lead - sig)
			dst[i].Value = math.Float64frombits(prev)
		}
		if !r.ok() {
			return corrupt("value column bits")
		}
		return nil
	}
	if kind&kindBits != 0 && isIntKind(kind&^kindBits) {
		return decodeIntColumn(dst, fieldBits, kind&^kindBits, body)
	}
	if isIntKind(kind) {
		return decodeIntColumn(dst, fieldValue, kind, body)
	}
	return corrupt("unknown value column kind")
}
