package run_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/artpath"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// Child processes are this test binary run again (package testchild): init
// plays their role instead of the tests.
func init() { testchild.Main(artifactChild) }

func artifactChild(role, db, arg string) error {
	switch role {
	case "crash-log":
		// arg: "<run id> <source file>". Log the file once, saying
		// when it starts and when it is done.
		ids, src, _ := strings.Cut(arg, " ")
		id, err := store.ParseRunID(ids)
		if err != nil {
			return err
		}
		tr, st, err := openTrackerAt(db, nil, false)
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Println("start")
		if err := tr.LogArtifact(ctx, id, src, "big"); err != nil {
			return err
		}
		fmt.Println("done")
		return nil
	case "crash-batch":
		// arg: "<run id> <first folder> <work folder>". Log folders of
		// small files one after the other, saying which once each call
		// returned.
		f := strings.SplitN(arg, " ", 3)
		id, err := store.ParseRunID(f[0])
		if err != nil {
			return err
		}
		first, err := strconv.Atoi(f[1])
		if err != nil {
			return err
		}
		work := f[2]
		tr, st, err := openTrackerAt(db, nil, false)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := first; ; i++ {
			dir := filepath.Join(work, strconv.Itoa(i))
			for j := range crashBatchFiles {
				p := filepath.Join(dir, fmt.Sprintf("d%d", j%7), fmt.Sprintf("f%d.txt", j))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, smallArtifact(i, j), 0o644); err != nil {
					return err
				}
			}
			if err := tr.LogArtifacts(ctx, id, dir, "b"+strconv.Itoa(i)); err != nil {
				return err
			}
			fmt.Println("logged", i)
		}
	case "gc-writer":
		return gcWriter(db, arg)
	}
	return fmt.Errorf("unknown role %q", role)
}

// openTrackerAt opens the store at path and a tracker over it. blobs nil
// means the default blob folder, synced or not as the store.
func openTrackerAt(path string, blobs *blob.Store, noSync bool) (*run.Tracker, *store.Store, error) {
	st, err := store.Open(ctx, path, &store.Options{NoSync: noSync})
	if err != nil {
		return nil, nil, err
	}
	tr, err := run.New(st, &run.Options{NoCapture: true, User: "tester", Blobs: blobs})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return tr, st, nil
}

// genReader returns size bytes, the same for the same seed: random
// (incompressible) or text made of a small vocabulary (compressible).
func genReader(seed uint64, size int64, compressible bool) io.Reader {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	r := io.Reader(rand.NewChaCha8(key))
	if compressible {
		r = &wordGen{rng: r}
	}
	return io.LimitReader(r, size)
}

// wordGen writes random words of a 64-word vocabulary, a dozen to a
// line: text zstd's fastest level compresses about 3x.
type wordGen struct {
	rng  io.Reader
	rnd  [512]byte
	back []byte // holds pend
	pend []byte
}

var vocabulary = strings.Fields(`epoch step loss accuracy auc precision recall f1 learning rate
	batch size dropout layer dense conv pool relu sigmoid softmax adam sgd momentum decay
	weight bias gradient norm clip warmup cosine linear train eval test split fold seed
	feature label target class positive negative threshold score metric param tag run
	model version stage alias artifact dataset input output mean median max min std var`)

func (g *wordGen) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.pend) == 0 {
			if _, err := io.ReadFull(g.rng, g.rnd[:]); err != nil {
				return n, err
			}
			buf := g.back[:0]
			for _, b := range g.rnd {
				buf = append(buf, vocabulary[b&63]...)
				if b>>6 == 0 && b&7 == 0 {
					buf = append(buf, '\n')
				} else {
					buf = append(buf, ' ')
				}
			}
			g.back, g.pend = buf, buf
		}
		c := copy(p[n:], g.pend)
		g.pend = g.pend[c:]
		n += c
	}
	return n, nil
}

// writeFile writes r to a new file and returns the content's digest.
func writeFile(t testing.TB, path string, r io.Reader) blob.Digest {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return blob.Digest(h.Sum(nil))
}

// hashOf reads r to the end and returns the digest and size of what it
// read, or the error that stopped it.
func hashOf(r io.Reader) (blob.Digest, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return blob.Digest(h.Sum(nil)), n, err
}

