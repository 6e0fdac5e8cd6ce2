package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// mutateFile rewrites the file at p with f applied to its bytes.
func mutateFile(t *testing.T, p string, f func([]byte) []byte) {
	t.Helper()
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readBlob opens and reads blob d in full, returning the first error.
func readBlob(s *Store, d Digest) error {
	rc, err := s.Open(context.Background(), d)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

func TestCorruption(t *testing.T) {
	flip := func(at func(n int) int) func([]byte) []byte {
		return func(b []byte) []byte { b[at(len(b))] ^= 0x40; return b }
	}
	setSize := func(delta int64) func([]byte) []byte {
		return func(b []byte) []byte {
			n := binary.BigEndian.Uint64(b[8:16])
			binary.BigEndian.PutUint64(b[8:16], uint64(int64(n)+delta))
			return b
		}
	}
	mutations := []struct {
		name       string
		f          func([]byte) []byte
		headerOnly bool // Stat detects it too
	}{
		{"flip first payload byte", flip(func(int) int { return headerSize }), false},
		{"flip middle byte", flip(func(n int) int { return headerSize + (n-headerSize)/2 }), false},
		{"flip last byte", flip(func(n int) int { return n - 1 }), false},
		{"truncate to 0", func(b []byte) []byte { return b[:0] }, true},
		{"truncate to 10", func(b []byte) []byte { return b[:10] }, true},
		{"truncate to header", func(b []byte) []byte { return b[:headerSize] }, false},
		{"truncate one byte", func(b []byte) []byte { return b[:len(b)-1] }, false},
		{"truncate to half", func(b []byte) []byte { return b[:headerSize+(len(b)-headerSize)/2] }, false},
		{"append a byte", func(b []byte) []byte { return append(b, 0) }, false},
		{"append a frame", func(b []byte) []byte {
			enc, _ := encoder()
			return enc.EncodeAll([]byte("more content"), b)
		}, false},
		{"bad magic", func(b []byte) []byte { copy(b, "MLBLOB"); return b }, true},
		{"bad version", func(b []byte) []byte { b[6] = 2; return b }, true},
		{"unknown codec", func(b []byte) []byte { b[7] = 7; return b }, true},
		{"codec swapped", func(b []byte) []byte { b[7] ^= 1; return b }, false},
		{"size plus one", setSize(1), false},
		{"size minus one", setSize(-1), false},
		{"size huge", setSize(1 << 62), false},
		{"size negative", setSize(-(1 << 62) - 1<<62), true},
		{"header replaced by another blob's", func(b []byte) []byte {
			copy(b, appendHeader(nil, header{codec: Raw, size: 5}))
			return b
		}, false},
	}
	sources := []source{{"random", 1000}, {"random", 3 << 20}, {"text", 100 << 10}, {"text", 3 << 20}}
	ctx := context.Background()
	for _, src := range sources {
		for _, m := range mutations {
			t.Run(src.String()+"/"+m.name, func(t *testing.T) {
				s := newStore(t)
				info, err := s.Put(ctx, src.open())
				if err != nil {
					t.Fatal(err)
				}
				mutateFile(t, s.path(info.Digest), m.f)
				check := func(what string, err error) {
					t.Helper()
					if !errors.Is(err, ErrCorrupt) {
						t.Errorf("%s: got %v, want ErrCorrupt", what, err)
						return
					}
					if !strings.Contains(err.Error(), info.Digest.String()) {
						t.Errorf("%s: error %q does not name the digest", what, err)
					}
				}
				check("Verify", s.Verify(ctx, info.Digest))
				check("Open and read", readBlob(s, info.Digest))
				_, err = s.Stat(ctx, info.Digest)
				if m.headerOnly {
					check("Stat", err)
				}
				var walked []Info
				_ = s.Walk(ctx, func(i Info) error { walked = append(walked, i); return nil })
				if len(walked) != 1 || walked[0].Digest != info.Digest {
					t.Errorf("Walk: got %v, want the one blob", walked)
				} else if m.headerOnly && (walked[0].Size != -1 || walked[0].Codec != Unknown) {
					t.Errorf("Walk: got %+v, want Size -1 and Codec Unknown", walked[0])
				}
			})
		}
	}
}

// TestCorruptionNamesRenamedBlob: a valid blob file copied under another
// digest's name is corrupt for that name.
func TestCorruptionRenamed(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a, err := s.Put(ctx, strings.NewReader("content a"))
	if err != nil {
		t.Fatal(err)
	}
	b := Sum([]byte("content b"))
	if err := os.MkdirAll(filepath.Dir(s.path(b)), 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(s.path(a.Digest))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path(b), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Verify(ctx, b)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "hashes to "+a.Digest.String()) {
		t.Errorf("Verify: got %v, want ErrCorrupt saying it hashes to %s", err, a.Digest)
	}
}

func TestNotFound(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := Sum([]byte("absent"))
	calls := map[string]func() error{
		"Stat":   func() error { _, err := s.Stat(ctx, d); return err },
		"Open":   func() error { _, err := s.Open(ctx, d); return err },
		"Verify": func() error { return s.Verify(ctx, d) },
		"Delete": func() error { return s.Delete(ctx, d) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), d.String()) {
			t.Errorf("%s: got %v, want ErrNotFound naming %s", name, err, d)
		}
	}
	info, err := s.Put(ctx, strings.NewReader("present"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, info.Digest); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, info.Digest); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat after Delete: got %v, want ErrNotFound", err)
	}
}

