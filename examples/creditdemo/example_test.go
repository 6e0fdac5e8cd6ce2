package creditdemo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlite/mlite/examples/creditdemo"
)

// Build a small quickstart store: six child runs instead of 36.
func ExampleBuild() {
	dir, err := os.MkdirTemp("", "mlite-demo-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	rep, err := creditdemo.Build(context.Background(), filepath.Join(dir, "quickstart.mlite"), &creditdemo.Options{Children: 6})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Children, "child runs in experiment", rep.ExperimentID)
	fmt.Printf("best validation AUC %.1f, Production bar %.2f\n", rep.BestAUC, creditdemo.ProductionAUC)
	fmt.Printf("%s version %d is in Production as @champion\n", rep.Model, rep.ProductionVersion)
	// Output:
	// 6 child runs in experiment 1
	// best validation AUC 0.9, Production bar 0.85
	// CreditDefaultModel version 2 is in Production as @champion
}
