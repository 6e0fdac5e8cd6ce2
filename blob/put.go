package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spoolBuffers is the number of chunk buffers one Put cycles between the
// goroutine that reads and hashes and the one that writes the temp file.
const spoolBuffers = 4

// Put stores the content read from r (until io.EOF) and returns its Info.
// It reads r once, in chunks, and never holds the whole content in memory.
//
// If the content is already stored, Put drops what it wrote, touches the
// stored blob's modification time and returns Info.New false. Otherwise it
// compresses the content when that saves at least 10%, fsyncs the file,
// renames it into place and fsyncs its folder (unless Options.NoSync), and
// returns Info.New true.
//
// A Put that fails, because r returned an error, ctx was cancelled (it is
// checked between chunks) or the disk failed, leaves nothing visible: the
// temp file is removed and no blob appears. r's error is wrapped.
func (s *Store) Put(ctx context.Context, r io.Reader) (Info, error) {
	return s.put(ctx, r, nil)
}

// put is Put, or Batch.Put when b is not nil: then the new blob's fsync and
// rename are b's to do, and content b already holds is not stored again.
func (s *Store) put(ctx context.Context, r io.Reader, b *Batch) (Info, error) {
	s.active.Add(1)
	defer s.active.Add(-1)
	if s.opts.ReadOnly {
		return Info{}, fmt.Errorf("blob: put in %s: %w", s.dir, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	first := bufPool.Get().(*[]byte)
	n, err := io.ReadFull(r, *first)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		defer bufPool.Put(first)
		return s.putSmall(ctx, (*first)[:n], b)
	case err != nil:
		bufPool.Put(first)
		return Info{}, fmt.Errorf("blob: put: read source: %w", err)
	}
	return s.putLarge(ctx, r, first, b)
}

// putSmall stores content that fits in one chunk, held in memory: it is
// hashed before anything is written, so a duplicate costs no write at all.
func (s *Store) putSmall(ctx context.Context, data []byte, b *Batch) (Info, error) {
	d := Sum(data)
	size := int64(len(data))
	if info, ok, err := s.reuse(d, size, b); err != nil || ok {
		return info, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put %s: %w", d, err)
	}
	h := header{codec: Raw, size: size}
	payload := data
	pending := false
	switch {
	case s.opts.NoCompress || len(data) == 0:
	case len(data) > inlineMax:
		// Stored raw at once; CompressPending compresses it later.
		pending = sampleSaves(data)
	default:
		if enc, err := smallEncoder(); err == nil {
			out := outPool.Get().(*[]byte)
			defer outPool.Put(out)
			*out = enc.EncodeAll(data, (*out)[:0])
			if saves(int64(len(*out)), size) {
				h.codec, payload = Zstd, *out
			}
		}
	}
	t, err := s.createTemp(d)
	if err != nil {
		return Info{}, err
	}
	defer t.discard()
	hb := appendHeader(make([]byte, 0, headerSize), h)
	if _, err := t.f.Write(hb); err != nil {
		return Info{}, s.writeErr(d, t, err)
	}
	if _, err := t.f.Write(payload); err != nil {
		return Info{}, s.writeErr(d, t, err)
	}
	return s.finish(ctx, b, t, d, h, headerSize+int64(len(payload)), pending)
}

// sampleSaves compresses a sample from the middle of data, held in memory,
// and reports whether it shrinks enough for the whole to be worth
// compressing later.
func sampleSaves(data []byte) bool {
	enc, err := smallEncoder()
	if err != nil {
		return false
	}
	n := min(len(data), smallSampleSize)
	off := (len(data) - n) / 2
	out := outPool.Get().(*[]byte)
	defer outPool.Put(out)
	*out = enc.EncodeAll(data[off:off+n], (*out)[:0])
	return len(*out)*100 <= n*(100-sampleSavingPercent)
}

// putLarge stores content larger than one chunk, of which first holds the
// first chunk. It spools the content raw to a temp file while hashing it,
// and syncs it only when the digest is new.
func (s *Store) putLarge(ctx context.Context, r io.Reader, first *[]byte, b *Batch) (Info, error) {
	t, err := s.createTemp(Digest{})
	if err != nil {
		bufPool.Put(first)
		return Info{}, err
	}
	defer t.discard()
	size, d, err := s.spool(ctx, r, first, t)
	if err != nil {
		return Info{}, err
	}
	if info, ok, err := s.reuse(d, size, b); err != nil || ok {
		return info, err
	}
	// Stored raw at the speed of the disk; CompressPending compresses it
	// later if the samples say it pays.
	h := header{codec: Raw, size: size}
	pending := false
	if !s.opts.NoCompress {
		// On every core: the caller waits for the verdict.
		ok, err := s.worthCompressing(t.f, size, runtime.GOMAXPROCS(0))
		if err != nil {
			return Info{}, fmt.Errorf("blob: put %s: read temp file %s: %w", d, t.path, err)
		}
		pending = ok
	}
	hb := appendHeader(make([]byte, 0, headerSize), h)
	if _, err := t.f.WriteAt(hb, 0); err != nil {
		return Info{}, s.writeErr(d, t, err)
	}
	return s.finish(ctx, b, t, d, h, headerSize+size, pending)
}

// spool reads r to its end and writes it to t at offset headerSize, in
// four stages on their own goroutines, so that the reading, the hashing,
// the writing and the disk overlap: one goroutine reads r into chunks,
// this one hashes them, another writes them to t, and a fourth has the
// kernel start writing each chunk to the disk (unless NoSync), so that the
// final fsync has little left to write. first is the first chunk, full.
// It returns the content's size and digest.
func (s *Store) spool(ctx context.Context, r io.Reader, first *[]byte, t *tempFile) (int64, Digest, error) {
	type chunk struct {
		b   *[]byte
		n   int
		err error // the source failed or ctx was cancelled: b is nil
	}
	read := make(chan chunk, spoolBuffers)
	work := make(chan chunk, spoolBuffers)
	free := make(chan *[]byte, spoolBuffers)
	var (
		werr   error // the writer's error, read after wrote
		failed atomic.Bool
		wrote  = make(chan struct{})
		taken  = 1 // buffers the reader took (first included), read after read closes
	)
	var wb *writeback
	if !s.opts.NoSync {
		wb = newWriteback(t.f)
		defer wb.stop()
	}
	go func() {
		defer close(wrote)
		off := int64(headerSize)
		for c := range work {
			if werr == nil {
				if _, err := t.f.WriteAt((*c.b)[:c.n], off); err != nil {
					werr = err
					failed.Store(true)
				} else {
					wb.add(off, int64(c.n))
				}
				off += int64(c.n)
			}
			free <- c.b
		}
	}()
	// The reader stops after it sent the last chunk or an error, or when
	// the writer failed; this goroutine takes all it sends.
	go func() {
		defer close(read)
		read <- chunk{b: first, n: len(*first)}
		size := int64(len(*first))
		for {
			if err := ctx.Err(); err != nil {
				read <- chunk{err: fmt.Errorf("blob: put: %w", err)}
				return
			}
			if failed.Load() {
				return
			}
			var buf *[]byte
			select {
			case buf = <-free:
			default:
				if taken < spoolBuffers {
					buf = bufPool.Get().(*[]byte)
					taken++
				} else {
					buf = <-free
				}
			}
			n, err := io.ReadFull(r, *buf)
			size += int64(n)
			switch {
			case err == io.ErrUnexpectedEOF:
				read <- chunk{b: buf, n: n}
				return
			case err == io.EOF:
				free <- buf // never blocks: it holds every buffer
				return
			case err != nil:
				free <- buf
				read <- chunk{err: fmt.Errorf("blob: put: read source after %d bytes: %w", size-int64(n), err)}
				return
			}
			read <- chunk{b: buf, n: n}
		}
	}()

	hash := sha256.New()
	var (
		size int64
		rerr error
	)
	for c := range read {
		switch {
		case c.err != nil:
			rerr = c.err
		case c.b != nil:
			hash.Write((*c.b)[:c.n])
			size += int64(c.n)
			work <- c
		}
	}
	close(work)
	<-wrote
	// Every buffer came back: the writer returns what it took.
	for range taken {
		bufPool.Put(<-free)
	}
	if rerr != nil {
		return 0, Digest{}, rerr
	}
	if werr != nil {
		return 0, Digest{}, s.writeErr(Digest{}, t, werr)
	}
	var d Digest
	hash.Sum(d[:0])
	return size, d, nil
}

// worthCompressing compresses a few samples spread over the content
// spooled raw in f, on up to workers goroutines at once, and reports
// whether they shrink enough to try zstd on the whole. Float tensors,
// images and archives fail here cheaply.
func (s *Store) worthCompressing(f *os.File, size int64, workers int) (bool, error) {
	enc, err := encoder()
	if err != nil {
		return false, nil // store raw rather than fail
	}
	n := min(int64(sampleSize), size)
	// Sample i's compressed size and read error, each written by the one
	// goroutine that took i.
	var (
		comp [samples]int64
		errs [samples]error
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(max(workers, 1), samples) {
		wg.Go(func() {
			in := bufPool.Get().(*[]byte)
			defer bufPool.Put(in)
			out := outPool.Get().(*[]byte)
			defer outPool.Put(out)
			for i := next.Add(1) - 1; i < samples; i = next.Add(1) - 1 {
				off := i * (size - n) / (samples - 1)
				if _, errs[i] = f.ReadAt((*in)[:n], headerSize+off); errs[i] == nil {
					*out = enc.EncodeAll((*in)[:n], (*out)[:0])
					comp[i] = int64(len(*out))
				}
			}
		})
	}
	wg.Wait()
	var total int64
	for i := range samples {
		if errs[i] != nil {
			return false, errs[i]
		}
		total += comp[i]
	}
	return total*100 <= samples*n*(100-sampleSavingPercent), nil
}

// compressFile compresses the content stored raw in src (a stored file
// or a temp file, the content at offset headerSize; srcPath names it in
// errors) into a new temp file, one zstd frame per chunk, on workers
// goroutines, and returns that file with its total size. The frames are
// written in order. pause, if not nil, is called before each frame is
// written and stops the work with its error.
func (s *Store) compressFile(ctx context.Context, d Digest, src *os.File, srcPath string, size int64, workers int, pause func() error) (*tempFile, int64, error) {
	enc, err := encoder()
	if err != nil {
		return nil, 0, fmt.Errorf("blob: compress %s: %w", d, err)
	}
	z, err := s.createTemp(d)
	if err != nil {
		return nil, 0, err
	}
	hb := appendHeader(make([]byte, 0, headerSize), header{codec: Zstd, size: size})
	if _, err := z.f.Write(hb); err != nil {
		z.discard()
		return nil, 0, s.writeErr(d, z, err)
	}

	type result struct {
		out *[]byte
		err error
	}
	frames := (size + chunkSize - 1) / chunkSize
	nw := int64(min(int64(max(workers, 1)), frames))
	results := make([]chan result, nw)
	var (
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	for k := range nw {
		ch := make(chan result, 2)
		results[k] = ch
		wg.Go(func() {
			defer close(ch)
			in := bufPool.Get().(*[]byte)
			defer bufPool.Put(in)
			for i := k; i < frames; i += nw {
				if stop.Load() {
					return
				}
				off := i * chunkSize
				n := min(chunkSize, size-off)
				if _, err := src.ReadAt((*in)[:n], headerSize+off); err != nil {
					ch <- result{err: fmt.Errorf("blob: compress %s: read %s: %w", d, srcPath, err)}
					return
				}
				out := outPool.Get().(*[]byte)
				*out = enc.EncodeAll((*in)[:n], (*out)[:0])
				ch <- result{out: out}
			}
		})
	}

	stored := int64(headerSize)
	var ferr error
	for i := range frames {
		res, ok := <-results[i%nw]
		if !ok {
			ferr = fmt.Errorf("BUG: blob: compress %s: compressor %d stopped early", d, i%nw)
			break
		}
		if res.err != nil {
			ferr = res.err
			break
		}
		_, err := z.f.Write(*res.out)
		stored += int64(len(*res.out))
		outPool.Put(res.out)
		if err != nil {
			ferr = s.writeErr(d, z, err)
			break
		}
		if err := ctx.Err(); err != nil {
			ferr = fmt.Errorf("blob: compress %s: %w", d, err)
			break
		}
		if pause != nil {
			if err := pause(); err != nil {
				ferr = fmt.Errorf("blob: compress %s: %w", d, err)
				break
			}
		}
	}
	if ferr != nil {
		stop.Store(true)
		for _, ch := range results {
			for res := range ch {
				if res.out != nil {
					outPool.Put(res.out)
				}
			}
		}
	}
	wg.Wait()
	if ferr != nil {
		z.discard()
		return nil, 0, ferr
	}
	return z, stored, nil
}

// saves reports whether a payload of stored bytes saves enough over the
// content's size to be worth decompressing on every read.
func saves(stored, size int64) bool {
	return stored*100 <= size*(100-minSavingPercent)
}

// reuse looks for a valid stored blob d of the given size. If there is
// one, it touches the blob's modification time (so that a garbage
// collector with a grace period spares it) and returns its Info with
// ok true. A missing blob, one with a broken header, or one we may not
// touch returns ok false: the caller stores the content anew, and the
// rename replaces a broken file.
//
// Content that batch b (if not nil) already holds is reused from b.
func (s *Store) reuse(d Digest, size int64, b *Batch) (Info, bool, error) {
	if info, ok := b.holds(d); ok {
		return info, true, nil
	}
	p := s.path(d)
	info, err := statFile(p, d)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, ErrCorrupt):
		return Info{}, false, nil
	case err != nil:
		return Info{}, false, fmt.Errorf("blob: put %s: %w", d, err)
	case info.Size != size:
		return Info{}, false, nil
	}
	now := time.Now()
	if err := os.Chtimes(p, now, now); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return Info{}, false, nil
		}
		return Info{}, false, fmt.Errorf("blob: put %s: touch %s: %w", d, p, err)
	}
	info.ModTime = now
	return info, true, nil
}

