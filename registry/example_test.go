package registry_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

// Register a run's model, promote it, give it an alias and resolve it by URI.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "registry-example")
	defer os.RemoveAll(dir)
	db, err := mlite.Open(filepath.Join(dir, "mlruns.mlite"), &mlite.Options{NoCapture: true, Store: &store.Options{NoSync: true}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	reg := registry.New(db.Tracker)

	r, _ := db.StartRun(ctx, 0)
	r.LogText(ctx, "flavors: {}\n", "model/MLmodel")
	r.End(ctx)

	v, err := reg.CreateVersion(ctx, "CreditDefaultModel", "runs:/"+r.ID().String()+"/model", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	reg.TransitionStage(ctx, "CreditDefaultModel", v.Version, "Production", true)
	reg.SetAlias(ctx, "CreditDefaultModel", "champion", v.Version)
	for _, uri := range []string{"models:/CreditDefaultModel/Production", "models:/CreditDefaultModel@champion"} {
		mv, err := reg.Resolve(ctx, uri)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(uri, "->", mv.Version, mv.Stage)
	}
	_, err = reg.Resolve(ctx, "models:/CreditDefaultModel/1/2")
	fmt.Println(err != nil)
	// Output:
	// models:/CreditDefaultModel/Production -> 1 Production
	// models:/CreditDefaultModel@champion -> 1 Production
	// true
}

// A gate on Production: the version needs a passed validation and an AUC
// of at least 0.9 on its source run. The refusal lists what is unmet; the
// audit log records what happened.
func ExampleRegistry_SetGate() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "registry-example")
	defer os.RemoveAll(dir)
	db, err := mlite.Open(filepath.Join(dir, "mlruns.mlite"), &mlite.Options{NoCapture: true, User: "ana", Store: &store.Options{NoSync: true}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	reg := db.Registry()

	r, _ := db.StartRun(ctx, 0)
	r.LogMetric("auc", 0.93)
	r.LogText(ctx, "weights", "model/weights.txt")
	r.End(ctx)
	v, _ := reg.CreateVersion(ctx, "CreditDefaultModel", "runs:/"+r.ID().String()+"/model", "")

	reg.SetGate(ctx, "CreditDefaultModel", registry.Gate{Target: "Production",
		RequiredTags: map[string]string{"validation_status": "passed"}, MetricFilter: "metrics.auc >= 0.9"})
	_, err = reg.TransitionStage(ctx, "CreditDefaultModel", v.Version, "Production", true)
	var ge *registry.GateError
	if errors.As(err, &ge) {
		for _, res := range ge.Results {
			fmt.Println(strings.TrimSpace(fmt.Sprintf("%-30s passed=%v %s", res.Requirement, res.Passed, res.Detail)))
		}
	}
	reg.SetVersionTag(ctx, "CreditDefaultModel", v.Version, "validation_status", "passed")
	if _, err := reg.TransitionStage(ctx, "CreditDefaultModel", v.Version, "Production", true); err != nil {
		fmt.Println(err)
	}
	events, _ := reg.Audit(ctx, "CreditDefaultModel")
	for _, ev := range events {
		to := strings.ReplaceAll(ev.To, r.ID().String(), "<run>")
		fmt.Println(strings.Join(strings.Fields(fmt.Sprint(ev.User, " ", ev.Action, " v", ev.Version, " ", ev.Key, " ", ev.From, " -> ", to)), " "))
	}
	// Output:
	// tag validation_status=passed   passed=false the version has no tag validation_status
	// metrics.auc >= 0.9             passed=true
	// ana create_model v0 ->
	// ana create_version v1 -> runs:/<run>/model
	// ana set_gate v0 Production -> tag validation_status=passed; metrics.auc >= 0.9
	// ana set_version_tag v1 validation_status -> passed
	// ana transition_stage v1 None -> Production
}
