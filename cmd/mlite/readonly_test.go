package main

import (
	"context"
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
	status, body := fetch(t, url+"/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept", "")
	if status != "200 OK" || !strings.Contains(body, `"name":"kept"`) {
		t.Errorf("get-by-name: got %s %s, want 200 and the experiment", status, body)
	}
	status, body = fetch(t, url+"/api/2.0/mlflow/experiments/create", `{"name":"written"}`)
	if status != "403 Forbidden" || !strings.Contains(body, `"error_code":"PERMISSION_DENIED"`) {
		t.Errorf("experiments/create: got %s %s, want 403 PERMISSION_DENIED", status, body)
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
