package mlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/run"
)

// childFlushLoop logs points 0, 1, 2, ... into a run named arg and prints
// "flushed N" after every Flush that returned nil, until it is killed.
func childFlushLoop(ctx context.Context, path, arg string) error {
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		return err
	}
	r, err := db.StartRun(ctx, 0, mlite.RunName(arg))
	if err != nil {
		return err
	}
	fmt.Println("started")
	for i := 0; ; i++ {
		if err := r.LogMetric("x", float64(i), mlite.Step(int64(i))); err != nil {
			return err
		}
		if i%50 == 49 {
			if err := r.Flush(ctx); err != nil {
				return err
			}
			fmt.Printf("flushed %d\n", i+1)
		}
	}
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

	type proc struct {
		name    string
		mu      sync.Mutex
		flushed int
		done    chan struct{}
		stderr  *strings.Builder
		kill    func()
	}
	start := func(role, name string) *proc {
		cmd, out, stderr := testchild.Start(t, role, path, name)
		p := &proc{name: name, done: make(chan struct{}), stderr: stderr}
		p.kill = func() { cmd.Process.Signal(syscall.SIGKILL); cmd.Wait() }
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
	var writers []*proc
	for i := range 4 {
		writers = append(writers, start("flushloop", fmt.Sprintf("writer-%d", i)))
	}
	compactor := start("compactloop", "compactor")

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
		<-p.done
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
		w.mu.Lock()
		want := w.flushed
		w.mu.Unlock()
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