// readArtifact reads artifact p of run id in full, verifying it.
func readArtifact(tr *run.Tracker, id run.ID, p string) ([]byte, error) {
	r, err := tr.OpenArtifact(ctx, id, p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// hashArtifact streams artifact p of run id and returns its digest.
func hashArtifact(t testing.TB, tr *run.Tracker, id run.ID, p string) (blob.Digest, int64) {
	t.Helper()
	r, err := tr.OpenArtifact(ctx, id, p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer r.Close()
	d, n, err := hashOf(r)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return d, n
}

// usage returns the number of blobs and the bytes they take on disk.
func usage(t testing.TB, bs *blob.Store) (n int, stored int64) {
	t.Helper()
	err := bs.Walk(ctx, func(i blob.Info) error { n++; stored += i.Stored; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n, stored
}

// tempFiles lists the blob folder's writes in progress.
func tempFiles(t testing.TB, bs *blob.Store) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(bs.Dir(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// blobPath is where the blob folder keeps d (blob/FORMAT.md).
func blobPath(bs *blob.Store, d blob.Digest) string {
	h := d.String()
	return filepath.Join(bs.Dir(), h[:2], h[2:])
}

// listing lists every artifact of run id.
func listing(t testing.TB, tr *run.Tracker, id run.ID) []run.FileInfo {
	t.Helper()
	fis, err := tr.ListArtifacts(ctx, id, "", true)
	if err != nil {
		t.Fatal(err)
	}
	return fis
}

func startRun(t testing.TB, tr *run.Tracker) *run.Run {
	t.Helper()
	r, err := tr.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// logText logs text as r's artifact path, failing the test on error.
func logText(t testing.TB, r *run.Run, text, path string) {
	t.Helper()
	if err := r.LogText(ctx, text, path); err != nil {
		t.Fatal(err)
	}
}

// isRoot reports whether permission bits do not bind this process.
func isRoot() bool { return os.Geteuid() == 0 }

func TestArtifactRoundTrip(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	src := t.TempDir()
	for _, size := range []int64{0, 1, 1 << 20, 300 << 20} {
		for _, compressible := range []bool{false, true} {
			name := fmt.Sprintf("%d-%v.bin", size, map[bool]string{false: "random", true: "text"}[compressible])
			t.Run(name, func(t *testing.T) {
				t0 := time.Now()
				local := filepath.Join(src, name)
				want := writeFile(t, local, genReader(uint64(size), size, compressible))
				start := time.Now()
				if err := r.LogArtifact(ctx, local, "data"); err != nil {
					t.Fatal(err)
				}
				logged := time.Since(start)
				p := "data/" + name
				got, n := hashArtifact(t, tr, r.ID(), p)
				if got != want || n != size {
					t.Fatalf("read back %s: got %d bytes %s, want %d bytes %s", p, n, got, size, want)
				}
				dst := t.TempDir()
				lp, err := tr.DownloadArtifacts(ctx, r.ID(), p, dst)
				if err != nil {
					t.Fatal(err)
				}
				if wantLP := filepath.Join(dst, "data", name); lp != wantLP {
					t.Errorf("download returned %s, want %s", lp, wantLP)
				}
				f, err := os.Open(lp)
				if err != nil {
					t.Fatal(err)
				}
				dl, n, err := hashOf(f)
				f.Close()
				if err != nil || dl != want || n != size {
					t.Fatalf("downloaded %s: got %d bytes %s (%v), want %d bytes %s", lp, n, dl, err, size, want)
				}
				info, err := tr.Blobs().Stat(ctx, want)
				if err != nil {
					t.Fatal(err)
				}
				os.Remove(local)
				os.Remove(lp)
				t.Logf("%s: logged in %v, stored %d bytes (%s), all in %v", name, logged, info.Stored, info.Codec, time.Since(t0))
			})
		}
	}
	fis, err := tr.ListArtifacts(ctx, r.ID(), "data", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(fis) != 8 {
		t.Errorf("list data: got %d entries, want 8: %v", len(fis), fis)
	}
	for _, fi := range fis {
		size, _ := strconv.ParseInt(strings.Split(strings.TrimPrefix(fi.Path, "data/"), "-")[0], 10, 64)
		if fi.IsDir || fi.Size != size {
			t.Errorf("list: %+v: want a file of %d bytes", fi, size)
		}
	}
}

// tree writes a nested folder of files and returns their contents by
// slash path.
func tree(t *testing.T, dir string) map[string][]byte {
	files := map[string][]byte{
		"README.md":                 []byte("# model\n"),
		"empty":                     {},
		"model/MLmodel":             []byte("flavors:\n  go: {}\n"),
		"model/weights/layer0.bin":  bytes.Repeat([]byte{1, 2, 3}, 1<<18),
		"model/weights/layer1.bin":  bytes.Repeat([]byte{1, 2, 3}, 1<<18), // same content
		"plots/roc.png":             {0x89, 'P', 'N', 'G'},
		"plots/deep/er/and/er.txt":  []byte("deep"),
		"unicode/données é ü.txt":   []byte("ok"),
		"spaces and-dashes/a b.csv": []byte("a,b\n1,2\n"),
	}
	for p, b := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(p)), bytes.NewReader(b))
	}
	if err := os.Chmod(filepath.Join(dir, "model", "MLmodel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "empty-folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	return files
}

func TestLogArtifactsTree(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	local := t.TempDir()
	files := tree(t, local)
	if err := r.LogArtifacts(ctx, local, "out"); err != nil {
		t.Fatal(err)
	}

	var wantPaths []string
	for p := range files {
		wantPaths = append(wantPaths, "out/"+p)
	}
	slices.Sort(wantPaths)
	var gotPaths []string
	for _, fi := range listing(t, tr, r.ID()) {
		gotPaths = append(gotPaths, fi.Path)
		want := files[strings.TrimPrefix(fi.Path, "out/")]
		if fi.IsDir || fi.Size != int64(len(want)) || fi.Digest != blob.Sum(want) {
			t.Errorf("recursive list: %+v: want a file of %d bytes", fi, len(want))
		}
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Errorf("recursive list: got %q, want %q", gotPaths, wantPaths)
	}

	for _, c := range []struct {
		dir  string
		want []run.FileInfo
	}{
		{"", []run.FileInfo{{Path: "out", IsDir: true}}},
		{"/", []run.FileInfo{{Path: "out", IsDir: true}}},
		{"out/model", []run.FileInfo{
			{Path: "out/model/MLmodel", Size: int64(len(files["model/MLmodel"])), Digest: blob.Sum(files["model/MLmodel"])},
			{Path: "out/model/weights", IsDir: true},
		}},
		{"out/plots/", []run.FileInfo{
			{Path: "out/plots/deep", IsDir: true},
			{Path: "out/plots/roc.png", Size: 4, Digest: blob.Sum(files["plots/roc.png"])},
		}},
		{"out/README.md", nil}, // a file: empty, as in MLflow
		{"nothing", nil},
	} {
		got, err := tr.ListArtifacts(ctx, r.ID(), c.dir, false)
		if err != nil {
			t.Fatalf("list %q: %v", c.dir, err)
		}
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("list %q: got %+v, want %+v", c.dir, got, c.want)
		}
	}
	// Shared content is stored once.
	if n, _ := usage(t, tr.Blobs()); n != len(files)-1 {
		t.Errorf("%d blobs for %d files of which two are equal", n, len(files))
	}

	// The whole tree, and a sub-folder, download byte for byte.
	dst := t.TempDir()
	got, err := tr.DownloadArtifacts(ctx, r.ID(), "", dst)
	if err != nil || got != dst {
		t.Fatalf("download all: got %q, %v; want %q", got, err, dst)
	}
	checkTree(t, filepath.Join(dst, "out"), files)
	fi, err := os.Stat(filepath.Join(dst, "out", "model", "MLmodel"))
	if err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("MLmodel lost its executable bit: %v %v", fi.Mode(), err)
	}
	dst2 := t.TempDir()
	got, err = tr.DownloadArtifacts(ctx, r.ID(), "out/model", dst2)
	if want := filepath.Join(dst2, "out", "model"); err != nil || got != want {
		t.Fatalf("download out/model: got %q, %v; want %q", got, err, want)
	}
	sub := map[string][]byte{}
	for p, b := range files {
		if rest, ok := strings.CutPrefix(p, "model/"); ok {
			sub[rest] = b
		}
	}
	checkTree(t, got, sub)

	// A run with no artifacts downloads to an empty folder; a missing
	// path is not found.
	empty := startRun(t, tr)
	if got, err := tr.DownloadArtifacts(ctx, empty.ID(), "", ""); err != nil {
		t.Errorf("download empty run: %v", err)
	} else {
		checkTree(t, got, map[string][]byte{})
		os.RemoveAll(got)
	}
	if _, err := tr.DownloadArtifacts(ctx, r.ID(), "out/none", t.TempDir()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("download a missing path: got %v, want ErrNotFound", err)
	}
}

func TestLogArtifactsSymlinks(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	dir, elsewhere := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(elsewhere, "target.txt"), strings.NewReader("followed"))
	writeFile(t, filepath.Join(dir, "plain.txt"), strings.NewReader("plain"))
	if err := os.Symlink(filepath.Join(elsewhere, "target.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Skip("symlink:", err)
	}
	if err := r.LogArtifacts(ctx, dir, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := readArtifact(tr, r.ID(), "link.txt"); err != nil || string(got) != "followed" {
		t.Errorf("link to a file: got %q, %v; want its target's content", got, err)
	}
	// A link to a folder is refused, and nothing of the folder is logged.
	if err := os.Symlink(elsewhere, filepath.Join(dir, "folder-link")); err != nil {
		t.Fatal(err)
	}
	before := snap(t, tr, r.ID())
	if err := r.LogArtifacts(ctx, dir, "again"); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "folder-link") {
		t.Errorf("link to a folder: got %v, want ErrInvalid naming it", err)
	}
	before.unchanged(t, tr, "link to a folder")
}

// checkTree checks that dir holds exactly files (slash paths → content).
func checkTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	seen := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want, ok := files[filepath.ToSlash(rel)]
		if !ok {
			t.Errorf("unexpected file %s", rel)
			return nil
		}
		seen++
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes, want %d bytes", rel, len(got), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(files) {
		t.Errorf("%s holds %d files, want %d", dir, seen, len(files))
	}
}

func TestLogImage(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	img := image.NewNRGBA(image.Rect(0, 0, 97, 61))
	for y := range 61 {
		for x := range 97 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 2), uint8(y * 4), uint8(x ^ y), uint8(255 - x)})
		}
	}
	if err := r.LogImage(ctx, img, "plots/pattern.png"); err != nil {
		t.Fatal(err)
	}
	rd, err := tr.OpenArtifact(ctx, r.ID(), "plots/pattern.png")
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	back, err := png.Decode(rd)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := back.(*image.NRGBA)
	if !ok {
		t.Fatalf("decoded a %T, want *image.NRGBA", back)
	}
	if got.Bounds() != img.Bounds() || !bytes.Equal(got.Pix, img.Pix) {
		t.Errorf("decoded image differs: bounds %v, want %v", got.Bounds(), img.Bounds())
	}

	for _, c := range []struct {
		name string
		img  image.Image
	}{{"nil", nil}, {"empty", image.NewRGBA(image.Rect(0, 0, 0, 5))}} {
		if err := r.LogImage(ctx, c.img, "bad.png"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("log %s image: got %v, want ErrInvalid", c.name, err)
		}
	}
}

