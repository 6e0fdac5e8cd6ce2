package blob

import (
	"fmt"
	"io"
	"sync"
)

// pipeBuffers is the number of chunk buffers one reader's pipeline of raw
// content cycles between its stages; zstd content has frameWorkers more,
// for the frames being decoded.
const pipeBuffers = 4

// pipe reads large content in stages on goroutines of their own, so that
// the digest, the decoding (or the file read) and the caller's use of the
// bytes overlap on several cores: a producer reads chunks (raw content,
// or zstd frames that decoders decode at once, see frames.go), a hasher
// hashes them in order and checks the digest at the end, and the caller
// takes them (Read, WriteTo). A chunk reaches the caller only after it is
// hashed, so the last chunk arrives with the verdict: the bytes of a
// chunk that failed (the last one of content that does not match its
// digest, or one that did not decode) are never handed out.
type pipe struct {
	quit   chan struct{} // closed by stop
	free   chan *[]byte  // buffers back from the caller
	toHash chan chunk    // producer -> hasher, in content order
	out    chan chunk    // hasher -> caller
	wg     sync.WaitGroup

	nbuf   int       // how many buffers the pipeline may take
	bufs   []*[]byte // every buffer the producer took, returned by stop
	cur    chunk     // the chunk the caller is taking bytes from
	off    int       // how much of cur the caller has taken
	have   bool      // cur is set
	frames int       // frames decoded apart (for tests)
}

// chunk is one buffer of content: b[:n], and err when the content ends
// there: io.EOF at a verified end, else why it stopped. A chunk on its
// way to the hasher may instead be a frame being decoded (job).
type chunk struct {
	b   *[]byte
	n   int
	err error
	job *frameJob
}

// frameJob is one zstd frame that a decoder decodes into a chunk.
type frameJob struct {
	in   *[]byte       // the frame, returned to inPool once decoded
	size int           // the content size the frame declares
	off  int64         // where its content starts
	c    chunk         // b set by the producer; n and err by the decoder
	last bool          // the frame ends the content
	end  error         // for the last frame: nil, or why the payload is bad after it (set by the producer for the hasher)
	done chan struct{} // closed once c is set
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
	n := pipeBuffers
	if r.h.codec == Zstd {
		n += frameWorkers()
	}
	p := &pipe{
		quit:   make(chan struct{}),
		free:   make(chan *[]byte, n),
		toHash: make(chan chunk, n),
		out:    make(chan chunk, n),
		nbuf:   n,
	}
	if r.h.codec == Zstd {
		p.wg.Go(func() { p.produceFrames(r) })
	} else {
		p.wg.Go(func() { p.produce(r, 0, nil) })
	}
	p.wg.Go(func() { p.hashAll(r) })
	r.pipe = p
	return true
}

// buffer returns a free chunk buffer, or nil once the pipeline stops.
func (p *pipe) buffer(r *reader) *[]byte {
	select {
	case b := <-p.free:
		return b
	default:
	}
	if len(p.bufs) < p.nbuf {
		b := bufPool.Get().(*[]byte)
		p.bufs = append(p.bufs, b)
		return b
	}
	select {
	case b := <-p.free:
		return b
	case <-p.quit:
	case <-r.ctx.Done():
	}
	return nil
}

