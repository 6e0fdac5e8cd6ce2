package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// framesContent returns n bytes of text with a stretch of random bytes
// across the first chunk boundary, so that frames hold raw blocks as well
// as compressed ones.
func framesContent(n int) []byte {
	b := []byte(strings.Repeat("step,loss,acc\n1,0.5,0.61\n2,0.25,0.72\n", n/36+1))[:n]
	rng := rand.NewChaCha8([32]byte{7})
	_, _ = rng.Read(b[chunkSize-2048 : min(n, chunkSize+2048)])
	return b
}

// zstdPayloads returns encodings of content that a valid zstd blob may
// hold, by name: the frames a writer emits today and the other shapes of a
// standard stream, which readers read with the stream decoder from the
// first frame they cannot decode apart.
func zstdPayloads(t testing.TB, content []byte) map[string][]byte {
	t.Helper()
	enc, err := encoder()
	if err != nil {
		t.Fatal(err)
	}
	framed := func(size int) []byte {
		var out []byte
		for off := 0; off < len(content); off += size {
			out = enc.EncodeAll(content[off:min(off+size, len(content))], out)
		}
		return out
	}
	stream := func(opts ...zstd.EOption) []byte {
		var buf bytes.Buffer
		w, err := zstd.NewWriter(&buf, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'm', 'l', 'b'}
	noCRC, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
	if err != nil {
		t.Fatal(err)
	}
	frames := framed(chunkSize)
	first := enc.EncodeAll(content[:chunkSize], nil)
	return map[string][]byte{
		"frames":              frames,
		"small frames":        framed(100 << 10),
		"one frame":           enc.EncodeAll(content, nil),
		"frames of 3 MiB":     framed(3 << 20),
		"a stream":            stream(zstd.WithEncoderLevel(zstd.SpeedFastest)),
		"a concurrent stream": stream(zstd.WithEncoderConcurrency(2), zstd.WithWindowSize(1<<20)),
		"a frame, then one":   enc.EncodeAll(content[chunkSize:], append([]byte(nil), first...)),
		"no checksums":        noCRC.EncodeAll(content[chunkSize:], noCRC.EncodeAll(content[:chunkSize], nil)),
		"skippable frames": append(append(append(append(append([]byte(nil), skippable...),
			first...), skippable...), enc.EncodeAll(content[chunkSize:], nil)...), skippable...),
		"an empty frame at the end": enc.EncodeAll(nil, append([]byte(nil), frames...)),
	}
}

// storeEncoded stores content in a new store and replaces its file by a
// zstd blob holding payload; it returns the store and the digest.
func storeEncoded(t *testing.T, content, payload []byte) (*Store, Digest) {
	t.Helper()
	s := newStore(t)
	info, err := s.Put(context.Background(), bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	file := appendHeader(nil, header{codec: Zstd, size: int64(len(content))})
	mutateFile(t, s.path(info.Digest), func([]byte) []byte { return append(file, payload...) })
	return s, info.Digest
}

// TestReadZstdPayloads: every shape of a valid zstd payload reads back,
// through Read and WriteTo, and the frames writers emit are decoded
// apart, all of them.
func TestReadZstdPayloads(t *testing.T) {
	ctx := context.Background()
	content := framesContent(3<<20 + 300<<10)
	for name, payload := range zstdPayloads(t, content) {
		t.Run(name, func(t *testing.T) {
			s, d := storeEncoded(t, content, payload)
			for _, how := range []string{"Read", "WriteTo"} {
				rc, err := s.Open(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				r := rc.(*reader)
				var got bytes.Buffer
				if how == "Read" {
					_, err = io.CopyBuffer(&got, struct{ io.Reader }{rc}, make([]byte, 10000))
				} else {
					_, err = io.Copy(&got, rc)
				}
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				if !bytes.Equal(got.Bytes(), content) {
					t.Fatalf("%s: got %d bytes that differ, want the %d of the content", how, got.Len(), len(content))
				}
				if name == "frames" || name == "small frames" {
					if want := (len(content) + chunkSize - 1) / chunkSize; name == "frames" && r.pipe.frames != want {
						t.Errorf("%s: %d frames decoded apart, want %d", how, r.pipe.frames, want)
					}
					if r.pipe.frames == 0 || r.dec != nil {
						t.Errorf("%s: %d frames decoded apart, stream decoder %v; want no stream decoder", how, r.pipe.frames, r.dec != nil)
					}
				}
				rc.Close()
			}
		})
	}
}

// TestReadZstdFramesCorrupt: damage to a blob written in frames is found
// (ErrCorrupt) wherever it is, and the content's last chunk is never
// handed out with it.
func TestReadZstdFramesCorrupt(t *testing.T) {
	ctx := context.Background()
	content := framesContent(3<<20 + 300<<10)
	payloads := zstdPayloads(t, content)
	frames := payloads["frames"]
	enc, err := encoder()
	if err != nil {
		t.Fatal(err)
	}
	firstLen := len(enc.EncodeAll(content[:chunkSize], nil))
	cases := map[string][]byte{
		"a frame too many":    enc.EncodeAll([]byte("more"), append([]byte(nil), frames...)),
		"a byte after":        append(append([]byte(nil), frames...), 0),
		"the last frame cut":  frames[:len(frames)-10],
		"the last frame gone": enc.EncodeAll(content[:3<<20], nil),
		"a frame missing":     frames[firstLen:],
		"a flipped bit":       flip(frames, firstLen+firstLen/2),
		"a frame's size": func() []byte {
			b := append([]byte(nil), frames...)
			b[firstLen+6]++ // the second frame's content size, low byte
			return b
		}(),
		"a checksum":        flip(frames, len(frames)-2),
		"other content":     payloads["one frame"][:0],
		"not zstd at all":   content[:len(content)/2],
		"a huge window":     []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00},
		"a reserved block":  []byte{0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0x07, 0x00, 0x00},
		"a dictionary id":   []byte{0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x01, 0x05, 0x01, 0x00, 0x00},
		"a skippable frame": {0x50, 0x2a, 0x4d, 0x18, 0xff, 0xff, 0xff, 0xff},
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			s, d := storeEncoded(t, content, payload)
			rc, err := s.Open(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			n, err := io.Copy(io.Discard, rc)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v after %d bytes, want ErrCorrupt", err, n)
			}
			if n > int64((len(content)-1)/chunkSize*chunkSize) {
				t.Errorf("handed out %d of %d bytes, want the last chunk withheld", n, len(content))
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 0x10
	return b
}

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
