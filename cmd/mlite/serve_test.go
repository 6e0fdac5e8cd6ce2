package main

import (
	"context"
	"encoding/json"
	"io"
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
