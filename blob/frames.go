package blob

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Frame-parallel decoding. Writers emit one zstd frame per chunk of
// content, each declaring its content size (FORMAT.md), so a reader can
// cut the payload into frames by their block headers alone and decode
// several frames at once, each straight into a chunk buffer. Whatever
// else a valid payload may hold (a frame of more than a chunk or of
// unknown size, a skippable frame, a dictionary, bytes that are no frame)
// is left to the stream decoder, which reads the rest of the payload in
// order from there: it is the reference, and the splitter only decides
// which frames may be decoded apart.

const (
	// zstdMagic opens a zstd frame (RFC 8878, little-endian).
	zstdMagic = 0xFD2FB528
	// maxFrameIn caps the bytes of a frame decoded apart. A frame of at
	// most a chunk of content takes little more than a chunk even stored
	// in raw blocks; a longer one (which no writer emits) goes to the
	// stream decoder.
	maxFrameIn = chunkSize + chunkSize/8
	// frameReadBuffer is the read size of the splitter's file reads.
	frameReadBuffer = 256 << 10
	// maxFrameWorkers caps the goroutines one reader decodes frames on.
	maxFrameWorkers = 4
)

// frameWorkers is the number of goroutines one reader decodes frames on.
func frameWorkers() int { return min(max(runtime.GOMAXPROCS(0), 1), maxFrameWorkers) }

// frameDecoder decodes single frames for all readers. DecodeAll is safe
// for concurrent use and runs up to maxFrameWorkers decodes at once; it
// starts no goroutine. It checks content sizes, not frame checksums (the
// digest covers the same bytes, see decoders), and with the cap limit
// never writes past the chunk buffer it is given.
var frameDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(maxFrameWorkers),
		zstd.WithDecoderLowmem(false),
		zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecoderMaxMemory(chunkSize),
		zstd.WithDecodeAllCapLimit(true),
		zstd.IgnoreChecksum(true),
	)
})

// inPool holds buffers for one frame's compressed bytes. They start at a
// quarter of a chunk (a frame of text takes less) and grow as needed.
var inPool = sync.Pool{New: func() any {
	b := make([]byte, 0, chunkSize/4)
	return &b
}}

// splitResult says what frameSplitter.next found.
type splitResult int

const (
	// splitFrame: a whole frame of at most a chunk of content, declared.
	splitFrame splitResult = iota
	// splitEnd: the payload ended cleanly, before any byte of a frame.
	splitEnd
	// splitStream: anything else; the bytes read so far and the rest of
	// the payload go to the stream decoder.
	splitStream
)

// frameSplitter reads the payload of a zstd blob frame by frame.
type frameSplitter struct {
	br *bufio.Reader
}

func newFrameSplitter(payload io.Reader) *frameSplitter {
	return &frameSplitter{br: bufio.NewReaderSize(payload, frameReadBuffer)}
}

// next reads the next frame into *buf (from its start). On splitFrame,
// *buf holds exactly one frame and size is the content size it declares
// (at most chunkSize). On splitStream, *buf holds the bytes next consumed;
// rest then returns the payload from there.
func (s *frameSplitter) next(buf *[]byte) (size int, res splitResult) {
	*buf = (*buf)[:0]
	if _, err := s.br.Peek(1); err == io.EOF {
		return 0, splitEnd
	}
	if !s.read(buf, 5) || binary.LittleEndian.Uint32(*buf) != zstdMagic {
		return 0, splitStream
	}
	// The frame header descriptor: content size flag (2 bits), single
	// segment, unused, reserved, checksum, dictionary id flag (2 bits).
	fhd := (*buf)[4]
	if fhd&0x08 != 0 || fhd&0x03 != 0 {
		return 0, splitStream // reserved bit, or a dictionary: the decoder's verdict
	}
	window := 1
	if fhd&0x20 != 0 {
		window = 0
	}
	sizeLen := [4]int{0, 2, 4, 8}[fhd>>6]
	if sizeLen == 0 && window == 0 {
		sizeLen = 1
	}
	if sizeLen == 0 || !s.read(buf, window+sizeLen) {
		return 0, splitStream
	}
	f := (*buf)[5+window:]
	var n uint64
	switch sizeLen {
	case 1:
		n = uint64(f[0])
	case 2:
		n = uint64(binary.LittleEndian.Uint16(f)) + 256
	case 4:
		n = uint64(binary.LittleEndian.Uint32(f))
	case 8:
		n = binary.LittleEndian.Uint64(f)
	}
	if n > chunkSize {
		return 0, splitStream
	}
	// Blocks: a 3-byte header (last flag, type, size), then the block.
	for {
		if !s.read(buf, 3) {
			return 0, splitStream
		}
		h := (*buf)[len(*buf)-3:]
		bh := uint32(h[0]) | uint32(h[1])<<8 | uint32(h[2])<<16
		blockLen := int(bh >> 3)
		switch (bh >> 1) & 3 {
		case 1: // RLE: one byte, repeated
			blockLen = 1
		case 3: // reserved
			return 0, splitStream
		}
		if len(*buf)+blockLen > maxFrameIn || !s.read(buf, blockLen) {
			return 0, splitStream
		}
		if bh&1 != 0 {
			break
		}
	}
	if fhd&0x04 != 0 && !s.read(buf, 4) {
		return 0, splitStream
	}
	return int(n), splitFrame
}

// read appends the next n bytes of the payload to *buf and reports
// whether there were n; *buf holds whatever was read either way.
func (s *frameSplitter) read(buf *[]byte, n int) bool {
	l := len(*buf)
	*buf = slices.Grow(*buf, n)[:l+n]
	m, err := io.ReadFull(s.br, (*buf)[l:])
	*buf = (*buf)[:l+m]
	return err == nil
}

// rest returns the payload from the start of what the last next read
// (consumed, in buf) on.
func (s *frameSplitter) rest(consumed []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(consumed), s.br)
}

// empty reports whether the payload has no more bytes; an error other
// than its end reports false (the stream decoder then meets it).
func (s *frameSplitter) empty() bool {
	_, err := s.br.Peek(1)
	return err == io.EOF
}
