package run_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/mlite/mlite/blob"
)

// TestBackgroundCompression: a large compressible file is stored raw and
// marked; the tracker compresses it in the background; Wait stops the
// pass; CompressArtifacts finishes what is left.
func TestBackgroundCompression(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	data, err := io.ReadAll(genReader(3, 3<<20, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogBytes(ctx, data, "big.txt"); err != nil {
		t.Fatal(err)
	}
	d := blob.Sum(data)
	deadline := time.Now().Add(time.Minute)
	for {
		info, err := tr.Blobs().Stat(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if info.Codec == blob.Zstd {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not compressed in the background after a minute: %+v", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := readArtifact(tr, r.ID(), "big.txt")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}

	// Stopped by Wait before it could start: CompressArtifacts does it.
	more, err := io.ReadAll(genReader(4, 3<<20, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogBytes(ctx, more, "more.txt"); err != nil {
		t.Fatal(err)
	}
	tr.Wait()
	rep, err := tr.CompressArtifacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := tr.Blobs().Stat(ctx, blob.Sum(more)); err != nil || info.Codec != blob.Zstd {
		t.Fatalf("after CompressArtifacts (%+v): got %+v, %v; want zstd", rep, info, err)
	}
	if p, err := tr.Blobs().Pending(); err != nil || len(p) != 0 {
		t.Errorf("marks left: %v, %v", p, err)
	}
	got, err = readArtifact(tr, r.ID(), "more.txt")
	if err != nil || !bytes.Equal(got, more) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}
}
