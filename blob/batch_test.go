package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smallFile returns the content of small file i: 2 KB of text, distinct
// for each i.
func smallFile(i int) []byte {
	return []byte(fmt.Sprintf("%06d\n%s", i, bytes.Repeat([]byte(fmt.Sprintf("row %d,0.%d\n", i, i*7)), 2000/12)))
}

func TestBatch(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoSync=%v", noSync), func(t *testing.T) {
			s := openStore(t, &Options{NoSync: noSync})
			ctx := context.Background()
			// Content stored before the batch, aged: the batch reuses
			// and touches it.
			old, err := s.Put(ctx, bytes.NewReader(smallFile(0)))
			if err != nil {
				t.Fatal(err)
			}
			aged := time.Now().Add(-48 * time.Hour)
			if err := os.Chtimes(s.path(old.Digest), aged, aged); err != nil {
				t.Fatal(err)
			}
			big := source{"text", 3 << 20}
			b := s.NewBatch()
			var infos []Info
			for i := range 300 {
				info, err := b.Put(ctx, bytes.NewReader(smallFile(i%200)))
				if err != nil {
					t.Fatalf("Put %d: %v", i, err)
				}
				if want := i > 0 && i < 200; info.New != want {
					t.Errorf("Put %d: got New %v, want %v", i, info.New, want)
				}
				if info.Digest != Sum(smallFile(i%200)) {
					t.Errorf("Put %d: wrong digest", i)
				}
				infos = append(infos, info)
			}
			bigInfo, err := b.Put(ctx, big.open())
			if err != nil || !bigInfo.New {
				t.Fatalf("Put of large content: got New %v, %v", bigInfo.New, err)
			}
			if err := b.Commit(ctx); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if _, err := b.Put(ctx, bytes.NewReader(nil)); !errors.Is(err, ErrBatchDone) {
				t.Errorf("Put after Commit: got %v, want ErrBatchDone", err)
			}
			if err := b.Commit(ctx); !errors.Is(err, ErrBatchDone) {
				t.Errorf("second Commit: got %v, want ErrBatchDone", err)
			}
			b.Discard() // a no-op now
			if got := len(list(t, s)); got != 201 {
				t.Errorf("Walk: got %d blobs, want 201", got)
			}
			for _, info := range append(infos[:200], bigInfo) {
				if err := s.Verify(ctx, info.Digest); err != nil {
					t.Errorf("Verify: %v", err)
				}
			}
			if st, err := s.Stat(ctx, old.Digest); err != nil || time.Since(st.ModTime) > time.Hour {
				t.Errorf("content stored before the batch was not touched: %+v, %v", st, err)
			}
			if got := tempFiles(t, s); len(got) != 0 {
				t.Errorf("temp files left: %v", got)
			}
			if got := s.active.Load(); got != 0 {
				t.Errorf("active Puts after Commit: got %d, want 0", got)
			}
		})
	}
}

// TestBatchBackgroundFailure: a rename that fails in the background fails
// the batch's next Put or its Commit, and leaves no temp file.
func TestBatchBackgroundFailure(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	d := Sum(smallFile(1))
	// A dangling symbolic link where the blob's subfolder should be:
	// the blob looks absent, and its rename fails.
	if err := os.Symlink(filepath.Join(t.TempDir(), "gone"), filepath.Join(s.Dir(), d.String()[:2])); err != nil {
		t.Skip("symlink:", err)
	}
	b := s.NewBatch()
	if _, err := b.Put(ctx, bytes.NewReader(smallFile(1))); err != nil {
		t.Fatalf("Put: %v (the failure is the background's)", err)
	}
	err := b.Commit(ctx)
	if err == nil || !strings.Contains(err.Error(), d.String()) {
		t.Fatalf("Commit: got %v, want an error naming %s", err, d)
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
}

func TestBatchDiscard(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	b := s.NewBatch()
	if _, err := b.Put(ctx, bytes.NewReader(smallFile(1))); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	if _, err := b.Put(ctx, bytes.NewReader(smallFile(2))); !errors.Is(err, ErrBatchDone) {
		t.Errorf("Put after Discard: got %v, want ErrBatchDone", err)
	}
	if err := b.Commit(ctx); !errors.Is(err, ErrBatchDone) {
		t.Errorf("Commit after Discard: got %v, want ErrBatchDone", err)
	}
	if got := s.active.Load(); got != 0 {
		t.Errorf("active Puts after Discard: got %d, want 0", got)
	}
}

func TestBatchCancel(t *testing.T) {
	s := openStore(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	b := s.NewBatch()
	if _, err := b.Put(ctx, bytes.NewReader(smallFile(1))); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := b.Put(ctx, bytes.NewReader(smallFile(2))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put after cancel: got %v, want context.Canceled", err)
	}
	if err := b.Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit after cancel: got %v, want context.Canceled", err)
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Errorf("temp files left: %v", got)
	}
}
