package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

func TestExitCode(t *testing.T) {
	_, qerr := run.ParseFilter("metrics.a => 1")
	if qerr == nil {
		t.Fatal("run.ParseFilter accepted a bad filter")
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"other", errors.New("disk on fire"), exitFailure},
		{"usage", usagef("bad"), exitUsage},
		{"invalid", fmt.Errorf("x: %w", mlite.ErrInvalid), exitUsage},
		{"query", fmt.Errorf("run: search: %w", qerr), exitUsage},
		{"not found", fmt.Errorf("x: %w", mlite.ErrNotFound), exitNotFound},
		{"no store", &sentinelError{msg: "no store at x", err: mlite.ErrNotFound}, exitNotFound},
		{"locked", fmt.Errorf("x: %w", mlite.ErrLocked), exitLocked},
		{"corrupt", fmt.Errorf("x: %w", mlite.ErrCorrupt), exitCorrupt},
		{"not a store", fmt.Errorf("x: %w", mlite.ErrNotStore), exitCorrupt},
		{"newer", fmt.Errorf("x: %w", mlite.ErrVersion), exitCorrupt},
		{"gate", fmt.Errorf("x: %w", &registry.GateError{Model: "m", Version: 1, Target: "Production"}), exitGate},
		{"gate sentinel", fmt.Errorf("x: %w", registry.ErrGate), exitGate},
		{"exists", fmt.Errorf("x: %w", mlite.ErrExists), exitConflict},
		{"conflict", fmt.Errorf("x: %w", mlite.ErrConflict), exitConflict},
		{"deleted", fmt.Errorf("x: %w", mlite.ErrDeleted), exitConflict},
		{"interrupted", fmt.Errorf("x: %w", context.Canceled), exitInterrupted},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%s: %v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestPrintError(t *testing.T) {
	_, qerr := run.ParseFilter("metrics.a => 1")
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("run: boom"), "mlite: run: boom\n"},
		{&usageError{cmd: "mlite runs ls", err: errors.New("unknown flag: --x")}, "mlite: unknown flag: --x\nRun 'mlite runs ls --help' for usage.\n"},
		{fmt.Errorf("run: search runs: %w", qerr), "mlite: " + qerr.Error() + "\n"},
		{&registry.GateError{Model: "m", Version: 2, Target: "Production", Results: []registry.GateResult{
			{Requirement: "tag a=b", Passed: true},
			{Requirement: "metrics.auc >= 0.9", Detail: "auc is 0.8"},
		}}, "mlite: m version 2 may not enter Production: its gate is not passed\n  ok   tag a=b\n  FAIL metrics.auc >= 0.9: auc is 0.8\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printError(&b, tt.err)
		if b.String() != tt.want {
			t.Errorf("printError(%v):\ngot  %q\nwant %q", tt.err, b.String(), tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"héllo wörld", 6, "héllo…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		widths    []int
		total     int
		minWidths []int
		want      []int
		shown     int
	}{
		{[]int{5, 5}, 0, nil, []int{5, 5}, 2},                               // a pipe: as they are
		{[]int{5, 200}, 0, nil, []int{5, pipeCellWidth}, 2},                 // a pipe: capped
		{[]int{5, 5}, 80, nil, []int{5, 5}, 2},                              // fits
		{[]int{10, 40, 30}, 60, nil, []int{10, 23, 23}, 3},                  // widest first
		{[]int{19, 40, 40, 40}, 50, []int{19}, []int{19, 10, 10, 10}, 2},    // then columns go
		{[]int{30, 30}, 20, []int{30, 30}, []int{30, 30}, 1},                // at least one stays
		{[]int{12, 12, 12}, 38, []int{12, 12, 12}, []int{12, 12, 12}, 2},    // no room for the third
		{[]int{12, 12, 12}, 40, []int{12, 12, 12}, []int{12, 12, 12}, 3},    // exactly fits
		{[]int{8, 8}, 10, nil, []int{8, 8}, 1},                              // below the floor already
		{[]int{100, 3}, 30, []int{0, 3}, []int{25, 3}, 2},                   // default floor 10
		{[]int{100}, 30, nil, []int{30}, 1},                                 // one column
		{[]int{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, 20, nil, nil, 2},        // many narrow ones
		{[]int{11, 11, 11}, 35, []int{11, 11, 11}, []int{11, 11, 11}, 2},    // 37 > 35: two and the marker
		{[]int{30, 30, 30}, 1000, nil, []int{30, 30, 30}, 3},                // wide terminal
		{[]int{30, 30, 30}, 50, []int{20, 20, 20}, []int{20, 20, 20}, 1},    // floors respected
		{[]int{3, 3, 3}, 5, []int{3, 3, 3}, []int{3, 3, 3}, 1},              // tiny terminal
		{[]int{15, 15, 15}, 49, []int{15, 15, 15}, []int{15, 15, 15}, 3},    // 49 fits 15*3+4
		{[]int{15, 15, 15}, 48, []int{15, 15, 15}, []int{15, 15, 15}, 2},    // 48 does not
		{[]int{60, 5}, 40, []int{0, 5}, []int{33, 5}, 2},                    // shrink one to fit
		{[]int{60, 60}, 40, nil, []int{19, 19}, 2},                          // both shrink
		{[]int{60, 61}, 41, nil, []int{19, 20}, 2},                          // ties broken leftmost
		{[]int{9, 9}, 15, []int{9, 9}, []int{9, 9}, 1},                      // not even two
		{[]int{0, 0}, 2, nil, []int{0, 0}, 2},                               // empty cells fit
		{[]int{40, 40}, 60, []int{40, 0}, []int{40, 18}, 2},                 // a pinned first column
		{[]int{40, 40, 40}, 60, []int{40, 10, 10}, []int{40, 10, 10}, 1},    // pinned, the rest goes
		{[]int{25, 25, 25, 25}, 70, nil, []int{16, 16, 16, 16}, 4},          // even shrink
		{[]int{20, 5, 20}, 30, nil, []int{10, 5, 11}, 3},                    // 26 of 30 fit
		{[]int{20, 20, 20, 20, 20}, 30, nil, []int{10, 10, 10, 10, 10}, 1},  // only one shows
		{[]int{10, 10, 10, 10, 10}, 30, nil, []int{10, 10, 10, 10, 10}, 1},  // -
		{[]int{10, 10, 10, 10, 10}, 34, nil, []int{10, 10, 10, 10, 10}, 2},  // two and a marker
		{[]int{10, 10, 10, 10, 10}, 58, nil, []int{10, 10, 10, 10, 10}, 5},  // fits exactly
		{[]int{10, 10, 10, 10, 10}, 57, nil, []int{10, 10, 10, 10, 10}, 4},  // one short: four and the marker
		{[]int{10, 10, 10, 10, 10}, 100, nil, []int{10, 10, 10, 10, 10}, 5}, // all
	}
	for _, tt := range tests {
		w := append([]int(nil), tt.widths...)
		shown := fitWidths(w, tt.total, 0, tt.minWidths)
		if tt.want != nil && fmt.Sprint(w[:shown]) != fmt.Sprint(tt.want[:shown]) || shown != tt.shown {
			t.Errorf("fitWidths(%v, %d, %v) = %v shown %d, want %v shown %d", tt.widths, tt.total, tt.minWidths, w, shown, tt.want, tt.shown)
		}
		if tt.total > 0 && shown < len(tt.widths) {
			sum := 2*(shown-1) + len(fmt.Sprintf("  +%d more", len(tt.widths)))
			for _, x := range w[:shown] {
				sum += x
			}
			if sum > tt.total && shown > 1 {
				t.Errorf("fitWidths(%v, %d): %d columns and the marker take %d", tt.widths, tt.total, shown, sum)
			}
		}
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	p := &printer{w: &b}
	tb := &table{header: []string{"NAME", "N", "NOTE"}}
	tb.add("a", "1", "line\nbreak")
	tb.add("bbb", "-", "x")
	tb.add("c", "10.5", "")
	p.table(tb)
	want := "NAME  N     NOTE\n" +
		"a        1  line break\n" +
		"bbb      -  x\n" +
		"c     10.5\n"
	if b.String() != want {
		t.Errorf("table:\ngot\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	p.color = true
	tb = &table{header: []string{"A", "B"}}
	tb.addStyled(styleYellow, "x", "y")
	p.table(tb)
	if want := "\x1b[1mA  B\x1b[0m\n\x1b[33mx  y\x1b[0m\n"; b.String() != want {
		t.Errorf("coloured table: got %q, want %q", b.String(), want)
	}
}

func TestNoColorOnPipe(t *testing.T) {
	var b bytes.Buffer
	p := newPrinter(&b, false)
	if p.color || p.width != 0 {
		t.Errorf("newPrinter(buffer): color %v width %d, want false 0", p.color, p.width)
	}
	if got := p.paint(styleRed, "x"); got != "x" {
		t.Errorf("paint on a pipe = %q, want %q", got, "x")
	}
}

func TestSparkline(t *testing.T) {
	pts := func(vs ...float64) []run.Point {
		out := make([]run.Point, len(vs))
		for i, v := range vs {
			out[i] = run.Point{Step: int64(i), Value: v}
		}
		return out
	}
	tests := []struct {
		pts    []run.Point
		width  int
		lo, hi float64
		want   string
	}{
		{pts(0, 1, 2, 3, 4, 5, 6, 7), 8, 0, 7, "▁▂▃▄▅▆▇█"},
		{pts(0, 7), 8, 0, 7, "▁█"},
		{pts(0, 0, 7, 7), 2, 0, 7, "▁█"},
		{pts(3, 3, 3), 5, 3, 3, "▁▁▁"},
		{pts(0, math.NaN(), 7), 3, 0, 7, "▁ █"},
		{pts(0, math.Inf(1), 7), 3, 0, 7, "▁ █"},
		{nil, 5, 0, 1, ""},
		{pts(1), 0, 0, 1, ""},
	}
	for _, tt := range tests {
		if got := sparkline(tt.pts, tt.width, tt.lo, tt.hi); got != tt.want {
			t.Errorf("sparkline(%v, %d, %v, %v) = %q, want %q", tt.pts, tt.width, tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{0, 1, 5, "[0 0.2 0.4 0.6 0.8 1]"},
		{0, 100, 5, "[0 20 40 60 80 100]"},
		{0.13, 0.92, 4, "[0 0.2 0.4 0.6 0.8 1]"},
		{-3, 3, 6, "[-3 -2 -1 0 1 2 3]"},
	}
	for _, tt := range tests {
		var labels []string
		for _, v := range niceTicks(tt.lo, tt.hi, tt.n) {
			labels = append(labels, tickLabel(v))
		}
		if got := "[" + strings.Join(labels, " ") + "]"; got != tt.want {
			t.Errorf("niceTicks(%v, %v, %d) = %s, want %s", tt.lo, tt.hi, tt.n, got, tt.want)
		}
	}
}

func TestDrawChart(t *testing.T) {
	series := []plotSeries{
		{Name: "a", Points: []run.Point{{Step: 0, Value: 1}, {Step: 5, Value: 0.5}, {Step: 9, Value: math.NaN()}, {Step: 10, Value: 0.2}}},
		{Name: "b", Points: []run.Point{{Step: 0, Value: 2}}},
		{Name: "empty"},
	}
	for _, size := range [][2]int{{800, 480}, {200, 120}} {
		var b bytes.Buffer
		if err := drawChart(&b, "loss", series, size[0], size[1]); err != nil {
			t.Fatalf("drawChart %v: %v", size, err)
		}
		img, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("drawChart %v wrote no PNG: %v", size, err)
		}
		if got := img.Bounds().Size(); got.X != size[0] || got.Y != size[1] {
			t.Errorf("drawChart size: got %v, want %v", got, size)
		}
	}
	if err := drawChart(io.Discard, "x", series, 20, 20); !errors.Is(err, mlite.ErrInvalid) {
		t.Errorf("drawChart 20x20: got %v, want ErrInvalid", err)
	}
}

func TestJSONFloat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0.5, "0.5"}, {1e21, "1e+21"}, {math.NaN(), `"NaN"`}, {math.Inf(1), `"Infinity"`}, {math.Inf(-1), `"-Infinity"`},
	}
	for _, tt := range tests {
		b, err := jsonFloat(tt.v).MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("jsonFloat(%v) = %s, %v; want %s", tt.v, b, err, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-1, "-"},
		{850 * time.Millisecond, "850ms"},
		{12300 * time.Millisecond, "12.3s"},
		{4*time.Minute + 5*time.Second, "4m05s"},
		{2*time.Hour + 3*time.Minute, "2h03m"},
		{76 * time.Hour, "3d04h"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUI serves the viewer on a free port, fetches its front page and
// stops it the way SIGINT does: by cancelling the context.
func TestUI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoSync: true, NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateExperiment(context.Background(), "credit", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "0.0.0.0"} {
		s := startServer(t, "ui", execute, []string{"--db", path, "ui", "--host", host, "--port", "0", "--no-browser"}, `at (http://\S+/) `, 10*time.Second)
		if status, body := fetch(t, s.url, ""); status != "200 OK" || !strings.Contains(body, "credit") {
			t.Errorf("GET %s: %s, body without the experiment: %.200s", s.url, status, body)
		}
		if err := s.stop(); err != nil {
			t.Errorf("ui stopped with %v, want nil", err)
		}
		warned := strings.Contains(s.stderr.String(), "warning: listening on")
		if warned != (host != "127.0.0.1") {
			t.Errorf("ui --host %s: warning %v, stderr %q", host, warned, s.stderr.String())
		}
	}
}

// TestServer serves a new store as a tracking server: an MLflow client's
// experiments/create lands in the store; the store is created on start.
func TestServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "team.mlite")
	s := startServer(t, "server", execute, []string{"--db", path, "server", "--port", "0"}, `set_tracking_uri\("(http://[^"]+)"\)`, 10*time.Second)
	if status, body := fetch(t, s.url+"/api/2.0/mlflow/experiments/create", `{"name": "from-client"}`); status != "200 OK" || !strings.Contains(body, `"experiment_id"`) {
		t.Fatalf("experiments/create: %s %s", status, body)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("server stopped with %v, want nil", err)
	}
	db, err := mlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.GetExperimentByName(context.Background(), "from-client"); err != nil {
		t.Fatalf("the client's experiment is not in the store: %v", err)
	}
}

// TestProgressBars runs the commands that show progress with bars forced
// on (stderr is not a terminal in tests): uploads stream through the bar,
// downloads are watched, verify reports to it; the bytes arrive intact.
func TestProgressBars(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.mlite")
	ctx := context.Background()
	db, err := mlite.Open(path, &mlite.Options{NoSync: true, NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	endedRun(t, db, 0, "big")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("mlite progress "), 200_000) // 3 MB
	local := filepath.Join(dir, "weights.bin")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, bars: true}
		if err := a.execute(ctx, append([]string{"--db", path}, args...)); err != nil {
			t.Fatalf("mlite %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
		}
		return stderr.String()
	}
	if out := run("artifacts", "log", "big", local, "--path", "model"); !strings.Contains(out, "uploading") {
		t.Errorf("artifacts log: no bar on stderr: %q", out)
	}
	run("artifacts", "get", "big", "model", "-o", filepath.Join(dir, "out"))
	got, err := os.ReadFile(filepath.Join(dir, "out", "model", "weights.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("artifacts get: %d bytes, %v; want the %d uploaded", len(got), err, len(data))
	}
	if out := run("verify"); !strings.Contains(out, "verifying") {
		t.Errorf("verify: no bar on stderr: %q", out)
	}
	run("compact")
	run("gc", "--dry-run")
}

func TestInvokedAs(t *testing.T) {
	for _, c := range []struct{ arg0, want string }{
		{"/tmp/go-build1234567/b001/exe/mlite", "go run ./cmd/mlite"},
		{"/home/u/.cache/go-build/tmp/go-build99/b001/exe/mlite", "go run ./cmd/mlite"},
		{"mlite", "mlite"},
		{"/usr/local/bin/mlite", "mlite"},
		{"/home/u/go/bin/mlite", "mlite"},
		{"/srv/exe/mlite", "mlite"},
	} {
		if got := invokedAs(c.arg0); got != c.want {
			t.Errorf("invokedAs(%q) = %q, want %q", c.arg0, got, c.want)
		}
	}
}

// TestQuickstartUI builds a small demo store and serves it, as
// `mlite quickstart --ui` does, then stops it like SIGINT.
func TestQuickstartUI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.mlite")
	s := startServer(t, "quickstart --ui", execute, []string{"quickstart", "--db", path, "--children", "4", "--ui", "--port", "0", "--no-browser"}, `at (http://\S+/) `, 60*time.Second)
	if status, body := fetch(t, s.url, ""); status != "200 OK" || !strings.Contains(body, "credit_default_prediction") {
		t.Errorf("GET %s: %s, body without the demo experiment: %.300s", s.url, status, body)
	}
	if err := s.stop(); err != nil {
		t.Errorf("quickstart --ui stopped with %v, want nil", err)
	}
}

// TestArtifactsOutsideTheStore: the artifact commands read and write a
// run's local artifact folder, and name a remote one they cannot reach.
func TestArtifactsOutsideTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ext.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "team")
	for name, loc := range map[string]string{"local": folder, "remote": "s3://bucket/p"} {
		x, err := db.CreateExperimentAt(ctx, name, loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		endedRun(t, db, x.ID, name+"-run")
	}
	rx, err := db.GetExperimentByName(ctx, "remote")
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateLoggedModel(ctx, rx.ID, run.LoggedModelOptions{Name: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(local, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr}
		err := a.execute(ctx, append([]string{"--db", path}, args...))
		return stdout.String() + stderr.String(), err
	}
	if out, err := cli("artifacts", "log", "local-run", local, "--path", "docs"); err != nil {
		t.Fatalf("artifacts log: %v: %s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(folder, "*", "artifacts", "docs", "notes.txt"))
	if len(matches) != 1 {
		t.Fatalf("the logged file in the run's folder: got %v, want one", matches)
	}
	if out, err := cli("artifacts", "ls", "local-run", "--recursive"); err != nil || !strings.Contains(out, "docs/notes.txt") {
		t.Errorf("artifacts ls: got %q, %v, want docs/notes.txt", out, err)
	}
	if out, err := cli("artifacts", "get", "local-run", "docs", "-o", filepath.Join(dir, "out")); err != nil {
		t.Fatalf("artifacts get: %v: %s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "docs", "notes.txt")); err != nil || string(b) != "hello" {
		t.Errorf("artifacts get: got %q, %v, want hello", b, err)
	}
	if out, err := cli("models", "logged", "show", m.ID.String()); err != nil || !strings.Contains(out, m.ArtifactLocation+" (remote") {
		t.Errorf("models logged show of a remote model: got %q, %v, want its location", out, err)
	}
	out, err := cli("artifacts", "ls", "remote-run")
	if !errors.Is(err, run.ErrRemoteArtifacts) || !strings.Contains(err.Error()+out, "s3://bucket/p/") {
		t.Errorf("artifacts ls of a remote run: got %q, %v, want an error naming s3://bucket/p/...", out, err)
	}
}

// endedRun starts run name in experiment exp of db and ends it.
func endedRun(t *testing.T, db *mlite.DB, exp run.ExperimentID, name string) {
	t.Helper()
	r, err := db.StartRun(context.Background(), exp, mlite.RunName(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.End(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCheckArtifactBacklog: check counts the artifact blobs stored raw
// that await compression, one whose mark was lost included, without
// calling them a problem; compact compresses both (its rescan finds the
// unmarked one) and check then counts none.
func TestCheckArtifactBacklog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoSync: true, NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(run.BlobDir(path), &blob.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var lost blob.Digest
	var stored int64
	for i := range 2 {
		data := []byte(strings.Repeat(fmt.Sprintf("%d,0.125,0.5,label\n", i), 10_000))
		info, err := bs.Put(ctx, bytes.NewReader(data))
		if err != nil || !info.Pending {
			t.Fatalf("put: got %+v, %v; want a pending blob", info, err)
		}
		lost, stored = info.Digest, info.Stored
	}
	if err := os.Remove(filepath.Join(bs.Dir(), "pending", lost.String())); err != nil {
		t.Fatal(err)
	}
	mlite := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := execute(ctx, append([]string{"--db", path}, args...), &stdout, &stderr); err != nil {
			t.Fatalf("mlite %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}
	want := fmt.Sprintf("2 artifact blobs stored raw await compression (%s, 1 of them with a lost mark)", formatBytes(2*stored))
	if out := mlite("check"); !strings.Contains(out, want) || !strings.Contains(out, ": ok") {
		t.Errorf("check: got %q, want ok and %q", out, want)
	}
	var js struct {
		OK            bool  `json:"ok"`
		Pending       int   `json:"artifacts_pending"`
		PendingBytes  int64 `json:"artifacts_pending_bytes"`
		Unmarked      int   `json:"artifacts_unmarked"`
		UnmarkedBytes int64 `json:"artifacts_unmarked_bytes"`
	}
	if err := json.Unmarshal([]byte(mlite("check", "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if !js.OK || js.Pending != 1 || js.Unmarked != 1 || js.PendingBytes != stored || js.UnmarkedBytes != stored {
		t.Errorf("check --json: got %+v, want ok, 1 pending and 1 unmarked blob of %d bytes", js, stored)
	}
	mlite("compact")
	if out := mlite("check"); strings.Contains(out, "await compression") {
		t.Errorf("check after compact: got %q, want no blob awaiting compression", out)
	}
}
