package httpguard

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzGuard sends requests with arbitrary Host, Origin and Authorization
// headers: the guard never panics, and lets a request through only when
// its host is allowed, its origin may write, and it carries the
// credentials.
func FuzzGuard(f *testing.F) {
	for _, s := range [][4]string{
		{"127.0.0.1:5000", "", "", "GET"},
		{"evil.example", "https://evil.example", "Bearer tok", "POST"},
		{"[::1]:5000", "http://[::1]:5000", basic("alice", "s3cret"), "POST"},
		{"localhost", "http://localhost.evil", "Basic " + strings.Repeat("=", 9), "DELETE"},
		{"LOCALHOST:80", "null", "Bearer ", "PUT"},
		{"127.0.0.1:5000", "http://127.0.0.1@evil", "Basic YWxpY2U6czNjcmV0", "PATCH"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	creds := &Credentials{Username: "alice", Password: "s3cret", Token: "tok"}
	allowed := []string{"localhost", "127.0.0.1", "[::1]", "*.corp.example"}
	f.Fuzz(func(t *testing.T, host, origin, auth, method string) {
		reached := false
		h := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }),
			Options{AllowedHosts: allowed, Credentials: creds})
		r := httptest.NewRequest("GET", "/api/2.0/mlflow/runs/create", nil)
		r.Method, r.Host = method, host
		r.Header.Set("Origin", origin)
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !reached {
			return
		}
		if !HostAllowed(allowed, host) {
			t.Fatalf("host %q passed", host)
		}
		if stateChanging[method] && !OriginAllowed(nil, origin, host) {
			t.Fatalf("%s from origin %q passed", method, origin)
		}
		if !creds.accepts(r) {
			t.Fatalf("Authorization %q passed", auth)
		}
	})
}

// FuzzMatches checks the wildcard matcher against a regular expression
// made of the pattern: its * stand for .*, everything else is literal.
func FuzzMatches(f *testing.F) {
	f.Add("*.corp.example", "a.corp.example")
	f.Add("10.*.*.1", "10.1.2.1")
	f.Add("a*b*c", "abc")
	f.Add("a*a", "a")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // Host and Origin values are compared as text
		}
		parts := strings.Split(strings.ToLower(pattern), "*")
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile("(?s)^" + strings.Join(parts, ".*") + "$")
		if got, want := matches(pattern, s), re.MatchString(strings.ToLower(s)); got != want {
			t.Fatalf("matches(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}
