package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// Sync marks: the bookkeeping of copies between this file and a peer (an
// MLflow server, another store, a folder): what was sent or taken, so that
// copying again sends nothing twice and a killed copy resumes.
//
// Bucket (created by the first transaction that puts a mark; a file without
// it reads as holding no marks):
//
//	sync_marks   u16be peer length | peer | u8 kind | key -> sync mark record
//
// The bucket is additive to format 2 (docs/format.md): older code never
// opens it, Compact copies it, and a mark whose subject an older mlite
// deleted or purged is never read, since copies look marks up from the
// subjects they find, never the other way round.

var bucketSyncMarks = []byte("sync_marks")

// SyncKind says what a sync mark is about; the caller chooses the key's
// layout for each kind (package transfer documents its kinds).
type SyncKind uint8

// SyncMark records how far one thing was copied to or from a peer.
type SyncMark struct {
	// Ref is the peer's name for the thing (a remote run id, a version
	// number); "" while the copy is only intended, not yet confirmed.
	Ref string
	// Count is how many items of a sequence were copied (metric points).
	Count uint64
	// State is a digest of what was copied last, to tell a changed thing.
	State []byte
}

const (
	syncMarkRecordV1 = 1
	maxSyncPeerLen   = math.MaxUint16
)

func syncMarkPrefix(peer string, kind SyncKind) ([]byte, error) {
	if peer == "" || len(peer) > maxSyncPeerLen {
		return nil, fmt.Errorf("store: sync peer %q: want 1 to %d bytes: %w", peer, maxSyncPeerLen, ErrInvalid)
	}
	k := make([]byte, 0, 3+len(peer))
	k = binary.BigEndian.AppendUint16(k, uint16(len(peer)))
	k = append(k, peer...)
	return append(k, byte(kind)), nil
}

func encodeSyncMark(m SyncMark) []byte {
	e := encoder{b: make([]byte, 0, 8+len(m.Ref)+len(m.State))}
	e.byte1(syncMarkRecordV1)
	e.str(m.Ref)
	e.uvarint(m.Count)
	e.str(string(m.State))
	return e.b
}

func decodeSyncMark(b []byte) (SyncMark, error) {
	d := decoder{b: b, what: "sync mark"}
	d.version(syncMarkRecordV1, syncMarkRecordV1)
	var m SyncMark
	m.Ref = d.str()
	m.Count = d.uvarint()
	if s := d.str(); s != "" {
		m.State = []byte(s)
	}
	if err := d.done(); err != nil {
		return SyncMark{}, err
	}
	return m, nil
}

// SyncMark returns the mark of key of the given kind for peer, and whether
// there is one.
func (t *Tx) SyncMark(peer string, kind SyncKind, key []byte) (SyncMark, bool, error) {
	p, err := syncMarkPrefix(peer, kind)
	if err != nil {
		return SyncMark{}, false, err
	}
	b := t.tx.Bucket(bucketSyncMarks)
	if b == nil {
		return SyncMark{}, false, nil
	}
	v := b.Get(append(p, key...))
	if v == nil {
		return SyncMark{}, false, nil
	}
	m, err := decodeSyncMark(v)
	return m, err == nil, err
}

// PutSyncMark stores the mark of key of the given kind for peer, replacing
// any earlier one.
func (t *Tx) PutSyncMark(peer string, kind SyncKind, key []byte, m SyncMark) error {
	if !t.tx.Writable() {
		return fmt.Errorf("store: put sync mark in a read transaction: %w", ErrReadOnly)
	}
	p, err := syncMarkPrefix(peer, kind)
	if err != nil {
		return err
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketSyncMarks)
	if err != nil {
		return fmt.Errorf("store: sync marks: %w", err)
	}
	return b.Put(append(p, key...), encodeSyncMark(m))
}

// SyncMarks calls fn with every mark of the given kind for peer, in key
// order. key is only valid during the call.
func (t *Tx) SyncMarks(peer string, kind SyncKind, fn func(key []byte, m SyncMark) error) error {
	p, err := syncMarkPrefix(peer, kind)
	if err != nil {
		return err
	}
	b := t.tx.Bucket(bucketSyncMarks)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		m, err := decodeSyncMark(v)
		if err != nil {
			return err
		}
		if err := fn(k[len(p):], m); err != nil {
			return err
		}
	}
	return nil
}

// SyncPeers returns the peers that have marks, in order.
func (t *Tx) SyncPeers() ([]string, error) {
	b := t.tx.Bucket(bucketSyncMarks)
	if b == nil {
		return nil, nil
	}
	var peers []string
	err := b.ForEach(func(k, _ []byte) error {
		if len(k) < 3 || int(binary.BigEndian.Uint16(k))+3 > len(k) {
			return fmt.Errorf("store: sync mark key %x: shorter than its peer length: %w", k, ErrCorrupt)
		}
		peer := string(k[2 : 2+int(binary.BigEndian.Uint16(k))])
		if len(peers) == 0 || peers[len(peers)-1] != peer {
			peers = append(peers, peer)
		}
		return nil
	})
	return peers, err
}

// checkSyncMarks reports marks whose key or record does not decode.
func (t *Tx) checkSyncMarks(c *checker) {
	b := t.tx.Bucket(bucketSyncMarks)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		if len(k) < 3 || int(binary.BigEndian.Uint16(k))+3 > len(k) {
			c.add("sync mark", "key %x is shorter than its peer length", k)
			return nil
		}
		if _, err := decodeSyncMark(v); err != nil {
			c.add("sync mark", "key %x: %v", k, err)
		}
		return nil
	})
}
