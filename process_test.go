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
		return childFlushLoop(ctx, path, arg)
	case "compactloop":
		return childCompactLoop(ctx, path)
	case "crash":
		// Log forever, flushing now and then; after each Flush that
		// returned nil, report how many points are durable.
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
			if rand.IntN(5000) == 0 {
				if err := r.Flush(ctx); err != nil {
					return err
				}
				fmt.Printf("flushed %d\n", i+1)
			}
		}
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
		cmd, out, stderr := testchild.Start(t, "crash", path, name)
		var mu sync.Mutex
		flushed := 0
		done := make(chan struct{})
		started := make(chan struct{})
		go func() {
			defer close(done)
			for out.Scan() {
				if out.Text() == "started" {
					close(started)
				}
				if n, ok := strings.CutPrefix(out.Text(), "flushed "); ok {
					v, _ := strconv.Atoi(n)
					mu.Lock()
					flushed = v
					mu.Unlock()
				}
			}
		}()
		select {
		case <-started:
		case <-time.After(time.Minute):
			t.Fatalf("round %d: child did not start: %s", round, stderr)
		}
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		<-done
		if strings.Contains(stderr.String(), "child:") {
			t.Fatalf("round %d: child failed: %s", round, stderr)
		}
		mu.Lock()
		want := flushed
		mu.Unlock()

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