func TestLogTextDictBytesReader(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	dict := map[string]any{"lr": 0.01, "layers": []int{64, 32}, "name": "<b>&"}
	steps := []struct {
		log  func() error
		path string
		want string
	}{
		{func() error { return r.LogText(ctx, "hello\n", "notes/hello.txt") }, "notes/hello.txt", "hello\n"},
		{func() error { return r.LogDict(ctx, dict, "config.json") }, "config.json",
			"{\n  \"layers\": [\n    64,\n    32\n  ],\n  \"lr\": 0.01,\n  \"name\": \"<b>&\"\n}\n"},
		{func() error { return r.LogBytes(ctx, []byte{0, 1, 2}, "raw.bin") }, "raw.bin", "\x00\x01\x02"},
		{func() error { return r.LogReader(ctx, strings.NewReader("streamed"), "s/stream.txt") }, "s/stream.txt", "streamed"},
		// Logging a path again replaces it.
		{func() error { return r.LogText(ctx, "bye\n", "notes/hello.txt") }, "notes/hello.txt", "bye\n"},
		{func() error { return tr.LogText(ctx, r.ID(), "", "./notes//empty.txt") }, "notes/empty.txt", ""},
	}
	for i, s := range steps {
		if err := s.log(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := readArtifact(tr, r.ID(), s.path)
		if err != nil || string(got) != s.want {
			t.Errorf("step %d: %s: got %q, %v; want %q", i, s.path, got, err, s.want)
		}
	}
	var back map[string]any
	b, _ := readArtifact(tr, r.ID(), "config.json")
	if err := json.Unmarshal(b, &back); err != nil || back["name"] != "<b>&" {
		t.Errorf("config.json: %v %v", back, err)
	}
	if n := len(listing(t, tr, r.ID())); n != 5 {
		t.Errorf("%d artifacts, want 5", n)
	}
	if err := r.LogDict(ctx, map[string]any{"ch": make(chan int)}, "bad.json"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("log an unencodable dict: got %v, want ErrInvalid", err)
	}
}

func TestSameFileInTenRunsIsStoredOnce(t *testing.T) {
	tr := newTracker(t, nil)
	local := filepath.Join(t.TempDir(), "weights.bin")
	const size = 100 << 20
	want := writeFile(t, local, genReader(100, size, false))
	n0, before := usage(t, tr.Blobs())
	start := time.Now()
	var ids []run.ID
	for range 10 {
		r := startRun(t, tr)
		if err := r.LogArtifact(ctx, local, "model"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID())
	}
	t.Logf("10 × 100 MiB logged in %v", time.Since(start))
	n1, after := usage(t, tr.Blobs())
	if n1 != n0+1 || after-before > size+64 || after-before < size {
		t.Errorf("blob folder grew by %d blobs, %d bytes; want 1 blob of about %d bytes", n1-n0, after-before, size)
	}
	for _, id := range ids {
		fis := listing(t, tr, id)
		if len(fis) != 1 || fis[0].Digest != want || fis[0].Size != size {
			t.Errorf("run %s lists %+v, want model/weights.bin %s", id, fis, want)
		}
	}
	if got, _ := hashArtifact(t, tr, ids[9], "model/weights.bin"); got != want {
		t.Errorf("read back: got %s, want %s", got, want)
	}
}

// snapshot is what must not change when a write fails: every run's
// listing, the blobs stored and the temp files.
type snapshot struct {
	lists map[run.ID][]run.FileInfo
	blobs int
	temps []string
}

func snap(t *testing.T, tr *run.Tracker, ids ...run.ID) snapshot {
	t.Helper()
	s := snapshot{lists: map[run.ID][]run.FileInfo{}}
	for _, id := range ids {
		s.lists[id] = listing(t, tr, id)
	}
	s.blobs, _ = usage(t, tr.Blobs())
	s.temps = tempFiles(t, tr.Blobs())
	return s
}

// unchanged checks that nothing changed since s and that every artifact
// listed then still reads back and verifies.
func (s snapshot) unchanged(t *testing.T, tr *run.Tracker, what string) {
	t.Helper()
	now := snap(t, tr, slices.Collect(maps.Keys(s.lists))...)
	if !reflect.DeepEqual(now.lists, s.lists) {
		t.Errorf("%s: the index changed: got %+v, want %+v", what, now.lists, s.lists)
	}
	if now.blobs != s.blobs || !slices.Equal(now.temps, s.temps) {
		t.Errorf("%s: the blob folder changed: %d blobs, temp files %q; want %d, %q", what, now.blobs, now.temps, s.blobs, s.temps)
	}
	for id, fis := range s.lists {
		for _, fi := range fis {
			if d, _ := hashArtifact(t, tr, id, fi.Path); d != fi.Digest {
				t.Errorf("%s: %s reads back as %s, want %s", what, fi.Path, d, fi.Digest)
			}
		}
	}
}

func TestBadArtifactPaths(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	logText(t, r, "keep", "keep/me.txt")
	local := filepath.Join(t.TempDir(), "f.txt")
	writeFile(t, local, strings.NewReader("x"))
	before := snap(t, tr, r.ID())

	bad := []string{"../x", "a/../../x", "/etc/passwd", "//server/share", "a\x00b", `a\..\..\x`, `..\x`, `\\server\x`, "C:x", "a/\x7f", "\xff", strings.Repeat("a", 256)}
	type op struct {
		name string
		call func(p string) error
	}
	ops := []op{
		{"LogText", func(p string) error { return r.LogText(ctx, "x", p) }},
		{"LogBytes", func(p string) error { return tr.LogBytes(ctx, r.ID(), []byte("x"), p) }},
		{"LogReader", func(p string) error { return tr.LogReader(ctx, r.ID(), strings.NewReader("x"), p) }},
		{"LogDict", func(p string) error { return r.LogDict(ctx, map[string]int{}, p) }},
		{"LogArtifact dir", func(p string) error { return r.LogArtifact(ctx, local, p) }},
		{"LogArtifacts dir", func(p string) error { return r.LogArtifacts(ctx, filepath.Dir(local), p) }},
		{"OpenArtifact", func(p string) error { _, err := tr.OpenArtifact(ctx, r.ID(), p); return err }},
		{"ListArtifacts", func(p string) error { _, err := tr.ListArtifacts(ctx, r.ID(), p, false); return err }},
		{"DownloadArtifacts", func(p string) error { _, err := tr.DownloadArtifacts(ctx, r.ID(), p, t.TempDir()); return err }},
		{"DeleteArtifact", func(p string) error { return tr.DeleteArtifact(ctx, r.ID(), p) }},
	}
	for _, o := range ops {
		for _, p := range bad {
			err := o.call(p)
			if !errors.Is(err, store.ErrInvalid) || !errors.Is(err, artpath.ErrInvalid) {
				t.Errorf("%s(%q): got %v, want ErrInvalid from store and artpath", o.name, p, err)
				continue
			}
			// artpath quotes the path, cut to 100 bytes.
			if q := strings.TrimSuffix(fmt.Sprintf("%q", p[:min(len(p), 100)]), `"`); !strings.Contains(err.Error(), q) {
				t.Errorf("%s(%q): error %q does not name the path", o.name, p, err)
			}
		}
	}
	// Names that are files only (the root is not one).
	for _, p := range []string{"", ".", "/", "a/.."} {
		if err := r.LogText(ctx, "x", p); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("LogText(%q): got %v, want ErrInvalid", p, err)
		}
	}
	// A local file whose name is not a valid artifact name.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, `back\slash`), strings.NewReader("x"))
	if err := r.LogArtifact(ctx, filepath.Join(dir, `back\slash`), ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("log a file named with a backslash: got %v, want ErrInvalid", err)
	}
	writeFile(t, filepath.Join(dir, "fine.txt"), strings.NewReader("fine"))
	if err := r.LogArtifacts(ctx, dir, ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("log a folder holding a file named with a backslash: got %v, want ErrInvalid", err)
	}
	before.unchanged(t, tr, "bad paths")
}

func TestPathConflicts(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	for _, p := range []string{"a/b/c.txt", "file"} {
		logText(t, r, p, p)
	}
	before := snap(t, tr, r.ID())
	for _, p := range []string{"a", "a/b", "file/x", "file/x/y"} {
		if err := r.LogText(ctx, "x", p); !errors.Is(err, store.ErrConflict) {
			t.Errorf("LogText(%q): got %v, want ErrConflict", p, err)
		}
	}
	before.unchanged(t, tr, "conflicts")
	if err := r.LogText(ctx, "ok", "a/b.txt"); err != nil {
		t.Errorf("a sibling: %v", err)
	}
}

