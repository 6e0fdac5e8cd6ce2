//go:build windows

package flock

import (
	"errors"
	"io/fs"
)

// NotWritable reports whether err says a file cannot be written because
// of permissions.
func NotWritable(err error) bool { return errors.Is(err, fs.ErrPermission) }
