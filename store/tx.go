package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Tx is a read or write transaction, handed to the functions given to View
// and Update. It is only valid inside that function. Every record it
// returns is a fresh copy the caller owns.
type Tx struct {
	tx     *bolt.Tx
	raised uint32                 // the format version this transaction raised the file to, if any
	heads  *headCache             // the store's head-chunk Appenders (write transactions of Update)
	staged map[headRef]*headEntry // Appenders for heads to keep if this transaction commits
}

// Writable reports whether tx may write.
func (t *Tx) Writable() bool { return t.tx.Writable() }

// Experiment returns the experiment with id, or an error wrapping ErrNotFound.
func (t *Tx) Experiment(id ExperimentID) (*Experiment, error) {
	v := t.tx.Bucket(bucketExperiments).Get(expKey(id))
	if v == nil {
		return nil, fmt.Errorf("store: experiment %s: %w", id, ErrNotFound)
	}
	return DecodeExperiment(v)
}

// ExperimentByName returns the experiment named name (active or deleted), or
// an error wrapping ErrNotFound.
func (t *Tx) ExperimentByName(name string) (*Experiment, error) {
	v := t.tx.Bucket(bucketExpNames).Get([]byte(name))
	if len(v) != 8 {
		return nil, fmt.Errorf("store: experiment named %q: %w", name, ErrNotFound)
	}
	return t.Experiment(ExperimentID(binary.BigEndian.Uint64(v)))
}

// ForEachExperiment calls fn for every experiment in id order until fn
// returns an error.
func (t *Tx) ForEachExperiment(fn func(*Experiment) error) error {
	return eachWithPrefix(t.tx.Bucket(bucketExperiments), nil, func(_, v []byte) (*Experiment, error) { return DecodeExperiment(v) }, fn)
}

// CreateExperiment stores a new experiment, giving it the next id (written
// back into x). Its name must be unused, by active and deleted experiments
// alike, or the error wraps ErrExists.
func (t *Tx) CreateExperiment(x *Experiment) error {
	if t.tx.Bucket(bucketExpNames).Get([]byte(x.Name)) != nil {
		return fmt.Errorf("store: experiment named %q: %w", x.Name, ErrExists)
	}
	meta := t.tx.Bucket(bucketMeta)
	next := binary.BigEndian.Uint64(meta.Get(metaNextExperiment))
	if err := meta.Put(metaNextExperiment, u64key(next+1)); err != nil {
		return err
	}
	x.ID = ExperimentID(next)
	if x.ArtifactLocation == "" {
		x.ArtifactLocation = ArtifactLocation(x.ID)
	}
	return t.putExperiment(x, "")
}

// PutExperiment stores changes to an existing experiment. A new name must
// be unused (ErrExists).
func (t *Tx) PutExperiment(x *Experiment) error {
	old, err := t.Experiment(x.ID)
	if err != nil {
		return err
	}
	if old.Name != x.Name && t.tx.Bucket(bucketExpNames).Get([]byte(x.Name)) != nil {
		return fmt.Errorf("store: experiment named %q: %w", x.Name, ErrExists)
	}
	return t.putExperiment(x, old.Name)
}

func (t *Tx) putExperiment(x *Experiment, oldName string) error {
	names := t.tx.Bucket(bucketExpNames)
	if oldName != "" && oldName != x.Name {
		if err := names.Delete([]byte(oldName)); err != nil {
			return err
		}
	}
	if err := names.Put([]byte(x.Name), expKey(x.ID)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketExperiments).Put(expKey(x.ID), encodeExperiment(x))
}

// DeleteExperiment removes an experiment and everything of its runs for
// good (MLflow's permanent delete). The Default experiment cannot go.
func (t *Tx) DeleteExperiment(id ExperimentID) error {
	if id == 0 {
		return fmt.Errorf("store: experiment 0 (Default) cannot be deleted permanently: %w", ErrInvalid)
	}
	x, err := t.Experiment(id)
	if err != nil {
		return err
	}
	ids, err := t.ExperimentRunIDs(id)
	if err != nil {
		return err
	}
	for _, rid := range ids {
		if err := t.PurgeRun(rid); err != nil {
			return err
		}
	}
	if err := deletePrefix(t.tx.Bucket(bucketDatasets), expKey(id)); err != nil {
		return err
	}
	if err := t.purgeExperimentModels(id); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketExpNames).Delete([]byte(x.Name)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketExperiments).Delete(expKey(id))
}

