package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/httpguard"
	"github.com/mlite/mlite/internal/pyclient"
	"github.com/mlite/mlite/run"
)

// authScript logs a run with the mlflow client, which takes its
// credentials from MLFLOW_TRACKING_USERNAME/PASSWORD or _TOKEN.
const authScript = `
import sys, mlflow
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("auth")
with mlflow.start_run(run_name=sys.argv[2]):
    mlflow.log_param("scheme", sys.argv[2])
    mlflow.log_metric("auc", 0.9)
`

// TestServerAuthWithMLflowClient runs mlite server with credentials and
// the unmodified mlflow client against it, with HTTP basic auth and with a
// bearer token: the right credentials log a run, wrong or missing ones get
// 401 and log nothing.
func TestServerAuthWithMLflowClient(t *testing.T) {
	py := pyclient.Need(t)
	path := filepath.Join(t.TempDir(), "auth.mlite")
	t.Setenv(httpguard.EnvUsername, "alice")
	t.Setenv(httpguard.EnvPassword, "s3cret")
	t.Setenv(httpguard.EnvToken, "tok-123")
	url := trackingServer(t, path)
	tests := []struct {
		scheme string
		env    []string
		ok     bool
	}{
		{"basic", []string{"MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_PASSWORD=s3cret"}, true},
		{"token", []string{"MLFLOW_TRACKING_TOKEN=tok-123"}, true},
		{"wrong-password", []string{"MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_PASSWORD=guess"}, false},
		{"wrong-token", []string{"MLFLOW_TRACKING_TOKEN=tok-124"}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		_, stderr, err := pyclient.Run(py, authScript, pyclient.Env(tt.env...), url, tt.scheme)
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: the client failed: %v\n%s", tt.scheme, err, stderr)
		case !tt.ok && err == nil:
			t.Errorf("%s: the client logged without the right credentials", tt.scheme)
		case !tt.ok && !strings.Contains(stderr, "401"):
			t.Errorf("%s: the client's error does not say 401:\n%s", tt.scheme, stderr)
		}
	}
	db, err := mlite.Open(path, &mlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.SearchRuns(context.Background(), run.SearchOptions{Filter: "params.scheme != ''"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Runs {
		got = append(got, r.Params["scheme"])
	}
	if strings.Join(got, ",") != "token,basic" && strings.Join(got, ",") != "basic,token" {
		t.Errorf("runs logged: %v, want basic and token only", got)
	}
}

// TestServerRefusesRebindingAndCrossSiteWrites: mlite server answers only
// Host headers that name it, and refuses writes from other sites' pages.
func TestServerRefusesRebindingAndCrossSiteWrites(t *testing.T) {
	url := trackingServer(t, filepath.Join(t.TempDir(), "web.mlite"))
	do := func(method, host, origin string) (int, string) {
		req, err := http.NewRequest(method, url+"/api/2.0/mlflow/experiments/create", strings.NewReader(`{"name":"x-`+host+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	port := url[strings.LastIndex(url, ":")+1:]
	tests := []struct {
		host, origin string
		want         int
		body         string
	}{
		{"127.0.0.1:" + port, "", 200, ""},
		{"localhost:" + port, "http://localhost:" + port, 200, ""},
		{"attacker.example:" + port, "", 403, httpguard.InvalidHostMsg},
		{"127.0.0.1:" + port, "https://attacker.example", 403, httpguard.CORSBlockedMsg},
	}
	for _, tt := range tests {
		code, body := do("POST", tt.host, tt.origin)
		if code != tt.want || (tt.body != "" && body != tt.body) {
			t.Errorf("POST with Host %q, Origin %q: got %d %q, want %d %q", tt.host, tt.origin, code, body, tt.want, tt.body)
		}
	}
}
