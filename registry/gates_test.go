package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func TestGates(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	if err := db.SetRunTag(ctx, id, "framework", "lightgbm"); err != nil {
		t.Fatal(err)
	}
	r, err := db.ResumeRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogMetric("auc", 0.87); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	mv := mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	var seen *registry.ModelVersion
	reg.RegisterCheck("schema", func(_ context.Context, v *registry.ModelVersion, src *run.Record) error {
		seen = v
		if src == nil || src.ID != id {
			return errors.New("no source run")
		}
		return nil
	})
	reg.RegisterCheck("bias", func(context.Context, *registry.ModelVersion, *run.Record) error {
		return errors.New("approval rate gap 0.12 over 0.05")
	})
	gate := registry.Gate{Target: "@champion",
		RequiredTags: map[string]string{"validation_status": "passed", "reviewer": "ana"},
		MetricFilter: "metrics.auc >= 0.9 and tags.framework = 'lightgbm'",
		Checks:       []string{"schema", "bias", "missing"}}
	if err := reg.SetGate(ctx, "m", gate); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetVersionTag(ctx, "m", mv.Version, "reviewer", "bob"); err != nil {
		t.Fatal(err)
	}
	err = reg.SetAlias(ctx, "m", "champion", mv.Version)
	var ge *registry.GateError
	if !errors.As(err, &ge) || !errors.Is(err, registry.ErrGate) {
		t.Fatalf("SetAlias through a failing gate: got %v, want a *GateError", err)
	}
	want := []registry.GateResult{
		{Requirement: "tag reviewer=ana", Detail: `the version's tag reviewer is "bob"`},
		{Requirement: "tag validation_status=passed", Detail: "the version has no tag validation_status"},
		{Requirement: "metrics.auc >= 0.9 and tags.framework = 'lightgbm'", Detail: "source run " + id.String() + ` has metrics.auc = 0.87, tags.framework = "lightgbm"`},
		{Requirement: "check schema", Passed: true},
		{Requirement: "check bias", Detail: "approval rate gap 0.12 over 0.05"},
		{Requirement: "check missing", Detail: "no check of that name is registered in this process"},
	}
	if len(ge.Results) != len(want) {
		t.Fatalf("results = %+v, want %+v", ge.Results, want)
	}
	for i := range want {
		if ge.Results[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, ge.Results[i], want[i])
		}
	}
	if msg := err.Error(); !strings.Contains(msg, `model "m" version 1 may not enter @champion: 5 of 6 gate requirements unmet`) {
		t.Errorf("message %q does not say what was refused", msg)
	}
	if seen == nil || seen.Version != mv.Version {
		t.Fatalf("check got version %+v", seen)
	}
	if m, _ := reg.GetModel(ctx, "m"); len(m.Aliases) != 0 {
		t.Fatalf("refused alias was set: %v", m.Aliases)
	}

	// A version without a gate for its target moves freely; the alias gate
	// does not guard stages.
	if _, err := reg.TransitionStage(ctx, "m", mv.Version, "Production", false); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetGate(ctx, "m", registry.Gate{Target: "@champion", MetricFilter: "metrics.auc > 0.8"}); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetAlias(ctx, "m", "champion", mv.Version); err != nil {
		t.Fatalf("SetAlias through a passing gate: %v", err)
	}
	gates, err := reg.Gates(ctx, "m")
	if err != nil || len(gates) != 1 || gates[0].Target != "@champion" || gates[0].MetricFilter != "metrics.auc > 0.8" {
		t.Fatalf("Gates = %+v, %v", gates, err)
	}
	if err := reg.DeleteGate(ctx, "m", "@champion"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteGate(ctx, "m", "@champion"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a missing gate: got %v, want ErrNotFound", err)
	}
}

