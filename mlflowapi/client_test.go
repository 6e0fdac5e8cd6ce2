package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/pyclient"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
)

// resultMarker starts the line a client script prints its result on.
const resultMarker = "MLITE-RESULT "

// runClient runs testdata/client/<script> against url and decodes the
// JSON object it prints.
func runClient(t *testing.T, py, script, url string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	path, err := filepath.Abs(filepath.Join("testdata", "client", script))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, py, path, url)
	cmd.Env = pyclient.Env()
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s\nstdout:\n%s", script, err, stderr.Bytes(), stdout.Bytes())
	}
	t.Logf("%s ran in %v", script, time.Since(start).Round(time.Millisecond))
	// MLflow prints its own lines ("View run ... at"); the result is the
	// line after the marker.
	_, result, ok := bytes.Cut(stdout.Bytes(), []byte(resultMarker))
	if !ok {
		t.Fatalf("%s: no %q line in its output:\n%s\nstderr:\n%s", script, resultMarker, stdout.Bytes(), stderr.Bytes())
	}
	var out map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(result), &out); err != nil {
		t.Fatalf("%s: output is not one JSON object: %v\n%s\nstderr:\n%s", script, err, stdout.Bytes(), stderr.Bytes())
	}
	return out
}

// clientOverServer runs script with the mlflow client against a server
// over a new store, and returns the store and what the script printed.
func clientOverServer(t *testing.T, script string) (*mlite.DB, map[string]any) {
	t.Helper()
	py := pyclient.Need(t)
	db := mlitetest.New(t)
	srv := httptest.NewServer(New(db, &Options{Logger: discardLogger()}))
	t.Cleanup(srv.Close)
	return db, runClient(t, py, script, srv.URL)
}

// TestMLflowClient has the unmodified mlflow Python client log through the
// handler, then checks what it read back and what landed in the store.
func TestMLflowClient(t *testing.T) {
	db, out := clientOverServer(t, "tracking.py")
	ctx := context.Background()

	// What the client read back.
	for _, c := range []struct {
		key  string
		want any
	}{
		{"search", []any{"child-a", "parent"}},
		{"children", []any{"child-a", "child-b"}},
		{"loss_history", []any{[]any{0.0, 1.0}, []any{1.0, 0.5}, []any{2.0, 1.0 / 3}, []any{3.0, 0.25}, []any{4.0, 0.2}}},
		{"param_change_error", "INVALID_PARAMETER_VALUE"},
		{"deleted_run_error", "INVALID_PARAMETER_VALUE"},
		{"missing_run_error", "RESOURCE_DOES_NOT_EXIST"},
		{"duplicate_experiment_error", "RESOURCE_ALREADY_EXISTS"},
		{"batch_history", 10.0},
		{"resumed", "RUNNING"},
		{"inputs", []any{[]any{"iris", "d1g3st", "http", map[string]any{"mlflow.data.context": "training"}}}},
		{"artifacts_root", []any{[]any{"config.json", false, 17.0}, []any{"model", true, nil}, []any{"notes", true, nil}}},
		{"artifacts_notes", []any{"notes/hello.txt"}},
		{"downloaded", "hello from the client\n"},
		{"loaded_text", "hello from the client\n"},
		{"loaded_dict", map[string]any{"layers": 3.0}},
		{"weights_ok", true},
		{"batch", map[string]any{"status": "KILLED", "params": map[string]any{"p1": "v1", "p2": "v2"}, "tags": map[string]any{"t1": "b"}}},
	} {
		if got := out[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("client %s: got %v, want %v", c.key, got, c.want)
		}
	}
	parent, _ := out["parent"].(map[string]any)
	if got, want := fmt.Sprint(parent["status"]), "FINISHED"; got != want {
		t.Errorf("client parent status: got %s, want %s", got, want)
	}
	if got, want := parent["params"], map[string]any{"alpha": "0.5", "layers": "3", "optimizer": "adam"}; !reflect.DeepEqual(got, want) {
		t.Errorf("client parent params: got %v, want %v", got, want)
	}
	if got, want := parent["metrics"], map[string]any{"loss": 0.2, "acc": 0.9, "f1": 0.8}; !reflect.DeepEqual(got, want) {
		t.Errorf("client parent metrics: got %v, want %v", got, want)
	}

	// What landed in the store, read with the Go library.
	expID, err := run.ParseExperimentID(fmt.Sprint(out["experiment_id"]))
	if err != nil {
		t.Fatalf("experiment_id %v: %v", out["experiment_id"], err)
	}
	exp, err := db.GetExperiment(ctx, expID)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Name != "client-exp" || out["artifact_location"] != exp.ArtifactLocation {
		t.Errorf("experiment: got %q at %q (client saw %v), want client-exp", exp.Name, exp.ArtifactLocation, out["artifact_location"])
	}
	pid, err := run.ParseID(fmt.Sprint(out["parent_run_id"]))
	if err != nil {
		t.Fatal(err)
	}
	rec := mlitetest.Run(t, db, pid)
	if rec.Name != "parent" || rec.Status != run.Finished || rec.EndTime == 0 || rec.ExperimentID != expID {
		t.Errorf("parent run: got name %q status %v end %d experiment %v, want parent FINISHED ended in %v", rec.Name, rec.Status, rec.EndTime, rec.ExperimentID, expID)
	}
	if got, want := rec.ArtifactURI, out["artifact_uri"]; got != want {
		t.Errorf("parent artifact URI: got %q, client saw %v", got, want)
	}
	for k, want := range map[string]string{"team": "vision", "stage": "dev"} {
		if got := rec.Tags[k]; got != want {
			t.Errorf("parent tag %s: got %q, want %q", k, got, want)
		}
	}
	if len(rec.Inputs) != 1 || rec.Inputs[0].Name != "iris" || rec.Inputs[0].Tags[run.TagDatasetContext] != "training" {
		t.Errorf("parent inputs: got %+v, want iris with context training", rec.Inputs)
	}
	if _, ok := rec.Tags["to_delete"]; ok {
		t.Errorf("parent tag to_delete: still set after delete_tag")
	}
	if rec.Tags[run.TagUser] == "" || rec.User != rec.Tags[run.TagUser] {
		t.Errorf("parent user: got %q, tag %q, want the client's user in both", rec.User, rec.Tags[run.TagUser])
	}
	if got, want := mlitetest.History(t, db, pid, "loss"), []float64{1, 0.5, 1.0 / 3, 0.25, 0.2}; !reflect.DeepEqual(got, want) {
		t.Errorf("parent loss history: got %v, want %v", got, want)
	}
	kids, err := db.Children(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, k := range kids {
		names[k.Name] = k.Params["lr"]
		if k.Status != run.Finished {
			t.Errorf("child %s: got status %v, want FINISHED", k.Name, k.Status)
		}
	}
	if want := map[string]string{"child-a": "0.1", "child-b": "0.01"}; !reflect.DeepEqual(names, want) {
		t.Errorf("children: got %v, want %v", names, want)
	}
	bid, err := run.ParseID(fmt.Sprint(out["batch_run_id"]))
	if err != nil {
		t.Fatal(err)
	}
	b := mlitetest.Run(t, db, bid)
	if b.Status != run.Killed || b.Lifecycle != run.Active || b.Tags["kind"] != "batch" {
		t.Errorf("batch run: got status %v lifecycle %v tags %v, want KILLED, active (restored), kind=batch", b.Status, b.Lifecycle, b.Tags)
	}
	files, err := db.ListArtifacts(ctx, pid, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, fmt.Sprintf("%s:%d", f.Path, f.Size))
	}
	if got, want := fmt.Sprint(paths), "[config.json:17 model/weights.bin:1024 notes/hello.txt:22]"; got != want {
		t.Errorf("parent artifacts in the store: got %s, want %s", got, want)
	}
	if got := mlitetest.History(t, db, bid, "m"); len(got) != 10 || got[9] != 9 {
		t.Errorf("batch run history of m: got %v, want 0..9", got)
	}
}

