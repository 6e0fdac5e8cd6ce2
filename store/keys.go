package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
)

// Bucket names. docs/format.md specifies each bucket's keys and values.
var (
	bucketMeta        = []byte("meta")
	bucketExperiments = []byte("experiments")
	bucketExpNames    = []byte("experiment_names")
	bucketRuns        = []byte("runs")
	bucketRunsByExp   = []byte("runs_by_experiment")
	bucketChildren    = []byte("run_children")
	bucketSeries      = []byte("series")
	bucketDatasets    = []byte("datasets")
	bucketArtifacts   = []byte("artifacts")

	allBuckets = [][]byte{bucketMeta, bucketExperiments, bucketExpNames, bucketRuns,
		bucketRunsByExp, bucketChildren, bucketSeries, bucketDatasets, bucketArtifacts, bucketRegModels, bucketRegVersions, bucketRegVersionFiles, bucketRegAudit, bucketMetricOrder,
		bucketLoggedModels, bucketLoggedModelsByExp, bucketLoggedModelFiles, bucketRunModels}
)

// Keys of the meta bucket.
var (
	metaFormat         = []byte("format")          // uint32 BE format version
	metaFileID         = []byte("file_id")         // 16 random bytes
	metaCreated        = []byte("created")         // int64 BE ms since the epoch
	metaNextExperiment = []byte("next_experiment") // uint64 BE
)

// FormatVersion is the newest file format this code reads and writes. A
// file is created at format 1 and raised to 2 by the transaction that
// stores its first logged model (docs/format.md).
const FormatVersion = 2

// createFormat is the format version of a new file.
const createFormat = 1

func u64key(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func expKey(id ExperimentID) []byte { return u64key(uint64(id)) }

// runsByExpKey orders an experiment's runs newest first: the start time is
// stored inverted so a forward cursor scan meets the newest run first.
func runsByExpKey(exp ExperimentID, start int64, id RunID) []byte {
	k := make([]byte, 0, 32)
	k = binary.BigEndian.AppendUint64(k, uint64(exp))
	k = binary.BigEndian.AppendUint64(k, ^uint64(start))
	return append(k, id[:]...)
}

func childKey(parent, child RunID) []byte {
	k := make([]byte, 0, 32)
	k = append(k, parent[:]...)
	return append(k, child[:]...)
}

const seriesKeyLen = 24

// seriesKey is the key of chunk seq of series index idx of a run: one
// series is one contiguous, ordered key range.
func seriesKey(id RunID, idx uint32, seq uint32) []byte {
	k := make([]byte, 0, seriesKeyLen)
	k = append(k, id[:]...)
	k = binary.BigEndian.AppendUint32(k, idx)
	return binary.BigEndian.AppendUint32(k, seq)
}

func datasetKey(exp ExperimentID, name, digest string) []byte {
	k := make([]byte, 0, 10+len(name)+len(digest))
	k = binary.BigEndian.AppendUint64(k, uint64(exp))
	k = binary.BigEndian.AppendUint16(k, uint16(len(name)))
	k = append(k, name...)
	return append(k, digest...)
}

func sortRefs(refs []seriesRef) {
	slices.SortFunc(refs, func(a, b seriesRef) int {
		if c := bytes.Compare(a.run[:], b.run[:]); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
}
