//go:build linux

package blob

import (
	"os"
	"syscall"
)

// setDirect turns direct I/O (O_DIRECT) on or off for f. Writes then go
// from the caller's buffer to the disk without a copy into the page
// cache, and must be aligned (directAlign) in memory, offset and length.
// It fails where the file system has no direct I/O (tmpfs before Linux
// 6.6, among others).
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno != 0 {
			serr = errno
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags); errno != 0 {
			serr = errno
		}
	})
	if err != nil {
		return err
	}
	return serr
}
