package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// source describes test content that can be generated again and again.
type source struct {
	kind string // "random" or "text"
	size int64
}

func (s source) open() io.Reader {
	if s.kind == "text" {
		return textReader(uint64(s.size), s.size)
	}
	return randomReader(uint64(s.size), s.size)
}

func (s source) String() string { return fmt.Sprintf("%s/%d", s.kind, s.size) }

func TestRoundTrip(t *testing.T) {
	sizes := []int64{0, 1, 100, 4 << 10, chunkSize - 1, chunkSize, chunkSize + 1, 1 << 20 * 5 / 2, 300 << 20}
	s := newStore(t)
	ctx := context.Background()
	for _, kind := range []string{"random", "text"} {
		for _, size := range sizes {
			src := source{kind, size}
			t.Run(src.String(), func(t *testing.T) {
				if size > 64<<20 && testing.Short() {
					t.Skip("large content skipped with -short")
				}
				info, err := s.Put(ctx, src.open())
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				if !info.New || info.Size != size {
					t.Errorf("Put: got New %v Size %d, want true %d", info.New, info.Size, size)
				}
				// Text beyond inlineMax is stored raw, then compressed
				// by the pass.
				wantCodec := Raw
				if kind == "text" && size >= 4<<10 {
					wantCodec = Zstd
				}
				if wantPending := kind == "text" && size > inlineMax; info.Pending != wantPending || info.Pending && info.Codec != Raw {
					t.Errorf("Put: got Pending %v codec %v, want Pending %v", info.Pending, info.Codec, wantPending)
				}
				if info.Pending {
					if _, err := s.CompressPending(ctx, nil); err != nil {
						t.Fatalf("CompressPending: %v", err)
					}
					if info, err = s.Stat(ctx, info.Digest); err != nil {
						t.Fatal(err)
					}
					info.New = true
				}
				if info.Codec != wantCodec {
					t.Errorf("Put: got codec %v, want %v (stored %d of %d bytes)", info.Codec, wantCodec, info.Stored, size)
				}
				st, err := s.Stat(ctx, info.Digest)
				if err != nil {
					t.Fatalf("Stat: %v", err)
				}
				if st.Size != info.Size || st.Stored != info.Stored || st.Codec != info.Codec || st.New {
					t.Errorf("Stat: got %+v, want %+v", st, info)
				}
				rc, err := s.Open(ctx, info.Digest)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer rc.Close()
				if err := compareStreams(rc, src.open()); err != nil {
					t.Fatalf("content read back: %v", err)
				}
				if err := s.Verify(ctx, info.Digest); err != nil {
					t.Errorf("Verify: %v", err)
				}
				if err := s.Delete(ctx, info.Digest); err != nil {
					t.Errorf("Delete: %v", err)
				}
			})
		}
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
}

// TestReadSmallBuffers reads through Read with odd buffer sizes rather than
// WriteTo.
func TestReadSmallBuffers(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, src := range []source{{"random", 3<<20 + 11}, {"text", 3<<20 + 11}} {
		info, err := s.Put(ctx, src.open())
		if err != nil {
			t.Fatal(err)
		}
		rc, err := s.Open(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		buf := make([]byte, 4093)
		for {
			n, err := rc.Read(buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: Read: %v", src, err)
			}
		}
		rc.Close()
		if err := compareStreams(&got, src.open()); err != nil {
			t.Errorf("%v: %v", src, err)
		}
		if _, err := rc.Read(buf); err == nil {
			t.Errorf("%v: Read after Close: got nil error", src)
		}
	}
}

func TestPutDuplicate(t *testing.T) {
	for _, src := range []source{{"random", 10}, {"text", 100 << 10}, {"random", 3 << 20}, {"text", 3 << 20}} {
		t.Run(src.String(), func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			first, err := s.Put(ctx, src.open())
			if err != nil || !first.New {
				t.Fatalf("first Put: got New %v, %v; want true, nil", first.New, err)
			}
			// Age the stored blob, as if it had been written long ago.
			p := s.path(first.Digest)
			old := time.Now().Add(-48 * time.Hour)
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
			second, err := s.Put(ctx, src.open())
			if err != nil {
				t.Fatalf("second Put: %v", err)
			}
			if second.New || second.Digest != first.Digest || second.Stored != first.Stored || second.Size != first.Size {
				t.Errorf("second Put: got %+v, want %+v with New false", second, first)
			}
			st, err := s.Stat(ctx, first.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(st.ModTime) > time.Hour {
				t.Errorf("second Put did not touch the blob: mtime %v", st.ModTime)
			}
			if got := list(t, s); len(got) != 1 {
				t.Errorf("Walk: got %d blobs, want 1", len(got))
			}
			if got := tempFiles(t, s); len(got) != 0 {
				t.Errorf("temp files left: %v", got)
			}
		})
	}
}

// TestPutReplacesBroken: a Put of content whose stored blob has a broken
// header (or lies about its size) stores it anew.
func TestPutReplacesBroken(t *testing.T) {
	for _, src := range []source{{"random", 1000}, {"text", 3 << 20}} {
		s := newStore(t)
		ctx := context.Background()
		info, err := s.Put(ctx, src.open())
		if err != nil {
			t.Fatal(err)
		}
		p := s.path(info.Digest)
		mutateFile(t, p, func(b []byte) []byte { b[0] = 'X'; return b })
		again, err := s.Put(ctx, src.open())
		if err != nil || !again.New {
			t.Fatalf("%v: Put over a broken blob: got New %v, %v; want true, nil", src, again.New, err)
		}
		if err := s.Verify(ctx, info.Digest); err != nil {
			t.Errorf("%v: Verify after repair: %v", src, err)
		}
	}
}

var errBoom = errors.New("boom")

// failingReader returns r's bytes, then err after n bytes.
type failingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// assertNothingVisible checks that no blob and no temp file exist.
func assertNothingVisible(t *testing.T, s *Store) {
	t.Helper()
	if got := list(t, s); len(got) != 0 {
		t.Errorf("Walk: got %d blobs, want none", len(got))
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
	subs, _ := os.ReadDir(s.Dir())
	for _, e := range subs {
		if e.Name() != tmpDir {
			sub, _ := os.ReadDir(filepath.Join(s.Dir(), e.Name()))
			if len(sub) != 0 {
				t.Errorf("files left in %s", e.Name())
			}
		}
	}
}

func TestPutSourceError(t *testing.T) {
	for _, kind := range []string{"random", "text"} {
		for _, n := range []int64{0, 10, chunkSize - 1, chunkSize, chunkSize + 1, 5<<20 + 3} {
			t.Run(fmt.Sprintf("%s/%d", kind, n), func(t *testing.T) {
				s := newStore(t)
				r := &failingReader{r: source{kind, 10 << 20}.open(), n: n, err: errBoom}
				info, err := s.Put(context.Background(), r)
				if !errors.Is(err, errBoom) {
					t.Fatalf("Put: got %+v, %v; want errBoom", info, err)
				}
				if !strings.HasPrefix(err.Error(), "blob: put") {
					t.Errorf("error %q: want prefix %q", err, "blob: put")
				}
				assertNothingVisible(t, s)
			})
		}
	}
}

// cancelReader cancels a context once it has returned n bytes, or at
// EOF when n < 0.
type cancelReader struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n >= 0 {
		c.n -= int64(n)
		if c.n <= 0 {
			c.cancel()
		}
	} else if err == io.EOF {
		c.cancel()
	}
	return n, err
}

func TestPutCancel(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Put(ctx, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put: got %v, want context.Canceled", err)
		}
		assertNothingVisible(t, s)
	})
	for _, kind := range []string{"random", "text"} {
		for _, at := range []int64{10, 3 << 20, -1} {
			for _, size := range []int64{1000, 6 << 20} {
				if at > size {
					continue
				}
				t.Run(fmt.Sprintf("%s/%d/at%d", kind, size, at), func(t *testing.T) {
					s := newStore(t)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					r := &cancelReader{r: source{kind, size}.open(), n: at, cancel: cancel}
					if _, err := s.Put(ctx, r); !errors.Is(err, context.Canceled) {
						t.Fatalf("Put: got %v, want context.Canceled", err)
					}
					assertNothingVisible(t, s)
				})
			}
		}
	}
}

