//go:build !linux

package blob

import (
	"errors"
	"os"
)

// setDirect fails here: Put writes through the page cache.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
