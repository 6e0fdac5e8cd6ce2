//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// canMount: read-only tmpfs mounts are tested on Linux only.
func canMount() bool { return false }

// cmdROMount is not used where canMount is false.
func cmdROMount(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("romount: Linux only")
}
