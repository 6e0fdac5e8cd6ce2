package chunkenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// CodecV1 is the codec tag byte of the chunks this package writes: the first
// byte of every chunk. A later codec gets a new tag; decoders reject tags they
// do not know.
const CodecV1 byte = 0x01

// MaxPoints is the most points one chunk may hold. Appenders refuse more (see
// Appender.Full) and decoders reject larger counts before allocating anything,
// so decoding a chunk never allocates more than MaxPoints*24 bytes of points.
const MaxPoints = 1<<16 - 1

// TargetSize is the size, in bytes, a chunk should not exceed: the store
// seals a chunk when the next point does not fit (Appender.Fits(p, TargetSize)
// is false) and starts the next one. bbolt keeps at least two values per leaf
// node, so two chunks of up to 4000 bytes under keys of up to 72 bytes fill
// two 4096-byte pages, where 4096-byte chunks would spill into a third page
// (5.6 bytes per point instead of 3.9 on the loss benchmark). A target of
// 8000 saves another 1.5% of space but writes 48% more page bytes per commit,
// because the open chunk is re-Put on every commit (FORMAT.md,
// BenchmarkBoltBytesPerPoint). Sealing once Size() >= TargetSize also works;
// the chunk then exceeds the target by the last point's growth.
const TargetSize = 4000

// ErrCorrupt is wrapped by every decoding error: the input is not a valid
// chunk (unknown codec tag, truncated, bad lengths or counts, inconsistent
// header).
var ErrCorrupt = errors.New("chunkenc: corrupt chunk")

func corrupt(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }

// Point is one metric sample. The metric key lives outside the chunk.
type Point struct {
	Step  int64
	Time  int64   // milliseconds since the Unix epoch
	Value float64 // any bit pattern, NaN payloads and -0 included, round-trips exactly
}

// Newer reports whether a is later than b under MLflow's latest-metric rule:
// the larger Step wins, then the larger Time, then the larger Value, where NaN
// is smaller than every number and two NaNs are equal. Points that are equal
// under that rule but differ in the bits of Value (-0 and +0, NaNs with
// different payloads) are ordered by those bits read as an int64, so Newer is
// a strict total order on distinct points and the newest point of a set never
// depends on the order it is scanned in.
func Newer(a, b Point) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if a.Time != b.Time {
		return a.Time > b.Time
	}
	an, bn := a.Value != a.Value, b.Value != b.Value
	switch {
	case an && bn:
	case an:
		return false
	case bn:
		return true
	case a.Value != b.Value:
		return a.Value > b.Value
	}
	return int64(math.Float64bits(a.Value)) > int64(math.Float64bits(b.Value))
}

// Header summarises a chunk. ReadHeader reads it without decoding points.
type Header struct {
	Codec              byte // codec tag byte, CodecV1
	Count              int  // points in the chunk, 0..MaxPoints
	MinStep, MaxStep   int64
	MinTime, MaxTime   int64
	MinValue, MaxValue float64 // over non-NaN values (-0 < +0); both NaN when every value is NaN or Count is 0
	NaNs               int     // how many values are NaN
	Last               Point   // the newest point by Newer; zero when Count is 0
}

// Covers reports whether a chunk with header h may hold p: p's step and
// time lie in the chunk's ranges and its value in the value range (or is a
// NaN the chunk has NaNs for). A false answer is certain; a true one needs
// the points to confirm.
func (h *Header) Covers(p Point) bool {
	if h.Count == 0 || p.Step < h.MinStep || p.Step > h.MaxStep || p.Time < h.MinTime || p.Time > h.MaxTime {
		return false
	}
	if p.Value != p.Value {
		return h.NaNs > 0
	}
	return h.MinValue == h.MinValue && p.Value >= h.MinValue && p.Value <= h.MaxValue
}

// emptyHeader is the header of a chunk without points.
func emptyHeader() Header {
	return Header{Codec: CodecV1, MinValue: math.NaN(), MaxValue: math.NaN()}
}

// add folds p into h (h.Count points so far).
func (h *Header) add(p Point) {
	if h.Count == 0 {
		h.MinStep, h.MaxStep = p.Step, p.Step
		h.MinTime, h.MaxTime = p.Time, p.Time
		h.Last = p
	} else {
		h.MinStep = min(h.MinStep, p.Step)
		h.MaxStep = max(h.MaxStep, p.Step)
		h.MinTime = min(h.MinTime, p.Time)
		h.MaxTime = max(h.MaxTime, p.Time)
		if p.Step > h.Last.Step || p.Step == h.Last.Step && Newer(p, h.Last) {
			h.Last = p
		}
	}
	h.Count++
	v := p.Value
	switch {
	case v != v:
		h.NaNs++
	case h.MinValue != h.MinValue: // first number
		h.MinValue, h.MaxValue = v, v
	default:
		if v < h.MinValue || v == h.MinValue && math.Signbit(v) {
			h.MinValue = v
		}
		if v > h.MaxValue || v == h.MaxValue && !math.Signbit(v) {
			h.MaxValue = v
		}
	}
}