// Run returns the run with id, or an error wrapping ErrNotFound.
func (t *Tx) Run(id RunID) (*Run, error) {
	v := t.tx.Bucket(bucketRuns).Get(id[:])
	if v == nil {
		return nil, fmt.Errorf("store: run %s: %w", id, ErrNotFound)
	}
	return DecodeRun(v)
}

// CreateRun stores a new run and indexes it under its experiment and its
// parent. The experiment must exist; the id must be new (ErrExists).
func (t *Tx) CreateRun(r *Run) error {
	if t.tx.Bucket(bucketRuns).Get(r.ID[:]) != nil {
		return fmt.Errorf("store: run %s: %w", r.ID, ErrExists)
	}
	if _, err := t.Experiment(r.ExperimentID); err != nil {
		return err
	}
	if !r.Parent.IsZero() {
		if err := t.tx.Bucket(bucketChildren).Put(childKey(r.Parent, r.ID), nil); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bucketRunsByExp).Put(runsByExpKey(r.ExperimentID, r.StartTime, r.ID), nil); err != nil {
		return err
	}
	return t.PutRun(r)
}

// PutRun stores changes to a run's record. The experiment, parent and
// start time are fixed at creation and must not change.
func (t *Tx) PutRun(r *Run) error {
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	if r.Metrics == nil {
		r.Metrics = map[string]*Series{}
	}
	b := t.tx.Bucket(bucketRuns)
	if err := t.updateMetricOrder(b.Get(r.ID[:]), r); err != nil {
		return err
	}
	return b.Put(r.ID[:], encodeRun(r))
}