func TestGateOnPurgedSource(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	mv := mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	if err := reg.SetGate(ctx, "m", registry.Gate{Target: "Production", MetricFilter: "metrics.auc > 0"}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.PurgeRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err := reg.TransitionStage(ctx, "m", mv.Version, "production", false)
	var ge *registry.GateError
	if !errors.As(err, &ge) || !strings.Contains(ge.Results[0].Detail, "no longer exists") {
		t.Fatalf("got %v, want a gate error saying the source run is gone", err)
	}
}

func TestSetGateErrors(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	tests := []struct {
		gate registry.Gate
		want string
	}{
		{registry.Gate{Target: "Live", MetricFilter: "metrics.a > 1"}, "neither a stage nor @alias"},
		{registry.Gate{Target: "@latest", MetricFilter: "metrics.a > 1"}, "reserved"},
		{registry.Gate{Target: "@", MetricFilter: "metrics.a > 1"}, "alias"},
		{registry.Gate{Target: "Production"}, "requires nothing"},
		{registry.Gate{Target: "Production", MetricFilter: "metrics.a >"}, "metric filter"},
		{registry.Gate{Target: "Production", Checks: []string{" "}}, "empty check name"},
		{registry.Gate{Target: "Production", RequiredTags: map[string]string{"": "x"}}, "registry"},
	}
	for _, tt := range tests {
		err := reg.SetGate(ctx, "m", tt.gate)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SetGate(%+v) = %v, want ErrInvalid mentioning %q", tt.gate, err, tt.want)
		}
	}
	if err := reg.SetGate(ctx, "nope", registry.Gate{Target: "Production", MetricFilter: "metrics.a > 1"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetGate on an unknown model: got %v, want ErrNotFound", err)
	}
	if gates, _ := reg.Gates(ctx, "m"); len(gates) != 0 {
		t.Fatalf("refused gates were stored: %+v", gates)
	}
}

func TestAuditFollowsRenames(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	src := "runs:/" + id.String() + "/model"
	mustVersion(t, reg, "a", src) // creates model a
	if err := reg.RenameModel(ctx, "a", "b"); err != nil {
		t.Fatal(err)
	}
	// A new model takes the freed name; its history is its own.
	if _, err := reg.CreateModel(ctx, "a", nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetModelTag(ctx, "b", "k", "v"); err != nil {
		t.Fatal(err)
	}
	actions := func(name string) string {
		t.Helper()
		evs, err := reg.Audit(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, ev := range evs {
			s = append(s, ev.Model+":"+ev.Action)
		}
		return strings.Join(s, " ")
	}
	if got, want := actions("b"), "a:create_model a:create_version b:rename_model b:set_model_tag"; got != want {
		t.Errorf("Audit(b) = %s, want %s", got, want)
	}
	if got, want := actions("a"), "a:create_model"; got != want {
		t.Errorf("Audit(a) = %s, want %s", got, want)
	}
	// A deleted model's history stays readable.
	if err := reg.DeleteModel(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got, want := actions("b"), "a:create_model a:create_version b:rename_model b:set_model_tag b:delete_model"; got != want {
		t.Errorf("Audit(deleted b) = %s, want %s", got, want)
	}
	if _, err := reg.Audit(ctx, "never"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Audit of a model that never existed: got %v, want ErrNotFound", err)
	}
	if _, err := reg.VersionAudit(ctx, "a", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("VersionAudit of a version the model never had: got %v, want ErrNotFound", err)
	}
}

// TestAuditSurvivesCompact: compaction keeps the audit log's sequence, so
// events appended after it never overwrite earlier ones.
func TestAuditSurvivesCompact(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	mustVersion(t, reg, "m", "runs:/"+id.String()+"/model")
	if err := reg.SetModelTag(ctx, "m", "k", "1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetModelTag(ctx, "m", "k", "2"); err != nil {
		t.Fatal(err)
	}
	evs, err := reg.Audit(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, ev := range evs {
		got = append(got, ev.Action+":"+ev.To)
		if ev.Seq != uint64(i+1) {
			t.Errorf("event %d has sequence %d", i, ev.Seq)
		}
	}
	if want := "create_model: create_version:runs:/" + id.String() + "/model set_model_tag:1 set_model_tag:2"; strings.Join(got, " ") != want {
		t.Fatalf("audit after compact = %q, want %q", strings.Join(got, " "), want)
	}
}
