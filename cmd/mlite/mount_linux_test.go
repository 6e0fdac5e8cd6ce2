package main

import (
	"os"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// canMount reports whether this process may mount a tmpfs (the [mountable]
// condition of the scripts).
func canMount() bool {
	dir, err := os.MkdirTemp("", "mlite-mount-")
	if err != nil {
		return false
	}
	defer os.Remove(dir)
	if syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m") != nil {
		return false
	}
	syscall.Unmount(dir, syscall.MNT_DETACH)
	return true
}

// cmdROMount mounts a fresh tmpfs on DIR, or, with -ro, remounts it
// read-only (guard the script with [mountable]):
//
//	romount [-ro] DIR
func cmdROMount(ts *testscript.TestScript, neg bool, args []string) {
	ro, args := scriptArgs(ts, neg, args, "-ro", 1, "romount [-ro] DIR")
	dir := ts.MkAbs(args[0])
	if ro {
		// The remount fails with EBUSY while any process holds a file of the
		// mount open for writing: a script running in parallel may have
		// forked a child that holds a copy of this script's descriptors
		// until it execs. That ends within moments: try again for a while.
		var err error
		for try := 0; try < 100; try++ {
			err = syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, "")
			if err != syscall.EBUSY {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		ts.Check(err)
		return
	}
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64m"))
	ts.Defer(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}
