package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/examples/creditdemo"
)

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