func TestSourceErrors(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	logText(t, r, "keep", "keep.txt")
	dir := t.TempDir()

	t.Run("missing", func(t *testing.T) {
		before := snap(t, tr, r.ID())
		err := r.LogArtifact(ctx, filepath.Join(dir, "nope.bin"), "")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want ErrNotExist", err)
		}
		if err := r.LogArtifacts(ctx, filepath.Join(dir, "nope"), ""); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("folder: got %v, want ErrNotExist", err)
		}
		before.unchanged(t, tr, "missing source")
	})
	t.Run("folder and file swapped", func(t *testing.T) {
		before := snap(t, tr, r.ID())
		if err := r.LogArtifact(ctx, dir, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("LogArtifact of a folder: got %v, want ErrInvalid", err)
		}
		f := filepath.Join(dir, "file.txt")
		writeFile(t, f, strings.NewReader("x"))
		defer os.Remove(f)
		if err := r.LogArtifacts(ctx, f, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("LogArtifacts of a file: got %v, want ErrInvalid", err)
		}
		before.unchanged(t, tr, "folder and file swapped")
	})
	t.Run("fifo", func(t *testing.T) {
		before := snap(t, tr, r.ID())
		if runtime.GOOS == "windows" {
			t.Skip("no FIFOs")
		}
		sub := filepath.Join(dir, "fifo")
		os.Mkdir(sub, 0o755)
		defer os.RemoveAll(sub)
		p := filepath.Join(sub, "pipe")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skip("mkfifo:", err)
		}
		if err := r.LogArtifact(ctx, p, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("LogArtifact of a FIFO: got %v, want ErrInvalid (and no hang)", err)
		}
		if err := r.LogArtifacts(ctx, sub, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("LogArtifacts of a folder with a FIFO: got %v, want ErrInvalid (and no hang)", err)
		}
		before.unchanged(t, tr, "fifo")
	})
	t.Run("unreadable", func(t *testing.T) {
		before := snap(t, tr, r.ID())
		if isRoot() {
			t.Skip("running as root: file permissions do not bind, so a file cannot be made unreadable")
		}
		sub := filepath.Join(dir, "locked")
		writeFile(t, filepath.Join(sub, "a.txt"), strings.NewReader("readable"))
		p := filepath.Join(sub, "b.txt")
		writeFile(t, p, strings.NewReader("secret"))
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(p, 0o644)
		if err := r.LogArtifact(ctx, p, ""); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("file: got %v, want ErrPermission", err)
		}
		if err := r.LogArtifacts(ctx, sub, "locked"); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("folder: got %v, want ErrPermission", err)
		}
		// a.txt's blob may be stored (garbage for GC), but no entry.
		if fis := listing(t, tr, r.ID()); !reflect.DeepEqual(fis, before.lists[r.ID()]) {
			t.Errorf("index changed: %+v", fis)
		}
	})
	t.Run("fails mid-stream", func(t *testing.T) {
		before := snap(t, tr, r.ID())
		boom := errors.New("disk on fire")
		for _, n := range []int64{0, 10, 3 << 20} {
			src := io.MultiReader(genReader(7, n, false), iotest.ErrReader(boom))
			err := r.LogReader(ctx, src, "half.bin")
			if !errors.Is(err, boom) {
				t.Errorf("after %d bytes: got %v, want the reader's error", n, err)
			}
			// Also over a path already logged: it keeps its old content.
			if err := r.LogReader(ctx, io.MultiReader(genReader(8, n, true), iotest.ErrReader(boom)), "keep.txt"); !errors.Is(err, boom) {
				t.Errorf("replacing, after %d bytes: got %v, want the reader's error", n, err)
			}
		}
		before.unchanged(t, tr, "source failing mid-stream")
	})
}

func TestCorruptBlobDetected(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	other := startRun(t, tr)
	content := bytes.Repeat([]byte("all work and no play "), 10000)
	for _, id := range []run.ID{r.ID(), other.ID()} {
		if err := tr.LogBytes(ctx, id, content, "dull.txt"); err != nil {
			t.Fatal(err)
		}
	}
	logText(t, r, "fine", "fine.txt")
	// The background pass may or may not have compressed the blob yet:
	// stop it and compress what is left, so the damage below always lands
	// in a zstd payload (not in its frame checksum, which readers skip
	// because the digest covers the same bytes: blob/FORMAT.md).
	tr.Wait()
	if _, err := tr.Blobs().CompressPending(ctx, nil); err != nil {
		t.Fatal(err)
	}
	d := blob.Sum(content)
	st, err := tr.Blobs().Stat(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if st.Codec != blob.Zstd {
		t.Fatalf("blob stored %v, want zstd", st.Codec)
	}
	flipByte(t, blobPath(tr.Blobs(), d), st.Stored/2)

	_, err = readArtifact(tr, r.ID(), "dull.txt")
	if !errors.Is(err, blob.ErrCorrupt) || !strings.Contains(err.Error(), "dull.txt") {
		t.Errorf("read a corrupt artifact: got %v, want ErrCorrupt naming dull.txt", err)
	}
	dst := t.TempDir()
	if _, err := tr.DownloadArtifacts(ctx, r.ID(), "dull.txt", dst); !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("download a corrupt artifact: got %v, want ErrCorrupt", err)
	}
	checkTree(t, dst, map[string][]byte{}) // no file, no temp file left

	rep, err := tr.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("verify: got %d problems, want 1: %+v", len(rep.Problems), rep.Problems)
	}
	pr := rep.Problems[0]
	wantRuns := []run.ID{r.ID(), other.ID()}
	slices.SortFunc(wantRuns, func(a, b run.ID) int { return bytes.Compare(a[:], b[:]) })
	if pr.Missing || !errors.Is(pr.Err, blob.ErrCorrupt) || !slices.Equal(pr.Runs(), wantRuns) {
		t.Errorf("verify: got %v, want corrupt, referred to by runs %v", pr, wantRuns)
	}
	if s := pr.String(); !strings.Contains(s, r.ID().String()) || !strings.Contains(s, "dull.txt") {
		t.Errorf("problem %q does not name the run and path", s)
	}
	if got, err := readArtifact(tr, r.ID(), "fine.txt"); err != nil || string(got) != "fine" {
		t.Errorf("other artifacts: got %q, %v", got, err)
	}
}

// flipByte inverts the byte at offset off of a read-only blob file.
func flipByte(t *testing.T, p string, off int64) {
	t.Helper()
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

func TestBlobFolderBroken(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.bin")
	writeFile(t, big, genReader(3, 3<<20, true))
	writes := []struct {
		name string
		call func(tr *run.Tracker, r *run.Run) error
	}{
		{"LogText", func(_ *run.Tracker, r *run.Run) error { return r.LogText(ctx, "new text", "new.txt") }},
		{"LogArtifact", func(_ *run.Tracker, r *run.Run) error { return r.LogArtifact(ctx, big, "") }},
		{"LogReader", func(_ *run.Tracker, r *run.Run) error {
			return r.LogReader(ctx, genReader(4, 2<<20, false), "keep.txt")
		}},
		{"LogImage", func(_ *run.Tracker, r *run.Run) error {
			return r.LogImage(ctx, image.NewGray(image.Rect(0, 0, 3, 3)), "img.png")
		}},
	}
	t.Run("read-only", func(t *testing.T) {
		if isRoot() {
			t.Skip("running as root: a read-only folder does not stop root")
		}
		tr := newTracker(t, nil)
		r := startRun(t, tr)
		logText(t, r, "keep", "keep.txt")
		before := snap(t, tr, r.ID())
		dirs := []string{tr.Blobs().Dir(), filepath.Join(tr.Blobs().Dir(), "tmp")}
		for _, d := range dirs {
			os.Chmod(d, 0o555)
		}
		defer func() {
			for _, d := range dirs {
				os.Chmod(d, 0o755)
			}
		}()
		for _, w := range writes {
			err := w.call(tr, r)
			if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "not writable") {
				t.Errorf("%s: got %v, want a permission error saying the folder is not writable", w.name, err)
			}
		}
		before.unchanged(t, tr, "read-only blob folder")
	})
	t.Run("deleted", func(t *testing.T) {
		tr := newTracker(t, nil)
		r := startRun(t, tr)
		logText(t, r, "keep", "keep.txt")
		want := listing(t, tr, r.ID())
		if err := os.RemoveAll(tr.Blobs().Dir()); err != nil {
			t.Fatal(err)
		}
		for _, w := range writes {
			err := w.call(tr, r)
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "is gone") {
				t.Errorf("%s: got %v, want an error saying the blob folder is gone", w.name, err)
			}
		}
		if got := listing(t, tr, r.ID()); !reflect.DeepEqual(got, want) {
			t.Errorf("index changed: got %+v, want %+v", got, want)
		}
		if _, err := readArtifact(tr, r.ID(), "keep.txt"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("read with the folder gone: got %v, want blob.ErrNotFound", err)
		}
	})
}

