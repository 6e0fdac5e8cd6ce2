package mlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/run"
)

// Child processes are this test binary run again (package testchild); TestMain
// plays their role.
func TestMain(m *testing.M) {
	testchild.Main(child)
	goleak.VerifyTestMain(m)
}

func child(role, path, arg string) error {
	ctx := context.Background()
	switch role {
	case "readonly":
		return childReadOnly(path, arg)
	case "flushloop":
		return childLogLoop(ctx, path, arg, func(i int) bool { return i%50 == 49 })
	case "compactloop":
		return childCompactLoop(ctx, path)
	case "crash":
		return childLogLoop(ctx, path, arg, func(int) bool { return rand.IntN(5000) == 0 })
	case "writer":
		db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
		if err != nil {
			return err
		}
		exp, err := db.SetExperiment(ctx, "multi")
		if err != nil {
			return err
		}
		r, err := db.StartRun(ctx, exp.ID, mlite.RunName("writer-"+arg))
		if err != nil {
			return err
		}
		if err := r.LogParams(map[string]any{"writer": arg, "lr": 0.01}); err != nil {
			return err
		}
		for i := range 100000 {
			if err := r.LogMetric("loss", 1/float64(i+1), mlite.Step(int64(i))); err != nil {
				return err
			}
			if i%25000 == 0 {
				if err := r.SetTag("progress", strconv.Itoa(i)); err != nil {
					return err
				}
			}
		}
		if err := r.End(ctx); err != nil {
			return err
		}
		return db.Close()
	case "reader":
		// Read and list until stdin closes, failing on any error.
		db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
		if err != nil {
			return err
		}
		defer db.Close()
		stop := make(chan struct{})
		go func() { bufio.NewReader(os.Stdin).ReadString('\n'); close(stop) }()
		reads := 0
		for {
			select {
			case <-stop:
				fmt.Printf("reads %d\n", reads)
				return nil
			default:
			}
			exp, err := db.GetExperimentByName(ctx, "multi")
			if errors.Is(err, mlite.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			page, err := db.ListRuns(ctx, exp.ID, run.ListOptions{})
			if err != nil {
				return err
			}
			for _, r := range page.Runs {
				if _, err := db.MetricHistory(ctx, r.ID, "loss", run.AllSteps); err != nil && !errors.Is(err, mlite.ErrNotFound) {
					return err
				}
			}
			if _, err := db.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: []run.ExperimentID{exp.ID},
				Filter: "metrics.loss < 0.001 and params.lr = '0.01'", OrderBy: []string{"metrics.loss"}}); err != nil {
				return err
			}
			reads++
		}
	}
	return fmt.Errorf("unknown role %q", role)
}

