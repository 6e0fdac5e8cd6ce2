//go:build linux && (amd64 || arm64 || 386 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x)

package blob

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start the writeback of the
// range's dirty pages without waiting for it.
const syncFileRangeWrite = 2

// startWriteback asks the kernel to start writing the n bytes at off of f
// to the disk now (it may wait for the disk's queue, not for the write).
// Best effort: a closed f is left alone.
func startWriteback(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
	})
}
