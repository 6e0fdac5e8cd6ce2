// Package flock takes advisory whole-file locks on a lock file, shared or
// exclusive, waiting a bounded time. mlite holds such a lock on the sidecar
// file "<store>.lock" for the length of one transaction batch, so several
// processes can share one store the way SQLite processes share a database.
//
// The wait is a blocking lock call (the kernel queues waiters, which keeps
// the wait fair) made on a descriptor of its own; a caller that gives up
// leaves that call behind, and it releases the lock the moment it gets it.
//
// It imports only the standard library and golang.org/x/sys.
package flock