// TestCrashLosesNothingFlushed kills a logging process at random moments,
// 20 times on one file: each time the file must open, pass Check, and hold
// every point logged before the last Flush that returned.
func TestCrashLosesNothingFlushed(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "crash.mlite")
	ctx := context.Background()
	for round := range 20 {
		name := fmt.Sprintf("round-%d", round)
		p := startFlusher(t, "crash", path, name)
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		p.kill()
		if strings.Contains(p.stderr.String(), "child:") {
			t.Fatalf("round %d: child failed: %s", round, p.stderr)
		}
		want := p.flushedPoints()

		db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		probs, err := db.Check(ctx)
		if err != nil || len(probs) > 0 {
			t.Fatalf("round %d: check after kill: %v %v", round, err, probs)
		}
		page, err := db.ListRuns(ctx, 0, run.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []run.Point
		found := false
		for _, r := range page.Runs {
			if r.Name == name {
				found = true
				if r.Metrics["x"] != nil {
					got, err = db.MetricHistory(ctx, r.ID, "x", run.AllSteps)
					if err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if !found {
			t.Fatalf("round %d: run %s missing after kill", round, name)
		}
		if len(got) < want {
			t.Fatalf("round %d: %d points after kill, but %d were flushed", round, len(got), want)
		}
		for i, p := range got {
			if p.Value != float64(i) || p.Step != int64(i) {
				t.Fatalf("round %d: point %d is %+v, want value and step %d", round, i, p, i)
			}
		}
		t.Logf("round %d: %d flushed, %d present", round, want, len(got))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestManyProcesses runs 8 writer processes (100,000 points each, plus
// params and tags) and a reader process on one file at once.
func TestManyProcesses(t *testing.T) {
	path := processStore(t, "multi.mlite")
	ctx := context.Background()

	reader := testchild.Command("", "reader", path, "")
	stdin, _ := reader.StdinPipe()
	var rout, rerr strings.Builder
	reader.Stdout, reader.Stderr = &rout, &rerr
	if err := reader.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var writers []*exec.Cmd
	var errs []*strings.Builder
	for i := range 8 {
		cmd := testchild.Command("", "writer", path, strconv.Itoa(i))
		e := &strings.Builder{}
		cmd.Stderr = e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		writers = append(writers, cmd)
		errs = append(errs, e)
	}
	for i, w := range writers {
		if err := w.Wait(); err != nil {
			t.Errorf("writer %d: %v: %s", i, err, errs[i])
		}
	}
	elapsed := time.Since(start)
	stdin.Write([]byte("stop\n"))
	if err := reader.Wait(); err != nil {
		t.Errorf("reader: %v: %s", err, rerr.String())
	}
	t.Logf("8 writers x 100,000 points in %v; reader: %s", elapsed, strings.TrimSpace(rout.String()))

	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exp, err := db.GetExperimentByName(ctx, "multi")
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.ListRuns(ctx, exp.ID, run.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != 8 {
		t.Fatalf("got %d runs, want 8", len(page.Runs))
	}
	total := 0
	for _, r := range page.Runs {
		pts, err := db.MetricHistory(ctx, r.ID, "loss", run.AllSteps)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pts {
			if p.Step != int64(i) || p.Value != 1/float64(i+1) {
				t.Fatalf("run %s point %d: got %+v", r.Name, i, p)
			}
		}
		total += len(pts)
		if r.Status != run.Finished || r.Params["writer"] == "" || r.Tags["progress"] != "75000" {
			t.Errorf("run %s: status %s params %v progress tag %q", r.Name, r.Status, r.Params, r.Tags["progress"])
		}
	}
	if total != 800000 {
		t.Errorf("got %d points in all, want 800000", total)
	}
	probs, err := db.Check(ctx)
	if err != nil || len(probs) > 0 {
		t.Errorf("check: %v %v", err, probs)
	}
}

// processStore skips the test in -short mode (it spawns processes), else
// creates an empty store called name in a temporary folder for the test's
// child processes and returns its path.
func processStore(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), name)
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// childLogLoop logs points 0, 1, 2, ... of metric x into a run named arg
// (with param child=arg) and prints "flushed N" after every Flush that
// returned nil, flushing after point i when flushNow(i), until it is killed.
func childLogLoop(ctx context.Context, path, arg string, flushNow func(i int) bool) error {
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		return err
	}
	r, err := db.StartRun(ctx, 0, mlite.RunName(arg))
	if err != nil {
		return err
	}
	if err := r.LogParam("child", arg); err != nil {
		return err
	}
	fmt.Println("started") // StartRun is durable when it returns
	for i := 0; ; i++ {
		if err := r.LogMetric("x", float64(i), mlite.Step(int64(i))); err != nil {
			return err
		}
		if flushNow(i) {
			if err := r.Flush(ctx); err != nil {
				return err
			}
			fmt.Printf("flushed %d\n", i+1)
		}
	}
}

// flusher is a child process started by startFlusher.
type flusher struct {
	name    string
	mu      sync.Mutex
	flushed int // the last "flushed N" it printed
	done    chan struct{}
	stderr  *strings.Builder
	cmd     *exec.Cmd
}

// startFlusher starts a child in role, on path, with arg name, and waits
// for it to print "started"; from then on it follows the child's "flushed
// N" lines.
func startFlusher(t *testing.T, role, path, name string) *flusher {
	t.Helper()
	cmd, out, stderr := testchild.Start(t, role, path, name)
	p := &flusher{name: name, done: make(chan struct{}), stderr: stderr, cmd: cmd}
	started := make(chan struct{})
	go func() {
		defer close(p.done)
		for out.Scan() {
			line := out.Text()
			if line == "started" {
				close(started)
			}
			if n, ok := strings.CutPrefix(line, "flushed "); ok {
				v, _ := strconv.Atoi(n)
				p.mu.Lock()
				p.flushed = v
				p.mu.Unlock()
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not start: %s", name, stderr)
	}
	return p
}

// kill kills the child and waits until its output is read to the end.
func (p *flusher) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	<-p.done
}

// flushedPoints returns how many points the child last said were flushed.
func (p *flusher) flushedPoints() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushed
}

// childCompactLoop compacts the store over and over until it is killed.
func childCompactLoop(ctx context.Context, path string) error {
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		return err
	}
	fmt.Println("started")
	for {
		if _, _, err := db.Compact(ctx); err != nil {
			return err
		}
	}
}

// TestLockFileDeletedDuringCompaction is the lost-write scenario of a
// cleanup script that deletes "<file>.lock" while compactions run: four
// writer processes flush point after point, a fifth process compacts the
// file in a loop and this test deletes the lock files again and again. Every
// point a writer saw flushed must be in the file afterwards.
func TestLockFileDeletedDuringCompaction(t *testing.T) {
	path := processStore(t, "lockloss.mlite")
	ctx := context.Background()

	var writers []*flusher
	for i := range 4 {
		writers = append(writers, startFlusher(t, "flushloop", path, fmt.Sprintf("writer-%d", i)))
	}
	compactor := startFlusher(t, "compactloop", path, "compactor")

	deadline := time.Now().Add(4 * time.Second)
	deletions := 0
	for time.Now().Before(deadline) {
		for _, f := range []string{path + ".lock", path + ".intent"} {
			if os.Remove(f) == nil {
				deletions++
			}
		}
		time.Sleep(time.Millisecond)
	}
	compactor.kill()
	for _, w := range writers {
		w.kill()
	}
	for _, p := range append(writers, compactor) {
		if strings.Contains(p.stderr.String(), "child:") {
			t.Errorf("%s failed: %s", p.name, p.stderr)
		}
	}

	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if probs, err := db.Check(ctx); err != nil || len(probs) > 0 {
		t.Fatalf("check: %v %v", err, probs)
	}
	page, err := db.ListRuns(ctx, 0, run.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, r := range page.Runs {
		pts, err := db.MetricHistory(ctx, r.ID, "x", run.AllSteps)
		if err != nil {
			t.Fatal(err)
		}
		stored[r.Name] = len(pts)
	}
	total, lost := 0, 0
	for _, w := range writers {
		want := w.flushedPoints()
		total += want
		if stored[w.name] < want {
			lost += want - stored[w.name]
			t.Errorf("%s: %d points flushed, %d in the file", w.name, want, stored[w.name])
		}
	}
	t.Logf("%d lock files deleted; %d points flushed by 4 writers, %d lost", deletions, total, lost)
}

// TestKilledCompactionLeavesNoTempFile kills a process while it compacts:
// the "<file>.compact-<pid>" it leaves is reported by Check and removed by
// the next writer's Open or Compact, never while its owner lives.
func TestKilledCompactionLeavesNoTempFile(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "killed.mlite")
	ctx := context.Background()
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300_000 {
		r.LogMetric("x", float64(i%977)/3, mlite.Step(int64(i)))
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	temps := func() []string {
		m, _ := filepath.Glob(path + ".compact-*")
		return m
	}
	for try := 0; len(temps()) == 0; try++ {
		if try == 100 {
			t.Fatal("100 kills, and no compaction was caught half-way")
		}
		cmd, out, _ := testchild.Start(t, "compactloop", path, "")
		for out.Scan() && out.Text() != "started" {
		}
		time.Sleep(time.Duration(try%7) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	left := temps()

	// A live compaction's file is not touched: hold one as Compact does.
	live := path + ".compact-" + strconv.Itoa(os.Getpid()+1_000_000)
	if err := os.WriteFile(live, []byte("busy"), 0o644); err != nil {
		t.Fatal(err)
	}
	hold, err := os.OpenFile(live, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if err := syscall.Flock(int(hold.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	// Reading does not remove it, and Check reports it.
	ro, err := mlite.Open(path, &mlite.Options{NoCapture: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	probs, err := ro.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	found := false
	for _, p := range probs {
		if strings.Contains(p.Where, filepath.Base(left[0])) && strings.Contains(p.What, "stale temporary file") {
			found = true
		} else if strings.Contains(p.Where, filepath.Base(live)) {
			t.Errorf("check reported the live compaction's file: %v", p)
		}
	}
	if !found {
		t.Fatalf("check did not report %s: %v", left[0], probs)
	}

	// A writer's Open removes the stale file, not the live one.
	db, err = mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if got := temps(); len(got) != 1 || got[0] != live {
		t.Errorf("after a writer's Open: temporary files %v, want only the live %s", got, live)
	}

	// So does the next Compact, once its owner is gone; a read-only Open
	// does not.
	db, err = mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hold.Close()
	ro, err = mlite.Open(path, &mlite.Options{NoCapture: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	if got := temps(); len(got) != 1 {
		t.Errorf("a read-only Open removed a temporary file: left %v", got)
	}
	if _, _, err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if got := temps(); len(got) != 0 {
		t.Errorf("after Compact: temporary files %v, want none", got)
	}
}