func TestCodecChoice(t *testing.T) {
	mixed := func() io.Reader { // compressible head, random rest
		return io.MultiReader(textReader(1, 1<<20), randomReader(1, 7<<20))
	}
	tests := []struct {
		name       string
		r          func() io.Reader
		noCompress bool
		want       Codec
	}{
		{"random", func() io.Reader { return randomReader(1, 4<<20) }, false, Raw},
		{"text", func() io.Reader { return textReader(1, 4<<20) }, false, Zstd},
		{"text/NoCompress", func() io.Reader { return textReader(1, 4<<20) }, true, Raw},
		{"small/NoCompress", func() io.Reader { return textReader(1, 4<<10) }, true, Raw},
		{"zeros", func() io.Reader { return bytes.NewReader(make([]byte, 9<<20)) }, false, Zstd},
		{"mostly random", mixed, false, Raw},
	}
	for _, tt := range tests {
		s, err := Open(t.TempDir(), &Options{NoSync: true, NoCompress: tt.noCompress})
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Put(context.Background(), tt.r())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompressPending(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if info, err = s.Stat(context.Background(), info.Digest); err != nil {
			t.Fatal(err)
		}
		if info.Codec != tt.want {
			t.Errorf("%s: got codec %v (%d of %d bytes), want %v", tt.name, info.Codec, info.Stored, info.Size, tt.want)
		}
		if err := s.Verify(context.Background(), info.Digest); err != nil {
			t.Errorf("%s: Verify: %v", tt.name, err)
		}
	}
}

func TestConcurrentPuts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	srcs := []source{{"random", 10}, {"text", 50 << 10}, {"random", 2 << 20}, {"text", 3 << 20}}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(srcs))
	for range 4 {
		for _, src := range srcs {
			wg.Go(func() {
				if _, err := s.Put(ctx, src.open()); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Put: %v", err)
	}
	got := list(t, s)
	if len(got) != len(srcs) {
		t.Errorf("Walk: got %d blobs, want %d", len(got), len(srcs))
	}
	for _, d := range got {
		if err := s.Verify(ctx, d); err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
}

func TestFolderGone(t *testing.T) {
	for _, src := range []source{{"random", 10}, {"random", 3 << 20}} {
		s := newStore(t)
		if err := os.RemoveAll(s.Dir()); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(context.Background(), src.open())
		if err == nil {
			t.Fatalf("%v: Put into a removed folder: got nil error", src)
		}
		if !strings.Contains(err.Error(), "is gone") || !strings.Contains(err.Error(), s.Dir()) {
			t.Errorf("%v: Put: got %q, want a message that names %s and says it is gone", src, err, s.Dir())
		}
		if _, err := os.Stat(s.Dir()); err == nil {
			t.Errorf("%v: Put recreated the removed folder", src)
		}
	}
}

func TestFolderReadOnly(t *testing.T) {
	t.Run("tmp replaced by a file", func(t *testing.T) {
		s := newStore(t)
		tmp := filepath.Join(s.Dir(), tmpDir)
		if err := os.Remove(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tmp, nil, 0o444); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(context.Background(), strings.NewReader("x"))
		if err == nil || !strings.Contains(err.Error(), tmp) {
			t.Fatalf("Put: got %v, want an error naming %s", err, tmp)
		}
	})
	t.Run("chmod", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, which writes into read-only folders anyway; the tmp-replaced-by-a-file case covers the failure path")
		}
		s := newStore(t)
		for _, d := range []string{s.Dir(), filepath.Join(s.Dir(), tmpDir)} {
			if err := os.Chmod(d, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(d, 0o755) })
		}
		for _, src := range []source{{"random", 10}, {"random", 3 << 20}} {
			_, err := s.Put(context.Background(), src.open())
			if err == nil || !strings.Contains(err.Error(), "not writable") {
				t.Errorf("%v: Put: got %v, want an error saying the folder is not writable", src, err)
			}
		}
	})
}