// produce reads r's content from r.src into chunks until its end or an
// error, and sends them to the hasher; total content bytes were sent
// before, and b, if not nil, is the buffer to fill first. It checks the
// size the header announces.
func (p *pipe) produce(r *reader, total int64, b *[]byte) {
	defer close(p.toHash)
	for {
		if b == nil {
			if b = p.buffer(r); b == nil {
				return
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
			switch err {
			case nil:
				err = io.EOF
			case io.ErrUnexpectedEOF:
				// From the decoder itself (a read of one byte is never
				// short): the payload breaks off inside a frame, after
				// the content (its checksum, say). No clean end.
				err = fmt.Errorf("the payload ends inside a frame: %w", err)
			}
		}
		c := chunk{b: b, n: n}
		b = nil
		switch {
		case past:
			c.err = r.pastEnd()
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if r.file.err != nil {
				c.err = r.readErr()
			} else if total+int64(n) != r.h.size {
				c.err = r.shortEnd(total + int64(n))
			} else {
				c.err = io.EOF // the hasher checks the digest
			}
		case err != nil:
			c.err = r.decodeErr(total+int64(n), err)
		}
		total += int64(c.n)
		if !p.send(r, p.toHash, c) || c.err != nil {
			return
		}
	}
}

// produceFrames reads a zstd payload frame by frame and has the frames
// decoded at once on frameWorkers goroutines, sending them to the
// hasher in order. From the first frame it cannot decode apart, it reads
// the rest with the stream decoder (produce). The frame that completes
// the content goes to the hasher only once the rest of the payload is
// known to hold no more content, so that it carries the verdict.
func (p *pipe) produceFrames(r *reader) {
	work := make(chan *frameJob, p.nbuf)
	var workers sync.WaitGroup
	for range frameWorkers() {
		workers.Go(func() {
			for j := range work {
				p.decodeFrame(r, j)
			}
		})
	}
	var held *[]byte // frame bytes the stream decoder reads
	defer func() {
		close(work)
		workers.Wait()
		if held != nil {
			inPool.Put(held)
		}
	}()
	sp := newFrameSplitter(r.file)
	var total int64
	for {
		b := p.buffer(r)
		if b == nil {
			close(p.toHash)
			return
		}
		in := inPool.Get().(*[]byte)
		size, res := sp.next(in)
		c := chunk{b: b}
		switch {
		case res == splitStream:
			held = in
			dec, err := getDecoder(sp.rest(*in))
			if err != nil {
				c.err = r.decodeErr(total, err)
				break
			}
			r.dec, r.src = dec, dec
			p.produce(r, total, b)
			return
		case res == splitEnd:
			inPool.Put(in)
			c.err = r.shortEnd(total)
			if r.file.err != nil {
				c.err = r.readErr()
			}
		case total+int64(size) > r.h.size:
			inPool.Put(in)
			c.err = r.pastEnd()
		default:
			j := &frameJob{in: in, size: size, off: total, c: c, done: make(chan struct{})}
			total += int64(size)
			j.last = total == r.h.size
			work <- j // never blocks: a job holds a buffer
			if j.last {
				j.end = p.checkEnd(r, sp) // for the hasher, which gets j below
			}
			c = chunk{job: j}
		}
		if !p.send(r, p.toHash, c) || c.err != nil || c.job != nil && c.job.last {
			close(p.toHash)
			return
		}
	}
}

// checkEnd reads what follows the frame that completes the content: it
// must decode to nothing (skippable frames, empty frames, or no bytes).
func (p *pipe) checkEnd(r *reader, sp *frameSplitter) error {
	if sp.empty() {
		return nil
	}
	dec, err := getDecoder(sp.rest(nil))
	if err != nil {
		return r.decodeErr(r.h.size, err)
	}
	defer putDecoder(dec)
	var probe [1]byte
	switch m, err := io.ReadFull(dec, probe[:]); {
	case m > 0:
		return r.pastEnd()
	case err == io.EOF:
		return nil
	case r.file.err != nil:
		return r.readErr()
	default:
		return r.decodeErr(r.h.size, err)
	}
}

// decodeFrame decodes job j's frame into its chunk and closes j.done.
func (p *pipe) decodeFrame(r *reader, j *frameJob) {
	defer close(j.done)
	defer inPool.Put(j.in)
	select {
	case <-p.quit:
		j.c.err = errClosed // never handed out: the pipeline stopped
		return
	default:
	}
	dec, err := frameDecoder()
	if err != nil {
		j.c.err = fmt.Errorf("blob: %s %s: %w", r.op, r.d, err)
		return
	}
	b := (*j.c.b)[:0] // with the slack past chunkSize: see frameSlack
	out, err := dec.DecodeAll(*j.in, b)
	switch {
	case err != nil:
		j.c.err = r.corruptAt(j.off, err)
	case len(out) != j.size || len(out) > 0 && &out[0] != &b[:1][0]:
		// The decoder checks the declared size; this never happens.
		j.c.err = r.corruptAt(j.off, fmt.Errorf("frame decodes to %d bytes, declares %d", len(out), j.size))
	default:
		j.c.n = len(out)
		if j.last {
			j.c.err = io.EOF // the hasher checks the digest
		}
	}
}

// pastEnd, shortEnd, readErr and corruptAt are the errors of content
// that runs past its header's size, ends after n bytes, cannot be read
// from the file, or does not decode after n bytes; decodeErr is readErr
// if the file failed, else corruptAt. Only the producer's goroutine
// (which reads the file) may call readErr and decodeErr.
func (r *reader) pastEnd() error {
	return r.corrupt(fmt.Sprintf("content runs past the %d bytes its header says", r.h.size))
}

func (r *reader) shortEnd(n int64) error {
	return r.corrupt(fmt.Sprintf("content ends after %d bytes, header says %d", n, r.h.size))
}

func (r *reader) readErr() error {
	return fmt.Errorf("blob: %s %s: read %s: %w", r.op, r.d, r.path, r.file.err)
}

func (r *reader) decodeErr(n int64, err error) error {
	if r.file.err != nil {
		return r.readErr()
	}
	return r.corruptAt(n, err)
}

func (r *reader) corruptAt(n int64, err error) error {
	return r.corrupt(fmt.Sprintf("after %d bytes of content: %v", n, err))
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
		if j := c.job; j != nil {
			select {
			case <-j.done:
			case <-p.quit:
				return
			case <-r.ctx.Done():
				return
			}
			c = j.c
			if c.err == io.EOF && j.end != nil {
				c.err = j.end
			}
			p.frames++
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
