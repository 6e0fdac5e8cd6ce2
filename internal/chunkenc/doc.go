// Package chunkenc encodes metric series into chunks: compact, self-describing
// byte strings of up to MaxPoints points that the store keeps as bbolt
// values, one key per chunk.
//
// Vocabulary:
//   - Point: one sample (step, time in ms, float64 value) of one metric key;
//     the key lives outside the chunk.
//   - Chunk: a codec tag byte, a Header (count, step/time/value ranges, NaN
//     count, newest point) and three columns (steps, times, values).
//   - Column: a kind byte, a byte length and a body. Each column picks, when
//     the chunk is encoded, the cheapest of its encodings: for integers
//     frame-of-reference deltas (constant deltas cost nothing), bucketed
//     delta-of-delta, or deltas in buckets whose widths adapt to the chunk;
//     for values a constant, the integer encodings when every value is an
//     integer (counters), Gorilla XOR, or the adaptive deltas of the values'
//     order-preserving integer form (best for noisy float32 curves).
//   - Newer: MLflow's "latest metric" order (step, then time, then value with
//     NaN lowest), which Header.Last follows.
//
// An Appender builds a chunk point by point; Size is exact and O(1) so the
// store can seal chunks by byte size (TargetSize, Fits). ReadHeader reads the
// summary without decoding; AppendPoints and Iterator decode; Check verifies.
// Every decoding error wraps ErrCorrupt; decoders never panic and never
// allocate more than MaxPoints points. FORMAT.md documents the bytes.
//
// The package owns only the byte format and imports nothing but the standard
// library.
package chunkenc
