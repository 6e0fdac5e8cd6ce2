package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAccessLog(t *testing.T) {
	clock := time.Date(2026, 12, 6, 21, 40, 0, 123e6, time.UTC)
	var mu sync.Mutex
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(1500 * time.Microsecond)
		return clock
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.WriteHeader(http.StatusTeapot) // superfluous: the first status counts
	})
	var log strings.Builder
	h := accessLog(mux, &log, now)
	for _, tc := range []struct{ method, target, want string }{
		{"GET", "/ok?x=1", "2026-12-06T21:40:00.124Z GET /ok 200 1.500ms\n"},
		{"POST", "/silent", "2026-12-06T21:40:00.127Z POST /silent 200 1.500ms\n"},
		{"DELETE", "/gone", "2026-12-06T21:40:00.130Z DELETE /gone 404 1.500ms\n"},
		{"GET", "/a%0Ab%20c", "2026-12-06T21:40:00.133Z GET /a%0Ab%20c 404 1.500ms\n"},
	} {
		log.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.target, nil))
		if got := log.String(); got != tc.want {
			t.Errorf("%s %s: got log %q, want %q", tc.method, tc.target, got, tc.want)
		}
	}
}

// TestServerAccessLog runs mlite server with and without --quiet: a line
// per request on stderr, or none.
func TestServerAccessLog(t *testing.T) {
	line := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (GET|POST) (\S+) (\d{3}) \d+\.\d{3}ms$`)
	for _, quiet := range []bool{false, true} {
		args := []string{"--db", filepath.Join(t.TempDir(), "s.mlite"), "server", "--port", "0"}
		if quiet {
			args = append(args, "--quiet")
		}
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr syncBuffer
		done := make(chan error, 1)
		go func() { done <- execute(ctx, args, &stdout, &stderr) }()
		uriRE := regexp.MustCompile(`set_tracking_uri\("(http://[^"]+)"\)`)
		var uri string
		for deadline := time.Now().Add(10 * time.Second); uri == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if m := uriRE.FindStringSubmatch(stdout.String()); m != nil {
				uri = m[1]
			}
		}
		if uri == "" {
			cancel()
			t.Fatalf("server printed no tracking URI: stdout %q stderr %q", stdout.String(), stderr.String())
		}
		for _, u := range []string{"/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default", "/api/3.0/mlflow/nope"} {
			resp, err := http.Get(uri + u)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("server stopped with %v", err)
		}
		got := line.FindAllStringSubmatch(stderr.String(), -1)
		if quiet {
			if len(got) != 0 {
				t.Errorf("server --quiet: got access lines %q, want none", got)
			}
			continue
		}
		if len(got) != 2 || got[0][2] != "/api/2.0/mlflow/experiments/get-by-name" || got[0][3] != "200" ||
			got[1][2] != "/api/3.0/mlflow/nope" || got[1][3] != "404" {
			t.Errorf("server: got stderr %q, want a line for the 200 and one for the 404", stderr.String())
		}
	}
}
