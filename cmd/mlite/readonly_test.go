package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite"
)

// TestServerReadOnly serves a store with --read-only: MLflow clients read
// it, every write is refused with MLflow's PERMISSION_DENIED, and the file
// does not change.
func TestServerReadOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "ro.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetExperiment(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "server", runServe, []string{"server", "--read-only", "--db", path, "--port", "0"}, `at (http://\S+)/ `, 30*time.Second)
	url, stdout := s.url, &s.stdout
	if !strings.Contains(stdout.String(), "is read-only: MLflow clients may read, every write is refused") {
		t.Errorf("server did not say it is read-only: %q", stdout.String())
	}
	get, err := http.Get(url + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if get.StatusCode != 200 || !strings.Contains(string(body), `"name":"kept"`) {
		t.Errorf("get-by-name: got %s %s, want 200 and the experiment", get.Status, body)
	}
	post, err := http.Post(url+"/api/2.0/mlflow/experiments/create", "application/json", strings.NewReader(`{"name":"written"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(post.Body)
	post.Body.Close()
	if post.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `"error_code":"PERMISSION_DENIED"`) {
		t.Errorf("experiments/create: got %s %s, want 403 PERMISSION_DENIED", post.Status, body)
	}
	s.stop()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("the read-only server changed the store file")
	}
}
