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

func artifactKey(run RunID, path string) []byte {
	k := make([]byte, 0, 16+len(path))
	k = append(k, run[:]...)
	return append(k, path...)
}

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
	if v := d.byte1(); v != artifactRecordV1 && d.err == nil {
		d.fail("unknown record version %d", v)
	}
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

// PutArtifact adds a to run's artifact index, replacing an entry with the
// same path. The caller has cleaned the path and stored the blob.
func (t *Tx) PutArtifact(run RunID, a Artifact) error {
	if a.Path == "" {
		return fmt.Errorf("store: run %s: artifact with an empty path: %w", run, ErrInvalid)
	}
	return t.tx.Bucket(bucketArtifacts).Put(artifactKey(run, a.Path), encodeArtifact(&a))
}

// Artifact returns the index entry of path in run (ErrNotFound).
func (t *Tx) Artifact(run RunID, path string) (Artifact, error) {
	v := t.tx.Bucket(bucketArtifacts).Get(artifactKey(run, path))
	if v == nil {
		return Artifact{}, fmt.Errorf("store: run %s has no artifact %q: %w", run, path, ErrNotFound)
	}
	return DecodeArtifact(path, v)
}

// Artifacts calls fn, in path order, with every artifact of run whose path
// starts with prefix ("" for all).
func (t *Tx) Artifacts(run RunID, prefix string, fn func(Artifact) error) error {
	p := artifactKey(run, prefix)
	c := t.tx.Bucket(bucketArtifacts).Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		a, err := DecodeArtifact(string(k[16:]), v)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// DeleteArtifacts removes from run's index every artifact whose path
// starts with prefix; it returns how many went.
func (t *Tx) DeleteArtifacts(run RunID, prefix string) (int, error) {
	p := artifactKey(run, prefix)
	c := t.tx.Bucket(bucketArtifacts).Cursor()
	n := 0
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Seek(p) {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ForEachArtifact calls fn with every artifact of every run: what a
// garbage collector must keep.
func (t *Tx) ForEachArtifact(fn func(run RunID, a Artifact) error) error {
	return t.tx.Bucket(bucketArtifacts).ForEach(func(k, v []byte) error {
		if len(k) <= 16 {
			return fmt.Errorf("store: artifact key %x too short: %w", k, ErrCorrupt)
		}
		var id RunID
		copy(id[:], k)
		a, err := DecodeArtifact(string(k[16:]), v)
		if err != nil {
			return err
		}
		return fn(id, a)
	})
}
