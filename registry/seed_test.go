package registry_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

type applicant struct {
	Age    int64   `json:"age"`
	Income float64 `json:"income"`
	Lines  int32   `json:"lines"`
}

// trainRun logs a finished run with an AUC and a model directory logged
// through LogModel, as a training script would.
func trainRun(t *testing.T, ctx context.Context, reg *registry.Registry, tr *run.Tracker, auc float64) run.ID {
	t.Helper()
	r, err := tr.StartRun(ctx, 0, run.Name(fmt.Sprintf("lgbm-%v", auc)))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogParam("learning_rate", 0.05); err != nil {
		t.Fatal(err)
	}
	if err := r.LogMetric("auc", auc); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(fmt.Sprintf(`{"auc": %v}`, auc)), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := []applicant{{34, 52000, 3}, {51, 87000.5, 7}}
	sig, err := mlmodel.InferSignature(rows, mlmodel.Named([]float64{0.1, 0.7}, "default_probability"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.LogModel(ctx, r.ID(), dir, &registry.LogModelOptions{Signature: sig, InputExample: rows, ModelType: "linear"}); err != nil {
		t.Fatal(err)
	}
	return r.ID()
}

// TestSeedRegistryScript is the seed article's registry script in Go:
// register, stage, gate, promote with archive_existing_versions, alias,
// resolve by stage and alias, download, and read the audit log.
func TestSeedRegistryScript(t *testing.T) {
	ctx := context.Background()
	db := mlitetest.New(t)
	reg := db.Registry()
	const name = "CreditDefaultModel"

	oldRun := trainRun(t, ctx, reg, db.Tracker, 0.86)
	newRun := trainRun(t, ctx, reg, db.Tracker, 0.93)

	if _, err := reg.CreateModel(ctx, name, map[string]string{"team": "risk"}, "Predicts credit default"); err != nil {
		t.Fatal(err)
	}
	v1 := mustVersion(t, reg, name, "runs:/"+oldRun.String()+"/model")
	mustTransition(t, reg, name, v1.Version, "Production", true)
	// The gate comes after v1 went live: from now on Production needs a
	// passed validation and an AUC of at least 0.9.
	gate := registry.Gate{Target: "production", RequiredTags: map[string]string{"validation_status": "passed"},
		MetricFilter: "metrics.auc >= 0.9"}
	if err := reg.SetGate(ctx, name, gate); err != nil {
		t.Fatal(err)
	}
	v2 := mustVersion(t, reg, name, "runs:/"+newRun.String()+"/model")
	mustTransition(t, reg, name, v2.Version, "Staging", false)
	// Promotion before validation is refused, listing what is unmet, and
	// nothing changes.
	_, err := reg.TransitionStage(ctx, name, v2.Version, "Production", true)
	var ge *registry.GateError
	if !errors.Is(err, registry.ErrGate) || !errors.As(err, &ge) {
		t.Fatalf("promotion without validation: got %v, want a *GateError", err)
	}
	if len(ge.Unmet()) != 1 || ge.Unmet()[0].Requirement != "tag validation_status=passed" {
		t.Fatalf("unmet = %+v, want only the validation tag", ge.Unmet())
	}
	if got, _ := reg.GetVersion(ctx, name, v1.Version); got.Stage != registry.Production {
		t.Fatalf("refused promotion changed v1 to %s", got.Stage)
	}
	if err := reg.SetVersionTag(ctx, name, v2.Version, "validation_status", "passed"); err != nil {
		t.Fatal(err)
	}
	results, err := reg.CheckGate(ctx, name, v2.Version, "Production")
	if err != nil || len(results) != 2 || !results[0].Passed || !results[1].Passed {
		t.Fatalf("CheckGate = %+v, %v; want two passed requirements", results, err)
	}
	mustTransition(t, reg, name, v2.Version, "Production", true)
	if err := reg.SetAlias(ctx, name, "champion", v2.Version); err != nil {
		t.Fatal(err)
	}

	for _, uri := range []string{"models:/" + name + "/Production", "models:/" + name + "@champion", "models:/" + name + "/latest"} {
		mv, err := reg.Resolve(ctx, uri)
		if err != nil || mv.Version != v2.Version {
			t.Fatalf("Resolve(%s) = %+v, %v; want version %d", uri, mv, err, v2.Version)
		}
	}
	if got, _ := reg.GetVersion(ctx, name, v1.Version); got.Stage != registry.Archived {
		t.Fatalf("v1 is %s after v2's promotion with archive_existing_versions, want Archived", got.Stage)
	}

	dst := t.TempDir()
	mv, err := reg.Download(ctx, "models:/"+name+"@champion", dst)
	if err != nil || mv.Version != v2.Version {
		t.Fatalf("Download = %+v, %v", mv, err)
	}
	for _, f := range []string{"MLmodel", "model.json", "input_example.json", "serving_input_example.json"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("downloaded model lacks %s: %v", f, err)
		}
	}
	text, _ := os.ReadFile(filepath.Join(dst, "MLmodel"))
	m, err := mlmodel.Unmarshal(text)
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != newRun.String() || m.Signature == nil || m.Flavors[mlmodel.GoFlavor]["model_file"] != "model.json" {
		t.Fatalf("MLmodel: run %q, signature %v, flavors %v", m.RunID, m.Signature, m.Flavors)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "model.json")); string(b) != `{"auc": 0.93}` {
		t.Fatalf("model.json = %s", b)
	}

	events, err := reg.Audit(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		s := ev.Action
		if ev.Version != 0 {
			s += fmt.Sprintf(" v%d", ev.Version)
		}
		if ev.Key != "" {
			s += " " + ev.Key
		}
		if ev.From != "" || ev.To != "" {
			s += " " + ev.From + "->" + ev.To
		}
		if len(ev.Gates) > 0 {
			s += fmt.Sprintf(" gates=%d", len(ev.Gates))
		}
		if ev.User == "" {
			t.Errorf("event %q has no user", s)
		}
		if ev.Time <= 0 {
			t.Errorf("event %q has no time", s)
		}
		got = append(got, s)
	}
	want := []string{
		"create_model ->Predicts credit default",
		"create_version v1 ->runs:/" + oldRun.String() + "/model",
		"transition_stage v1 None->Production",
		"set_gate Production ->tag validation_status=passed; metrics.auc >= 0.9",
		"create_version v2 ->runs:/" + newRun.String() + "/model",
		"transition_stage v2 None->Staging",
		"set_version_tag v2 validation_status ->passed",
		"transition_stage v1 archive_existing_versions Production->Archived",
		"transition_stage v2 Staging->Production gates=2",
		"set_alias v2 champion ->2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	l, err := reg.Lineage(ctx, name, v2.Version)
	if err != nil {
		t.Fatal(err)
	}
	if l.Run == nil || l.Run.ID != newRun || l.Run.Metrics["auc"].Latest.Value != 0.93 || l.Run.Params["learning_rate"] != "0.05" {
		t.Fatalf("lineage run = %+v", l.Run)
	}
	if l.Experiment == nil || l.Experiment.Name != "Default" || len(l.Files) != 4 || len(l.Events) != 5 {
		t.Fatalf("lineage: experiment %+v, %d files, %d events; want Default, 4, 5", l.Experiment, len(l.Files), len(l.Events))
	}
	hist := l.Run.Tags[registry.TagLogModelHistory]
	if !strings.Contains(hist, `"artifact_path": "model"`) || !strings.Contains(hist, `"flavors": {"go_mlite"`) {
		t.Fatalf("log-model history tag = %s", hist)
	}
}
