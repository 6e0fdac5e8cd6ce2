package runname_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/mlite/mlite/internal/runname"
)

func ExampleNew() {
	r := rand.New(rand.NewPCG(2024, 6)) // seeded: the same names every time
	fmt.Println(runname.New(r))
	fmt.Println(runname.New(r))
	// Output:
	// curious-bee-183
	// breezy-deer-264
}
