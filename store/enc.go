package store

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Limits the decoders enforce before allocating: a length or count read from
// the file is never trusted beyond them.
const (
	maxStringLen  = 16 << 20 // dataset profiles may be 16 MiB in MLflow
	maxCollection = 1 << 20  // entries in one map or list of a record
)

// encoder appends a record's fields to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) byte1(v byte)     { e.b = append(e.b, v) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) float(v float64)  { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) raw(v []byte)     { e.b = append(e.b, v...) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) strs(k, v string) { e.str(k); e.str(v) }

// decoder reads fields back, remembering the first error; every read after
// an error returns zero values, so callers check err once at the end.
type decoder struct {
	b    []byte
	off  int
	what string // record kind, for messages
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("store: %s record at byte %d: %s: %w", d.what, d.off, fmt.Sprintf(format, args...), ErrCorrupt)
	}
}

// version reads a record's version byte and fails unless it is one of
// oldest to newest; it returns the version.
func (d *decoder) version(oldest, newest byte) byte {
	v := d.byte1()
	if (v < oldest || v > newest) && d.err == nil {
		d.fail("unknown record version %d", v)
	}
	return v
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// varint reads a signed varint: an unsigned one, zigzag-decoded.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) float() float64 {
	b := d.raw(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b))
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.fail("length %d exceeds the %d bytes left", n, len(d.b)-d.off)
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

func (d *decoder) str() string { return string(d.strBytes()) }

// strBytes reads a str field's bytes, in place.
func (d *decoder) strBytes() []byte {
	n := d.uvarint()
	if n > maxStringLen {
		d.fail("string length %d over the limit %d", n, maxStringLen)
		return nil
	}
	return d.raw(int(n))
}

// count reads a collection size and checks it against the bytes left, so a
// lying count cannot make the caller allocate.
func (d *decoder) count(minBytesEach int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > maxCollection || n*uint64(minBytesEach) > uint64(len(d.b)-d.off) {
		d.fail("count %d does not fit in the %d bytes left", n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

// section reads a 4-byte section length and returns the section's end.
func (d *decoder) section() int {
	b := d.raw(4)
	if b == nil {
		return d.off
	}
	n := int(binary.BigEndian.Uint32(b))
	if n > len(d.b)-d.off {
		d.fail("section length %d exceeds the %d bytes left", n, len(d.b)-d.off)
		return d.off
	}
	return d.off + n
}

func (d *decoder) strMap() map[string]string {
	n := d.count(2)
	m := make(map[string]string, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) done() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d trailing bytes", len(d.b)-d.off)
	}
	return d.err
}
