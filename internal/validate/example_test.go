package validate_test

import (
	"errors"
	"fmt"

	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

func ExampleKey() {
	fmt.Println(validate.Key("metric", "train/loss"))

	err := validate.InRun(validate.Key("param", "lr rate!"), "3f2a1b2c9d8e7f60a1b2c3d4e5f60718")
	fmt.Println(err)
	fmt.Println(errors.Is(err, store.ErrInvalid))

	fmt.Println(validate.Key("tag", "a/../b"))
	// Output:
	// <nil>
	// validate: param key "lr rate!" (run 3f2a1b2c…): invalid character '!' at byte 7; keys may contain letters, digits, '_', '-', '.', ' ', '/' and ':'
	// true
	// validate: tag key "a/../b": path segment ".." at byte 2 (it would resolve to "b"); keys are file names in MLflow's file store and must not resolve to another name
}

func ExampleParamValue() {
	long := make([]byte, validate.MaxParamValueLength+1)
	for i := range long {
		long[i] = 'x'
	}
	fmt.Println(validate.ParamValue("layers", string(long)))
	// A run stores it truncated, as MLflow's server does:
	fmt.Println(len(validate.Truncate(string(long), validate.MaxParamValueLength)))
	// Output:
	// validate: value of param "layers": is 6001 characters long, over the limit of 6000 (characters are Unicode code points, as MLflow counts them)
	// 6000
}
