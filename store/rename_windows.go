//go:build windows

package store

// closeBeforeRename: Windows cannot rename over an open file.
const closeBeforeRename = true
