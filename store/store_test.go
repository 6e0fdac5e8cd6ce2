package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func openTest(t testing.TB, opts *Options) *Store {
	t.Helper()
	if opts == nil {
		opts = &Options{NoSync: true}
	}
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.mlite"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mustCheck(t, s)
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func mustCheck(t testing.TB, s *Store) {
	t.Helper()
	probs, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, p := range probs {
		t.Errorf("check: %s", p)
	}
}

// mustUpdate runs fn in a write transaction of s, failing the test on
// error.
func mustUpdate(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// mustView runs fn in a read transaction of s, failing the test on error.
func mustView(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func newRun(t testing.TB, s *Store, exp ExperimentID) *Run {
	t.Helper()
	r := &Run{ExperimentID: exp, Name: "r", Status: Running, StartTime: 1000}
	copy(r.ID[:], randomID())
	if err := s.Update(context.Background(), func(tx *Tx) error { return tx.CreateRun(r) }); err != nil {
		t.Fatal(err)
	}
	return r
}

var idCounter byte

func randomID() []byte {
	idCounter++
	b := make([]byte, 16)
	b[0], b[15] = idCounter, 0xab
	return b
}

func TestDefaultExperiment(t *testing.T) {
	s := openTest(t, nil)
	err := s.View(context.Background(), func(tx *Tx) error {
		x, err := tx.Experiment(0)
		if err != nil {
			return err
		}
		if x.Name != "Default" || x.ArtifactLocation != "mlflow-artifacts:/0" {
			t.Errorf("got %+v, want Default with mlflow-artifacts:/0", x)
		}
		y, err := tx.ExperimentByName("Default")
		if err != nil || y.ID != 0 {
			t.Errorf("by name: got %v, %v", y, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	r := &Run{
		ExperimentID: 7, Name: "ünïcode run", Status: Failed, Lifecycle: Deleted, DeletedWithExperiment: true,
		StartTime: 123, EndTime: 456, User: "me", ArtifactURI: "mlflow-artifacts:/7/x/artifacts",
		Params:  map[string]string{"a": "1", "b": ""},
		Tags:    map[string]string{"mlflow.runName": "ünïcode run"},
		Metrics: map[string]*Series{"loss": {Index: 0, Count: 3, NaNs: 1, Chunks: 1, Latest: Point{Step: 2, Time: 9, Value: math.Inf(-1)}, Min: -1, Max: 5, MinStep: -4, MaxStep: 2}},
		Inputs:  []Input{{Name: "d", Digest: "abc", Tags: map[string]string{"mlflow.data.context": "training"}}},
	}
	r.ID[3] = 9
	r.Parent[1] = 4
	got, err := DecodeRun(encodeRun(r))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("run round trip:\ngot  %+v\nwant %+v", got, r)
	}
	x := &Experiment{ID: 3, Name: "e", ArtifactLocation: "l", Lifecycle: Deleted, CreationTime: 1, LastUpdateTime: 2, Tags: map[string]string{"k": "v"}}
	gx, err := DecodeExperiment(encodeExperiment(x))
	if err != nil || !reflect.DeepEqual(gx, x) {
		t.Errorf("experiment round trip: got %+v, %v; want %+v", gx, err, x)
	}
	ds := &Dataset{Name: "n", Digest: "d", SourceType: "local", Source: "{}", Schema: "s", Profile: "p"}
	gd, err := DecodeDataset(encodeDataset(ds))
	if err != nil || !reflect.DeepEqual(gd, ds) {
		t.Errorf("dataset round trip: got %+v, %v; want %+v", gd, err, ds)
	}
}

func TestDecodersRejectTruncation(t *testing.T) {
	r := &Run{Status: Running, Params: map[string]string{"a": "b"}, Tags: map[string]string{}, Metrics: map[string]*Series{"m": {}}}
	full := encodeRun(r)
	for i := range len(full) {
		if _, err := DecodeRun(full[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("DecodeRun of %d of %d bytes: got %v, want ErrCorrupt", i, len(full), err)
		}
	}
	if _, err := DecodeRun(append(full, 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte: got %v, want ErrCorrupt", err)
	}
}

func TestOpenRejectsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	good := filepath.Join(dir, "good.mlite")
	s, err := Open(ctx, good, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(t, s, 0)
	if err := s.LogPoints(r.ID, "loss", Point{Step: 1, Time: 1, Value: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	goodBytes, _ := os.ReadFile(good)

	cases := []struct {
		name    string
		content []byte
		want    error
	}{
		{"empty", nil, ErrNotStore},
		{"text", []byte(strings.Repeat("hello, not a database\n", 1000)), ErrNotStore},
		{"truncated", goodBytes[:len(goodBytes)/2], ErrNotStore},
		{"first page only", goodBytes[:4096], ErrNotStore},
		{"zeros", make([]byte, 64<<10), ErrNotStore},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(ctx, p, &Options{NoSync: true})
			if !errors.Is(err, c.want) {
				t.Fatalf("Open(%s): got %v, want %v", c.name, err, c.want)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			after, _ := os.ReadFile(p)
			if !reflect.DeepEqual(after, c.content) && !(len(after) == 0 && len(c.content) == 0) {
				t.Errorf("Open(%s) changed the file", c.name)
			}
		})
	}
}

func TestOpenRejectsNewerFormat(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.mlite")
	s, err := Open(ctx, path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.tx.Bucket(bucketMeta).Put(metaFormat, []byte{0, 0, 0, FormatVersion + 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path, nil); !errors.Is(err, ErrVersion) {
		t.Fatalf("got %v, want ErrVersion", err)
	}
}

func TestExperimentNamesUnique(t *testing.T) {
	s := openTest(t, nil)
	mustUpdate(t, s, func(tx *Tx) error {
		a := &Experiment{Name: "a"}
		if err := tx.CreateExperiment(a); err != nil {
			return err
		}
		if a.ID != 1 || a.ArtifactLocation != "mlflow-artifacts:/1" {
			t.Errorf("first experiment: got id %d location %q", a.ID, a.ArtifactLocation)
		}
		if err := tx.CreateExperiment(&Experiment{Name: "a"}); !errors.Is(err, ErrExists) {
			t.Errorf("duplicate name: got %v, want ErrExists", err)
		}
		b := &Experiment{Name: "b"}
		if err := tx.CreateExperiment(b); err != nil {
			return err
		}
		b.Name = "a"
		if err := tx.PutExperiment(b); !errors.Is(err, ErrExists) {
			t.Errorf("rename onto a: got %v, want ErrExists", err)
		}
		b.Name = "c"
		if err := tx.PutExperiment(b); err != nil {
			return err
		}
		if _, err := tx.ExperimentByName("b"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old name after rename: got %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestWriterAppliesAndReportsErrors(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	var missing RunID
	missing[0] = 0xee
	s.LogParam(r.ID, "lr", "0.1")
	s.LogParam(r.ID, "lr", "0.2")
	s.SetTag(r.ID, TagRunName, "renamed")
	s.DeleteTag(r.ID, "nope")
	s.LogPoint(missing, "x", Point{})
	err := s.FlushRun(ctx, r.ID)
	if !errors.Is(err, ErrConflict) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("FlushRun: got %v, want ErrConflict and ErrNotFound", err)
	}
	for _, want := range []string{`"lr"`, `"0.1"`, `"0.2"`, `"nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if err := s.Flush(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Flush: got %v, want the missing run's ErrNotFound", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Errorf("second Flush: got %v, want nil (errors are reported once)", err)
	}
	s.View(ctx, func(tx *Tx) error {
		got, err := tx.Run(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Params["lr"] != "0.1" || got.Name != "renamed" {
			t.Errorf("got params %v name %q, want lr=0.1 and renamed", got.Params, got.Name)
		}
		return nil
	})
}

func TestHistoryRoundTrip(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	var want []Point
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for i := range 50000 {
		p := Point{Step: int64((i * 7919) % 1000), Time: 1700000000000 + int64(i)*50, Value: math.Sin(float64(i))}
		if i%97 == 0 {
			p.Value = special[i%len(special)]
		}
		if i%3 == 0 {
			p.Step = -p.Step
		}
		want = append(want, p)
		if err := s.LogPoint(r.ID, "loss", p); err != nil {
			t.Fatal(err)
		}
		if i%10007 == 0 {
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx *Tx) error {
		got, _ := tx.Run(r.ID)
		pts, err := tx.History(nil, got, "loss", AllSteps)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != len(want) {
			t.Fatalf("got %d points, want %d", len(pts), len(want))
		}
		for i := range pts {
			if pts[i].Step != want[i].Step || pts[i].Time != want[i].Time || math.Float64bits(pts[i].Value) != math.Float64bits(want[i].Value) {
				t.Fatalf("point %d: got %+v, want %+v", i, pts[i], want[i])
			}
		}
		sub, err := tx.History(nil, got, "loss", StepRange{From: -10, To: 10})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range want {
			if p.Step >= -10 && p.Step <= 10 {
				n++
			}
		}
		if len(sub) != n {
			t.Errorf("step range [-10,10]: got %d points, want %d", len(sub), n)
		}
		if got.Metrics["loss"].Chunks < 2 {
			t.Errorf("50000 points in %d chunks; want several", got.Metrics["loss"].Chunks)
		}
		return nil
	})
}

func TestDownsampleKeepsSpikes(t *testing.T) {
	pts := make([]Point, 100000)
	for i := range pts {
		pts[i] = Point{Step: int64(i), Value: 1}
	}
	pts[54321].Value = 1000
	pts[77777].Value = -1000
	out := downsample(pts, 400)
	if len(out) > 400 {
		t.Fatalf("got %d points, want at most 400", len(out))
	}
	var hi, lo bool
	for _, p := range out {
		hi = hi || p.Value == 1000
		lo = lo || p.Value == -1000
	}
	if !hi || !lo {
		t.Errorf("spikes lost: high kept %v, low kept %v", hi, lo)
	}
}

func TestPurgeAndCompact(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	var ids []RunID
	for range 20 {
		r := newRun(t, s, 0)
		ids = append(ids, r.ID)
		for i := range 20000 {
			s.LogPoint(r.ID, "m", Point{Step: int64(i), Time: int64(i), Value: float64(i)})
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, s, func(tx *Tx) error {
		for _, id := range ids[1:] {
			if err := tx.PurgeRun(id); err != nil {
				return err
			}
		}
		return nil
	})
	mustCheck(t, s)
	before, after, err := s.Compact(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("compact: %d bytes before, %d after; want smaller", before, after)
	}
	s.View(ctx, func(tx *Tx) error {
		r, err := tx.Run(ids[0])
		if err != nil {
			t.Fatal(err)
		}
		pts, err := tx.History(nil, r, "m", AllSteps)
		if err != nil || len(pts) != 20000 {
			t.Errorf("after compact: %d points, %v; want 20000", len(pts), err)
		}
		return nil
	})
}

func TestCheckFindsDamage(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	s.LogPoint(r.ID, "m", Point{Step: 1, Time: 1, Value: 1})
	s.Flush(ctx)
	// Corrupt the summary: Check must notice it disagrees with the chunks.
	s.Update(ctx, func(tx *Tx) error {
		got, _ := tx.Run(r.ID)
		got.Metrics["m"].Latest.Value = 42
		return tx.PutRun(got)
	})
	probs, err := s.Check(ctx)
	if err != nil || len(probs) == 0 {
		t.Fatalf("check after damage: got %v, %v; want a problem", probs, err)
	}
	// Repair so the cleanup check passes.
	s.Update(ctx, func(tx *Tx) error {
		got, _ := tx.Run(r.ID)
		got.Metrics["m"].Latest.Value = 1
		return tx.PutRun(got)
	})
}

func TestBackPressureBoundsMemory(t *testing.T) {
	s := openTest(t, &Options{NoSync: true, MaxBufferedPoints: 1000, CommitPoints: 100})
	r := newRun(t, s, 0)
	for i := range 20000 {
		if err := s.LogPoint(r.ID, "m", Point{Step: int64(i)}); err != nil {
			t.Fatal(err)
		}
		s.w.mu.Lock()
		n := s.w.buffered
		s.w.mu.Unlock()
		if n > 1000 {
			t.Fatalf("after %d points, %d buffered; want at most 1000", i, n)
		}
	}
}

func TestClosedStore(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.mlite"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.LogPoint(RunID{}, "m", Point{}); !errors.Is(err, ErrClosed) {
		t.Errorf("LogPoint after Close: got %v, want ErrClosed", err)
	}
	if err := s.View(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close: got %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestArtifactIndex(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	mustUpdate(t, s, func(tx *Tx) error {
		for i, p := range []string{"plots/a.png", "plots/b.png", "model/MLmodel", "readme.txt"} {
			if err := tx.PutArtifact(r.ID, Artifact{Path: p, Digest: [32]byte{byte(i)}, Size: int64(i * 10), Mode: 0o644}); err != nil {
				return err
			}
		}
		return tx.PutArtifact(r.ID, Artifact{Path: "readme.txt", Digest: [32]byte{9}, Size: 99})
	})
	s.View(ctx, func(tx *Tx) error {
		var got []string
		tx.Artifacts(r.ID, "plots/", func(a Artifact) error { got = append(got, a.Path); return nil })
		if !reflect.DeepEqual(got, []string{"plots/a.png", "plots/b.png"}) {
			t.Errorf("plots/: got %v", got)
		}
		a, err := tx.Artifact(r.ID, "readme.txt")
		if err != nil || a.Digest[0] != 9 || a.Size != 99 {
			t.Errorf("replaced entry: got %+v, %v", a, err)
		}
		if _, err := tx.Artifact(r.ID, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing artifact: got %v", err)
		}
		return nil
	})
	s.Update(ctx, func(tx *Tx) error {
		n, err := tx.DeleteArtifacts(r.ID, "plots/")
		if n != 2 || err != nil {
			t.Errorf("delete plots/: %d, %v", n, err)
		}
		return tx.PurgeRun(r.ID)
	})
	s.View(ctx, func(tx *Tx) error {
		n := 0
		tx.ForEachArtifact(func(RunID, Artifact) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d artifacts left after purge", n)
		}
		return nil
	})
}

func TestCommitKeepsRunErrorsForTheirFlush(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	s.LogParam(r.ID, "a", "1")
	s.LogParam(r.ID, "a", "2")
	if err := s.Commit(ctx); err != nil {
		t.Fatalf("Commit: got %v, want nil (the conflict belongs to the run's flush)", err)
	}
	if err := s.FlushRun(ctx, r.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("FlushRun after Commit: got %v, want ErrConflict", err)
	}
}

func TestDownsampleKeepsEveryChunksExtremes(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	r := newRun(t, s, 0)
	// A slow sine with noise: each chunk has its own local high and low.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		s.LogPoint(r.ID, "m", Point{Step: int64(i), Time: int64(i), Value: math.Sin(float64(i)/5000) + rng.Float64()*0.01})
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx *Tx) error {
		got, _ := tx.Run(r.ID)
		pts, _ := tx.History(nil, got, "m", AllSteps)
		chunks := int(got.Metrics["m"].Chunks)
		n := 4 * chunks
		out, err := tx.Downsample(got, "m", AllSteps, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > n {
			t.Fatalf("got %d points, want at most %d", len(out), n)
		}
		kept := map[Point]bool{}
		for _, p := range out {
			kept[p] = true
		}
		// Recompute each chunk's extremes from the chunk headers' counts.
		at := 0
		hdrs, _ := tx.ChunkHeaders(got, "m")
		for c, h := range hdrs {
			part := pts[at : at+h.Count]
			at += h.Count
			lo, hi := part[0], part[0]
			for _, p := range part {
				if p.Value < lo.Value {
					lo = p
				}
				if p.Value > hi.Value {
					hi = p
				}
			}
			if !kept[lo] || !kept[hi] {
				t.Fatalf("chunk %d of %d: min kept %v, max kept %v", c, chunks, kept[lo], kept[hi])
			}
		}
		for i := 1; i < len(out); i++ {
			if out[i].Step < out[i-1].Step {
				t.Fatalf("not ordered by step at %d", i)
			}
		}
		return nil
	})
}

// Options.Now and Options.Rand decide what a new file stamps itself with,
// so that a fixture can be written twice alike; FormatVersion reports the
// file's version.
func TestNewFileClockAndID(t *testing.T) {
	created := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	id := []byte("0123456789abcdef")
	s := openTest(t, &Options{NoSync: true, Now: func() time.Time { return created }, Rand: bytes.NewReader(id)})
	if got := s.FileID(); string(got[:]) != string(id) {
		t.Errorf("file id: got %x, want %x", got, id)
	}
	if got := s.FormatVersion(); got != createFormat {
		t.Errorf("format version of a new file: got %d, want %d", got, createFormat)
	}
	var x *Experiment
	if err := s.View(context.Background(), func(tx *Tx) (err error) { x, err = tx.Experiment(0); return err }); err != nil {
		t.Fatal(err)
	}
	if x.CreationTime != created.UnixMilli() || x.LastUpdateTime != created.UnixMilli() {
		t.Errorf("Default experiment times: got %d, %d, want %d", x.CreationTime, x.LastUpdateTime, created.UnixMilli())
	}

	// A short id source fails the creation and leaves no file behind.
	path := filepath.Join(t.TempDir(), "short.mlite")
	if _, err := Open(context.Background(), path, &Options{NoSync: true, Rand: bytes.NewReader([]byte("short"))}); err == nil {
		t.Fatal("created a file with a 5-byte id")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed creation left %s: %v", path, err)
	}
}

// TestEnumNames: each enum prints MLflow's name, and a value without one
// prints as "Type(n)".
func TestEnumNames(t *testing.T) {
	got := fmt.Sprint(Finished, Killed, Status(0), Status(6),
		StageNone, StageArchived, Stage(4),
		Ready, VersionStatus(0), VersionStatus(4),
		ModelStatusUnspecified, ModelUploadFailed, ModelStatus(4), ModelStatus(255))
	want := "FINISHED KILLED Status(0) Status(6) " +
		"None Archived Stage(4) " +
		"READY VersionStatus(0) VersionStatus(4) " +
		"LOGGED_MODEL_STATUS_UNSPECIFIED LOGGED_MODEL_UPLOAD_FAILED ModelStatus(4) ModelStatus(255)"
	if got != want {
		t.Errorf("names: got %q, want %q", got, want)
	}
}
