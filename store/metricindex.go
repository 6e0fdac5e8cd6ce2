package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The metric order index: every run's latest value of every metric, in
// value order, so that a search ordered by a metric reads runs best first
// and stops at a full page instead of reading them all.
//
//	metric_order   u16 len(key) | key | u64 ordered value | runid -> empty
//
// The ordered value is the float's bits made to sort as the numbers do
// (sign bit flipped for positives, all bits flipped for negatives). NaN
// latest values are not indexed: a search places them after every number,
// as runs without the metric, and reads them by a scan.
var bucketMetricOrder = []byte("metric_order")

func orderedFloat(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 == 0 {
		return b | 1<<63
	}
	return ^b
}

func floatFromOrdered(u uint64) float64 {
	if u>>63 == 1 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func metricOrderPrefix(key string) []byte {
	k := make([]byte, 0, 2+len(key)+8+16)
	k = binary.BigEndian.AppendUint16(k, uint16(len(key)))
	return append(k, key...)
}

func metricOrderKey(key string, v float64, id RunID) []byte {
	k := binary.BigEndian.AppendUint64(metricOrderPrefix(key), orderedFloat(v))
	return append(k, id[:]...)
}

// indexable reports whether a metric's latest value goes in the index:
// keys longer than a u16 cannot (MLflow's limit is 250 bytes) and NaN
// has no place among numbers.
func indexable(key string, s *Series) bool {
	return s.Count > 0 && len(key) <= math.MaxUint16 && !math.IsNaN(s.Latest.Value)
}

// updateMetricOrder moves run r's entries in the metric order index from
// the latest values its stored record old holds (nil for a new run) to
// those r holds.
func (t *Tx) updateMetricOrder(old []byte, r *Run) error {
	b := t.tx.Bucket(bucketMetricOrder)
	prev := map[string]float64{}
	if old != nil {
		var v RunView
		if err := v.reset(old); err != nil {
			return err
		}
		v.EachMetric(func(k string, s Series) {
			if indexable(k, &s) {
				prev[k] = s.Latest.Value
			}
		})
	}
	for k, s := range r.Metrics {
		was, had := prev[k]
		delete(prev, k)
		now := indexable(k, s)
		if had && now && math.Float64bits(was) == math.Float64bits(s.Latest.Value) {
			continue
		}
		if had {
			if err := b.Delete(metricOrderKey(k, was, r.ID)); err != nil {
				return err
			}
		}
		if now {
			if err := b.Put(metricOrderKey(k, s.Latest.Value, r.ID), nil); err != nil {
				return err
			}
		}
	}
	for k, was := range prev { // metrics the run no longer has
		if err := b.Delete(metricOrderKey(k, was, r.ID)); err != nil {
			return err
		}
	}
	return nil
}

// deleteMetricOrder removes run r's entries from the metric order index.
func (t *Tx) deleteMetricOrder(r *Run) error {
	b := t.tx.Bucket(bucketMetricOrder)
	for k, s := range r.Metrics {
		if indexable(k, s) {
			if err := b.Delete(metricOrderKey(k, s.Latest.Value, r.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// MetricOrder calls fn with the runs that have a number as the latest
// value of metric key, in value order (descending when desc; runs with
// equal values in run id order), until fn returns false or an error.
func (t *Tx) MetricOrder(key string, desc bool, fn func(value float64, id RunID) (bool, error)) error {
	prefix := metricOrderPrefix(key)
	c := t.tx.Bucket(bucketMetricOrder).Cursor()
	var k []byte
	if desc {
		// Seek past the prefix's last entry, then step back.
		end := binary.BigEndian.AppendUint64(bytes.Clone(prefix), math.MaxUint64)
		end = append(end, bytes.Repeat([]byte{0xff}, 17)...)
		if k, _ = c.Seek(end); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	} else {
		k, _ = c.Seek(prefix)
	}
	// Equal values come back in run id order in both directions: going
	// backwards, gather a group of equal values and hand it out reversed.
	var group []RunID
	var groupVal uint64
	flush := func() (bool, error) {
		for i := len(group) - 1; i >= 0; i-- {
			more, err := fn(floatFromOrdered(groupVal), group[i])
			if err != nil || !more {
				return false, err
			}
		}
		group = group[:0]
		return true, nil
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k = step(c, desc) {
		if len(k) != len(prefix)+8+16 {
			return fmt.Errorf("store: metric_order key %x of %d bytes: %w", k, len(k), ErrCorrupt)
		}
		u := binary.BigEndian.Uint64(k[len(prefix):])
		var id RunID
		copy(id[:], k[len(prefix)+8:])
		if !desc {
			more, err := fn(floatFromOrdered(u), id)
			if err != nil || !more {
				return err
			}
			continue
		}
		if len(group) > 0 && u != groupVal {
			if more, err := flush(); err != nil || !more {
				return err
			}
		}
		groupVal = u
		group = append(group, id)
	}
	if desc && len(group) > 0 {
		_, err := flush()
		return err
	}
	return nil
}

func step(c *bolt.Cursor, desc bool) []byte {
	if desc {
		k, _ := c.Prev()
		return k
	}
	k, _ := c.Next()
	return k
}

// fillMetricOrder builds the metric order index from the run records, for
// a file written before the index existed.
func (t *Tx) fillMetricOrder() error {
	var ids []RunID
	if err := t.ScanRuns(func(v *RunView) error { ids = append(ids, v.ID()); return nil }); err != nil {
		return err
	}
	for _, id := range ids {
		r, err := t.Run(id)
		if err != nil {
			return err
		}
		if err := t.updateMetricOrder(nil, r); err != nil {
			return err
		}
	}
	return nil
}

// checkMetricOrder verifies that the metric order index holds exactly one
// entry per run and indexable metric, at its latest value.
func (t *Tx) checkMetricOrder(c *checker, runs map[RunID]*Run) {
	want := map[string]bool{}
	for _, r := range runs {
		for k, s := range r.Metrics {
			if indexable(k, s) {
				want[string(metricOrderKey(k, s.Latest.Value, r.ID))] = true
			}
		}
	}
	var stray [][]byte
	t.tx.Bucket(bucketMetricOrder).ForEach(func(k, _ []byte) error {
		if !want[string(k)] {
			stray = append(stray, bytes.Clone(k))
		}
		delete(want, string(k))
		return nil
	})
	for _, k := range stray {
		c.add(fmt.Sprintf("metric_order key %x", k), "no run has that latest value")
	}
	missing := make([]string, 0, len(want))
	for k := range want {
		missing = append(missing, k)
	}
	slices.Sort(missing)
	for _, k := range missing {
		c.add(fmt.Sprintf("metric_order key %x", k), "missing: a run has that latest value")
	}
}
