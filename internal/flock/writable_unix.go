//go:build unix

package flock

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/unix"
)

// NotWritable reports whether err says a file cannot be written because
// of permissions or a read-only file system.
func NotWritable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EROFS)
}
