package main

import (
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
		args := []string{"server", "--db", filepath.Join(t.TempDir(), "s.mlite"), "--port", "0"}
		if quiet {
			args = append(args, "--quiet")
		}
		s := startServer(t, "server", runServe, args, `at (http://\S+)/ `, 30*time.Second)
		url, stderr := s.url, &s.stderr
		for _, u := range []string{"/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default", "/api/3.0/mlflow/nope"} {
			resp, err := http.Get(url + u)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		want := 2
		if quiet {
			want = 0
		}
		// A line is written before its answer is sent; wait a little all
		// the same.
		got := line.FindAllStringSubmatch(stderr.String(), -1)
		for deadline := time.Now().Add(5 * time.Second); len(got) < want && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			got = line.FindAllStringSubmatch(stderr.String(), -1)
		}
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
