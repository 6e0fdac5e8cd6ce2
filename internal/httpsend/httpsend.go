// Package httpsend streams a file that is verified as it is read (a blob
// whose reader reports a digest mismatch at the end instead of io.EOF) so
// that a damaged file never reaches a client as a successful download:
// a small file is read whole before the status line and a damaged one gets
// an error status; a large one is sent one read behind, and when the
// damage shows, the connection is aborted, so the client sees an error
// whether or not the length was announced.
//
// Package httpsend imports no mlite package.
package httpsend

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// Whole is the size up to which a file is read and verified before the
// status line is sent.
const Whole = 256 << 10

// SentError is an error met after the status line was sent: the caller
// logs it, then calls Abort.
type SentError struct{ Err error }

func (e *SentError) Error() string { return "httpsend: after the response began: " + e.Err.Error() }
func (e *SentError) Unwrap() error { return e.Err }

// Abort ends the handler and makes the server drop the connection without
// finishing the response, so the client cannot take a cut-off body for a
// whole one (with chunked encoding as with a Content-Length).
func Abort() { panic(http.ErrAbortHandler) }

// Withholder is a reader whose WriteTo never writes the last bytes of a
// file it finds damaged: it returns the damage as its error instead.
// Stream has such a reader write a large file to the response itself,
// without a copy through a buffer of its own.
type Withholder interface {
	io.WriterTo
	WithholdsDamagedTail()
}

// Stream writes rc with status 200, Content-Length set to size when it is
// known (≥ 0) or when the file is read whole first. The caller sets the
// other headers. An error before the status line is returned as is (the
// caller answers it); one after is a *SentError.
func Stream(ctx context.Context, w http.ResponseWriter, r *http.Request, size int64, rc io.Reader) error {
	first := Whole
	if size >= 0 && size < int64(first) {
		first = int(size) + 1 // one more byte to see the end
	}
	buf := make([]byte, first)
	n, err := io.ReadFull(rc, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		// The whole file, verified: rc reported the end, not damage.
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(buf[:n])
		}
		return nil
	case err != nil:
		return err
	}
	if size >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if wt, ok := rc.(Withholder); ok {
		// The first bytes go out only when rc writes more: if it
		// finds the file ends damaged right there, nothing does.
		hw := &headFirst{w: w, head: buf[:n]}
		if _, err := wt.WriteTo(hw); err != nil {
			return &SentError{err}
		}
		if err := hw.flush(); err != nil {
			return &SentError{err}
		}
		return nil
	}
	// One read behind: the last bytes go out only once rc said io.EOF.
	pending := buf[:n]
	next := make([]byte, len(buf))
	for {
		n, err := rc.Read(next)
		if n > 0 {
			if _, werr := w.Write(pending); werr != nil {
				return &SentError{werr} // the client went away
			}
			pending, next = next[:n], pending[:cap(pending)]
		}
		if errors.Is(err, io.EOF) {
			if _, werr := w.Write(pending); werr != nil {
				return &SentError{werr}
			}
			return nil
		}
		if err != nil {
			return &SentError{err}
		}
		if err := ctx.Err(); err != nil {
			return &SentError{err}
		}
	}
}

// headFirst writes head to w before the first write through it.
type headFirst struct {
	w    io.Writer
	head []byte
}

func (h *headFirst) Write(p []byte) (int, error) {
	if err := h.flush(); err != nil {
		return 0, err
	}
	return h.w.Write(p)
}

// flush writes head unless it went out already.
func (h *headFirst) flush() error {
	if h.head == nil {
		return nil
	}
	_, err := h.w.Write(h.head)
	h.head = nil
	return err
}