func TestDeletedAndEndedRuns(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	logText(t, r, "a", "a.txt")
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.LogText(ctx, "b", "b.txt"); !errors.Is(err, run.ErrEnded) {
		t.Errorf("log through an ended handle: got %v, want ErrEnded", err)
	}
	if err := tr.LogText(ctx, r.ID(), "b", "b.txt"); err != nil {
		t.Errorf("log by id to an ended run: %v", err)
	}
	if err := tr.DeleteRun(ctx, r.ID()); err != nil {
		t.Fatal(err)
	}
	before := snap(t, tr, r.ID())
	if err := tr.LogText(ctx, r.ID(), "c", "c.txt"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("log to a deleted run: got %v, want ErrDeleted", err)
	}
	if err := tr.DeleteArtifact(ctx, r.ID(), "a.txt"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("delete from a deleted run: got %v, want ErrDeleted", err)
	}
	before.unchanged(t, tr, "deleted run")
	if got, err := readArtifact(tr, r.ID(), "a.txt"); err != nil || string(got) != "a" {
		t.Errorf("read from a deleted run: got %q, %v", got, err)
	}
	var none run.ID
	none[0] = 1
	if err := tr.LogText(ctx, none, "x", "x.txt"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("log to a missing run: got %v, want ErrNotFound", err)
	}
	if _, err := tr.ListArtifacts(ctx, none, "", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("list a missing run: got %v, want ErrNotFound", err)
	}
}

func TestDeleteArtifact(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	for _, p := range []string{"model", "model.pkl", "model2/x", "plots/a.png", "plots/b.png", "plots.txt"} {
		logText(t, r, p, p)
	}
	paths := func() []string {
		var ps []string
		for _, fi := range listing(t, tr, r.ID()) {
			ps = append(ps, fi.Path)
		}
		return ps
	}
	for _, c := range []struct {
		del  string
		want []string
	}{
		{"model", []string{"model.pkl", "model2/x", "plots.txt", "plots/a.png", "plots/b.png"}},
		{"plots/", []string{"model.pkl", "model2/x", "plots.txt"}},
		{"/", nil},
	} {
		if err := tr.DeleteArtifact(ctx, r.ID(), c.del); err != nil {
			t.Fatalf("delete %q: %v", c.del, err)
		}
		if got := paths(); !slices.Equal(got, c.want) {
			t.Errorf("after deleting %q: got %q, want %q", c.del, got, c.want)
		}
	}
	if err := tr.DeleteArtifact(ctx, r.ID(), "model"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete a missing path: got %v, want ErrNotFound", err)
	}
}

func TestOpenArtifactErrors(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	logText(t, r, "x", "dir/x.txt")
	if _, err := tr.OpenArtifact(ctx, r.ID(), "dir"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("open a folder: got %v, want ErrInvalid", err)
	}
	if _, err := tr.OpenArtifact(ctx, r.ID(), "dir/y.txt"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("open a missing file: got %v, want ErrNotFound", err)
	}
	if err := os.Remove(blobPath(tr.Blobs(), blob.Sum([]byte("x")))); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.OpenArtifact(ctx, r.ID(), "dir/x.txt"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("open a file whose blob is gone: got %v, want blob.ErrNotFound", err)
	}
}

func TestDownloadStaysInside(t *testing.T) {
	tr := newTracker(t, nil)
	r := startRun(t, tr)
	for _, p := range []string{"data/x.txt", "top.txt"} {
		logText(t, r, p, p)
	}
	dst := t.TempDir()
	outside := t.TempDir()
	// A symbolic link inside the destination that points outside it.
	if err := os.Symlink(outside, filepath.Join(dst, "data")); err != nil {
		t.Skip("symlink:", err)
	}
	if _, err := tr.DownloadArtifacts(ctx, r.ID(), "", dst); err == nil {
		t.Errorf("download through a symbolic link out of the destination succeeded")
	}
	if es, _ := os.ReadDir(outside); len(es) != 0 {
		t.Errorf("download wrote outside its destination: %v", es)
	}
	// Replacing existing files is fine.
	dst2 := t.TempDir()
	writeFile(t, filepath.Join(dst2, "top.txt"), strings.NewReader("old"))
	if _, err := tr.DownloadArtifacts(ctx, r.ID(), "", dst2); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dst2, map[string][]byte{"data/x.txt": []byte("data/x.txt"), "top.txt": []byte("top.txt")})
}

