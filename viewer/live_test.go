package viewer

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// The tests start the test binary again as a second process that writes
// into the store: MLITE_VIEWER_ROLE names its role.
const (
	envRole   = "MLITE_VIEWER_ROLE"
	envDB     = "MLITE_VIEWER_DB"
	envRun    = "MLITE_VIEWER_RUN"
	envPoints = "MLITE_VIEWER_POINTS"
	envFor    = "MLITE_VIEWER_FOR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case "":
		os.Exit(m.Run())
	case "live":
		exitWith(write(liveWriter))
	case "hammer":
		exitWith(write(hammerWriter))
	default:
		fmt.Fprintln(os.Stderr, "unknown role", os.Getenv(envRole))
		os.Exit(2)
	}
}

func exitWith(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// write opens the store, resumes the run named by the environment, lets
// writer log into it, and closes the store.
func write(writer func(ctx context.Context, r *run.Run) error) error {
	db, err := mlite.Open(os.Getenv(envDB), &mlite.Options{NoCapture: true})
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := parseRunID(os.Getenv(envRun))
	if err != nil {
		return err
	}
	ctx := context.Background()
	r, err := db.ResumeRun(ctx, id)
	if err != nil {
		return err
	}
	if err := writer(ctx, r); err != nil {
		return err
	}
	return db.Close()
}

// liveWriter logs points 1..N of the metric "live", a few a second, each
// durable at once, then prints "done" and exits, leaving the run RUNNING.
func liveWriter(ctx context.Context, r *run.Run) error {
	n, _ := strconv.Atoi(os.Getenv(envPoints))
	for i := 1; i <= n; i++ {
		if err := r.LogMetric("live", math.Sin(float64(i)/5), run.Step(int64(i))); err != nil {
			return err
		}
		if err := r.Flush(ctx); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// hammerWriter logs as fast as it can for the time envFor says: metric
// points in batches, params, tags and small artifacts, flushing often.
// Any error fails it.
func hammerWriter(ctx context.Context, r *run.Run) error {
	d, err := time.ParseDuration(os.Getenv(envFor))
	if err != nil {
		return err
	}
	end := time.Now().Add(d)
	step := int64(0)
	for i := 0; time.Now().Before(end); i++ {
		for range 200 {
			step++
			if err := r.LogMetrics(map[string]float64{"loss": 1 / float64(step), "acc": 1 - 1/float64(step)}, run.Step(step)); err != nil {
				return fmt.Errorf("log metrics: %w", err)
			}
		}
		if err := r.LogParam(fmt.Sprintf("p%03d", i%500), "v"); err != nil {
			return fmt.Errorf("log param: %w", err)
		}
		if err := r.SetTag("progress", strconv.FormatInt(step, 10)); err != nil {
			return fmt.Errorf("set tag: %w", err)
		}
		if i%10 == 0 {
			if err := r.LogText(ctx, strings.Repeat("line\n", i+1), fmt.Sprintf("logs/%d.txt", i)); err != nil {
				return fmt.Errorf("log text: %w", err)
			}
		}
		if err := r.Flush(ctx); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
	}
	if err := r.End(ctx); err != nil {
		return fmt.Errorf("end: %w", err)
	}
	fmt.Println("steps", step)
	return nil
}

// writerCmd starts this test binary as a writer process.
func writerCmd(t *testing.T, role, path string, id run.ID, extra ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envRole+"="+role, envDB+"="+path, envRun+"="+id.String())
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

// startLogging starts a run named name in the fixture's experiment with
// one point of metric key at step 0, flushed for readers to see.
func startLogging(t *testing.T, f *fixture, name, key string, value float64) *run.Run {
	t.Helper()
	ctx := context.Background()
	r, err := f.db.StartRun(ctx, f.exp.ID, mlite.RunName(name))
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.LogMetric(key, value, run.Step(0)))
	must(t, r.Flush(ctx))
	return r
}

// TestLiveRefresh opens the page of a RUNNING run in the browser while
// another process logs into it; the new points must show within 3 s.
func TestLiveRefresh(t *testing.T) {
	bctx := newBrowser(t)
	f := newFixture(t)
	ctx := context.Background()
	r := startLogging(t, f, "live-run", "live", 0)
	srv := httptest.NewServer(f.v)
	defer srv.Close()

	sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(sctx,
		chromedp.Navigate(srv.URL+"/runs/"+r.ID().String()),
		waitJS(`document.getElementById("run-page").dataset.status === "RUNNING"`),
		waitJS(`document.querySelector('#metrics tr[data-key="live"] .count').textContent === "1"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	cmd := writerCmd(t, "live", f.db.Path(), r.ID(), fmt.Sprintf("%s=%d", envPoints, n))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("writer: %v\n%s", err, out)
	}
	wrote := time.Now()
	want := strconv.Itoa(n + 1)
	lctx, cancel2 := context.WithTimeout(bctx, 3*time.Second)
	defer cancel2()
	err = chromedp.Do(lctx,
		waitJS(`document.querySelector('#metrics tr[data-key="live"] .count').textContent === "`+want+`"`),
		waitJS(`document.querySelector('.chart[data-key="live"]') !== null && document.querySelector('.chart[data-key="live"]').dataset.points === "`+want+`"`),
	)
	if err != nil {
		got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify({count: document.querySelector('#metrics tr[data-key="live"] .count').textContent,
		  points: (document.querySelector('.chart[data-key="live"]') || {dataset: {}}).dataset.points})`))
		t.Fatalf("3 s after the writer's last point: got %s, want %s points (%v)", got, want, err)
	}
	t.Logf("the page showed all %d points %v after the writer finished", n+1, time.Since(wrote).Round(time.Millisecond))
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentWriter runs a writer process flat out while many viewer
// requests run at once: the writer never fails because the viewer reads,
// and no viewer response is an error because someone writes.
func TestConcurrentWriter(t *testing.T) {
	f := newFixture(t)
	r := startLogging(t, f, "hammered", "loss", 1)
	id := r.ID().String()
	exp := f.exp.ID.String()
	urls := []string{
		"/", "/experiments/" + exp, "/runs/" + id, "/runs/" + f.parent.String(),
		"/api/mlite/experiments", "/api/mlite/experiments/" + exp + "/runs",
		"/api/mlite/experiments/" + exp + "/runs?order_by=metrics.loss+DESC&filter=metrics.loss+%3E+0",
		"/api/mlite/runs/" + id, "/api/mlite/runs/" + id + "/artifacts?recursive=true",
		"/api/mlite/chart?key=loss&width=300&run=" + id, "/api/mlite/chart?key=acc&width=500&run=" + id + "," + f.children[0].String(),
		"/compare?runs=" + id + "," + f.children[1].String(), "/models", "/models/CreditModel",
	}
	var buf bytes.Buffer
	cmd := writerCmd(t, "hammer", f.db.Path(), r.ID(), envFor+"=3s")
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var requests, failures atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr string
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				u := urls[i%len(urls)]
				rec := f.get(t, u)
				requests.Add(1)
				if rec.Code != 200 {
					failures.Add(1)
					mu.Lock()
					if firstErr == "" {
						firstErr = fmt.Sprintf("GET %s: %d %.300s", u, rec.Code, rec.Body.String())
					}
					mu.Unlock()
				}
			}
		}()
	}
	werr := <-done
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Errorf("writer: %v\n%s", werr, buf.String())
	}
	if failures.Load() > 0 {
		t.Errorf("%d of %d viewer requests failed; first: %s", failures.Load(), requests.Load(), firstErr)
	}
	rec, err := f.db.GetRun(context.Background(), r.ID())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d viewer requests while the writer logged %d points (%s)", requests.Load(), rec.Metrics["loss"].Count, strings.TrimSpace(buf.String()))
	if rec.Status != run.Finished {
		t.Errorf("got status %s, want FINISHED", rec.Status)
	}
}