func TestWalk(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var want []Digest
	for i := range 20 {
		info, err := s.Put(ctx, strings.NewReader(fmt.Sprint("blob ", i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, info.Digest)
	}
	slices.SortFunc(want, func(a, b Digest) int { return strings.Compare(a.String(), b.String()) })
	// Things that are not blobs.
	junk := []string{"README", "zz/" + strings.Repeat("a", 62), "AB/" + strings.Repeat("a", 62),
		"ab/short", "ab/" + strings.Repeat("A", 62), "tmp/put-1.tmp", "ab/" + strings.Repeat("a", 62) + "/x"}
	for _, j := range junk {
		p := filepath.Join(s.Dir(), j)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []Digest
	err := s.Walk(ctx, func(i Info) error {
		if i.Size <= 0 || i.Stored < headerSize || i.ModTime.IsZero() {
			t.Errorf("Walk: incomplete Info %+v", i)
		}
		got = append(got, i.Digest)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Walk: got %v, want %v", got, want)
	}

	stop := errors.New("stop")
	n := 0
	err = s.Walk(ctx, func(Info) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("Walk stopping at 3: got %v after %d calls, want stop after 3", err, n)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Walk(cctx, func(Info) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a cancelled context: got %v, want context.Canceled", err)
	}
}

func TestReadCancel(t *testing.T) {
	s := newStore(t)
	info, err := s.Put(context.Background(), randomReader(1, 3<<20))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := s.Open(ctx, info.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 1000)
	if _, err := rc.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: got %v, want context.Canceled", err)
	}
	if err := s.Verify(ctx, info.Digest); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a cancelled context: got %v, want context.Canceled", err)
	}
}

// TestCorruptTailWithheld: content larger than a chunk is hashed before it
// is handed out, so a reader of content that does not match its digest
// never gets the last chunk, through Read or WriteTo, raw or compressed;
// WriteTo of smaller content writes none of it.
func TestCorruptTailWithheld(t *testing.T) {
	ctx := context.Background()
	const size = 3<<20 + 512<<10 // the last chunk is 512 KiB
	for _, src := range []source{{"random", size}, {"text", size}, {"random", 3 << 20}, {"text", 512 << 10}} {
		s := newStore(t)
		info := putSettled(t, s, src.open())
		st, err := s.Stat(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		// Another content of the same size, under this digest's name.
		other := source{src.kind, src.size + 1}
		s2 := newStore(t)
		oinfo := putSettled(t, s2, io.LimitReader(other.open(), src.size))
		body, err := os.ReadFile(s2.path(oinfo.Digest))
		if err != nil {
			t.Fatal(err)
		}
		mutateFile(t, s.path(info.Digest), func([]byte) []byte { return body })
		for _, how := range []string{"Read", "WriteTo"} {
			if how == "Read" && src.size <= chunkSize {
				continue // read in the caller's goroutine, as it comes
			}
			t.Run(fmt.Sprintf("%v/%v/%s", src, st.Codec, how), func(t *testing.T) {
				rc, err := s.Open(ctx, info.Digest)
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				var n int64
				if how == "Read" {
					n, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, make([]byte, 4096))
				} else {
					n, err = io.Copy(io.Discard, rc)
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("got %v, want ErrCorrupt", err)
				}
				if want := (src.size - 1) / chunkSize * chunkSize; n != want {
					t.Errorf("handed out %d of %d bytes, want %d (the last chunk withheld)", n, src.size, want)
				}
			})
		}
	}
}

// TestDamagedChecksum: a zstd blob whose last frame checksum is damaged
// but whose content is whole reads back whole and verifies: readers skip
// frame checksums, the digest covers the same bytes (FORMAT.md,
// "Validity"). Damage to the content itself is TestCorruptZstd's.
func TestDamagedChecksum(t *testing.T) {
	ctx := context.Background()
	for _, src := range []source{{"text", 200 << 10}, {"text", 3<<20 + 7}} {
		s := newStore(t)
		info := putSettled(t, s, src.open())
		if st, err := s.Stat(ctx, info.Digest); err != nil || st.Codec != Zstd {
			t.Fatalf("%v: got %+v, %v; want a zstd blob", src, st, err)
		}
		mutateFile(t, s.path(info.Digest), func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b })
		if err := s.Verify(ctx, info.Digest); err != nil {
			t.Errorf("%v: Verify: got %v, want nil", src, err)
		}
		rc, err := s.Open(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if want := mustRead(src.open()); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%v: read %d bytes, %v; want the %d bytes stored", src, len(got), err, len(want))
		}
	}
}

// putSettled puts r into s and runs the compression pass, so the blob is
// stored as it will stay.
func putSettled(t testing.TB, s *Store, r io.Reader) Info {
	t.Helper()
	ctx := context.Background()
	info, err := s.Put(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompressPending(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return info
}

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
