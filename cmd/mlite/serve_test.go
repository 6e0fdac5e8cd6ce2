package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite/examples/creditdemo"
)

// runServe runs `mlite args...` with the serve command in the tree whether
// or not extraCmds registers it yet.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCmd()
	if c, _, err := root.Find([]string{"serve"}); err != nil || c == root {
		root.AddCommand(a.serveCmd())
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.db != nil {
		a.db.Close()
	}
	return err
}

// TestServe serves the quickstart's champion on a free port, scores a loan
// and stops on cancel.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "q.mlite")
	if _, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 4}); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "serve", runServe, []string{"serve", "--db", path, "models:/CreditDefaultModel@champion", "--port", "0"}, `at (http://\S+) `, 30*time.Second)
	url, stdout := s.url, &s.stdout
	if !strings.Contains(stdout.String(), "curl -s "+url+"/invocations") {
		t.Errorf("serve printed no example curl: %q", stdout.String())
	}
	resp, err := http.Get(url + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /ping: got %s, want 200", resp.Status)
	}
	// The example request the command printed is a valid request.
	ex := regexp.MustCompile(`-d '(.*)'`).FindStringSubmatch(stdout.String())
	if ex == nil {
		t.Fatalf("no -d body in %q", stdout.String())
	}
	resp, err = http.Post(url+"/invocations", "application/json", strings.NewReader(ex[1]))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Predictions []float64 }
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || len(got.Predictions) != 1 || got.Predictions[0] < 0 || got.Predictions[0] > 1 {
		t.Errorf("POST /invocations %s: got %s %v (%v), want one probability", ex[1], resp.Status, got.Predictions, err)
	}
	if err := s.stop(); err != nil {
		t.Errorf("serve stopped with %v, want nil", err)
	}
	if !strings.Contains(stdout.String(), "mlite: stopped") {
		t.Errorf("serve did not say it stopped: %q", stdout.String())
	}
}

func TestServeErrors(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.mlite")
	if _, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 4}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--db", path, "models:/NoSuchModel/1"}, "NoSuchModel"},
		{[]string{"serve", "--db", path, "models:/CreditDefaultModel@champion", "--port", "70000"}, "--port 70000"},
		{[]string{"serve", "--db", path}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		var stdout, stderr syncBuffer
		err := runServe(ctx, tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("mlite %s: got %v, want an error containing %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

// server is a serving command (ui, server, serve, quickstart --ui) running
// in the background of a test.
type server struct {
	t              testing.TB
	name           string
	cancel         context.CancelFunc
	done           chan error
	stopped        bool
	stdout, stderr syncBuffer
	url            string // the first submatch of the address pattern
}

// startServer runs args with exec in the background and waits up to wait
// for its standard output to match addr, whose first submatch is the
// address. It fails the test when the command returns first or prints no
// address. The command is stopped when the test ends, if not before.
func startServer(t testing.TB, name string, exec func(context.Context, []string, io.Writer, io.Writer) error, args []string, addr string, wait time.Duration) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, name: name, cancel: cancel, done: make(chan error, 1)}
	t.Cleanup(func() {
		if !s.stopped {
			s.stop()
		}
	})
	go func() { s.done <- exec(ctx, args, &s.stdout, &s.stderr) }()
	re := regexp.MustCompile(addr)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case err := <-s.done:
			s.stopped = true
			t.Fatalf("%s returned early: %v\nstderr: %s", name, err, s.stderr.String())
		default:
		}
	}
	cancel()
	t.Fatalf("%s printed no address: stdout %q stderr %q", name, s.stdout.String(), s.stderr.String())
	return nil
}

// stop cancels the command and returns what it returned; the test fails if
// it does not stop within 10 s. A command not stopped is stopped when the
// test ends.
func (s *server) stop() error {
	s.t.Helper()
	s.cancel()
	s.stopped = true
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.t.Errorf("%s did not stop after cancel", s.name)
	}
	return nil
}

// fetch sends url a GET, or a POST of the JSON body when body is not empty,
// and returns the response's status line and body.
func fetch(t *testing.T, url, body string) (status string, got string) {
	t.Helper()
	var (
		resp *http.Response
		err  error
	)
	if body == "" {
		resp, err = http.Get(url)
	} else {
		resp, err = http.Post(url, "application/json", strings.NewReader(body))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status, string(b)
}

// trackingServer runs `mlite server` over the store at path on a free port,
// with args added, until the test ends, and returns its URL.
func trackingServer(t *testing.T, path string, args ...string) string {
	t.Helper()
	return startServer(t, "server", runServe, append([]string{"server", "--db", path, "--port", "0"}, args...), `at (http://\S+)/ `, 30*time.Second).url
}

// TestServerStopsPastSilentConnection stops a server while a client holds a
// connection it never sent a request on (http.Transport dials such spares):
// net/http's graceful shutdown waits on it, and past the grace period the
// server closes it and stops without an error.
func TestServerStopsPastSilentConnection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mlite.db")
	s := startServer(t, "server", runServe, []string{"server", "--db", path, "--port", "0"}, `at (http://\S+)/ `, 30*time.Second)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server accepts connections in the order they were dialled: once a
	// request on a second one is answered, the silent one is the server's
	// (stopped before that, the server never saw it and nothing waits).
	fetch(t, s.url, "") // fails the test if no answer comes
	if err := s.stop(); err != nil {
		t.Fatalf("server stopped with %v", err)
	}
	if out := s.stdout.String(); !strings.Contains(out, "closed the connections still open") {
		t.Errorf("stdout %q: want the forced close said", out)
	}
}
