// Package blob owns the content-addressed blob folder that sits beside an
// mlite file ("<store>-blobs/"): artifact bytes, stored once per distinct
// content, compressed when that pays, verified whenever they are read.
//
// Vocabulary:
//
//   - Digest: the SHA-256 of a blob's uncompressed content, its identity and
//     its name on disk ("ab/cdef…": the first two hex digits name a
//     subfolder, the other 62 the file).
//   - Codec: how the content is stored in the file: Raw, or Zstd (one or more
//     zstd frames). A blob is stored raw when zstd would save less than about
//     10%, as it does for images, archives and float tensors.
//   - Stored file: a 16-byte header (magic, version, codec, uncompressed
//     size) followed by the payload. FORMAT.md describes it byte by byte.
//   - Temp file: a write in progress under "tmp/". A Put becomes visible only
//     through an atomic rename of a complete, fsynced file, so a crash leaves
//     at worst a temp file, which a later Open removes once it is older than
//     Options.TempGrace.
//   - Pending mark: an empty file "pending/<digest>" naming a blob stored
//     raw that CompressPending should compress. It is synced with its
//     blob; a rescan (CompressOptions.Rescan) finds raw blobs whose mark
//     was lost anyway.
//
// Put streams its source once and never holds a whole file in memory: it
// hashes the bytes while a second goroutine writes them raw to a temp file,
// and only when the digest turns out to be new does it fsync and rename.
// Content already present thus costs little more than the hash; Put then
// touches the existing blob's modification time so that a garbage
// collector that spares recently touched blobs (it should use a grace
// period) keeps it.
//
// Put runs at the speed of the disk: it compresses small content (up to
// 64 KiB) itself and stores larger compressible content raw, marked
// "pending"; CompressPending rewrites marked blobs in zstd later (a
// background pass, `mlite compact`), atomically and verified. A Batch
// stores many files (a folder of small ones) with their fsyncs run
// together and each folder synced once.
//
// Readers recompute the digest as they stream and fail with ErrCorrupt, at
// the end or earlier, when the bytes on disk do not match their name.
// Content larger than a chunk is read, hashed and handed out on goroutines
// of their own, so that decoding, hashing and the caller's writes overlap;
// zstd content is cut into its frames (one per chunk, FORMAT.md), which
// are decoded several at once. A chunk is handed out only once hashed, so
// the last chunk of content that does not match its name never is.
// Decoders distrust the file: lengths are capped before anything is
// allocated and zstd windows are limited.
//
// Garbage collection (which blobs nothing refers to) is not this package's
// business: it needs the index kept by the store, which sits above.
//
// blob imports only the standard library and github.com/klauspost/compress;
// it imports no other mlite package.
package blob
