//go:build !windows

package store

// closeBeforeRename: POSIX renames over an open file; Compact keeps the old
// file open (and locked) until the new one is in place.
const closeBeforeRename = false
