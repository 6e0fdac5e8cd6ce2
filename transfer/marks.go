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
)

func expKey(id store.ExperimentID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

func runKey(id store.RunID) []byte { return slices.Clone(id[:]) }

func runSubKey(id store.RunID, s string) []byte { return append(runKey(id), s...) }

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
	return s[:16]
}