// tempFile is a file being written under tmp/.
type tempFile struct {
	f    *os.File
	path string
	done bool // committed or discarded
}

// createTemp creates a temp file in tmp/. d, if known, goes into errors.
func (s *Store) createTemp(d Digest) (*tempFile, error) {
	f, err := os.CreateTemp(s.tmp, tmpPrefix+"*"+tmpSuffix)
	if err != nil {
		return nil, fmt.Errorf("blob: put%s: create temp file in %s: %w%s", digestSuffix(d), s.tmp, err, s.hint(err))
	}
	return &tempFile{f: f, path: f.Name()}, nil
}

// discard closes and removes the temp file unless it was committed or
// discarded already.
func (t *tempFile) discard() {
	if t == nil || t.done {
		return
	}
	t.done = true
	_ = t.f.Close()
	_ = os.Remove(t.path)
}

// finish commits t as the blob d, at once when b is nil, else by handing it
// to the batch b.
//
// A pending blob, stored raw, is marked for CompressPending first, so that
// no crash leaves it placed and unmarked; a mark without its blob (a
// commit that failed, or a crash) is dropped again, here or by the pass.
func (s *Store) finish(ctx context.Context, b *Batch, t *tempFile, d Digest, h header, stored int64, pending bool) (info Info, err error) {
	if pending {
		s.markPending(d)
	}
	if b == nil {
		info, err = s.commit(ctx, t, d, h, stored, pending)
	} else {
		info, err = b.add(ctx, t, d, h, stored, pending)
	}
	if pending && err != nil {
		// Unless a Put of the same content placed it meanwhile.
		if _, serr := os.Lstat(s.path(d)); errors.Is(serr, fs.ErrNotExist) {
			s.unmark(d)
		}
	}
	info.Pending = pending && err == nil
	return info, err
}

