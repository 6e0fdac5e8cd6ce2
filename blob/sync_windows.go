package blob

// syncDir is a no-op on Windows, where directories cannot be opened for
// fsync; NTFS journals its metadata.
func syncDir(dir string) error { return nil }
