// Package store owns the mlite file: one bbolt file holding experiments,
// runs, params, tags, metric series and datasets. It defines the schema,
// the key encodings, the record codecs, the write batching (group commit),
// the file locking between processes, the format version and the
// integrity check. docs/format.md specifies every record byte by byte.
//
// Vocabulary:
//   - A Store is an open file. View and Update run closures in read and
//     write transactions; a Tx never escapes its closure and every record
//     it returns is a copy.
//   - A Run record carries everything a search needs about a run (info,
//     params, tags, one Series summary per metric key, inputs), so a search
//     reads one value per run.
//   - A series is the history of one metric key of one run, stored as
//     chunks (package internal/chunkenc) cut by encoded size, keyed
//     run id | series index | chunk number so one series is one cursor scan.
//   - The writer buffers logged points, params and tags in memory and one
//     goroutine commits them in batches (LogPoints, LogParam, SetTag,
//     Flush). After Flush, FlushRun or Close return nil, everything logged
//     before is durable.
//
// Several processes may share a file: each transaction batch takes the
// sidecar lock "<file>.lock" (shared to read, exclusive to write) and opens
// the bbolt file only for that batch, keeping it briefly (Options.HoldTime)
// for the next one. A writer that has to wait says so by holding
// "<file>.intent" exclusively; a process holding the file lock checks it
// before each transaction and lets go when a writer waits, and new readers
// queue behind it, as SQLite's PENDING lock.
//
// Package store imports no other mlite package but the internal helpers
// chunkenc (metric chunks), flock (file locks) and validate (whose
// ErrInvalid is store.ErrInvalid). Only run, registry, the root package and
// mlitetest import store; the surfaces read through run and registry.
package store
