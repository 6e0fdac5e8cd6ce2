package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// Open returns a reader of blob d's content. The reader recomputes the
// digest as it streams: its last Read returns ErrCorrupt instead of io.EOF
// when the content does not match d, and any Read may return ErrCorrupt
// earlier (a broken zstd frame, more content than the header says). The
// bytes handed out before that error are not to be trusted. A truncated
// raw blob or a bad header fails Open itself. The reader stops with ctx's
// error once ctx is done. The caller must Close it.
//
// Open fails with ErrNotFound if d is not stored.
func (s *Store) Open(ctx context.Context, d Digest) (io.ReadCloser, error) {
	return s.open(ctx, "read", d)
}

// Verify reads blob d in full and checks its content against d. It returns
// nil, or an error wrapping ErrCorrupt (with the reason), ErrNotFound, or
// the I/O error that stopped it. ctx is checked between chunks.
func (s *Store) Verify(ctx context.Context, d Digest) error {
	r, err := s.open(ctx, "verify", d)
	if err != nil {
		return err
	}
	_, err = r.WriteTo(io.Discard)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) open(ctx context.Context, op string, d Digest) (*reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: %s %s: %w", op, d, err)
	}
	p := s.path(d)
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("blob: %s %s (%s): %w", op, d, p, ErrNotFound)
		}
		return nil, fmt.Errorf("blob: %s %s: %w", op, d, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %s %s: %w", op, d, err)
	}
	r, err := newReader(ctx, op, f, fi.Size(), d, p)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	// An open reader holds off a compression pass that yields (as a Put
	// does), so that a download keeps the cores.
	s.active.Add(1)
	r.active = &s.active
	return r, nil
}

// reader streams and verifies one blob's content. Content larger than
// one chunk is read through a pipeline (see pipe) that decodes, hashes
// and hands out on separate goroutines; smaller content is read in the
// caller's goroutine.
type reader struct {
	// ctx is the context of the Open call: a reader is a stream and stops
	// when the call that opened it is cancelled.
	ctx    context.Context
	op     string // "read" or "verify", for errors
	d      Digest
	path   string
	h      header
	file   *ioErrReader  // the stored file after its header
	src    io.Reader     // the content: file (raw) or dec (zstd, once set)
	dec    *zstd.Decoder // nil for raw, and for zstd until a stream decoder is needed
	closer io.Closer     // the file, or nil
	hash   hash.Hash
	n      int64         // content bytes read so far
	err    error         // sticky: io.EOF after a verified end, or the failure
	pipe   *pipe         // nil until the first read of large content
	active *atomic.Int64 // the Store's count of activity, decremented by Close; or nil
}

// errClosed is returned by reads after Close.
var errClosed = errors.New("blob: read after close")

// newReader reads the header of a stored file from src, whose total size
// is stored, and returns a reader of its content. A bad header gives an
// error wrapping ErrCorrupt.
func newReader(ctx context.Context, op string, src io.Reader, stored int64, d Digest, path string) (*reader, error) {
	r := &reader{ctx: ctx, op: op, d: d, path: path, file: &ioErrReader{r: src}, hash: sha256.New()}
	var b [headerSize]byte
	n, err := io.ReadFull(r.file, b[:])
	if r.file.err != nil {
		return nil, fmt.Errorf("blob: %s %s: read header of %s: %w", op, d, path, err)
	}
	h, err := parseHeader(b[:n])
	if err == nil {
		err = checkStored(h, stored)
	}
	if err != nil {
		return nil, r.corrupt(err.Error())
	}
	r.h = h
	switch h.codec {
	case Raw:
		r.src = r.file
	case Zstd:
		if h.size > chunkSize {
			break // piped: decoded frame by frame (frames.go)
		}
		dec, err := getDecoder(r.file)
		if err != nil {
			return nil, fmt.Errorf("blob: %s %s: %w", op, d, err)
		}
		r.dec, r.src = dec, dec
	}
	return r, nil
}

