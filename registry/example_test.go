package registry_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

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
