package blob

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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

// TestCorruptChecksum: a zstd blob whose last frame checksum is damaged is
// corrupt, though its content is whole: the file is no valid zstd stream.
func TestCorruptChecksum(t *testing.T) {
	ctx := context.Background()
	for _, src := range []source{{"text", 200 << 10}, {"text", 3<<20 + 7}} {
		s := newStore(t)
		info := putSettled(t, s, src.open())
		if st, err := s.Stat(ctx, info.Digest); err != nil || st.Codec != Zstd {
			t.Fatalf("%v: got %+v, %v; want a zstd blob", src, st, err)
		}
		mutateFile(t, s.path(info.Digest), func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b })
		if err := s.Verify(ctx, info.Digest); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%v: Verify: got %v, want ErrCorrupt", src, err)
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
