package chunkenc

import (
	"runtime"
	"syscall"
	"time"
)

// threadCPU returns the CPU time used so far by the calling OS thread. The
// benchmarks lock their goroutine to its thread and report points per CPU
// second next to points per wall second, which the other processes on a
// shared machine inflate.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