func TestOpenCleansTemp(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Dir(), tmpDir)
	write := func(name string, age time.Duration) {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(-age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	write("put-old.tmp", 2*time.Hour)
	write("put-new.tmp", time.Minute)
	write("other.txt", 2*time.Hour)

	if _, err := Open(dir, &Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := tempFiles(t, s), []string{"other.txt", "put-new.tmp"}; !slices.Equal(got, want) {
		t.Errorf("after Open with the default grace: got %v, want %v", got, want)
	}
	if _, err := Open(dir, &Options{NoSync: true, TempGrace: -1}); err != nil {
		t.Fatal(err)
	}
	if got, want := tempFiles(t, s), []string{"other.txt"}; !slices.Equal(got, want) {
		t.Errorf("after Open with no grace: got %v, want %v", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open("", nil); err == nil {
		t.Error(`Open(""): got nil error`)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file, nil); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("Open(a file): got %v, want 'not a folder'", err)
	}
	s, err := Open(filepath.Join(t.TempDir(), "a", "b-blobs"), nil)
	if err != nil {
		t.Fatalf("Open creating parents: %v", err)
	}
	if !filepath.IsAbs(s.Dir()) {
		t.Errorf("Dir: got %q, want an absolute path", s.Dir())
	}
}

func TestDefaultOptions(t *testing.T) {
	d := DefaultOptions()
	z := (*Options)(nil).withDefaults()
	if *d != z {
		t.Errorf("nil options: got %+v, want %+v", z, *d)
	}
	if z := (&Options{}).withDefaults(); *d != z {
		t.Errorf("zero options: got %+v, want %+v", z, *d)
	}
}
