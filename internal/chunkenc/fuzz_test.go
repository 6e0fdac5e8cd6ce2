package chunkenc

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic, every
// error must wrap ErrCorrupt, the decoders must agree, and whatever decodes
// must re-encode to a chunk that decodes to the same points.
func FuzzDecode(f *testing.F) {
	for _, pts := range roundTripCases() {
		if len(pts) <= 3000 {
			f.Add(encode(pts))
		}
	}
	for _, c := range corruptChunks() {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, chunk []byte) {
		h, herr := ReadHeader(chunk)
		pts, err := AppendPoints(nil, chunk)
		for _, e := range []error{herr, err} {
			if e != nil && !errors.Is(e, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", e)
			}
		}
		if herr != nil && err == nil {
			t.Fatalf("ReadHeader failed (%v) but AppendPoints did not", herr)
		}
		it, ierr := NewIterator(chunk)
		if (ierr != nil) != (herr != nil) {
			t.Fatalf("NewIterator error %v, ReadHeader error %v", ierr, herr)
		}
		if ierr == nil {
			var got []Point
			for it.Next() {
				got = append(got, it.At())
			}
			if (it.Err() != nil) != (err != nil) {
				t.Fatalf("Iterator error %v, AppendPoints error %v", it.Err(), err)
			}
			if err == nil {
				comparePoints(t, "Iterator", got, pts)
			}
		}
		a, rerr := ResumeAppender(chunk)
		cerr := Check(chunk)
		if (rerr != nil) != (cerr != nil) {
			t.Fatalf("ResumeAppender error %v, Check error %v", rerr, cerr)
		}
		if err != nil {
			if cerr == nil {
				t.Fatalf("Check passed a chunk AppendPoints rejects: %v", err)
			}
			return
		}
		if len(pts) != h.Count {
			t.Fatalf("decoded %d points, header says %d", len(pts), h.Count)
		}
		again, err := AppendPoints(nil, encode(pts))
		if err != nil {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		comparePoints(t, "re-encoded", again, pts)
		if cerr == nil {
			want := bruteHeader(pts)
			if !sameHeader(&h, &want) {
				t.Fatalf("Check passed but header %+v differs from %+v", h, want)
			}
			if got := a.Header(); !sameHeader(&got, &want) {
				t.Fatalf("resumed header %+v, want %+v", got, want)
			}
		}
	})
}

// fuzzPoints derives points from fuzz bytes. Each point starts with a control
// byte whose bit fields choose how step, time and value follow from the
// previous point (repeat, small delta, raw bits, special values), so the
// fuzzer reaches constant, integral, float32 and pathological columns.
func fuzzPoints(data []byte) []Point {
	var pts []Point
	var p Point
	take := func(n int) []byte {
		if len(data) < n {
			data = append(data, make([]byte, n-len(data))...)
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	for len(data) > 0 && len(pts) < 5000 {
		c := take(1)[0]
		switch c & 3 {
		case 0:
			p.Step++
		case 1:
			p.Step += int64(int8(take(1)[0]))
		case 2:
			p.Step = int64(binary.LittleEndian.Uint64(take(8)))
		}
		switch c >> 2 & 3 {
		case 0:
			p.Time += 50
		case 1:
			p.Time += int64(int8(take(1)[0])) * 3
		case 2:
			p.Time = int64(binary.LittleEndian.Uint64(take(8)))
		}
		switch c >> 4 & 7 {
		case 1:
			p.Value = math.Trunc(p.Value) + float64(int8(take(1)[0]))
		case 2:
			p.Value = math.Float64frombits(binary.LittleEndian.Uint64(take(8)))
		case 3:
			p.Value = float64(math.Float32frombits(binary.LittleEndian.Uint32(take(4))))
		case 4:
			p.Value = float64(float32(p.Value * (1 + float64(int8(take(1)[0]))/1000)))
		case 5:
			p.Value = math.Float64frombits(0x7ff0000000000000 | uint64(take(1)[0])<<44 | 1 | uint64(c>>7)<<63)
		case 6:
			p.Value = []float64{math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64, -1, 1}[take(1)[0]&7]
		case 7:
			p.Value += float64(int8(take(1)[0])) / 64
		}
		pts = append(pts, p)
	}
	return pts
}

// FuzzRoundTrip encodes points derived from fuzz bytes, decodes them and
// compares bit for bit; it also checks Size, Fits, Resume and the header.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0x20, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 8, 7, 6, 5, 4, 3, 2, 1})
	f.Add([]byte{0x55, 0x55, 0x66, 0x77, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11})
	f.Add([]byte{0x6a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 3, 0x7e, 0x80})
	f.Add(append([]byte{0x30, 0x3f, 0x80, 0, 0}, make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		pts := fuzzPoints(data)
		a := NewAppender()
		cut := 0
		if len(data) > 0 {
			cut = int(data[0]) * len(pts) / 256
		}
		for i, p := range pts {
			if i == cut {
				r, err := ResumeAppender(a.Bytes(nil))
				if err != nil {
					t.Fatalf("ResumeAppender after %d points: %v", i, err)
				}
				a = r
			}
			before := a.Size()
			limit := before + int(p.Step&15)
			fits := a.Fits(p, limit)
			a.Append(p)
			if got := a.Size(); fits != (got <= limit) {
				t.Fatalf("point %d: Fits(limit %d) = %v, Size after Append = %d", i, limit, fits, got)
			}
		}
		chunk := a.Bytes(nil)
		checkChunk(t, "round trip", a, chunk, pts)
		want := bruteHeader(pts)
		h, err := ReadHeader(chunk)
		if err != nil || !sameHeader(&h, &want) {
			t.Fatalf("ReadHeader = %+v, %v; want %+v", h, err, want)
		}
		if err := Check(chunk); err != nil {
			t.Fatalf("Check: %v", err)
		}
		if whole := encode(pts); string(whole) != string(chunk) {
			t.Fatalf("resumed chunk differs from one Appender")
		}
	})
}
