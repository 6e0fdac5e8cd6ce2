package blob

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Codec says how a blob's content is stored in its file.
type Codec uint8

// The codecs. The numbers are written to disk (FORMAT.md); never renumber.
const (
	// Raw: the payload is the content itself.
	Raw Codec = 0
	// Zstd: the payload is one or more concatenated zstd frames that
	// decompress to the content.
	Zstd Codec = 1
	// Unknown is what Walk reports for a blob whose header cannot be read.
	// It is never written.
	Unknown Codec = 0xff
)

// String returns "raw", "zstd" or "codec(N)".
func (c Codec) String() string {
	switch c {
	case Raw:
		return "raw"
	case Zstd:
		return "zstd"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// The stored file's header, byte by byte (FORMAT.md):
//
//	0..5   magic "mlblob"
//	6      format version, 1
//	7      codec (Raw or Zstd)
//	8..15  uncompressed size, uint64 big-endian, below 2^63
//
// The payload follows at offset 16.
const (
	headerSize    = 16
	formatVersion = 1
	magic         = "mlblob"
)

// header is the decoded form of a stored file's header.
type header struct {
	codec Codec
	size  int64 // uncompressed content size
}

// appendHeader appends h's 16 bytes to dst.
func appendHeader(dst []byte, h header) []byte {
	dst = append(dst, magic...)
	dst = append(dst, formatVersion, byte(h.codec))
	return binary.BigEndian.AppendUint64(dst, uint64(h.size))
}

// parseHeader decodes the first 16 bytes of a stored file. The error says
// what is wrong without naming the file; callers add that and ErrCorrupt.
func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("file too short for a header (%d bytes, need %d)", len(b), headerSize)
	}
	if string(b[:len(magic)]) != magic {
		return header{}, fmt.Errorf("bad magic %q, want %q", b[:len(magic)], magic)
	}
	if v := b[6]; v != formatVersion {
		return header{}, fmt.Errorf("unsupported format version %d, want %d", v, formatVersion)
	}
	c := Codec(b[7])
	if c != Raw && c != Zstd {
		return header{}, fmt.Errorf("unknown codec %d", b[7])
	}
	n := binary.BigEndian.Uint64(b[8:16])
	if n >= 1<<63 {
		return header{}, fmt.Errorf("uncompressed size %d out of range", n)
	}
	return header{codec: c, size: int64(n)}, nil
}

// Compression parameters.
const (
	// chunkSize is the unit of streaming: Put reads and hashes its source
	// in chunks of this size, and each zstd frame holds at most this much
	// content.
	chunkSize = 1 << 20
	// maxWindow caps the zstd window a reader accepts, hence the memory a
	// hostile file can make it allocate. Writers use at most chunkSize.
	maxWindow = 8 << 20
	// minSavingPercent: compression must save at least this much of the
	// content's size, or the blob is stored raw.
	minSavingPercent = 10
	// sampleSize and samples: before compressing a new blob in full, Put
	// compresses a few samples spread over it and gives up on zstd unless
	// they save at least sampleSavingPercent.
	sampleSize          = 256 << 10
	samples             = 4
	sampleSavingPercent = 8
	// smallSampleSize: content held in memory (at most one chunk) is
	// judged on one sample of this size from its middle.
	smallSampleSize = 32 << 10
)

// encoder is the zstd encoder all stores share for large content, one
// frame per chunk. EncodeAll is safe for concurrent use; it runs at most
// GOMAXPROCS encodes at once and starts no goroutines. SpeedFastest: on
// numeric CSV, SpeedDefault is slower and no smaller (LIMITS.md).
var encoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(0),
	)
})

// smallEncoder is shared for content of at most one chunk. It also
// entropy-codes literals when it finds few matches, which SpeedFastest
// otherwise skips: without that, 5 KB of CSV does not compress at all
// (5014 bytes), with it, it halves (2385). It costs about 2x on large
// inputs, hence two encoders.
var smallEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(0),
		zstd.WithAllLitEntropyCompression(true),
	)
})

// decoders pools stream decoders. With concurrency 1 a decoder decodes in
// the caller's goroutine (a reader's pipeline gives it one of its own) and
// owns no goroutine, so dropping one from the pool leaks nothing. Frame
// checksums are not checked: the digest, which every reader checks,
// covers the same bytes (FORMAT.md, "Validity"), and skipping them makes
// decoding about 5% cheaper. Lowmem off: the decoder keeps its buffers
// for speed (a window is at most maxWindow anyway).
var decoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(false),
		zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecoderMaxMemory(maxWindow),
		zstd.IgnoreChecksum(true),
	)
	if err != nil {
		return err
	}
	return d
}}

// getDecoder returns a pooled decoder reset to read r.
func getDecoder(r io.Reader) (*zstd.Decoder, error) {
	v := decoders.Get()
	switch d := v.(type) {
	case *zstd.Decoder:
		if err := d.Reset(r); err != nil {
			return nil, err
		}
		return d, nil
	case error:
		return nil, d
	}
	return nil, fmt.Errorf("BUG: blob: decoder pool holds %T", v)
}

// putDecoder releases the decoder's reader and returns it to the pool.
func putDecoder(d *zstd.Decoder) {
	_ = d.Reset(nil)
	decoders.Put(d)
}

// bufPool holds chunk-sized buffers. Their capacity has frameSlack bytes
// more, which lets the zstd decoder use its fast copies, that may write
// a little past the content, up to a frame's last byte.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, chunkSize, chunkSize+frameSlack)
	return &b
}}

// frameSlack is the slack the zstd decoder wants past a frame's content
// in the buffer it decodes into, for its fast copies.
const frameSlack = 64

// outPool holds buffers for compressed frames: a frame that does not
// compress is a little larger than its content.
var outPool = sync.Pool{New: func() any {
	b := make([]byte, 0, chunkSize+chunkSize/16)
	return &b
}}
