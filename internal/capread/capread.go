// Package capread reads a whole input up to a cap: what a decoder, a
// preview or a small metadata file may hold in memory, with a clear answer
// when the input is larger.
//
// Package capread imports no mlite package.
package capread

import (
	"fmt"
	"io"
	"os"
)

// ReadAll reads r up to max bytes: b holds the first max bytes at most, and
// over reports that r had more. It reads one byte past max to tell, never
// more.
func ReadAll(r io.Reader, max int64) (b []byte, over bool, err error) {
	b, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > max {
		return b[:max], true, nil
	}
	return b, false, nil
}

// TooBigError is ReadFile's error for a file of more than Max bytes.
type TooBigError struct {
	Path string
	Max  int64
}

// Error says which file was over which cap.
func (e *TooBigError) Error() string { return fmt.Sprintf("%s: over %d bytes", e.Path, e.Max) }

// ReadFile reads the file at path whole; a file of more than max bytes is a
// *TooBigError, and errors opening or reading it are returned as they are.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, over, err := ReadAll(f, max)
	if err != nil {
		return nil, err
	}
	if over {
		return nil, &TooBigError{Path: path, Max: max}
	}
	return b, nil
}