// crashStore creates the synced store dir/crash.mlite with one run, on
// which it calls setup, and closes it for a child to use.
func crashStore(t *testing.T, dir string, setup func(*run.Run) error) (string, run.ID) {
	t.Helper()
	db := filepath.Join(dir, "crash.mlite")
	tr, st, err := openTrackerAt(db, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tr.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := setup(r); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db, r.ID()
}

// TestCrashDuringLogArtifact kills a process logging a large file at
// random moments. After each kill the store opens and passes Check, no
// partial blob is visible, the temp files go when the folder is reopened
// without grace, and the artifact is either absent or whole.
func TestCrashDuringLogArtifact(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	db, id := crashStore(t, dir, func(r *run.Run) error { return r.LogText(ctx, "before", "before.txt") })
	const size = 96 << 20
	verified := map[blob.Digest]bool{}
	killed := 0
	// Round 0 (and the first of each kind of content) is not killed: it
	// measures how long a log takes, so that later rounds kill at a
	// random moment within it.
	took := map[bool]time.Duration{}
	for round := range 8 {
		compressible := round%2 == 1
		src := filepath.Join(dir, fmt.Sprintf("src-%d.bin", round))
		want := writeFile(t, src, genReader(uint64(1000+round), size, compressible))
		cmd, out, stderr := testchild.Start(t, "crash-log", db, id.String()+" "+src)
		if !out.Scan() || out.Text() != "start" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child did not start: %s", round, stderr)
		}
		start := time.Now()
		if d, ok := took[compressible]; ok {
			time.Sleep(time.Duration(rand.Int64N(int64(d) + 1)))
			cmd.Process.Signal(syscall.SIGKILL)
		}
		finished := out.Scan() && out.Text() == "done"
		if _, ok := took[compressible]; !ok && finished {
			took[compressible] = time.Since(start)
		}
		cmd.Wait()
		if strings.Contains(stderr.String(), "child:") {
			t.Fatalf("round %d: child failed: %s", round, stderr)
		}
		if !finished {
			killed++
		}

		bs, err := blob.Open(run.BlobDir(db), &blob.Options{TempGrace: -1})
		if err != nil {
			t.Fatal(err)
		}
		if tmp := tempFiles(t, bs); len(tmp) != 0 {
			t.Errorf("round %d: temp files left after reopening without grace: %q", round, tmp)
		}
		tr, st, err := openTrackerAt(db, bs, false)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		probs, err := st.Check(ctx)
		if err != nil || len(probs) > 0 {
			t.Fatalf("round %d: check: %v %v", round, err, probs)
		}
		// No visible blob is partial.
		err = bs.Walk(ctx, func(i blob.Info) error {
			if verified[i.Digest] {
				return nil
			}
			if err := bs.Verify(ctx, i.Digest); err != nil {
				t.Errorf("round %d: visible blob %s: %v", round, i.Digest, err)
			}
			verified[i.Digest] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		fis := listing(t, tr, id)
		p := "big/" + filepath.Base(src)
		has := slices.ContainsFunc(fis, func(fi run.FileInfo) bool { return fi.Path == p })
		if finished && !has {
			t.Errorf("round %d: the child finished but %s is not listed", round, p)
		}
		if has {
			if got, n := hashArtifact(t, tr, id, p); got != want || n != size {
				t.Errorf("round %d: %s reads back as %d bytes %s, want %d bytes %s", round, p, n, got, size, want)
			}
		}
		if got, err := readArtifact(tr, id, "before.txt"); err != nil || string(got) != "before" {
			t.Errorf("round %d: before.txt: got %q, %v", round, got, err)
		}
		t.Logf("round %d (compressible %v): finished %v, listed %v", round, compressible, finished, has)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		os.Remove(src)
	}
	t.Logf("%d of 6 children killed before they finished; a log took %v (random), %v (text)", killed, took[false], took[true])
}

// crashBatchFiles is the number of files of each folder the crash-batch
// child logs.
const crashBatchFiles = 300

// smallArtifact is the content of file j of folder i of the crash-batch
// child: about 2 KB of text, distinct for each (i, j); every tenth file
// of a folder repeats an earlier folder's, to exercise deduplication.
func smallArtifact(i, j int) []byte {
	if j%10 == 9 {
		i = 0
	}
	var b bytes.Buffer
	for k := 0; b.Len() < 2000; k++ {
		fmt.Fprintf(&b, "%d,%d,%d,%.4f\n", i, j, k, float64(i*j+k)/7)
	}
	return b.Bytes()
}

// TestCrashDuringLogArtifacts kills a process that logs folders of small
// files (one batch each) at random moments. After each kill the store
// passes Check, the tracker's Verify finds nothing missing or damaged,
// the temp files go when the folder is reopened without grace, every
// folder whose LogArtifacts returned reads back byte for byte, and a
// folder that did not is absent or whole, never partial.
func TestCrashDuringLogArtifacts(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	db, id := crashStore(t, dir, func(*run.Run) error { return nil })
	confirmed := map[int]bool{}
	for round := range 5 {
		work := filepath.Join(dir, fmt.Sprintf("work-%d", round))
		first := round * 1000
		cmd, out, stderr := testchild.Start(t, "crash-batch", db, fmt.Sprint(id, " ", first, " ", work))
		lines := make(chan string)
		go func() {
			defer close(lines)
			for out.Scan() {
				lines <- out.Text()
			}
		}()
		deadline := time.After(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		logged := first - 1
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("round %d: child exited: %s", round, stderr)
				}
				if n, err := strconv.Atoi(strings.TrimPrefix(l, "logged ")); err == nil {
					logged = n
				}
			case <-deadline:
				cmd.Process.Signal(syscall.SIGKILL)
				break wait
			}
		}
		for l := range lines {
			if n, err := strconv.Atoi(strings.TrimPrefix(l, "logged ")); err == nil {
				logged = n
			}
		}
		cmd.Wait()
		if strings.Contains(stderr.String(), "child:") {
			t.Fatalf("round %d: child failed: %s", round, stderr)
		}
		bs, err := blob.Open(run.BlobDir(db), &blob.Options{TempGrace: -1})
		if err != nil {
			t.Fatal(err)
		}
		if tmp := tempFiles(t, bs); len(tmp) != 0 {
			t.Errorf("round %d: temp files left after reopening without grace: %d", round, len(tmp))
		}
		tr, st, err := openTrackerAt(db, bs, false)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if probs, err := st.Check(ctx); err != nil || len(probs) > 0 {
			t.Fatalf("round %d: check: %v %v", round, err, probs)
		}
		rep, err := tr.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: verify: %v %v", round, err, rep.Problems)
		}
		err = bs.Walk(ctx, func(i blob.Info) error {
			if err := bs.Verify(ctx, i.Digest); err != nil {
				t.Errorf("round %d: visible blob: %v", round, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, fi := range listing(t, tr, id) {
			top, _, _ := strings.Cut(fi.Path, "/")
			count[top]++
		}
		for i := first; i <= logged; i++ {
			confirmed[i] = true
		}
		for top, n := range count {
			i, err := strconv.Atoi(strings.TrimPrefix(top, "b"))
			if err != nil {
				t.Fatalf("round %d: unexpected artifact folder %q", round, top)
			}
			if n != crashBatchFiles {
				t.Errorf("round %d: folder %s has %d files, want %d (all or nothing)", round, top, n, crashBatchFiles)
			}
			if confirmed[i] || n == crashBatchFiles {
				for j := range crashBatchFiles {
					p := fmt.Sprintf("%s/d%d/f%d.txt", top, j%7, j)
					got, err := readArtifact(tr, id, p)
					if err != nil || !bytes.Equal(got, smallArtifact(i, j)) {
						t.Fatalf("round %d: %s: got %d bytes, %v; want its content", round, p, len(got), err)
					}
				}
			}
		}
		for i := range confirmed {
			if count["b"+strconv.Itoa(i)] != crashBatchFiles {
				t.Errorf("round %d: folder b%d was logged but has %d files", round, i, count["b"+strconv.Itoa(i)])
			}
		}
		t.Logf("round %d: %d folders logged by this child before the kill", round, logged+1-first)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGitDiffArtifact(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return string(out)
	}
	git("init", "-q")
	writeFile(t, filepath.Join(repo, "train.go"), strings.NewReader("package main\n\nconst lr = 0.1\n"))
	git("add", "train.go")
	git("commit", "-q", "-m", "first")
	writeFile(t, filepath.Join(repo, "train.go"), strings.NewReader("package main\n\nconst lr = 0.01\n"))
	writeFile(t, filepath.Join(repo, "untracked.txt"), strings.NewReader("not in the diff"))
	want := git("diff", "HEAD")
	t.Chdir(repo)

	tr := newTracker(t, &run.Options{User: "tester"}) // capture on
	r1, r2 := startRun(t, tr), startRun(t, tr)
	tr.Wait()
	var digests []blob.Digest
	for _, r := range []*run.Run{r1, r2} {
		rec, err := tr.GetRun(ctx, r.ID())
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Tags[run.TagGitDirty]; got != "true" {
			t.Errorf("%s: got %q, want true", run.TagGitDirty, got)
		}
		got, err := readArtifact(tr, r.ID(), run.GitDiffArtifact)
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", run.GitDiffArtifact, got, err, want)
		}
		for _, fi := range listing(t, tr, r.ID()) {
			digests = append(digests, fi.Digest)
		}
	}
	if len(digests) != 2 || digests[0] != digests[1] {
		t.Errorf("the two runs' diffs: %v, want one shared blob", digests)
	}

	git("commit", "-q", "-a", "-m", "second")
	clean := startRun(t, tr)
	tr.Wait()
	rec, err := tr.GetRun(ctx, clean.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Tags[run.TagGitDirty]; got != "false" {
		t.Errorf("clean tree: %s is %q, want false", run.TagGitDirty, got)
	}
	if fis := listing(t, tr, clean.ID()); len(fis) != 0 {
		t.Errorf("clean tree: artifacts %+v, want none", fis)
	}
}

// ExampleRun_LogText logs a text file and a dict to a run and lists them.
func ExampleRun_LogText() {
	dir, _ := os.MkdirTemp("", "mlite-example-")
	defer os.RemoveAll(dir)
	st, _ := store.Open(ctx, filepath.Join(dir, "example.mlite"), nil)
	defer st.Close()
	tr, _ := run.New(st, &run.Options{NoCapture: true})
	r, _ := tr.StartRun(ctx, 0)

	_ = r.LogText(ctx, "converged after 12 epochs\n", "notes/summary.txt")
	_ = r.LogDict(ctx, map[string]any{"lr": 0.01, "depth": 6}, "config.json")

	fis, _ := tr.ListArtifacts(ctx, r.ID(), "", false)
	for _, fi := range fis {
		fmt.Println(fi.Path, fi.IsDir, fi.Size)
	}
	rd, _ := tr.OpenArtifact(ctx, r.ID(), "notes/summary.txt")
	defer rd.Close()
	text, _ := io.ReadAll(rd)
	fmt.Print(string(text))
	// Output:
	// config.json false 31
	// notes true 0
	// converged after 12 epochs
}

// FuzzArtifactPath logs a small file under an arbitrary path: the path is
// refused with ErrInvalid, or the file reads back under its canonical
// name, is listed there, and downloads to exactly that place inside the
// destination.
func FuzzArtifactPath(f *testing.F) {
	for _, s := range []string{"a.txt", "dir/sub/x.bin", "./a//b/", "a/../b", "../x", "/abs", `a\b`, "a\x00", "C:x",
		"données/é.txt", ".hidden", "..a/b..", "a/./b", "x/" + strings.Repeat("y", 300)} {
		f.Add(s)
	}
	st, err := store.Open(ctx, filepath.Join(f.TempDir(), "fuzz.mlite"), &store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	tr, err := run.New(st, &run.Options{NoCapture: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := tr.StartRun(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		data := []byte("content of " + p)
		err = r.LogBytes(ctx, data, p)
		want, cerr := artpath.Clean(p)
		if cerr != nil {
			if !errors.Is(err, store.ErrInvalid) || !errors.Is(err, artpath.ErrInvalid) {
				t.Fatalf("LogBytes(%q): got %v, want ErrInvalid (%v)", p, err, cerr)
			}
			return
		}
		if err != nil {
			t.Fatalf("LogBytes(%q): %v", p, err)
		}
		if got, err := readArtifact(tr, r.ID(), want); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %q (from %q): got %q, %v", want, p, got, err)
		}
		if fis := listing(t, tr, r.ID()); len(fis) != 1 || fis[0].Path != want {
			t.Fatalf("list after logging %q: got %+v, want %q", p, fis, want)
		}
		dst := t.TempDir()
		lp, err := tr.DownloadArtifacts(ctx, r.ID(), "", dst)
		if err != nil {
			if errors.Is(err, syscall.ENAMETOOLONG) {
				return // the local file system's limit, not ours
			}
			t.Fatalf("download %q: %v", want, err)
		}
		var files []string
		filepath.WalkDir(lp, func(q string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(lp, q)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if len(files) != 1 || files[0] != want {
			t.Fatalf("download of %q wrote %q", want, files)
		}
	})
}

// BenchmarkLogArtifact logs files of several sizes: new content each time
// (hash, compress, sync off) and content already stored (hash only).
func BenchmarkLogArtifact(b *testing.B) {
	for _, size := range []int64{4 << 10, 1 << 20, 32 << 20} {
		for _, compressible := range []bool{false, true} {
			kind := map[bool]string{false: "random", true: "text"}[compressible]
			body := filepath.Join(b.TempDir(), "body")
			writeFile(b, body, genReader(9, size, compressible))
			for _, dup := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/dup=%v", byteSize(size), kind, dup)
				b.Run(name, func(b *testing.B) {
					tr := newTracker(b, nil)
					r := startRun(b, tr)
					b.SetBytes(size)
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						f, err := os.Open(body)
						if err != nil {
							b.Fatal(err)
						}
						var src io.Reader = f
						if !dup { // a different first byte: new content
							var first [8]byte
							f.ReadAt(first[:], 0)
							first[0] = byte(i)
							first[1] = byte(i >> 8)
							f.Seek(8, io.SeekStart)
							src = io.MultiReader(bytes.NewReader(first[:min(8, int(size))]), f)
						}
						if err := r.LogReader(ctx, src, "f"+strconv.Itoa(i)); err != nil {
							b.Fatal(err)
						}
						f.Close()
						i++
					}
				})
			}
		}
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkOpenArtifact reads a stored artifact back, verifying it.
func BenchmarkOpenArtifact(b *testing.B) {
	for _, compressible := range []bool{false, true} {
		const size = 16 << 20
		b.Run(map[bool]string{false: "random", true: "text"}[compressible], func(b *testing.B) {
			tr := newTracker(b, nil)
			r := startRun(b, tr)
			if err := r.LogReader(ctx, genReader(5, size, compressible), "f"); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				rd, err := tr.OpenArtifact(ctx, r.ID(), "f")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rd); err != nil {
					b.Fatal(err)
				}
				rd.Close()
			}
		})
	}
}

func TestResolveArtifactLocation(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cwd = filepath.ToSlash(cwd)
	cases := []struct {
		in, want string
		err      error
	}{
		{in: "my_location", want: cwd + "/my_location"},
		{in: "./a//b/", want: cwd + "/a/b"},
		{in: "/data/art", want: "/data/art"},
		{in: "/data/art/", want: "/data/art"},
		{in: "file:///data/art", want: "file:///data/art"},
		{in: "file://localhost/data/art", want: "file://localhost/data/art"},
		{in: "file:rel", want: "file://" + (&url.URL{Path: cwd + "/rel"}).EscapedPath()},
		{in: "s3://bucket/prefix", want: "s3://bucket/prefix"},
		{in: "gs://bucket/a/../b", want: "gs://bucket/a/../b"}, // not local: kept as MLflow keeps it
		{in: "", err: store.ErrInvalid},
		{in: "a/../../etc", err: store.ErrInvalid},
		{in: "..", err: store.ErrInvalid},
		{in: "file:///etc/..", err: store.ErrInvalid},
		{in: "file:///data/%2e%2e/etc", err: store.ErrInvalid},
		{in: "file://otherhost/data", err: store.ErrInvalid},
		{in: "mlflow-artifacts:/elsewhere", err: store.ErrInvalid},
		{in: "/data/a\x00b", err: store.ErrInvalid},
		{in: "/data/a\nb", err: store.ErrInvalid},
		{in: "/" + strings.Repeat("x", run.MaxArtifactLocation), err: store.ErrInvalid},
	}
	for _, c := range cases {
		got, err := run.ResolveArtifactLocation(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ResolveArtifactLocation(%q): got %q, %v, want an error wrapping %v", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ResolveArtifactLocation(%q): got %q, %v, want %q", c.in, got, err, c.want)
		}
	}
}

func TestArtifactFolder(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{in: "mlflow-artifacts:/3/abc/artifacts", want: ""},
		{in: "/data/1/r/artifacts", want: filepath.FromSlash("/data/1/r/artifacts")},
		{in: "file:///data/a%20b/r", want: filepath.FromSlash("/data/a b/r")},
		{in: "file://localhost/data/r", want: filepath.FromSlash("/data/r")},
		{in: "s3://bucket/1/r/artifacts", err: run.ErrRemoteArtifacts},
		{in: "gs://b/r", err: run.ErrRemoteArtifacts},
		{in: "relative/r", err: store.ErrInvalid},
		{in: "/data/../etc", err: store.ErrInvalid},
		{in: "file://otherhost/data", err: store.ErrInvalid},
	}
	for _, c := range cases {
		got, err := run.ArtifactFolder(c.in)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("ArtifactFolder(%q): got %q, %v, want an error wrapping %v", c.in, got, err, c.err)
			} else if c.err == run.ErrRemoteArtifacts && !strings.Contains(err.Error(), c.in) {
				t.Errorf("ArtifactFolder(%q): got %q, want it to name the location", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ArtifactFolder(%q): got %q, %v, want %q", c.in, got, err, c.want)
		}
	}
}

func TestLocalSourceIn(t *testing.T) {
	dir := t.TempDir()
	art := filepath.ToSlash(filepath.Join(dir, "1", "r", "artifacts"))
	cases := []struct {
		source, artifactURI string
		want                bool
	}{
		{art, art, true},
		{art + "/model", "file://" + art, true},
		{"file://" + art + "/model/..", "file://" + art, true},
		{"file://" + art + "/.", art, true},
		{art + "/../other", art, false},
		{"/tmp", art, false},
		{art + "x", art, false},
		{art, "mlflow-artifacts:/1/r/artifacts", false},
		{art, "s3://b/1/r/artifacts", false},
	}
	for _, c := range cases {
		if _, got := run.LocalSourceIn(c.source, c.artifactURI); got != c.want {
			t.Errorf("LocalSourceIn(%q, %q): got %v, want %v", c.source, c.artifactURI, got, c.want)
		}
	}
}

// withoutModTimes checks that every file of a local folder's listing has a
// modification time (folders none) and returns the listing without them.
func withoutModTimes(t *testing.T, files []run.FileInfo) []run.FileInfo {
	t.Helper()
	out := slices.Clone(files)
	for i, f := range out {
		if f.ModTime.IsZero() != f.IsDir {
			t.Errorf("%s: modification time %v, want one for a file and none for a folder", f.Path, f.ModTime)
		}
		out[i].ModTime = time.Time{}
	}
	return out
}

// TestExternalArtifacts logs, lists, reads, downloads and deletes the
// artifacts of a run and a logged model of an experiment created with a
// local artifact location: they live in its folder, never in the store.
func TestExternalArtifacts(t *testing.T) {
	tr := newTracker(t, nil)
	dir := t.TempDir()
	for _, loc := range []string{dir, "file://" + filepath.ToSlash(dir) + "/uri"} {
		t.Run(loc, func(t *testing.T) {
			x, err := tr.CreateExperimentAt(ctx, "ext "+loc, loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if x.ArtifactLocation != loc {
				t.Fatalf("location: got %q, want %q", x.ArtifactLocation, loc)
			}
			r, err := tr.StartRun(ctx, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer r.End(ctx)
			rec, err := tr.GetRun(ctx, r.ID())
			if err != nil {
				t.Fatal(err)
			}
			if want := loc + "/" + r.ID().String() + "/artifacts"; rec.ArtifactURI != want {
				t.Fatalf("artifact URI: got %q, want %q", rec.ArtifactURI, want)
			}
			folder, err := run.ArtifactFolder(rec.ArtifactURI)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.LogBytes(ctx, r.ID(), []byte("hello"), "a.txt"); err != nil {
				t.Fatal(err)
			}
			if err := tr.LogText(ctx, r.ID(), "deep", "d/e/f.txt"); err != nil {
				t.Fatal(err)
			}
			// The client writes there too: mlite sees it.
			if err := os.WriteFile(filepath.Join(folder, "d", "client.bin"), []byte{1, 2, 3}, 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(folder, "a.txt")); err != nil || string(b) != "hello" {
				t.Fatalf("a.txt in the folder: got %q, %v, want hello", b, err)
			}
			top, err := tr.ListArtifacts(ctx, r.ID(), "", false)
			if err != nil {
				t.Fatal(err)
			}
			if want := []run.FileInfo{{Path: "a.txt", Size: 5}, {Path: "d", IsDir: true}}; !slices.Equal(withoutModTimes(t, top), want) {
				t.Errorf("list /: got %+v, want %+v", top, want)
			}
			all, err := tr.ListArtifacts(ctx, r.ID(), "d", true)
			if err != nil {
				t.Fatal(err)
			}
			if want := []run.FileInfo{{Path: "d/client.bin", Size: 3}, {Path: "d/e/f.txt", Size: 4}}; !slices.Equal(withoutModTimes(t, all), want) {
				t.Errorf("list d recursively: got %+v, want %+v", all, want)
			}
			if got, err := tr.ListArtifacts(ctx, r.ID(), "nothing", false); err != nil || len(got) != 0 {
				t.Errorf("list a missing folder: got %v, %v, want nothing", got, err)
			}
			rc, err := tr.OpenArtifact(ctx, r.ID(), "d/e/f.txt")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != "deep" {
				t.Errorf("open d/e/f.txt: got %q, %v, want deep", b, err)
			}
			for p, want := range map[string]error{"missing": store.ErrNotFound, "d": store.ErrInvalid, "../a.txt": store.ErrInvalid} {
				if _, err := tr.OpenArtifact(ctx, r.ID(), p); !errors.Is(err, want) {
					t.Errorf("open %q: got %v, want an error wrapping %v", p, err, want)
				}
			}
			out, err := tr.DownloadArtifacts(ctx, r.ID(), "d", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(out, "e", "f.txt")); err != nil || string(b) != "deep" {
				t.Errorf("downloaded d/e/f.txt: got %q, %v, want deep", b, err)
			}
			err = tr.Snapshot(ctx, func(s *run.Snapshot) error {
				f, err := s.Artifact(r.ID(), "a.txt")
				if err == nil && (f.Path != "a.txt" || f.Size != 5) {
					t.Errorf("snapshot's a.txt: got %+v, want a.txt, 5 bytes", f)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.DeleteArtifact(ctx, r.ID(), "d"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(folder, "d")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("d after delete: got %v, want it gone", err)
			}
			if err := tr.DeleteArtifact(ctx, r.ID(), "d"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("delete d again: got %v, want an error wrapping ErrNotFound", err)
			}

			m, err := tr.CreateLoggedModel(ctx, x.ID, run.LoggedModelOptions{Name: "m"})
			if err != nil {
				t.Fatal(err)
			}
			if want := loc + "/models/" + m.ID.String() + "/artifacts"; m.ArtifactLocation != want {
				t.Fatalf("model location: got %q, want %q", m.ArtifactLocation, want)
			}
			if err := tr.ModelTree(m.ID).Log(ctx, strings.NewReader("weights"), "model.pkl"); err != nil {
				t.Fatal(err)
			}
			mdir, _ := run.ArtifactFolder(m.ArtifactLocation)
			if b, err := os.ReadFile(filepath.Join(mdir, "model.pkl")); err != nil || string(b) != "weights" {
				t.Errorf("model.pkl in the folder: got %q, %v, want weights", b, err)
			}

			// GC leaves external folders alone.
			if _, err := tr.GC(ctx, run.GCOptions{Grace: -1}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(folder, "a.txt")); err != nil {
				t.Errorf("a.txt after GC: %v", err)
			}
		})
	}
}

// TestRemoteArtifacts: a run under a remote location records it, and every
// artifact call says it cannot reach it, naming it.
func TestRemoteArtifacts(t *testing.T) {
	tr := newTracker(t, nil)
	x, err := tr.CreateExperimentAt(ctx, "remote", "s3://bucket/prefix", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tr.StartRun(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.End(ctx)
	want := "s3://bucket/prefix/" + r.ID().String() + "/artifacts"
	calls := map[string]func() error{
		"list":   func() error { _, err := tr.ListArtifacts(ctx, r.ID(), "", false); return err },
		"open":   func() error { _, err := tr.OpenArtifact(ctx, r.ID(), "a"); return err },
		"log":    func() error { return tr.LogBytes(ctx, r.ID(), []byte("x"), "a") },
		"delete": func() error { return tr.DeleteArtifact(ctx, r.ID(), "a") },
		"download": func() error {
			_, err := tr.DownloadArtifacts(ctx, r.ID(), "", t.TempDir())
			return err
		},
		"snapshot": func() error {
			return tr.Snapshot(ctx, func(s *run.Snapshot) error { _, err := s.Artifact(r.ID(), "a"); return err })
		},
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, run.ErrRemoteArtifacts) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error wrapping ErrRemoteArtifacts naming %s", name, err, want)
		}
	}
}

// TestArtifactRoot: experiments created without a location go under the
// tracker's ArtifactRoot, and so does an empty Default experiment.
func TestArtifactRoot(t *testing.T) {
	root := filepath.ToSlash(t.TempDir())
	tr := newTracker(t, &run.Options{NoCapture: true, User: "tester", ArtifactRoot: "file://" + root})
	def, err := tr.GetExperiment(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "file://" + root + "/0"; def.ArtifactLocation != want {
		t.Errorf("Default: got %q, want %q", def.ArtifactLocation, want)
	}
	x := createExperiment(t, tr, "rooted")
	if want := "file://" + root + "/" + x.ID.String(); x.ArtifactLocation != want {
		t.Errorf("new experiment: got %q, want %q", x.ArtifactLocation, want)
	}
	y, err := tr.CreateExperimentAt(ctx, "own", "s3://b/own", nil)
	if err != nil || y.ArtifactLocation != "s3://b/own" {
		t.Errorf("explicit location: got %v, %v, want s3://b/own", y, err)
	}
}

// TestArtifactRootKeepsUsedDefault: a Default experiment that holds a run
// stays where it is; a bad root is refused.
func TestArtifactRootKeepsUsedDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.mlite")
	tr, st, err := openTrackerAt(path, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tr.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := run.New(st, &run.Options{ArtifactRoot: "a/../b"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a root with ..: got %v, want an error wrapping ErrInvalid", err)
	}
	tr2, err := run.New(st, &run.Options{NoCapture: true, ArtifactRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	def, err := tr2.GetExperiment(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := store.ArtifactLocation(0); def.ArtifactLocation != want {
		t.Errorf("Default with a run: got %q, want %q", def.ArtifactLocation, want)
	}
	tr.Wait()
	tr2.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// FuzzArtifactLocation: an accepted location is recorded in a form that is
// accepted again unchanged, and a local one names an absolute folder with
// no ".." segment; nothing panics.
func FuzzArtifactLocation(f *testing.F) {
	for _, s := range []string{"my_location", "/data/x", "file:///data/x", "file://localhost/x", "file:rel", "s3://b/p?q=1",
		"file:///etc/..", "a/../b", "file://h/x", "mlflow-artifacts:/x", "C:/x", "file:///a%2e%2e/b", "file:///%zz", "\x00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		got, err := run.ResolveArtifactLocation(loc)
		_, _ = run.LocalSourceIn(loc, got)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("ResolveArtifactLocation(%q): got %v, want an error wrapping ErrInvalid", loc, err)
			}
			return
		}
		if again, err := run.ResolveArtifactLocation(got); err != nil || again != got {
			t.Fatalf("ResolveArtifactLocation(%q) = %q, which resolves to %q, %v", loc, got, again, err)
		}
		if local, err := run.IsLocalURI(got); err != nil || !local {
			return
		}
		dir, err := run.ArtifactFolder(got)
		if err != nil || !filepath.IsAbs(dir) || slices.Contains(strings.Split(filepath.ToSlash(dir), "/"), "..") {
			t.Fatalf("ArtifactFolder(%q) (from %q): got %q, %v, want an absolute folder", got, loc, dir, err)
		}
	})
}
