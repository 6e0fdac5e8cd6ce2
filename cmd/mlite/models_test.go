package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/examples/creditdemo"
	"github.com/mlite/mlite/run"
)

func TestModelsLogged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.mlite")
	db, err := mlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.StartRun(ctx, 0, run.Name("rf"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateLoggedModel(ctx, 0, run.LoggedModelOptions{Name: "model", SourceRunID: r.ID().String(), ModelType: "sklearn",
		Params: map[string]string{"C": "1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LogBatch(ctx, r.ID(), run.Batch{Metrics: []run.Metric{{Key: "auc", Value: 0.9, Time: 1, ModelID: m.ID, DatasetName: "val"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.LogModelReader(ctx, m.ID, strings.NewReader("flavors: {}\n"), "MLmodel"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinalizeLoggedModel(ctx, m.ID, run.ModelReady); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := execute(ctx, append([]string{"--db", path}, args...), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := cli("models", "logged", "ls", "--run", "rf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{m.ID.String(), "model", "READY", "sklearn"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls: got\n%s\nwant it to contain %q", out, want)
		}
	}
	out, err = cli("models", "logged", "ls", "--filter", "metrics.auc > 0.95")
	if err != nil || !strings.Contains(out, "no logged models") {
		t.Errorf("ls with an unmatched filter: got %q, %v; want no logged models", out, err)
	}
	out, err = cli("models", "logged", "show", "models:/"+m.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Param", "C=1.0", "auc", "val", "MLmodel"} {
		if !strings.Contains(out, want) {
			t.Errorf("show: got\n%s\nwant it to contain %q", out, want)
		}
	}
	out, err = cli("models", "logged", "show", m.ID.String(), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var js loggedModelJSON
	if err := json.Unmarshal([]byte(out), &js); err != nil || js.ModelID != m.ID.String() || js.Status != "LOGGED_MODEL_READY" || len(js.Metrics) != 1 {
		t.Errorf("show --json: got %+v, %v from\n%s", js, err, out)
	}
	if _, err := cli("models", "logged", "show", "m-nope"); exitCode(err) != exitUsage {
		t.Errorf("show of a malformed id: got %v (exit %d), want exit %d", err, exitCode(err), exitUsage)
	}
	if _, err := cli("models", "logged", "show", "m-0123456789abcdef0123456789abcdef"); exitCode(err) != exitNotFound {
		t.Errorf("show of an unknown id: got %v (exit %d), want exit %d", err, exitCode(err), exitNotFound)
	}
}

// TestModelsDiff diffs the quickstart's baseline and champion: the table
// names the changed params, metrics and files; --json lists them by
// section; a missing version exits 3.
func TestModelsDiff(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.mlite")
	if _, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 4}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := execute(ctx, []string{"models", "diff", "CreditDefaultModel", "1", "2", "--db", path}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"CreditDefaultModel: version 1 (run ", "Params (", "~  learning_rate", "Metrics (", "val_auc", "Files (", "model.json"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diff output has no %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := execute(ctx, []string{"models", "diff", "CreditDefaultModel", "1", "2", "--db", path, "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Versions [2]int64
		Changes  map[string][]struct{ Key, Kind, Old, New string }
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if got.Versions != [2]int64{1, 2} || len(got.Changes["params"]) == 0 || len(got.Changes["files"]) == 0 || got.Changes["signature"] == nil {
		t.Errorf("--json: got %+v", got)
	}
	err := execute(ctx, []string{"models", "diff", "CreditDefaultModel", "1", "99", "--db", path}, &out, &errb)
	if exitCode(err) != exitNotFound {
		t.Errorf("a missing version: got exit %d (%v), want %d", exitCode(err), err, exitNotFound)
	}
}
