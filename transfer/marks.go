package transfer

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/mlite/mlite/store"
)

// Mark kinds; doc.go lists each kind's key.
const (
	markExperiment store.SyncKind = 1
	markRun        store.SyncKind = 2
	markParams     store.SyncKind = 3
	markTags       store.SyncKind = 4
	markInputs     store.SyncKind = 5
	markSeries     store.SyncKind = 6
	markArtifact   store.SyncKind = 7
	markModel      store.SyncKind = 8
	markVersion    store.SyncKind = 9
	markAliases    store.SyncKind = 10
	markExpTags    store.SyncKind = 11
	markServer     store.SyncKind = 12
	markLogged     store.SyncKind = 13
	markModelFile  store.SyncKind = 14
	markLinks      store.SyncKind = 15
)

// lastKind is the highest kind in use (adopting a peer's marks copies
// kinds 1 to lastKind).
const lastKind = markLinks

func expKey(id store.ExperimentID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func runKey(id store.RunID) []byte { return slices.Clone(id[:]) }

func runSubKey(id store.RunID, s string) []byte { return append(runKey(id), s...) }

func modelKey(id store.ModelID) []byte { return slices.Clone(id[:]) }

func versionKey(name string, v int64) []byte {
	k := binary.BigEndian.AppendUint16(nil, uint16(min(len(name), math.MaxUint16)))
	k = append(k, name...)
	return binary.BigEndian.AppendUint64(k, uint64(v))
}

// digest is a short digest of a canonical sequence of strings, to tell
// whether what was sent before changed.
type digest struct{ b []byte }

func (d *digest) str(s string) *digest {
	d.b = binary.AppendUvarint(d.b, uint64(len(s)))
	d.b = append(d.b, s...)
	return d
}

func (d *digest) int(v int64) *digest { return d.str(strconv.FormatInt(v, 10)) }

func (d *digest) strMap(m map[string]string) *digest {
	d.int(int64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		d.str(k).str(m[k])
	}
	return d
}

func (d *digest) sum() []byte {
	s := sha256.Sum256(d.b)
	return s[:digestLen]
}

const digestLen = 16

// A keyed state is the State of a mark of a set of named values (tags,
// aliases): the digest of what was sent, then the names sent, each as a
// uvarint length and its bytes, so that a later push can delete on the
// peer what was deleted here since. A mark written before the names were
// kept holds the digest alone, and names nothing to delete.

// keyedState returns the state of having sent m, whose digest is sum.
func keyedState(sum []byte, m map[string]string) []byte {
	b := slices.Clone(sum)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return b
}

// sameState reports whether the keyed state st records the digest sum.
func sameState(st, sum []byte) bool {
	return len(st) >= digestLen && string(st[:digestLen]) == string(sum)
}

// gone returns the names the keyed state st says were sent and m lacks, in
// order. A damaged list names nothing past the damage.
func gone(st []byte, m map[string]string) []string {
	if len(st) < digestLen {
		return nil
	}
	var out []string
	for b := st[digestLen:]; len(b) > 0; {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return out
		}
		k := string(b[w : w+int(n)])
		b = b[w+int(n):]
		if _, ok := m[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
