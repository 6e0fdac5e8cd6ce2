package run_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// backdate makes blobs look written long ago.
func backdate(t testing.TB, bs *blob.Store, ds ...blob.Digest) {
	t.Helper()
	old := time.Now().Add(-3 * time.Hour)
	for _, d := range ds {
		if err := os.Chtimes(blobPath(bs, d), old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// allBlobs returns every stored blob's digest.
func allBlobs(t testing.TB, bs *blob.Store) []blob.Digest {
	t.Helper()
	var ds []blob.Digest
	if err := bs.Walk(ctx, func(i blob.Info) error { ds = append(ds, i.Digest); return nil }); err != nil {
		t.Fatal(err)
	}
	return ds
}

func sortDigests(ds []blob.Digest) []blob.Digest {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b blob.Digest) int { return bytes.Compare(a[:], b[:]) })
	return ds
}

func storedSize(t testing.TB, bs *blob.Store, ds ...blob.Digest) int64 {
	t.Helper()
	var n int64
	for _, d := range ds {
		i, err := bs.Stat(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		n += i.Stored
	}
	return n
}

func TestGCFreesPurgedRunsUniqueBlobs(t *testing.T) {
	tr := newTracker(t, nil)
	bs := tr.Blobs()
	x := createExperiment(t, tr, "gc")
	content := func(s string) []byte { return bytes.Repeat([]byte(s), 5000) }
	shared, a1, a2, b1, c1, d1 := content("shared"), content("a1"), content("a2"), content("b1"), content("c1"), content("d1")
	logAll := func(r *run.Run, files map[string][]byte) {
		for p, b := range files {
			if err := r.LogBytes(ctx, b, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	ra, rb, rc := startRun(t, tr), startRun(t, tr), startRun(t, tr)
	rd, err := tr.StartRun(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	logAll(ra, map[string][]byte{"s": shared, "a1": a1, "a2": a2, "again/a1": a1})
	logAll(rb, map[string][]byte{"s": shared, "b1": b1})
	logAll(rc, map[string][]byte{"s": shared, "c1": c1})
	logAll(rd, map[string][]byte{"d1": d1, "s": shared})
	// A blob replaced in the index is unreferenced too.
	if err := rc.LogBytes(ctx, []byte("short-lived"), "tmp.txt"); err != nil {
		t.Fatal(err)
	}
	if err := rc.LogBytes(ctx, []byte("replacement"), "tmp.txt"); err != nil {
		t.Fatal(err)
	}
	replaced := blob.Sum([]byte("short-lived"))

	for _, id := range []run.ID{ra.ID(), rb.ID()} {
		if err := tr.DeleteRun(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := tr.PurgeRun(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.DeleteRun(ctx, rc.ID()); err != nil { // soft-deleted: kept
		t.Fatal(err)
	}
	if err := tr.DeleteExperiment(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	if err := tr.PurgeExperiment(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	want := sortDigests([]blob.Digest{blob.Sum(a1), blob.Sum(a2), blob.Sum(b1), blob.Sum(d1), replaced})
	wantBytes := storedSize(t, bs, want...)
	n0, _ := usage(t, bs)

	// Within the grace period nothing goes.
	rep, err := tr.GC(ctx, run.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 0 || rep.Young != int64(len(want)) {
		t.Errorf("GC within the grace period: got %+v, want nothing deleted and %d young", rep, len(want))
	}
	backdate(t, bs, allBlobs(t, bs)...)

	rep, err = tr.GC(ctx, run.GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || rep.Blobs != int64(len(want)) || rep.Bytes != wantBytes || !slices.Equal(rep.Deleted, want) {
		t.Errorf("dry run: got %d blobs, %d bytes, %v; want %d, %d, %v", rep.Blobs, rep.Bytes, rep.Deleted, len(want), wantBytes, want)
	}
	if n, _ := usage(t, bs); n != n0 {
		t.Errorf("a dry run deleted %d blobs", n0-n)
	}

	rep, err = tr.GC(ctx, run.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.DryRun || rep.Blobs != int64(len(want)) || rep.Bytes != wantBytes || !slices.Equal(rep.Deleted, want) || rep.Kept != int64(n0-len(want)) {
		t.Errorf("GC: got %+v; want %d blobs, %d bytes, %v deleted and %d kept", rep, len(want), wantBytes, want, n0-len(want))
	}
	if got := sortDigests(allBlobs(t, bs)); !slices.Equal(got, sortDigests([]blob.Digest{blob.Sum(shared), blob.Sum(c1), blob.Sum([]byte("replacement"))})) {
		t.Errorf("blobs left: %v", got)
	}
	for p, b := range map[string][]byte{"s": shared, "c1": c1, "tmp.txt": []byte("replacement")} {
		if got, err := readArtifact(tr, rc.ID(), p); err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s of the soft-deleted run: %v", p, err)
		}
	}
	rep, err = tr.GC(ctx, run.GCOptions{})
	if err != nil || rep.Blobs != 0 {
		t.Errorf("second GC: got %+v, %v; want nothing to do", rep, err)
	}
	if v, err := tr.Verify(ctx, nil); err != nil || !v.OK() || v.Blobs != 3 {
		t.Errorf("verify after GC: got %+v, %v; want 3 blobs, no problem", v, err)
	}
}

func TestGCGraceAndTempFiles(t *testing.T) {
	tr := newTracker(t, nil)
	bs := tr.Blobs()
	// A blob stored but not (yet) indexed: a write in progress.
	info, err := bs.Put(ctx, strings.NewReader("in flight"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tr.GC(ctx, run.GCOptions{})
	if err != nil || rep.Blobs != 0 || rep.Young != 1 {
		t.Fatalf("GC: got %+v, %v; want the young blob spared", rep, err)
	}
	backdate(t, bs, info.Digest)
	// Put of the same content touches it: young again.
	if _, err := bs.Put(ctx, strings.NewReader("in flight")); err != nil {
		t.Fatal(err)
	}
	if rep, err = tr.GC(ctx, run.GCOptions{}); err != nil || rep.Blobs != 0 {
		t.Fatalf("GC after a touch: got %+v, %v; want the blob spared", rep, err)
	}
	if rep, err = tr.GC(ctx, run.GCOptions{Grace: -1}); err != nil || rep.Blobs != 1 {
		t.Fatalf("GC without grace: got %+v, %v; want the blob deleted", rep, err)
	}
	// A temp file left by a crash goes once it is older than the grace.
	tmp := filepath.Join(bs.Dir(), "tmp", "put-crashed.tmp") // a name Put uses
	if err := os.WriteFile(tmp, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.GC(ctx, run.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("a young temp file was removed: %v", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(tmp, old, old)
	if _, err := tr.GC(ctx, run.GCOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("a dry run removed a temp file: %v", err)
	}
	if _, err := tr.GC(ctx, run.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("an old temp file survived GC")
	}
}

func TestReferrerKeepsBlobs(t *testing.T) {
	tr := newTracker(t, nil)
	bs := tr.Blobs()
	r := startRun(t, tr)
	logText(t, r, "model bytes", "model/weights")
	held := blob.Sum([]byte("model bytes"))
	var calls atomic.Int64
	tr.AddReferrer(run.ReferrerFunc(func(tx *store.Tx, fn func(blob.Digest, run.Ref) error) error {
		calls.Add(1)
		return fn(held, run.Ref{Owner: "model credit version 1", Path: "weights"})
	}))
	if err := tr.DeleteRun(ctx, r.ID()); err != nil {
		t.Fatal(err)
	}
	if err := tr.PurgeRun(ctx, r.ID()); err != nil {
		t.Fatal(err)
	}
	backdate(t, bs, held)
	rep, err := tr.GC(ctx, run.GCOptions{})
	if err != nil || rep.Blobs != 0 || rep.Kept != 1 {
		t.Errorf("GC: got %+v, %v; want the registry's blob kept", rep, err)
	}
	if calls.Load() == 0 {
		t.Errorf("GC did not ask the referrer")
	}
	if err := bs.Delete(ctx, held); err != nil {
		t.Fatal(err)
	}
	v, err := tr.Verify(ctx, nil)
	if err != nil || len(v.Problems) != 1 {
		t.Fatalf("verify: got %+v, %v; want one problem", v, err)
	}
	p := v.Problems[0]
	if !p.Missing || len(p.Runs()) != 0 || len(p.Refs) != 1 || p.Refs[0].Owner != "model credit version 1" {
		t.Errorf("verify: got %v, want the model version named", p)
	}
	// A referrer that fails stops GC before anything is deleted.
	boom := errors.New("registry unreadable")
	tr.AddReferrer(run.ReferrerFunc(func(*store.Tx, func(blob.Digest, run.Ref) error) error { return boom }))
	if _, err := tr.GC(ctx, run.GCOptions{}); !errors.Is(err, boom) {
		t.Errorf("GC with a failing referrer: got %v, want its error", err)
	}
}

func TestVerifyReportsMissingAndCorrupt(t *testing.T) {
	tr := newTracker(t, nil)
	bs := tr.Blobs()
	r1, r2 := startRun(t, tr), startRun(t, tr)
	files := map[string][]byte{}
	for i := range 20 {
		files[fmt.Sprintf("f%02d.bin", i)] = bytes.Repeat([]byte(strconv.Itoa(i)), 3000+i)
	}
	for p, b := range files {
		if err := r1.LogBytes(ctx, b, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := r2.LogBytes(ctx, files["f03.bin"], "copy/of/three"); err != nil {
		t.Fatal(err)
	}
	missing, corrupt := blob.Sum(files["f03.bin"]), blob.Sum(files["f07.bin"])
	if err := bs.Delete(ctx, missing); err != nil {
		t.Fatal(err)
	}
	flipByte(t, blobPath(bs, corrupt), 20)

	var calls []int
	total := -1
	rep, err := tr.Verify(ctx, func(done, n int) {
		calls = append(calls, done)
		total = n
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blobs != 20 || rep.Refs != 21 || total != 20 || len(calls) != 21 || calls[0] != 0 || calls[20] != 20 {
		t.Errorf("verify: %d blobs, %d refs, progress %v of %d; want 20, 21, 0..20 of 20", rep.Blobs, rep.Refs, calls, total)
	}
	if len(rep.Problems) != 2 {
		t.Fatalf("verify: got %d problems, want 2: %v", len(rep.Problems), rep.Problems)
	}
	for _, p := range rep.Problems {
		switch p.Digest {
		case missing:
			ids := []run.ID{r1.ID(), r2.ID()}
			slices.SortFunc(ids, func(a, b run.ID) int { return bytes.Compare(a[:], b[:]) })
			if !p.Missing || !errors.Is(p.Err, blob.ErrNotFound) || !slices.Equal(p.Runs(), ids) || len(p.Refs) != 2 {
				t.Errorf("missing blob: got %v, want missing, referred to by both runs", p)
			}
		case corrupt:
			if p.Missing || !errors.Is(p.Err, blob.ErrCorrupt) || !slices.Equal(p.Runs(), []run.ID{r1.ID()}) || p.Refs[0].Path != "f07.bin" {
				t.Errorf("corrupt blob: got %v, want corrupt, referred to by run 1's f07.bin", p)
			}
		default:
			t.Errorf("unexpected problem %v", p)
		}
	}
	if s := fmt.Sprint(rep.Problems[0]); !strings.Contains(s, "run ") {
		t.Errorf("problem text %q names no run", s)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tr.Verify(cctx, nil); err == nil {
		t.Errorf("verify with a cancelled context succeeded")
	}
}

// TestGCWhileLoggingInProcess collects garbage without grace, over and
// over, while the same process logs contents that keep becoming garbage
// and coming back: every artifact logged must read back whole.
func TestGCWhileLoggingInProcess(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var gcs, freed atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			rep, err := tr.GC(ctx, run.GCOptions{Grace: -1})
			if err != nil {
				t.Errorf("GC: %v", err)
				return
			}
			gcs.Add(1)
			freed.Add(rep.Blobs)
		}
	}()
	for i := range 300 {
		b := []byte(fmt.Sprintf("content %d", i%4))
		p := fmt.Sprintf("f%d", i%3)
		if err := r.LogBytes(ctx, b, p); err != nil {
			t.Fatalf("log %d: %v", i, err)
		}
		if got, err := readArtifact(tr, r.ID(), p); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("log %d: %s reads back %q, %v; want %q", i, p, got, err, b)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d GCs freed %d blobs", gcs.Load(), freed.Load())
	if v, err := tr.Verify(ctx, nil); err != nil || !v.OK() {
		t.Errorf("verify: %+v %v", v, err)
	}
}

// gcWriter is the child of TestGCWhileAnotherProcessLogs: it logs
// artifacts to a new run, many of them contents that exist as old
// unreferenced blobs (which the parent's GC is deleting), and prints
// "logged <path> <digest>" after each one that returned nil.
func gcWriter(db, arg string) error {
	n, err := strconv.Atoi(arg)
	if err != nil {
		return err
	}
	tr, st, err := openTrackerAt(db, nil, true)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := tr.StartRun(ctx, 0, run.Name("gc-writer"))
	if err != nil {
		return err
	}
	fmt.Printf("run %s\n", r.ID())
	for i := range n {
		var b []byte
		switch i % 4 {
		case 0, 1:
			b = oldSmall(i / 4 % gcOldSmall)
		case 2:
			b, err = io.ReadAll(genReader(uint64(i/4%gcOldBig), gcBigSize, i%8 == 2))
			if err != nil {
				return err
			}
		case 3:
			b = []byte(fmt.Sprintf("new content %d of process %d", i, os.Getpid()))
		}
		p := fmt.Sprintf("a/%04d", i)
		if err := r.LogBytes(ctx, b, p); err != nil {
			return err
		}
		fmt.Printf("logged %s %s\n", p, blob.Sum(b))
	}
	return r.End(ctx)
}

const (
	gcOldSmall = 50
	gcOldBig   = 8
	gcBigSize  = 2<<20 + 17
)

func oldSmall(i int) []byte { return []byte(fmt.Sprintf("old small content %d", i)) }

// TestGCWhileAnotherProcessLogs runs GC in a loop while a child process
// logs artifacts whose contents are mostly old garbage (blobs of a purged
// run, backdated past the grace period): every artifact the child logged
// must open and verify afterwards.
func TestGCWhileAnotherProcessLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	tr := newTracker(t, nil)
	bs := tr.Blobs()
	old := startRun(t, tr)
	for i := range gcOldSmall {
		if err := old.LogBytes(ctx, oldSmall(i), fmt.Sprintf("s%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range gcOldBig {
		if err := old.LogReader(ctx, genReader(uint64(i), gcBigSize, i%2 == 0), fmt.Sprintf("b%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.DeleteRun(ctx, old.ID()); err != nil {
		t.Fatal(err)
	}
	if err := tr.PurgeRun(ctx, old.ID()); err != nil {
		t.Fatal(err)
	}
	backdate(t, bs, allBlobs(t, bs)...)

	cmd, out, stderr := testchild.Start(t, "gc-writer", tr.Store().Path(), "400")
	type logged struct {
		path string
		d    blob.Digest
	}
	var got []logged
	var childID run.ID
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		for out.Scan() {
			f := strings.Fields(out.Text())
			switch {
			case len(f) == 2 && f[0] == "run":
				childID, _ = store.ParseRunID(f[1])
			case len(f) == 3 && f[0] == "logged":
				d, err := blob.ParseDigest(f[2])
				if err != nil {
					t.Errorf("child said %q", out.Text())
				}
				got = append(got, logged{f[1], d})
			}
		}
	}()
	var gcs int
	var rep run.GCReport
	for {
		select {
		case <-lines:
		default:
			r, err := tr.GC(ctx, run.GCOptions{Grace: 300 * time.Millisecond})
			if err != nil {
				t.Fatalf("GC: %v", err)
			}
			gcs++
			rep.Blobs += r.Blobs
			rep.Young += r.Young
			continue
		}
		break
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr)
	}
	t.Logf("%d GCs freed %d blobs and spared %d young ones while the child logged %d artifacts", gcs, rep.Blobs, rep.Young, len(got))
	if len(got) != 400 {
		t.Fatalf("the child logged %d artifacts, want 400: %s", len(got), stderr)
	}
	if rep.Blobs == 0 {
		t.Errorf("GC freed nothing: the test did not race")
	}
	for _, l := range got {
		d, _ := hashArtifact(t, tr, childID, l.path)
		if d != l.d {
			t.Errorf("%s: got %s, want %s", l.path, d, l.d)
		}
	}
	if v, err := tr.Verify(ctx, nil); err != nil || !v.OK() {
		t.Errorf("verify: %+v %v", v, err)
	}
}

// gcFixture makes runs × files artifacts of distinct small contents.
func gcFixture(b *testing.B, runs, files int) *run.Tracker {
	tr := newTracker(b, nil)
	dir := b.TempDir()
	for i := range files {
		writeFile(b, filepath.Join(dir, fmt.Sprintf("f%04d", i)), strings.NewReader(strings.Repeat("x", i)))
	}
	for range runs {
		r := startRun(b, tr)
		if err := r.LogArtifacts(ctx, dir, ""); err != nil {
			b.Fatal(err)
		}
	}
	return tr
}

// BenchmarkGC measures a collection with nothing to delete: the reference
// scan and the walk of the blob folder.
func BenchmarkGC(b *testing.B) {
	tr := gcFixture(b, 100, 1000) // 100,000 references to 1,000 blobs
	b.ReportAllocs()
	for b.Loop() {
		rep, err := tr.GC(ctx, run.GCOptions{DryRun: true})
		if err != nil || rep.Kept != 1000 {
			b.Fatalf("got %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/ref")
}

// BenchmarkVerify re-hashes every referenced blob.
func BenchmarkVerify(b *testing.B) {
	tr := gcFixture(b, 10, 1000) // 1,000 small blobs
	b.ReportAllocs()
	for b.Loop() {
		rep, err := tr.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Blobs != 1000 {
			b.Fatalf("got %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/blob")
}