// TestMLflowClientRegistry has the unmodified mlflow client register,
// promote, alias, tag, rename and delete models, then checks the registry
// with the Go library.
func TestMLflowClientRegistry(t *testing.T) {
	db, out := clientOverServer(t, "registry.py")
	for _, c := range []struct {
		key  string
		want any
	}{
		{"created", map[string]any{"name": "Iris", "description": "iris classifier", "tags": map[string]any{"team": "ml"}}},
		{"duplicate_model_error", "RESOURCE_ALREADY_EXISTS"},
		{"v1", map[string]any{"version": "1", "status": "READY", "stage": "None", "tags": map[string]any{"k": "v"}, "description": "first", "run_id": out["run_id"]}},
		{"v2_version", "2"},
		{"transitioned", "Production"},
		{"v1_after_archive", "Archived"},
		{"bad_stage_error", "INVALID_PARAMETER_VALUE"},
		{"by_alias", "1"},
		{"deleted_alias_error", "INVALID_PARAMETER_VALUE"},
		{"latest_production", []any{"2"}},
		{"searched", []any{"2", "1"}},
		{"deleted_version_error", "RESOURCE_DOES_NOT_EXIST"},
		{"missing_model_error", "RESOURCE_DOES_NOT_EXIST"},
		{"renamed", map[string]any{"name": "IrisRenamed", "description": "iris, updated", "tags": map[string]any{"owner": "bob"}, "aliases": map[string]any{"champion": "1"}}},
		{"v2", map[string]any{"stage": "Production", "tags": map[string]any{"validated": "yes"}, "description": "second"}},
		// The client writes registered_model_meta itself after downloading.
		{"model_files", []any{"MLmodel", "registered_model_meta", "weights.txt"}},
		{"weights", "weights\n"},
		{"deleted_model_error", "RESOURCE_DOES_NOT_EXIST"},
	} {
		if got := out[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("client %s: got %v, want %v", c.key, got, c.want)
		}
	}

	// What the registry holds, read with the Go library.
	ctx := context.Background()
	reg := db.Registry()
	m, err := reg.GetModel(ctx, "IrisRenamed")
	if err != nil {
		t.Fatal(err)
	}
	if m.Aliases["champion"] != 1 || m.Tags["owner"] != "bob" || m.Description != "iris, updated" {
		t.Errorf("model: got aliases %v tags %v description %q, want champion->1, owner=bob, \"iris, updated\"", m.Aliases, m.Tags, m.Description)
	}
	vs, err := reg.Versions(ctx, "IrisRenamed")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%d:%s", v.Version, v.Stage))
	}
	if want := "[1:Archived 2:Production]"; fmt.Sprint(got) != want {
		t.Errorf("versions: got %v, want %s", got, want)
	}
	files, err := reg.Files(ctx, "IrisRenamed", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Errorf("version 2 files: got %v, want MLmodel and weights.txt", files)
	}
	if _, err := reg.GetModel(ctx, "Scratch"); err == nil {
		t.Errorf("model Scratch: still there after delete")
	}
}