// Header layout (see FORMAT.md):
//
//	tag, uvarint Count, then when Count > 0:
//	varint MinStep, uvarint MaxStep-MinStep,
//	varint MinTime, uvarint MaxTime-MinTime, uvarint MaxTime-Last.Time,
//	uvarint NaNs, MinValue, MaxValue, Last.Value (8 bytes little-endian each).
//
// Last.Step is MaxStep: Newer compares steps first.

func headerLen(h *Header) int {
	n := 1 + uvarintLen(uint64(h.Count))
	if h.Count == 0 {
		return n
	}
	return n + varintLen(h.MinStep) + uvarintLen(uint64(h.MaxStep-h.MinStep)) +
		varintLen(h.MinTime) + uvarintLen(uint64(h.MaxTime-h.MinTime)) +
		uvarintLen(uint64(h.MaxTime-h.Last.Time)) + uvarintLen(uint64(h.NaNs)) + 24
}

func appendHeader(dst []byte, h *Header) []byte {
	dst = append(dst, CodecV1)
	dst = binary.AppendUvarint(dst, uint64(h.Count))
	if h.Count == 0 {
		return dst
	}
	dst = binary.AppendVarint(dst, h.MinStep)
	dst = binary.AppendUvarint(dst, uint64(h.MaxStep-h.MinStep))
	dst = binary.AppendVarint(dst, h.MinTime)
	dst = binary.AppendUvarint(dst, uint64(h.MaxTime-h.MinTime))
	dst = binary.AppendUvarint(dst, uint64(h.MaxTime-h.Last.Time))
	dst = binary.AppendUvarint(dst, uint64(h.NaNs))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(h.MinValue))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(h.MaxValue))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(h.Last.Value))
	return dst
}

// decoder reads the byte-aligned fields of a chunk; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = corrupt(what)
	}
	d.b = nil
}

func (d *decoder) uvarint(what string) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads a signed varint: an unsigned one, zigzag-decoded.
func (d *decoder) varint(what string) int64 {
	return unzigzag(d.uvarint(what))
}

func (d *decoder) byte(what string) byte {
	if len(d.b) < 1 {
		d.fail(what)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint64(what string) uint64 {
	if len(d.b) < 8 {
		d.fail(what)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// bytes returns the next n bytes.
func (d *decoder) bytes(n uint64, what string) []byte {
	if n > uint64(len(d.b)) {
		d.fail(what)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// readHeader parses the header and leaves d at the first column.
func (d *decoder) readHeader() Header {
	h := emptyHeader()
	if tag := d.byte("empty input"); d.err == nil && tag != CodecV1 {
		d.fail(fmt.Sprintf("unknown codec tag 0x%02x", tag))
	}
	count := d.uvarint("count")
	if d.err != nil {
		return h
	}
	if count > MaxPoints {
		d.fail(fmt.Sprintf("count %d above %d", count, MaxPoints))
		return h
	}
	h.Count = int(count)
	if count == 0 {
		return h
	}
	h.MinStep = d.varint("min step")
	h.MaxStep = h.MinStep + int64(d.uvarint("step range"))
	h.MinTime = d.varint("min time")
	trange := d.uvarint("time range")
	h.MaxTime = h.MinTime + int64(trange)
	lastOff := d.uvarint("last time")
	nans := d.uvarint("NaN count")
	h.MinValue = math.Float64frombits(d.uint64("min value"))
	h.MaxValue = math.Float64frombits(d.uint64("max value"))
	h.Last = Point{Step: h.MaxStep, Time: h.MaxTime - int64(lastOff), Value: math.Float64frombits(d.uint64("last value"))}
	if d.err != nil {
		return h
	}
	if h.MaxStep < h.MinStep || h.MaxTime < h.MinTime || lastOff > trange {
		d.fail("header ranges")
	}
	if nans > count {
		d.fail("NaN count above count")
	}
	h.NaNs = int(nans)
	return h
}

// ReadHeader returns the header of chunk without decoding its points.
func ReadHeader(chunk []byte) (Header, error) {
	d := decoder{b: chunk}
	h := d.readHeader()
	return h, d.err
}
