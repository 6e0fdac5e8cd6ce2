package mlite_test

import (
	"context"
	"io"
	"testing"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
)

// The seed's lifecycle through the front door: a run logs a model file,
// the model is registered and promoted, the run goes for good, and the
// Production model still loads after GC.
func TestRegistryThroughTheFrontDoor(t *testing.T) {
	db := mlitetest.New(t)
	ctx := context.Background()
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.LogText(ctx, "trees: 200", "model/model.txt"); err != nil {
		t.Fatal(err)
	}
	if err := r.End(ctx); err != nil {
		t.Fatal(err)
	}
	reg := db.Registry()
	v, err := reg.CreateVersion(ctx, "CreditDefaultModel", "runs:/"+r.ID().String()+"/model", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.TransitionStage(ctx, "CreditDefaultModel", v.Version, "production", true); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRun(ctx, r.ID()); err != nil {
		t.Fatal(err)
	}
	if err := db.PurgeRun(ctx, r.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GC(ctx, run.GCOptions{Grace: -1}); err != nil {
		t.Fatal(err)
	}
	mv, err := reg.Resolve(ctx, "models:/CreditDefaultModel/Production")
	if err != nil || mv.Version != v.Version {
		t.Fatalf("resolve: got %+v, %v", mv, err)
	}
	f, err := reg.OpenFile(ctx, "CreditDefaultModel", mv.Version, "model.txt")
	if err != nil {
		t.Fatalf("the Production model's file after its run was purged and GC ran: %v", err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "trees: 200" {
		t.Errorf("model.txt: got %q", b)
	}
}