// commit makes the temp file t the blob d: place, then fsync of the
// blob's folder (and of the store folder when the subfolder is new, and
// of pending/ when the blob is marked, so that its mark lasts as long as
// it). On error t is removed.
func (s *Store) commit(ctx context.Context, t *tempFile, d Digest, h header, stored int64, pending bool) (Info, error) {
	mtime, created, err := s.place(ctx, t, d)
	if err != nil {
		return Info{}, err
	}
	dirs := []string{filepath.Dir(s.path(d))}
	if created {
		dirs = append(dirs, s.dir)
	}
	if pending {
		dirs = append(dirs, filepath.Join(s.dir, pendingDir))
	}
	for _, dir := range dirs {
		if err := s.syncDir(dir); err != nil {
			return Info{}, fmt.Errorf("blob: put %s: sync %s: %w", d, dir, err)
		}
	}
	return Info{Digest: d, Size: h.size, Stored: stored, Codec: h.codec, ModTime: mtime, New: true}, nil
}

// place makes the temp file t the file of blob d, without syncing any
// folder: fsync of t (unless NoSync), read-only mode, close, and rename
// into <dir>/ab/cdef…, creating the subfolder if needed (created says so:
// the store folder then needs a sync). The data is synced before the
// rename, so a file under a digest name holds its content whole even
// after a crash. It checks ctx one last time before the rename and
// returns t's modification time. On error t is removed.
func (s *Store) place(ctx context.Context, t *tempFile, d Digest) (mtime time.Time, created bool, err error) {
	defer t.discard()
	if !s.opts.NoSync {
		if err := t.f.Sync(); err != nil {
			return time.Time{}, false, s.writeErr(d, t, err)
		}
	}
	fi, err := t.f.Stat()
	if err != nil {
		return time.Time{}, false, s.writeErr(d, t, err)
	}
	_ = t.f.Chmod(0o444) // blobs are immutable; best effort
	if err := t.f.Close(); err != nil {
		return time.Time{}, false, s.writeErr(d, t, err)
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, false, fmt.Errorf("blob: put %s: %w", d, err)
	}
	p := s.path(d)
	if err := os.Mkdir(filepath.Dir(p), 0o755); err == nil {
		created = true
	} else if !errors.Is(err, fs.ErrExist) {
		return time.Time{}, false, fmt.Errorf("blob: put %s: %w%s", d, err, s.hint(err))
	}
	if err := os.Rename(t.path, p); err != nil {
		return time.Time{}, created, fmt.Errorf("blob: put %s: %w%s", d, err, s.hint(err))
	}
	t.done = true
	return fi.ModTime(), created, nil
}

// writeErr describes a failed write to the temp file t.
func (s *Store) writeErr(d Digest, t *tempFile, err error) error {
	return fmt.Errorf("blob: put%s: write temp file %s: %w%s", digestSuffix(d), t.path, err, s.hint(err))
}

// hint explains the likely cause of a write error: a blob folder removed
// or made read-only after Open.
func (s *Store) hint(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(s.dir); serr != nil {
			return fmt.Sprintf(" (the blob folder %s is gone)", s.dir)
		}
		return fmt.Sprintf(" (part of the blob folder %s is gone)", s.dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf(" (the blob folder %s is not writable)", s.dir)
	}
	return ""
}

// digestSuffix returns " <digest>" for a known digest, "" for the zero one.
func digestSuffix(d Digest) string {
	if d.IsZero() {
		return ""
	}
	return " " + d.String()
}
