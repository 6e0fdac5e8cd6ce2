package chunkenc

import (
	"encoding/binary"
	"math/bits"
)

// bitWriter appends bits most-significant first to a byte slice. The pending
// bits live right-aligned in acc and go out eight bytes at a time.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint // pending bits in acc, 0..63
}

// write appends the low nb bits of v (nb <= 64); v must have no bits set above
// nb.
func (w *bitWriter) write(v uint64, nb uint) {
	if w.n+nb < 64 {
		w.acc = w.acc<<nb | v
		w.n += nb
		return
	}
	free := 64 - w.n // 1..64
	rest := nb - free
	w.acc = w.acc<<free | v>>rest
	w.b = binary.BigEndian.AppendUint64(w.b, w.acc)
	w.n = rest
	w.acc = v & (1<<rest - 1)
}

// bitReader reads bits most-significant first. acc holds n valid bits,
// left-aligned; the bits below them may hold a copy of the next input bits,
// which the next refill ORs in again unchanged. Reading past the end yields
// zero bits; overread reports it afterwards, so hot loops test once per column.
type bitReader struct {
	b   []byte
	pos int // next byte of b to load; may pass len(b) after an overread
	acc uint64
	n   uint
}

func newBitReader(b []byte) bitReader { return bitReader{b: b} }

// refill makes n >= 56.
func (r *bitReader) refill() {
	if r.pos+8 <= len(r.b) {
		r.acc |= binary.BigEndian.Uint64(r.b[r.pos:]) >> r.n
		adv := (63 - r.n) >> 3
		r.pos += int(adv)
		r.n += adv << 3
		return
	}
	r.refillSlow()
}

func (r *bitReader) refillSlow() {
	for r.n <= 56 {
		if r.pos < len(r.b) {
			r.acc |= uint64(r.b[r.pos]) << (56 - r.n)
		}
		r.pos++
		r.n += 8
	}
}

// read returns the next nb bits (nb <= 56).
func (r *bitReader) read(nb uint) uint64 {
	if r.n < nb {
		r.refill()
	}
	v := r.acc >> (64 - nb) // nb == 0 shifts by 64: 0
	r.acc <<= nb
	r.n -= nb
	return v
}

// read64 returns the next nb bits (nb <= 64).
func (r *bitReader) read64(nb uint) uint64 {
	if nb <= 56 {
		return r.read(nb)
	}
	hi := r.read(nb - 32)
	return hi<<32 | r.read(32)
}

// consumed reports how many bits have been read.
func (r *bitReader) consumed() uint64 { return uint64(r.pos)*8 - uint64(r.n) }

// ok reports whether the reads stayed within the input and left at most the
// padding of the last byte unread.
func (r *bitReader) ok() bool {
	c := r.consumed()
	total := uint64(len(r.b)) * 8
	return c <= total && total-c < 8
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func uvarintLen(x uint64) int { return int(uvarintLens[bits.Len64(x)]) }

// uvarintLens[l] is the uvarint length of a number of l bits.
var uvarintLens = func() (t [65]uint8) {
	for l := range t {
		t[l] = uint8(max(1, (l+6)/7))
	}
	return t
}()

func varintLen(x int64) int { return uvarintLen(zigzag(x)) }
