package httpguard

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHostAllowed(t *testing.T) {
	defaults := []string{"localhost", "127.0.0.1", "[::1]", "192.168.1.20"}
	tests := []struct {
		allowed []string
		host    string
		want    bool
	}{
		{defaults, "localhost:5000", true},
		{defaults, "LOCALHOST:5000", true},
		{defaults, "127.0.0.1", true},
		{defaults, "127.0.0.1:8080", true},
		{defaults, "[::1]:5000", true},
		{defaults, "192.168.1.20:5000", true},
		{defaults, "attacker.example:5000", false},
		{defaults, "attacker.example", false},
		{defaults, "localhost.attacker.example", false},
		{defaults, "127.0.0.1.nip.io:5000", false},
		{defaults, "", false},
		{[]string{"*"}, "anything.example:1", true},
		{[]string{"*.corp.example"}, "mlflow.corp.example:443", true},
		{[]string{"*.corp.example"}, "corp.example.evil:443", false},
		{[]string{"mlflow.corp.example:8443"}, "mlflow.corp.example:8443", true},
		{[]string{"mlflow.corp.example:8443"}, "mlflow.corp.example:9000", false},
		{[]string{"10.1.*"}, "10.1.2.3:5000", true},
		{[]string{"10.1.*"}, "10.2.2.3:5000", false},
	}
	for _, tt := range tests {
		if got := HostAllowed(tt.allowed, tt.host); got != tt.want {
			t.Errorf("HostAllowed(%q, %q) = %v, want %v", tt.allowed, tt.host, got, tt.want)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		allowed      []string
		origin, host string
		want         bool
	}{
		{nil, "", "127.0.0.1:5000", true},
		{nil, "http://127.0.0.1:5000", "127.0.0.1:5000", true},
		{nil, "http://localhost:3000", "127.0.0.1:5000", true},
		{nil, "http://[::1]:3000", "127.0.0.1:5000", true},
		{nil, "https://mlflow.corp.example", "mlflow.corp.example", true},
		{nil, "https://evil.example", "127.0.0.1:5000", false},
		{nil, "http://localhost.evil.example", "127.0.0.1:5000", false},
		{nil, "http://127.0.0.1@evil.example", "127.0.0.1:5000", false},
		{nil, "null", "127.0.0.1:5000", false},
		{[]string{"https://notebooks.corp.example"}, "https://notebooks.corp.example", "10.0.0.5:5000", true},
		{[]string{"https://*.corp.example"}, "https://nb.corp.example", "10.0.0.5:5000", true},
		{[]string{"https://*.corp.example"}, "https://nb.corp.example.evil", "10.0.0.5:5000", false},
		{[]string{"*"}, "https://evil.example", "10.0.0.5:5000", true},
	}
	for _, tt := range tests {
		if got := OriginAllowed(tt.allowed, tt.origin, tt.host); got != tt.want {
			t.Errorf("OriginAllowed(%q, %q, %q) = %v, want %v", tt.allowed, tt.origin, tt.host, got, tt.want)
		}
	}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})
	open := New(ok, Options{})
	authed := New(ok, Options{Credentials: &Credentials{Username: "alice", Password: "s3cret", Token: "tok"}})
	tokenOnly := New(ok, Options{Credentials: &Credentials{Token: "tok"}})
	tests := []struct {
		name         string
		h            http.Handler
		method, path string
		header       map[string]string
		wantStatus   int
		wantBody     string
	}{
		{"loopback host", open, "GET", "/api/2.0/mlflow/experiments/search", map[string]string{"Host": "127.0.0.1:5000"}, 200, "ok"},
		{"rebinding host", open, "POST", "/api/2.0/mlflow/runs/delete", map[string]string{"Host": "evil.example:5000"}, 403, InvalidHostMsg},
		{"rebinding host, viewer page", open, "GET", "/", map[string]string{"Host": "evil.example"}, 403, InvalidHostMsg},
		{"health without host check", open, "GET", "/health", map[string]string{"Host": "evil.example"}, 200, "ok"},
		{"cross-site write", open, "POST", "/api/2.0/mlflow/runs/delete", map[string]string{"Host": "127.0.0.1:5000", "Origin": "https://evil.example"}, 403, CORSBlockedMsg},
		{"cross-site read", open, "GET", "/api/2.0/mlflow/runs/get", map[string]string{"Host": "127.0.0.1:5000", "Origin": "https://evil.example"}, 200, "ok"},
		{"same-site write", open, "POST", "/ajax-api/2.0/mlflow/runs/delete", map[string]string{"Host": "127.0.0.1:5000", "Origin": "http://127.0.0.1:5000"}, 200, "ok"},
		{"no credentials", authed, "GET", "/api/2.0/mlflow/experiments/search", map[string]string{"Host": "localhost"}, 401, NotAuthorizedMsg},
		{"basic auth", authed, "GET", "/api/2.0/mlflow/experiments/search", map[string]string{"Host": "localhost", "Authorization": basic("alice", "s3cret")}, 200, "ok"},
		{"basic auth, wrong password", authed, "GET", "/", map[string]string{"Host": "localhost", "Authorization": basic("alice", "guess")}, 401, NotAuthorizedMsg},
		{"basic auth, wrong user", authed, "GET", "/", map[string]string{"Host": "localhost", "Authorization": basic("bob", "s3cret")}, 401, NotAuthorizedMsg},
		{"basic auth, malformed", authed, "GET", "/", map[string]string{"Host": "localhost", "Authorization": "Basic !!!"}, 401, NotAuthorizedMsg},
		{"bearer token", authed, "POST", "/api/2.0/mlflow/runs/create", map[string]string{"Host": "localhost", "Authorization": "Bearer tok"}, 200, "ok"},
		{"bearer token, wrong", authed, "POST", "/api/2.0/mlflow/runs/create", map[string]string{"Host": "localhost", "Authorization": "Bearer tok2"}, 401, NotAuthorizedMsg},
		{"token where only basic would do", tokenOnly, "GET", "/", map[string]string{"Host": "localhost", "Authorization": basic("alice", "tok")}, 401, NotAuthorizedMsg},
		{"health without credentials", authed, "GET", "/health", map[string]string{"Host": "localhost"}, 200, "ok"},
		{"host checked before credentials", authed, "GET", "/", map[string]string{"Host": "evil.example", "Authorization": "Bearer tok"}, 403, InvalidHostMsg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}"))
			for k, v := range tt.header {
				if k == "Host" {
					r.Host = v
				} else {
					r.Header.Set(k, v)
				}
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || strings.TrimSpace(w.Body.String()) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no X-Content-Type-Options: nosniff")
			}
			if w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		want    *Credentials
		wantErr string
	}{
		{"none", "", nil, nil, ""},
		{"env token", "", map[string]string{EnvToken: "t"}, &Credentials{Token: "t"}, ""},
		{"env basic", "", map[string]string{EnvUsername: "u", EnvPassword: "p"}, &Credentials{Username: "u", Password: "p"}, ""},
		{"env user without password", "", map[string]string{EnvUsername: "u"}, nil, "needs a password"},
		{"file", write("a", "# team server\nusername = alice\npassword = s3 cr=t\n\ntoken=abc\n"), nil, &Credentials{Username: "alice", Password: "s3 cr=t", Token: "abc"}, ""},
		{"file then env", write("b", "token = abc\n"), map[string]string{EnvToken: "env", EnvUsername: "u", EnvPassword: "p"}, &Credentials{Username: "u", Password: "p", Token: "abc"}, ""},
		{"file bad line", write("c", "username alice\n"), nil, nil, "c:1: want key = value"},
		{"file unknown key", write("d", "user = alice\n"), nil, nil, `d:1: unknown key "user"`},
		{"user with colon", "", map[string]string{EnvUsername: "a:b", EnvPassword: "p"}, nil, "may not contain ':'"},
		{"missing file", filepath.Join(dir, "nope"), nil, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadCredentials(tt.file, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestSlowLorisCannotExhaustTheServer opens many connections that announce
// a large body and never send it: each is cut off once its body stalls
// past BodyProgress, a normal request is answered meanwhile, and no
// goroutine is left behind.
func TestSlowLorisCannotExhaustTheServer(t *testing.T) {
	h := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		io.WriteString(w, "ok")
	}), Options{BodyProgress: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	before := runtime.NumGoroutine()

	const stalled = 200
	var conns []net.Conn
	for range stalled {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "PUT /api/2.0/mlflow-artifacts/artifacts/0/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\nabc")
		conns = append(conns, c)
	}
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/2.0/mlflow/runs/search", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("a normal request beside %d stalled ones: got %s %q", stalled, resp.Status, body)
	}
	// Every stalled connection is closed by the server.
	deadline := time.Now().Add(10 * time.Second)
	for i, c := range conns {
		c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, bufio.NewReader(c)); err != nil {
			t.Fatalf("stalled connection %d was not closed by the server: %v", i, err)
		}
		c.Close()
	}
	for time.Now().Before(deadline) && runtime.NumGoroutine() > before+5 {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+5 {
		t.Errorf("%d goroutines after the stalled connections closed, %d before", n, before)
	}
}

// TestUnreadResponseIsCutOff: a client that asks for a large download and
// never reads it is cut off once the response stalls past BodyProgress.
func TestUnreadResponseIsCutOff(t *testing.T) {
	wrote := make(chan error, 1)
	h := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		var err error
		for i := 0; i < 1024 && err == nil; i++ {
			_, err = w.Write(buf)
		}
		wrote <- err
	}), Options{BodyProgress: 300 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /get-artifact HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("the handler wrote 1 GiB to a client that reads nothing")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still blocked writing to a client that reads nothing")
	}
}
