//go:build unix

// Package cputime measures the CPU time this process has used, for
// benchmarks that report CPU per operation beside wall time.
//
// Package cputime imports no mlite package.
package cputime

import (
	"syscall"
	"time"
)

// Used returns the CPU time (user and system) this process has used, or 0
// when the system does not say.
func Used() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
