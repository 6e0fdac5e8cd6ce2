package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

// TestDiff registers two versions whose runs differ in params, metrics,
// tags, code, datasets and environment, and whose models differ in
// signature and files, and checks each section lists exactly those.
func TestDiff(t *testing.T) {
	ctx := context.Background()
	db := mlitetest.New(t)
	reg := db.Registry()
	type spec struct {
		params  map[string]any
		auc     float64
		tags    map[string]string
		dataset string
		reqs    string
		weights string
		cols    []mlmodel.ColSpec
	}
	for _, s := range []spec{
		{map[string]any{"lr": 0.1, "trees": 100}, 0.81, map[string]string{"team": "risk", "mlflow.source.git.commit": "aaa111", "mlite.go.deps": "golang.org/x/text v0.1\nrsc.io/q v1"},
			"d1g3st", "lightgbm==4.6.0\nnumpy==2.0\n", "[1, 2]", []mlmodel.ColSpec{mlmodel.Col("age", mlmodel.Long), mlmodel.Col("income", mlmodel.Double)}},
		{map[string]any{"lr": 0.05, "trees": 100, "smote": true}, 0.84, map[string]string{"team": "risk", "mlflow.source.git.commit": "bbb222", "mlite.go.deps": "golang.org/x/text v0.2\nrsc.io/q v1"},
			"d2g3st", "lightgbm==4.7.0\nnumpy==2.0\n", "[1, 3]", []mlmodel.ColSpec{mlmodel.Col("age", mlmodel.Double), mlmodel.Col("income", mlmodel.Double), mlmodel.Col("debt", mlmodel.Double)}},
	} {
		r, err := db.StartRun(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.LogParams(s.params); err != nil {
			t.Fatal(err)
		}
		if err := r.LogMetric("auc", s.auc); err != nil {
			t.Fatal(err)
		}
		for k, v := range s.tags {
			if err := r.SetTag(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.LogInput(ctx, run.Dataset{Name: "loans", Digest: s.dataset, SourceType: "local", Source: "loans.csv"}, "training"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "weights.json"), []byte(s.weights), 0o644)
		os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte(s.reqs), 0o644)
		sig := &mlmodel.Signature{Inputs: &mlmodel.Schema{Cols: s.cols}}
		if _, _, err := reg.LogModel(ctx, r.ID(), dir, &registry.LogModelOptions{Signature: sig, RegisteredModelName: "credit",
			Flavors: map[string]map[string]any{mlmodel.GoFlavor: {"model_file": "weights.json", "model_type": "linear"}}}); err != nil {
			t.Fatal(err)
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
	}
	d, err := reg.Diff(ctx, "credit", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(cs []registry.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Kind()+" "+c.Key+": "+c.Old+" -> "+c.New)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		got  []registry.Change
		want []string
	}{
		{"params", d.Params, []string{"changed lr: 0.1 -> 0.05", "added smote:  -> true"}},
		{"metrics", d.Metrics, []string{"changed auc: 0.81 -> 0.84"}},
		{"tags", d.Tags, nil},
		{"signature", d.Signature, []string{"changed inputs.age: long -> double", "added inputs.debt:  -> double"}},
		{"code", d.Code, []string{"changed commit: aaa111 -> bbb222"}},
		{"inputs", d.Inputs, []string{"changed loans (training): d1g3st -> d2g3st"}},
		{"environment", d.Environment, []string{"removed requirements.txt: lightgbm==4.6.0 -> ", "added requirements.txt:  -> lightgbm==4.7.0",
			"removed Go modules: golang.org/x/text v0.1 -> ", "added Go modules:  -> golang.org/x/text v0.2"}},
	} {
		if got := keys(tt.got); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	var files []string
	for _, c := range d.Files {
		files = append(files, c.Kind()+" "+c.Key)
	}
	if want := []string{"changed MLmodel", "changed requirements.txt", "changed weights.json"}; !reflect.DeepEqual(files, want) {
		t.Errorf("files: got %q, want %q", files, want)
	}
	if same, err := reg.Diff(ctx, "credit", 2, 2); err != nil || !same.Empty() {
		t.Errorf("a version against itself: got %+v, %v; want no change", same, err)
	}
	if _, err := reg.Diff(ctx, "credit", 1, 9); err == nil {
		t.Error("a missing version: got no error")
	}
}
