package artpath_test

import (
	"errors"
	"fmt"

	"github.com/mlite/mlite/internal/artpath"
)

func ExampleClean() {
	for _, p := range []string{"./plots//roc.png", "model/", "../secrets", `a\..\..\b`} {
		c, err := artpath.Clean(p)
		if errors.Is(err, artpath.ErrInvalid) {
			fmt.Println(err)
			continue
		}
		fmt.Println(c)
	}
	// Output:
	// plots/roc.png
	// model
	// artpath: "../secrets": climbs out of the artifact root: invalid artifact path
	// artpath: "a\\..\\..\\b": backslash at byte 1 (use forward slashes): invalid artifact path
}
