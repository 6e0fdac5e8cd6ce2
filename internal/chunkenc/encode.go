package chunkenc

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// Bytes appends the encoded chunk (header and columns) to dst and returns the
// extended slice. The Appender stays usable. Each column's encoding is kept
// between calls and only extended by the points appended since, unless the
// column changed its kind or parameters, so calling Bytes on every commit
// costs O(new points) plus a copy.
func (a *Appender) Bytes(dst []byte) []byte {
	start := len(dst)
	s := &a.st[a.cur]
	dst = appendHeader(dst, &s.hdr)
	switch n := s.hdr.Count; {
	case n == 1:
		dst = append(dst, kindFOR, byte(varintLen(a.steps[0])))
		dst = binary.AppendVarint(dst, a.steps[0])
		dst = append(dst, kindFOR, byte(varintLen(a.times[0])))
		dst = binary.AppendVarint(dst, a.times[0])
		switch kind, body := s.val.choose(); kind {
		case kindFOR:
			dst = append(dst, kindFOR, byte(body))
			dst = binary.AppendVarint(dst, a.ivals[0])
		default:
			dst = append(dst, kindConst, 8)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.vals[0]))
		}
	case n > 1:
		kind, body := s.step.choose()
		dst = a.enc[0].intColumn(dst, kind, body, &s.step, a.steps)
		kind, body = s.time.choose()
		dst = a.enc[1].intColumn(dst, kind, body, &s.time, a.times)
		kind, body = s.val.choose()
		c := &a.enc[2]
		switch kind {
		case kindConst:
			c.reset()
			c.bw.b = binary.LittleEndian.AppendUint64(c.bw.b, math.Float64bits(a.vals[0]))
			c.kind = kindConst
			dst = c.emit(dst, body)
		case kindXOR:
			dst = c.xorColumn(dst, body, a.vals)
		default:
			if kind&kindBits != 0 {
				dst = c.intColumn(dst, kind, body, &s.val.bits, a.svals)
			} else {
				dst = c.intColumn(dst, kind, body, &s.val.ints, a.ivals)
			}
		}
	}
	if got, want := len(dst)-start, encodedSize(s); got != want {
		panic(fmt.Sprintf("chunkenc: BUG: encoded %d bytes, Size said %d", got, want))
	}
	return dst
}

// colEnc is the encoded body of one column: its fixed fields, then the bit
// stream, whose last partial word is pending in the bitWriter. It covers the
// first n values under kind and parameters p0, p1.
type colEnc struct {
	kind            byte
	p0, p1          int64 // FOR: min delta, width; adaptive: base, shift
	n               int
	bw              bitWriter
	prev, prevDelta int64    // integer kinds
	xprev           uint64   // XOR
	xst             xorState // XOR
}

func (c *colEnc) reset() {
	*c = colEnc{bw: bitWriter{b: c.bw.b[:0]}}
}

// emit appends the column (kind, length, body) to dst; body is the length
// the stats predicted.
func (c *colEnc) emit(dst []byte, body int) []byte {
	got := len(c.bw.b) + int(c.bw.n+7)/8
	if got != body {
		panic(fmt.Sprintf("chunkenc: BUG: column kind 0x%02x encoded %d bytes, expected %d", c.kind, got, body))
	}
	dst = append(dst, c.kind)
	dst = binary.AppendUvarint(dst, uint64(body))
	dst = append(dst, c.bw.b...)
	acc := c.bw.acc << (64 - c.bw.n) // n == 0 shifts by 64: 0
	for n := int(c.bw.n); n > 0; n -= 8 {
		dst = append(dst, byte(acc>>56))
		acc <<= 8
	}
	return dst
}

