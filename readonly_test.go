package mlite_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// readOnlyFixture writes a store with a run (params, metrics, an artifact)
// and a model version into dir, and returns the file's path and the run id.
func readOnlyFixture(t *testing.T, dir string) (string, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "shared.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.StartRun(ctx, 0, mlite.RunName("baseline"))
	if err != nil {
		t.Fatal(err)
	}
	r.LogParam("max_depth", 6)
	for i := range 100 {
		r.LogMetric("loss", 1/float64(i+1), mlite.Step(int64(i)))
	}
	if err := r.LogText(ctx, "the model", "model/model.txt"); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Registry().CreateModel(ctx, "Credit", nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Registry().CreateVersion(ctx, "Credit", "runs:/"+r.ID().String()+"/model", r.ID().String()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, r.ID().String()
}

// readEverything reads the fixture through a read-only store and tries one
// write of each kind, which must fail with ErrReadOnly.
func readEverything(path, id string) error {
	ctx := context.Background()
	runID, err := store.ParseRunID(id)
	if err != nil {
		return err
	}
	db, err := mlite.Open(path, &mlite.Options{ReadOnly: true, NoCapture: true})
	if err != nil {
		return err
	}
	defer db.Close()
	rec, err := db.GetRun(ctx, runID)
	if err != nil {
		return err
	}
	if rec.Params["max_depth"] != "6" {
		return errors.New("param max_depth: got " + rec.Params["max_depth"])
	}
	pts, err := db.MetricHistory(ctx, runID, "loss", run.AllSteps)
	if err != nil || len(pts) != 100 {
		return errors.Join(errors.New("metric history of loss"), err)
	}
	rc, err := db.OpenArtifact(ctx, runID, "model/model.txt")
	if err != nil {
		return err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != "the model" {
		return errors.Join(errors.New("artifact model/model.txt: got "+string(b)), err)
	}
	if _, err := db.SearchRuns(ctx, run.SearchOptions{Filter: "metrics.loss < 0.5"}); err != nil {
		return err
	}
	if _, err := db.Registry().Resolve(ctx, "models:/Credit/1"); err != nil {
		return err
	}
	if probs, err := db.Check(ctx); err != nil || len(probs) > 0 {
		return errors.Join(errors.New("check"), err)
	}
	writes := map[string]error{}
	_, writes["StartRun"] = db.StartRun(ctx, 0)
	writes["SetTag"] = db.SetRunTag(ctx, runID, "k", "v")
	writes["LogArtifact"] = db.LogText(ctx, runID, "x", "x.txt")
	_, writes["CreateModel"] = db.Registry().CreateModel(ctx, "Other", nil, "")
	_, _, writes["Compact"] = db.Compact(ctx)
	for what, err := range writes {
		if !errors.Is(err, mlite.ErrReadOnly) {
			return errors.New(what + " in a read-only store: got " + errorString(err) + ", want ErrReadOnly")
		}
	}
	return nil
}

func errorString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// snapshotDir returns every file's bytes below dir.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			files[p] = string(b)
		}
		return nil
	})
	return files
}

// TestReadOnlyFileSystem reads a store on a tmpfs mounted read-only: every
// read works with Options.ReadOnly, every write fails with ErrReadOnly, and
// an Open for writing fails with ErrNotWritable, saying why.
func TestReadOnlyFileSystem(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=64m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): needs root in a namespace that allows mounts", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	path, runID := readOnlyFixture(t, mnt)
	for _, f := range []string{".lock", ".intent"} {
		os.Remove(path + f) // the worst case: no lock file to open either
	}
	if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount the tmpfs read-only: %v", err)
	}
	before := snapshotDir(t, mnt)
	if err := readEverything(path, runID); err != nil {
		t.Fatal(err)
	}
	_, err := mlite.Open(path, nil)
	if !errors.Is(err, mlite.ErrNotWritable) || !strings.Contains(err.Error(), "read-only file system") {
		t.Errorf("Open for writing on a read-only file system: got %v, want ErrNotWritable naming the read-only file system", err)
	}
	if after := snapshotDir(t, mnt); len(after) != len(before) {
		t.Errorf("files changed: %d before, %d after", len(before), len(after))
	}
}

// TestReadOnlyFile reads a store that the user may only read (a shared
// results folder): a child process running as nobody reads it with
// Options.ReadOnly, and its writes fail, while the files stay unchanged.
func TestReadOnlyFile(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	if os.Getuid() != 0 {
		t.Skip("drops permissions by running a child as nobody, which needs root")
	}
	dir, err := os.MkdirTemp("", "mlite-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path, runID := readOnlyFixture(t, dir)
	os.Remove(path + ".intent") // nobody may not create it
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			mode := os.FileMode(0o444)
			if fi.IsDir() {
				mode = 0o555
			}
			os.Chmod(p, mode)
		}
		return nil
	})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary must be reachable by nobody: copy it into dir's parent.
	bin := filepath.Join(dir+"-bin", "mlite.test")
	os.MkdirAll(filepath.Dir(bin), 0o755)
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(bin)) })
	if b, err := os.ReadFile(exe); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatalf("copy the test binary: %v", err)
	}
	before := snapshotDir(t, dir)
	cmd := testchild.Command(bin, "readonly", path, runID)
	cmd.Env = append(cmd.Env, "HOME=/")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v: %s", err, out)
	}
	if after := snapshotDir(t, dir); len(after) != len(before) {
		t.Errorf("files changed: %d before, %d after", len(before), len(after))
	}
}

// childReadOnly is the child of TestReadOnlyFile.
func childReadOnly(path, runID string) error {
	if _, err := mlite.Open(path, nil); !errors.Is(err, mlite.ErrNotWritable) {
		return errors.New("Open for writing a file nobody may only read: got " + errorString(err) + ", want ErrNotWritable")
	}
	return readEverything(path, runID)
}
