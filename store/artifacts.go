package store

import (
	"bytes"
	"fmt"
)

// Artifact is one file of a run's artifact index: its path inside the run
// and the blob holding its bytes. The bytes themselves live in the blob
// folder beside the store; the index lives here.
type Artifact struct {
	Path   string   // slash-separated, relative, cleaned (see internal/artpath)
	Digest [32]byte // SHA-256 of the content: the blob's name
	Size   int64    // bytes of content
	Mode   uint32   // Unix permission bits the file had (0 when unknown)
}

const artifactRecordV1 = 1

func encodeArtifact(a *Artifact) []byte {
	e := encoder{b: make([]byte, 0, 48)}
	e.byte1(artifactRecordV1)
	e.raw(a.Digest[:])
	e.uvarint(uint64(a.Size))
	e.uvarint(uint64(a.Mode))
	return e.b
}

// DecodeArtifact decodes an artifact index value (the path comes from the
// key). It never panics; malformed input wraps ErrCorrupt.
func DecodeArtifact(path string, b []byte) (Artifact, error) {
	d := decoder{b: b, what: "artifact"}
	d.version(artifactRecordV1, artifactRecordV1)
	a := Artifact{Path: path}
	copy(a.Digest[:], d.raw(32))
	size := d.uvarint()
	if size > 1<<62 {
		d.fail("size %d", size)
	}
	a.Size = int64(size)
	mode := d.uvarint()
	if mode > 1<<32-1 {
		d.fail("mode %d", mode)
	}
	a.Mode = uint32(mode)
	return a, d.done()
}

// Index names one artifact index: a run's (RunFiles) or a logged model's
// (ModelFiles). The Tx methods on Index read and write either the same way.
type Index struct {
	bucket []byte
	prefix []byte // the owner's id, the first bytes of every key
	what   string // "run <id>", for messages
}

// RunFiles is the artifact index of run id.
func RunFiles(id RunID) Index {
	return Index{bucket: bucketArtifacts, prefix: id[:], what: "run " + id.String()}
}

// String names the index's owner: "run <id>" or "logged model m-<id>".
func (ix Index) String() string { return ix.what }

func (ix Index) key(path string) []byte {
	k := make([]byte, 0, len(ix.prefix)+len(path))
	k = append(k, ix.prefix...)
	return append(k, path...)
}

// PutFile adds a to the index, replacing an entry with the same path. The
// caller has cleaned the path and stored the blob.
func (t *Tx) PutFile(ix Index, a Artifact) error {
	if a.Path == "" {
		return fmt.Errorf("store: %s: artifact with an empty path: %w", ix, ErrInvalid)
	}
	return t.tx.Bucket(ix.bucket).Put(ix.key(a.Path), encodeArtifact(&a))
}

// File returns the entry of path in the index (ErrNotFound).
func (t *Tx) File(ix Index, path string) (Artifact, error) {
	b := t.tx.Bucket(ix.bucket)
	var v []byte
	if b != nil { // a format 1 file opened read-only lacks logged_model_files
		v = b.Get(ix.key(path))
	}
	if v == nil {
		return Artifact{}, fmt.Errorf("store: %s has no artifact %q: %w", ix, path, ErrNotFound)
	}
	return DecodeArtifact(path, v)
}

// Files calls fn, in path order, with every entry of the index whose path
// starts with prefix ("" for all).
func (t *Tx) Files(ix Index, prefix string, fn func(Artifact) error) error {
	b := t.tx.Bucket(ix.bucket)
	if b == nil { // a format 1 file opened read-only lacks logged_model_files
		return nil
	}
	decode := func(k, v []byte) (Artifact, error) { return DecodeArtifact(string(k[len(ix.prefix):]), v) }
	return eachWithPrefix(b, ix.key(prefix), decode, fn)
}

// DeleteFiles removes from the index every entry whose path starts with
// prefix; it returns how many went.
func (t *Tx) DeleteFiles(ix Index, prefix string) (int, error) {
	p := ix.key(prefix)
	c := t.tx.Bucket(ix.bucket).Cursor()
	n := 0
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Seek(p) {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PutArtifact adds a to run's artifact index: PutFile(RunFiles(run), a).
func (t *Tx) PutArtifact(run RunID, a Artifact) error { return t.PutFile(RunFiles(run), a) }

// Artifact returns the index entry of path in run (ErrNotFound).
func (t *Tx) Artifact(run RunID, path string) (Artifact, error) {
	return t.File(RunFiles(run), path)
}

// Artifacts calls fn, in path order, with every artifact of run whose path
// starts with prefix ("" for all).
func (t *Tx) Artifacts(run RunID, prefix string, fn func(Artifact) error) error {
	return t.Files(RunFiles(run), prefix, fn)
}

// DeleteArtifacts removes from run's index every artifact whose path
// starts with prefix; it returns how many went.
func (t *Tx) DeleteArtifacts(run RunID, prefix string) (int, error) {
	return t.DeleteFiles(RunFiles(run), prefix)
}

// ForEachArtifact calls fn with every artifact of every run: what a
// garbage collector must keep.
func (t *Tx) ForEachArtifact(fn func(run RunID, a Artifact) error) error {
	return eachFile(t.tx.Bucket(bucketArtifacts), "artifact", fn)
}
