//go:build !unix

// Package cputime measures the CPU time this process has used, for
// benchmarks that report CPU per operation beside wall time.
//
// Package cputime imports no mlite package.
package cputime

import "time"

// Used returns 0: CPU time is not measured on this system.
func Used() time.Duration { return 0 }
