package blob

import (
	"fmt"
	"io"
	"sync"
)

// pipeBuffers is the number of chunk buffers one reader's pipeline cycles
// between its stages.
const pipeBuffers = 4

// pipe reads large content in three stages, each on its own goroutine, so
// that the digest, the decoding (or the file read) and the caller's use of
// the bytes overlap on several cores: a producer reads chunks from the
// reader's src, a hasher hashes them in order and checks the digest at
// the end, and the caller takes them (Read, WriteTo). A chunk reaches the
// caller only after it is hashed, so the last chunk arrives with the
// verdict: the bytes of a chunk that failed (the last one of content that
// does not match its digest, or one that did not decode) are never handed
// out.
type pipe struct {
	quit   chan struct{} // closed by stop
	free   chan *[]byte  // buffers back from the caller
	toHash chan chunk    // producer -> hasher
	out    chan chunk    // hasher -> caller
	wg     sync.WaitGroup

	bufs []*[]byte // every buffer the producer took, returned by stop
	cur  chunk     // the chunk the caller is taking bytes from
	off  int       // how much of cur the caller has taken
	have bool      // cur is set
}

// chunk is one buffer of content: b[:n], and err when the content ends
// there: io.EOF at a verified end, else why it stopped.
type chunk struct {
	b   *[]byte
	n   int
	err error
}

// piped reports whether r reads through a pipeline, starting it on first
// use for content larger than one chunk.
func (r *reader) piped() bool {
	if r.pipe != nil {
		return true
	}
	if r.h.size <= chunkSize {
		return false
	}
	p := &pipe{
		quit:   make(chan struct{}),
		free:   make(chan *[]byte, pipeBuffers),
		toHash: make(chan chunk, pipeBuffers),
		out:    make(chan chunk, pipeBuffers),
	}
	p.wg.Go(func() { p.produce(r) })
	p.wg.Go(func() { p.hashAll(r) })
	r.pipe = p
	return true
}

// produce reads r's content into chunks until its end or an error, and
// sends them to the hasher. It checks the size the header announces.
func (p *pipe) produce(r *reader) {
	defer close(p.toHash)
	var total int64
	for {
		var b *[]byte
		select {
		case b = <-p.free:
		default:
			if len(p.bufs) < pipeBuffers {
				b = bufPool.Get().(*[]byte)
				p.bufs = append(p.bufs, b)
			} else {
				select {
				case b = <-p.free:
				case <-p.quit:
					return
				case <-r.ctx.Done():
					return
				}
			}
		}
		// The chunk that holds the announced end also looks one byte
		// past it, so that it carries the verdict.
		want, last := int64(len(*b)), false
		if left := r.h.size - total; left <= want {
			want, last = left, true
		}
		n, err := io.ReadFull(r.src, (*b)[:want])
		past := false
		if last && err == nil {
			var probe [1]byte
			m, perr := io.ReadFull(r.src, probe[:])
			past, err = m > 0, perr
			if err == nil {
				err = io.EOF
			}
		}
		c := chunk{b: b, n: n}
		switch {
		case past:
			c.err = r.corrupt(fmt.Sprintf("content runs past the %d bytes its header says", r.h.size))
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if r.file.err != nil {
				c.err = fmt.Errorf("blob: %s %s: read %s: %w", r.op, r.d, r.path, r.file.err)
			} else if total+int64(n) != r.h.size {
				c.err = r.corrupt(fmt.Sprintf("content ends after %d bytes, header says %d", total+int64(n), r.h.size))
			} else {
				c.err = io.EOF // the hasher checks the digest
			}
		case err != nil:
			if r.file.err != nil {
				c.err = fmt.Errorf("blob: %s %s: read %s: %w", r.op, r.d, r.path, r.file.err)
			} else {
				c.err = r.corrupt(fmt.Sprintf("after %d bytes of content: %v", total+int64(n), err))
			}
		}
		total += int64(c.n)
		if !p.send(r, p.toHash, c) || c.err != nil {
			return
		}
	}
}

// hashAll hashes the chunks in order, checks the digest at the end, and
// passes them on to the caller.
func (p *pipe) hashAll(r *reader) {
	defer close(p.out)
	for {
		var c chunk
		select {
		case v, ok := <-p.toHash:
			if !ok {
				return
			}
			c = v
		case <-p.quit:
			return
		case <-r.ctx.Done():
			return
		}
		r.hash.Write((*c.b)[:c.n])
		if c.err == io.EOF {
			var got Digest
			if r.hash.Sum(got[:0]); got != r.d {
				c.err = r.corrupt(fmt.Sprintf("content hashes to %s", got))
			}
		}
		if !p.send(r, p.out, c) {
			return
		}
	}
}

// send sends c on ch unless the pipeline stops first (Close, or r's
// context done), and reports whether it did.
func (p *pipe) send(r *reader, ch chan<- chunk, c chunk) bool {
	select {
	case ch <- c:
		return true
	case <-p.quit:
	case <-r.ctx.Done():
	}
	return false
}

// next makes sure the caller has unread bytes in p.cur, waiting for the
// next chunk if needed. It returns r's sticky error once the content
// ends: io.EOF at a verified end. The bytes of a chunk that carries any
// other error are dropped.
func (p *pipe) next(r *reader) error {
	for !p.have || p.off == p.cur.n {
		if p.have {
			if p.cur.err != nil {
				r.err = p.cur.err
				return r.err
			}
			p.free <- p.cur.b // never blocks: it holds every buffer
			p.have = false
		}
		select {
		case c, ok := <-p.out:
			if !ok {
				if err := r.ctx.Err(); err != nil {
					r.err = fmt.Errorf("blob: %s %s: %w", r.op, r.d, err)
				} else {
					r.err = fmt.Errorf("BUG: blob: %s %s: the pipeline stopped early", r.op, r.d)
				}
				return r.err
			}
			if c.err != nil && c.err != io.EOF {
				c.n = 0 // not to be handed out
			}
			p.cur, p.off, p.have = c, 0, true
		case <-r.ctx.Done():
			r.err = fmt.Errorf("blob: %s %s: %w", r.op, r.d, r.ctx.Err())
			return r.err
		}
	}
	return nil
}

// read is reader.Read through the pipeline.
func (p *pipe) read(r *reader, dst []byte) (int, error) {
	if err := p.next(r); err != nil {
		return 0, err
	}
	n := copy(dst, (*p.cur.b)[p.off:p.cur.n])
	p.off += n
	r.n += int64(n)
	if p.off == p.cur.n && p.cur.err != nil {
		r.err = p.cur.err
		return n, r.err
	}
	return n, nil
}

// writeTo is reader.WriteTo through the pipeline: the chunks go to w
// as they are, without a copy.
func (p *pipe) writeTo(r *reader, w io.Writer) (int64, error) {
	var total int64
	for {
		if err := p.next(r); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		if err := r.ctx.Err(); err != nil {
			r.err = fmt.Errorf("blob: %s %s: %w", r.op, r.d, err)
			return total, r.err
		}
		b := (*p.cur.b)[p.off:p.cur.n]
		m, err := w.Write(b)
		p.off += m
		r.n += int64(m)
		total += int64(m)
		if err == nil && m < len(b) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return total, err
		}
	}
}

// stop ends the pipeline's goroutines, waits for them and returns the
// buffers to the pool.
func (p *pipe) stop() {
	close(p.quit)
	p.wg.Wait()
	for _, b := range p.bufs {
		bufPool.Put(b)
	}
	p.bufs = nil
}
