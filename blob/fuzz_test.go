package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// fuzzContents are the contents whose digests FuzzDecode checks stored
// files against.
var fuzzContents = [][]byte{
	nil,
	[]byte("hello, mlite\n"),
	[]byte(strings.Repeat("step,loss\n1,0.5\n2,0.25\n", 300)),
}

// storedFile builds the stored file a Put writes for content, with the
// given codec.
func storedFile(content []byte, c Codec) []byte {
	b := appendHeader(nil, header{codec: c, size: int64(len(content))})
	if c == Raw {
		return append(b, content...)
	}
	enc, _ := smallEncoder()
	return enc.EncodeAll(content, b)
}

// FuzzDecode reads arbitrary bytes as the stored file of one of
// fuzzContents' digests. Reading must not panic nor allocate without
// bound, and must fail with ErrCorrupt unless the bytes decode to exactly
// that content.
func FuzzDecode(f *testing.F) {
	for i, c := range fuzzContents {
		for _, codec := range []Codec{Raw, Zstd} {
			good := storedFile(c, codec)
			f.Add(good, uint8(i))
			f.Add(good[:len(good)/2], uint8(i))
			f.Add(good, uint8(i+1))
		}
	}
	// A zstd frame that declares a huge window.
	f.Add(append(appendHeader(nil, header{codec: Zstd, size: 1 << 40}),
		0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00), uint8(1))
	// A size field beyond int64.
	f.Add(append([]byte(magic), formatVersion, byte(Raw), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), uint8(0))

	f.Fuzz(func(t *testing.T, file []byte, which uint8) {
		want := fuzzContents[int(which)%len(fuzzContents)]
		d := Sum(want)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)

		r, err := newReader(context.Background(), "read", bytes.NewReader(file), int64(len(file)), d, "fuzz")
		cmp := &prefixWriter{want: want}
		if err == nil {
			// A valid file for d yields exactly len(want) bytes, and the
			// reader stops after the size its header declares. A header
			// that declares a huge size over a decompression bomb is read
			// only up to a cap, and then not checked.
			const limit = 4 << 20
			var n int64
			n, err = io.Copy(cmp, io.LimitReader(r, limit))
			r.Close()
			if err == nil && n == limit {
				return
			}
		}

		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 100<<20 {
			t.Errorf("decoding %d bytes allocated %d bytes", len(file), grew)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got error %v, want ErrCorrupt", err)
			}
			return
		}
		if !cmp.equal() {
			t.Fatalf("decoded %d bytes without error, want the %d bytes of content %d", cmp.n, len(want), which)
		}
	})
}

// prefixWriter compares what is written to it with want, without keeping it.
type prefixWriter struct {
	want   []byte
	n      int
	differ bool
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	if !w.differ {
		rest := w.want[min(w.n, len(w.want)):]
		w.differ = len(p) > len(rest) || !bytes.Equal(p, rest[:len(p)])
	}
	w.n += len(p)
	return len(p), nil
}

func (w *prefixWriter) equal() bool { return !w.differ && w.n == len(w.want) }

// fuzzBig is the content FuzzFrames checks payloads against: more than a
// chunk, so that it is read through the pipeline, and compressible to a
// few hundred bytes, so that the fuzzer's inputs stay small.
var fuzzBig = func() []byte {
	b := []byte(strings.Repeat("step,loss\n1,0.5\n2,0.25\n", (chunkSize+100<<10)/23+1))[:chunkSize+100<<10]
	copy(b[chunkSize-20:], "a seam across frames")
	return b
}()

// FuzzFrames reads arbitrary payloads as a zstd blob of fuzzBig through
// the pipeline, which decodes frames apart, and checks its verdict against
// the stream decoder's reading of the same payload: the content must read
// back exactly when the stream decoder yields exactly that content, and
// fail with ErrCorrupt otherwise, without panics or unbounded allocation.
func FuzzFrames(f *testing.F) {
	for _, p := range zstdPayloads(f, fuzzBig) {
		f.Add(p)
		f.Add(p[:len(p)/2])
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		want := streamDecodes(payload, fuzzBig)
		file := append(appendHeader(nil, header{codec: Zstd, size: int64(len(fuzzBig))}), payload...)
		r, err := newReader(context.Background(), "read", bytes.NewReader(file), int64(len(file)), Sum(fuzzBig), "fuzz")
		if err != nil {
			t.Fatalf("header: %v", err)
		}
		cmp := &prefixWriter{want: fuzzBig}
		_, err = io.Copy(cmp, r)
		r.Close()
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 100<<20 {
			t.Errorf("decoding %d bytes allocated %d bytes", len(payload), grew)
		}
		switch {
		case err != nil && !errors.Is(err, ErrCorrupt):
			t.Fatalf("got error %v, want ErrCorrupt or none", err)
		case err != nil && want:
			t.Fatalf("got %v, want the content: the stream decoder reads it", err)
		case err == nil && !want:
			t.Fatal("read without error, want ErrCorrupt: the stream decoder does not yield the content")
		case err == nil && !cmp.equal():
			t.Fatalf("read %d bytes without error, want the %d of the content", cmp.n, len(fuzzBig))
		}
	})
}

// streamDecodes reports whether the stream decoder reads payload as
// exactly content, without error.
func streamDecodes(payload, content []byte) bool {
	dec, err := getDecoder(bytes.NewReader(payload))
	if err != nil {
		panic(fmt.Sprint("decoder: ", err))
	}
	defer putDecoder(dec)
	cmp := &prefixWriter{want: content}
	n, err := io.Copy(cmp, io.LimitReader(dec, int64(len(content))+1))
	return err == nil && n == int64(len(content)) && cmp.equal()
}