// intColumn brings c up to date with vals (len >= 2), described by s, under
// kind (an integer kind, or kindBits with one) and appends the column.
func (c *colEnc) intColumn(dst []byte, kind byte, body int, s *intStats, vals []int64) []byte {
	code := kind &^ kindBits
	var p0, p1 int64
	switch {
	case code == kindFOR:
		p0, p1 = s.minDelta, int64(s.forWidth())
	case code == kindAdapt:
		b, tz, _ := s.adapt()
		p0, p1 = int64(b), int64(tz)
	}
	if c.kind != kind || c.p0 != p0 || c.p1 != p1 || c.n == 0 || c.n > len(vals) {
		c.reset()
		c.kind, c.p0, c.p1 = kind, p0, p1
		c.bw.b = binary.AppendVarint(c.bw.b, vals[0])
		c.prev, c.n = vals[0], 1
		switch code {
		case kindFOR:
			c.bw.b = binary.AppendVarint(c.bw.b, p0)
			c.bw.b = append(c.bw.b, byte(p1))
		case kindAdapt:
			c.bw.b = append(c.bw.b, byte(p0), byte(p1))
		default: // DoD
			c.prevDelta = vals[1] - vals[0]
			c.bw.b = binary.AppendVarint(c.bw.b, c.prevDelta)
			c.prev, c.n = vals[1], 2
		}
	}
	switch code {
	case kindFOR:
		c.extendFOR(vals[c.n:])
	case kindAdapt:
		c.extendAdapt(vals[c.n:])
	default:
		c.extendDoD(&dodTables[code-kindDoD], vals[c.n:])
	}
	c.n = len(vals)
	return c.emit(dst, body)
}

func (c *colEnc) extendFOR(vals []int64) {
	w, m := uint(c.p1), c.p0
	if w == 0 {
		return
	}
	prev := c.prev
	for _, v := range vals {
		c.bw.write(uint64(v-prev-m), w)
		prev = v
	}
	c.prev = prev
}

func (c *colEnc) extendDoD(tab *[5]uint8, vals []int64) {
	prev, d := c.prev, c.prevDelta
	for _, v := range vals {
		nd := v - prev
		zz := zigzag(nd - d)
		l := uint8(bits.Len64(zz))
		k := 0
		for tab[k] < l {
			k++
		}
		// prefix: k ones then a zero; the last bucket has no zero.
		if k < 4 {
			c.bw.write(1<<(k+1)-2, uint(k+1))
		} else {
			c.bw.write(15, 4)
		}
		c.bw.write(zz, uint(tab[k]))
		d, prev = nd, v
	}
	c.prev, c.prevDelta = prev, d
}

func (c *colEnc) extendAdapt(vals []int64) {
	tz := uint(c.p1)
	w := adaptWidths(uint(c.p0))
	prev := c.prev
	for _, v := range vals {
		r := zigzag((v - prev) >> (tz & 63))
		if tz == 64 {
			r = 0
		}
		prev = v
		l := uint(bits.Len64(r))
		switch {
		case l <= w[0]:
			c.bw.write(r, w[0]+1) // prefix 0
		case l <= w[1]:
			c.bw.write(2, 2)
			c.bw.write(r, w[1])
		case l <= w[2]:
			c.bw.write(6, 3)
			c.bw.write(r, w[2])
		default:
			c.bw.write(7, 3)
			c.bw.write(r, 64)
		}
	}
	c.prev = prev
}

// xorColumn brings c up to date with vals (len >= 2) under kindXOR and
// appends the column.
func (c *colEnc) xorColumn(dst []byte, body int, vals []float64) []byte {
	if c.kind != kindXOR || c.n == 0 || c.n > len(vals) {
		c.reset()
		c.kind = kindXOR
		c.xprev = math.Float64bits(vals[0])
		c.bw.b = binary.LittleEndian.AppendUint64(c.bw.b, c.xprev)
		c.n = 1
	}
	prev, st := c.xprev, c.xst
	for _, v := range vals[c.n:] {
		b := math.Float64bits(v)
		x := b ^ prev
		prev = b
		if x == 0 {
			c.bw.write(0, 1)
			continue
		}
		if _, reuse := st.step(x); reuse {
			c.bw.write(2, 2)
			c.bw.write(x>>(64-st.lead-st.sig), uint(st.sig))
			continue
		}
		c.bw.write(3<<11|uint64(st.lead)<<6|uint64(st.sig&63), 13)
		c.bw.write(x>>(64-st.lead-st.sig), uint(st.sig))
	}
	c.xprev, c.xst = prev, st
	c.n = len(vals)
	return c.emit(dst, body)
}