// Read reads content, verifying it as described at Store.Open.
func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		r.err = fmt.Errorf("blob: %s %s: %w", r.op, r.d, err)
		return 0, r.err
	}
	if r.piped() {
		return r.pipe.read(r, p)
	}
	return r.readDirect(p)
}

// readDirect reads from src and hashes in the caller's goroutine.
func (r *reader) readDirect(p []byte) (int, error) {
	n, err := r.src.Read(p)
	if n > 0 {
		if r.n+int64(n) > r.h.size {
			n = int(r.h.size - r.n)
			r.hash.Write(p[:n])
			r.n += int64(n)
			r.err = r.corrupt(fmt.Sprintf("content runs past the %d bytes its header says", r.h.size))
			return n, r.err
		}
		r.hash.Write(p[:n])
		r.n += int64(n)
	}
	switch {
	case err == io.EOF:
		return n, r.finish()
	case err != nil:
		if r.file.err != nil {
			r.err = fmt.Errorf("blob: %s %s: read %s: %w", r.op, r.d, r.path, r.file.err)
		} else {
			r.err = r.corruptAt(r.n, err)
		}
		return n, r.err
	}
	return n, nil
}

// finish checks the content's size and digest at its end and sets the
// sticky error to io.EOF or to the reason it is corrupt.
func (r *reader) finish() error {
	var got Digest
	switch {
	case r.n != r.h.size:
		r.err = r.corrupt(fmt.Sprintf("content ends after %d bytes, header says %d", r.n, r.h.size))
	case !bytes.Equal(r.hash.Sum(got[:0]), r.d[:]):
		r.err = r.corrupt(fmt.Sprintf("content hashes to %s", got))
	default:
		r.err = io.EOF
	}
	return r.err
}

// corrupt returns an error wrapping ErrCorrupt that names the blob, its
// file and the reason.
func (r *reader) corrupt(reason string) error {
	return fmt.Errorf("blob: %s %s (%s): %s: %w", r.op, r.d, r.path, reason, ErrCorrupt)
}

// WriteTo writes the content to w, verifying it as Read does; io.Copy
// uses it. It returns nil at a verified end. It never writes the last
// bytes of content that does not match its digest: content larger than a
// chunk goes out chunk by chunk, each once hashed, and the last with the
// verdict; smaller content is read whole and checked before any of it is
// written.
func (r *reader) WriteTo(w io.Writer) (int64, error) {
	if r.err == nil && r.piped() {
		return r.pipe.writeTo(r, w)
	}
	if r.err != nil {
		if r.err == io.EOF {
			return 0, nil
		}
		return 0, r.err
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	n, err := io.ReadFull(r, (*bp)[:r.h.size-r.n]) // at most a chunk: not piped
	if err == nil {
		var probe [1]byte
		_, err = io.ReadFull(r, probe[:]) // the end, with the verdict
	}
	if r.err != io.EOF {
		if r.err != nil {
			return 0, r.err
		}
		return 0, err
	}
	m, err := w.Write((*bp)[:n])
	if err == nil && m < n {
		err = io.ErrShortWrite
	}
	return int64(m), err
}

// WithholdsDamagedTail marks a reader whose WriteTo never writes the last
// bytes of damaged content (internal/httpsend then has it write a
// response itself).
func (r *reader) WithholdsDamagedTail() {}

// Close releases the file and the decoder. It always returns nil.
func (r *reader) Close() error {
	if r.pipe != nil {
		r.pipe.stop()
		r.pipe = nil
	}
	if r.dec != nil {
		putDecoder(r.dec)
		r.dec, r.src = nil, nil
	}
	if r.closer != nil {
		_ = r.closer.Close()
		r.closer = nil
	}
	if r.active != nil {
		r.active.Add(-1)
		r.active = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = errClosed
	}
	return nil
}

// ioErrReader remembers the last error, other than io.EOF, of the reader it
// wraps, so that an I/O error is not mistaken for corruption by whoever
// decodes on top of it.
type ioErrReader struct {
	r   io.Reader
	err error
}

func (e *ioErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