// ForEachRun calls fn for every run of the file, in run id order.
func (t *Tx) ForEachRun(fn func(*Run) error) error {
	return t.tx.Bucket(bucketRuns).ForEach(func(_, v []byte) error {
		r, err := DecodeRun(v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// ExperimentRuns calls fn with the runs of experiment exp, newest start
// first, beginning after the position after (a key fn was given earlier;
// nil: from the start). fn gets the position and the run id and returns
// whether to go on. Positions are stable: runs added later sort into their
// place without shifting others, so paging by position neither skips nor
// repeats.
func (t *Tx) ExperimentRuns(exp ExperimentID, after []byte, fn func(pos []byte, id RunID) (bool, error)) error {
	prefix := expKey(exp)
	c := t.tx.Bucket(bucketRunsByExp).Cursor()
	var k []byte
	if after == nil {
		k, _ = c.Seek(prefix)
	} else {
		k, _ = c.Seek(after)
		if bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != 32 {
			return fmt.Errorf("store: runs_by_experiment key of %d bytes: %w", len(k), ErrCorrupt)
		}
		var id RunID
		copy(id[:], k[16:])
		more, err := fn(bytes.Clone(k), id)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// ExperimentRunIDs returns the ids of the runs of experiment exp, newest
// start first: a list gathered before the caller changes the runs, which a
// cursor must not see happen under it.
func (t *Tx) ExperimentRunIDs(exp ExperimentID) ([]RunID, error) {
	var ids []RunID
	err := t.ExperimentRuns(exp, nil, func(_ []byte, id RunID) (bool, error) {
		ids = append(ids, id)
		return true, nil
	})
	return ids, err
}

// CountRuns counts the runs of the experiments exps (sorted) and of the
// whole file, reading only the keys of the experiment index.
func (t *Tx) CountRuns(exps []ExperimentID) (in, total int) {
	c := t.tx.Bucket(bucketRunsByExp).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		total++
		if len(k) >= 8 {
			if _, ok := slices.BinarySearch(exps, ExperimentID(binary.BigEndian.Uint64(k))); ok {
				in++
			}
		}
	}
	return in, total
}

// ExperimentRunsStart returns the start time held in a position
// ExperimentRuns gave.
func ExperimentRunsStart(pos []byte) int64 {
	if len(pos) < 16 {
		return 0
	}
	return int64(^binary.BigEndian.Uint64(pos[8:16]))
}

// Children returns the ids of the runs whose parent is id.
func (t *Tx) Children(id RunID) ([]RunID, error) {
	var out []RunID
	c := t.tx.Bucket(bucketChildren).Cursor()
	for k, _ := c.Seek(id[:]); k != nil && bytes.HasPrefix(k, id[:]); k, _ = c.Next() {
		if len(k) != 32 {
			return nil, fmt.Errorf("store: run_children key of %d bytes: %w", len(k), ErrCorrupt)
		}
		var child RunID
		copy(child[:], k[16:])
		out = append(out, child)
	}
	return out, nil
}

// PurgeRun removes a run and all its data for good: record, metric
// chunks and index entries. Its children stay, pointing at a parent that is
// gone, as in MLflow.
func (t *Tx) PurgeRun(id RunID) error {
	r, err := t.Run(id)
	if err != nil {
		return err
	}
	for _, b := range [][]byte{bucketSeries, bucketChildren, bucketArtifacts, bucketRunModels} {
		if err := deletePrefix(t.tx.Bucket(b), id[:]); err != nil {
			return err
		}
	}
	if !r.Parent.IsZero() {
		if err := t.tx.Bucket(bucketChildren).Delete(childKey(r.Parent, id)); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bucketRunsByExp).Delete(runsByExpKey(r.ExperimentID, r.StartTime, id)); err != nil {
		return err
	}
	if err := t.deleteMetricOrder(r); err != nil {
		return err
	}
	return t.tx.Bucket(bucketRuns).Delete(id[:])
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// PutDataset stores a dataset of experiment exp unless one with the same
// name and digest is there already (MLflow deduplicates them per experiment).
func (t *Tx) PutDataset(exp ExperimentID, ds *Dataset) error {
	b := t.tx.Bucket(bucketDatasets)
	k := datasetKey(exp, ds.Name, ds.Digest)
	if b.Get(k) != nil {
		return nil
	}
	return b.Put(k, encodeDataset(ds))
}

// Dataset returns the dataset of experiment exp with that name and digest.
func (t *Tx) Dataset(exp ExperimentID, name, digest string) (*Dataset, error) {
	v := t.tx.Bucket(bucketDatasets).Get(datasetKey(exp, name, digest))
	if v == nil {
		return nil, fmt.Errorf("store: dataset %q (digest %s) of experiment %s: %w", name, digest, exp, ErrNotFound)
	}
	return DecodeDataset(v)
}

// Datasets calls fn for every dataset of experiment exp.
func (t *Tx) Datasets(exp ExperimentID, fn func(*Dataset) error) error {
	return eachWithPrefix(t.tx.Bucket(bucketDatasets), expKey(exp), func(_, v []byte) (*Dataset, error) { return DecodeDataset(v) }, fn)
}

// eachWithPrefix decodes, in key order, every entry of b whose key starts
// with p, and calls fn with it until fn or decode returns an error.
func eachWithPrefix[T any](b *bolt.Bucket, p []byte, decode func(k, v []byte) (T, error), fn func(T) error) error {
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		x, err := decode(k, v)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}

// eachFile calls fn with every entry of a files bucket b whose keys are a
// 16-byte owner id and a path (artifacts, logged model files).
func eachFile[ID ~[16]byte](b *bolt.Bucket, what string, fn func(ID, Artifact) error) error {
	return b.ForEach(func(k, v []byte) error {
		if len(k) <= 16 {
			return fmt.Errorf("store: %s key %x too short: %w", what, k, ErrCorrupt)
		}
		a, err := DecodeArtifact(string(k[16:]), v)
		if err != nil {
			return err
		}
		return fn(ID(k[:16]), a)
	})
}
