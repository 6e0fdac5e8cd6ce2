package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
)

// lightgbmStore makes a store holding the serving/lightgbm golden models
// names registered as versions 1, 2, ... of "lgb", and returns its path and
// the first one's golden request columns, rows and pyfunc's answers.
func lightgbmStore(t *testing.T, names ...string) (string, []string, [][]any, []any) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range names {
		src := filepath.Join("..", "..", "serving", "lightgbm", "testdata", name)
		raw, err := os.ReadFile(filepath.Join(src, "MLmodel"))
		if err != nil {
			t.Fatal(err)
		}
		mm, err := mlmodel.Unmarshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		model, err := os.ReadFile(filepath.Join(src, "model.lgb"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "model.lgb"), model, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := db.StartRun(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		flavors := map[string]map[string]any{"lightgbm": mm.Flavors["lightgbm"]}
		if _, _, err := db.Registry().LogModel(ctx, r.ID(), dir, &registry.LogModelOptions{Flavors: flavors, Signature: mm.Signature, RegisteredModelName: "lgb"}); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join("..", "..", "serving", "lightgbm", "testdata", names[0])
	exp, err := os.ReadFile(filepath.Join(src, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Request struct {
			Split struct {
				Columns []string `json:"columns"`
				Data    [][]any  `json:"data"`
			} `json:"dataframe_split"`
		} `json:"request"`
		Predictions []any `json:"predictions"`
	}
	if err := json.Unmarshal(exp, &golden); err != nil {
		t.Fatal(err)
	}
	return path, golden.Request.Split.Columns, golden.Request.Split.Data, golden.Predictions
}

// TestPredict scores a CSV file with a registered LightGBM model into CSV,
// JSON Lines and JSON files, in batches of 3 rows, and gets pyfunc's
// answers; a bad row exits 2 naming it and leaves no output file.
func TestPredict(t *testing.T) {
	ctx := context.Background()
	path, cols, data, want := lightgbmStore(t, "multiclass")
	dir := t.TempDir()
	var in strings.Builder
	in.WriteString(strings.Join(cols, ",") + "\n")
	for _, row := range data {
		cells := make([]string, len(row))
		for i, v := range row {
			if v != nil {
				cells[i] = strconv.FormatFloat(v.(float64), 'g', -1, 64)
			}
		}
		in.WriteString(strings.Join(cells, ",") + "\n")
	}
	input := filepath.Join(dir, "loans.csv")
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(what string, got [][]float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: got %d rows, want %d", what, len(got), len(want))
		}
		for i, w := range want {
			for j, x := range w.([]any) {
				if math.Abs(got[i][j]-x.(float64)) > 1e-9 {
					t.Fatalf("%s row %d: got %v, want %v", what, i, got[i], w)
				}
			}
		}
	}
	for _, ext := range []string{"csv", "jsonl", "json"} {
		out := filepath.Join(dir, "scores."+ext)
		var stdout, stderr bytes.Buffer
		if err := execute(ctx, []string{"predict", "--db", path, "models:/lgb/1", "--input", input, "--output", out, "--batch-rows", "3"}, &stdout, &stderr); err != nil {
			t.Fatalf("predict into %s: %v\n%s", ext, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "scored 40 rows") {
			t.Errorf("predict into %s said %q", ext, stdout.String())
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]float64
		switch ext {
		case "csv":
			recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(recs[0], ",") != "prediction_0,prediction_1,prediction_2" {
				t.Errorf("csv header: got %v", recs[0])
			}
			for _, r := range recs[1:] {
				var row []float64
				for _, c := range r {
					f, _ := strconv.ParseFloat(c, 64)
					row = append(row, f)
				}
				got = append(got, row)
			}
		case "jsonl":
			for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				var row []float64
				if err := json.Unmarshal([]byte(line), &row); err != nil {
					t.Fatal(err)
				}
				got = append(got, row)
			}
		case "json":
			var body struct{ Predictions [][]float64 }
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			got = body.Predictions
		}
		check(ext, got)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(cols, ",")+"\n1,0.5,30,0.2\n1,0.5,old,0.2\n"), 0o644)
	out := filepath.Join(dir, "bad-scores.csv")
	var stdout, stderr bytes.Buffer
	err := execute(ctx, []string{"predict", "--db", path, "models:/lgb/1", "--input", bad, "--output", out}, &stdout, &stderr)
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "row 2") || !strings.Contains(err.Error(), "age") {
		t.Errorf("a bad row: got exit %d, %v; want 2 naming row 2 and age", exitCode(err), err)
	}
	if _, serr := os.Stat(out); !os.IsNotExist(serr) {
		t.Errorf("a bad row left %s (%v)", out, serr)
	}
	if err := execute(ctx, []string{"predict", "--db", path, "models:/lgb/1", "--input", filepath.Join(dir, "loans.parquet")}, &stdout, &stderr); exitCode(err) != exitUsage {
		t.Errorf("a .parquet input: got %v, want a usage error", err)
	}
}
