package blob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// inlineSize is what Put stored for content before compression was
// deferred: one zstd frame per chunk, with the encoder the pass uses.
func inlineSize(t *testing.T, src source) int64 {
	t.Helper()
	enc, err := encoder()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(src.open())
	if err != nil {
		t.Fatal(err)
	}
	n := int64(headerSize)
	for off := 0; off < len(data); off += chunkSize {
		n += int64(len(enc.EncodeAll(data[off:min(off+chunkSize, len(data))], nil)))
	}
	return n
}

func TestCompressPending(t *testing.T) {
	s := openStore(t, nil) // with fsync
	ctx := context.Background()
	text, random, small := source{"text", 5<<20 + 3}, source{"random", 3 << 20}, source{"text", 200 << 10}
	var infos []Info
	for _, src := range []source{text, random, small} {
		info, err := s.Put(ctx, src.open())
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	if !infos[0].Pending || infos[1].Pending || !infos[2].Pending {
		t.Fatalf("Pending: got %v %v %v, want true false true", infos[0].Pending, infos[1].Pending, infos[2].Pending)
	}
	if got, err := s.Pending(); err != nil || len(got) != 2 {
		t.Fatalf("Pending(): got %v, %v; want 2 digests", got, err)
	}
	old := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	for _, info := range infos {
		if err := os.Chtimes(s.path(info.Digest), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A reader that opened the raw file before the pass reads it whole.
	early, err := s.Open(ctx, infos[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()

	rep, err := s.CompressPending(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Compressed != 2 || rep.Raw != 0 || rep.Left != 0 || rep.After >= rep.Before {
		t.Errorf("report: got %+v, want 2 compressed, smaller", rep)
	}
	if err := compareStreams(early, text.open()); err != nil {
		t.Errorf("reader opened before the pass: %v", err)
	}
	for i, src := range []source{text, small} {
		info := infos[2*i]
		st, err := s.Stat(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		// No more space than when Put compressed inline.
		if want := inlineSize(t, src); st.Codec != Zstd || st.Stored != want {
			t.Errorf("%v: got codec %v, %d bytes stored; want zstd, %d (as compressed at Put)", src, st.Codec, st.Stored, want)
		}
		if !st.ModTime.Equal(old) {
			t.Errorf("%v: modification time %v, want %v kept", src, st.ModTime, old)
		}
		rc, err := s.Open(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := compareStreams(rc, src.open()); err != nil {
			t.Errorf("%v: read back: %v", src, err)
		}
		rc.Close()
	}
	if got, _ := s.Pending(); len(got) != 0 {
		t.Errorf("marks left: %v", got)
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
	if rep, err := s.CompressPending(ctx, nil); err != nil || rep != (CompressReport{}) {
		t.Errorf("second pass: got %+v, %v; want nothing done", rep, err)
	}
}

// TestCompressDeleted: a blob deleted after it was marked is not brought
// back; its mark goes.
func TestCompressDeleted(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	info, err := s.Put(ctx, source{"text", 2 << 20}.open())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, info.Digest); err != nil {
		t.Fatal(err)
	}
	rep, err := s.CompressPending(ctx, nil)
	if err != nil || rep.Compressed != 0 || rep.Raw != 1 {
		t.Fatalf("CompressPending: got %+v, %v; want one mark dropped", rep, err)
	}
	if got := list(t, s); len(got) != 0 {
		t.Errorf("a deleted blob came back: %v", got)
	}
	if got, _ := s.Pending(); len(got) != 0 {
		t.Errorf("marks left: %v", got)
	}
}

// TestCompressConcurrent runs passes, Puts of the same content and readers
// at once: every read verifies, every blob ends compressed once.
func TestCompressConcurrent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	srcs := []source{{"text", 2<<20 + 1}, {"text", 3<<20 + 5}, {"text", 300 << 10}}
	var ds []Digest
	for _, src := range srcs {
		info, err := s.Put(ctx, src.open())
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, info.Digest)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 2 {
		wg.Go(func() {
			if _, err := s.CompressPending(ctx, &CompressOptions{Workers: 1}); err != nil {
				errs <- err
			}
		})
	}
	for range 3 {
		for i, src := range srcs {
			wg.Go(func() {
				if _, err := s.Put(ctx, src.open()); err != nil {
					errs <- err
				}
				if err := s.Verify(ctx, ds[i]); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := s.CompressPending(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		st, err := s.Stat(ctx, d)
		if err != nil || st.Codec != Zstd {
			t.Errorf("%v: got %+v, %v; want zstd", srcs[i], st, err)
		}
		if err := s.Verify(ctx, d); err != nil {
			t.Error(err)
		}
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
}

// TestCompressYield: a pass that yields waits while a batch or a reader
// of the store is open, and runs once it is over.
func TestCompressYield(t *testing.T) {
	ctx := context.Background()
	for _, what := range []string{"batch", "reader"} {
		t.Run(what, func(t *testing.T) {
			s := newStore(t)
			info, err := s.Put(ctx, source{"text", 2 << 20}.open())
			if err != nil {
				t.Fatal(err)
			}
			var end func() error
			if what == "batch" {
				b := s.NewBatch()
				end = func() error { return b.Commit(ctx) }
			} else {
				rc, err := s.Open(ctx, info.Digest)
				if err != nil {
					t.Fatal(err)
				}
				end = rc.Close
			}
			done := make(chan CompressReport)
			go func() {
				rep, _ := s.CompressPending(ctx, &CompressOptions{Yield: true})
				done <- rep
			}()
			select {
			case rep := <-done:
				t.Fatalf("the pass ran while a %s was open: %+v", what, rep)
			case <-time.After(200 * time.Millisecond):
			}
			if err := end(); err != nil {
				t.Fatal(err)
			}
			if rep := <-done; rep.Compressed != 1 {
				t.Errorf("after the %s: got %+v, want one blob compressed", what, rep)
			}
		})
	}
}

func TestCompressReadOnly(t *testing.T) {
	s := newStore(t)
	ro, err := Open(s.Dir(), &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.CompressPending(context.Background(), nil); err == nil {
		t.Error("CompressPending on a read-only folder: got nil error")
	}
}

// TestCompressRescan: blobs whose marks were lost are found by a pass with
// Rescan, compressed, and read back; incompressible and small raw blobs
// are left alone; a later rescan looks only at blobs modified since the
// last one began (less the temp grace).
func TestCompressRescan(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "r-blobs"), &Options{NoSync: true, TempGrace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srcs := []source{{"text", 3<<20 + 1}, {"random", 2 << 20}, {"text", 200 << 10}, {"text", 3000}}
	var infos []Info
	for _, src := range srcs {
		info, err := s.Put(ctx, src.open())
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	raw := infos[0].Stored + infos[2].Stored
	backlog := func(want Backlog) {
		t.Helper()
		if got, err := s.Backlog(ctx); err != nil || got != want {
			t.Errorf("Backlog: got %+v, %v; want %+v", got, err, want)
		}
	}
	backlog(Backlog{Pending: 2, PendingBytes: raw})
	// The marks are lost.
	if err := os.RemoveAll(filepath.Join(s.Dir(), pendingDir)); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.CompressPending(ctx, nil); err != nil || rep.Compressed != 0 {
		t.Fatalf("pass without rescan: got %+v, %v; want nothing compressed", rep, err)
	}
	backlog(Backlog{Unmarked: 2, UnmarkedBytes: raw})
	rep, err := s.CompressPending(ctx, &CompressOptions{Rescan: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Found != 2 || rep.Compressed != 2 {
		t.Errorf("pass with rescan: got %+v, want 2 found and compressed", rep)
	}
	backlog(Backlog{})
	wantCodec := []Codec{Zstd, Raw, Zstd, Zstd}
	for i, info := range infos {
		st, err := s.Stat(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if st.Codec != wantCodec[i] {
			t.Errorf("%v: codec %v, want %v", srcs[i], st.Codec, wantCodec[i])
		}
		rc, err := s.Open(ctx, info.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := compareStreams(rc, srcs[i].open()); err != nil {
			t.Errorf("%v: read back: %v", srcs[i], err)
		}
		rc.Close()
	}

	// A raw blob last modified well before the last rescan (less the
	// grace) is not looked at again; one modified since is.
	stamp, err := os.Stat(filepath.Join(s.Dir(), pendingDir, scanStamp))
	if err != nil {
		t.Fatalf("no stamp after a rescan: %v", err)
	}
	late := source{"text", 2<<20 + 5}
	for _, m := range []struct {
		mtime time.Time
		found int
	}{
		{stamp.ModTime().Add(-2 * time.Minute), 0},
		{stamp.ModTime().Add(-30 * time.Second), 1},
	} {
		info, err := s.Put(ctx, late.open())
		if err != nil {
			t.Fatal(err)
		}
		s.unmark(info.Digest)
		if err := os.Chtimes(s.path(info.Digest), m.mtime, m.mtime); err != nil {
			t.Fatal(err)
		}
		rep, err := s.CompressPending(ctx, &CompressOptions{Rescan: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Found != m.found {
			t.Errorf("blob modified %v before the stamp: found %d, want %d", stamp.ModTime().Sub(m.mtime), rep.Found, m.found)
		}
		if m.found == 0 {
			if err := s.Delete(ctx, info.Digest); err != nil {
				t.Fatal(err)
			}
		}
		// The stamp moves on: put it back for the next case.
		if err := os.Chtimes(filepath.Join(s.Dir(), pendingDir, scanStamp), stamp.ModTime(), stamp.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}
