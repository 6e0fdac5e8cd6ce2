package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// MLflow 3 logged models: a model logged by (or outside) a run, with its
// own id, params, tags, metrics and artifact tree.
//
// Buckets:
//
//	logged_models                ModelID -> LoggedModel record
//	logged_models_by_experiment  u64 experiment | u64 ^creation time | ModelID -> empty
//	logged_model_files           ModelID | path -> artifact record
//	run_models                   RunID | u8 direction | ModelID -> run model record
//
// A file holding a logged model has format version 2: the transaction that
// writes the first one raises the file's version (see raiseFormat), so a
// file without logged models stays readable by code of format 1, and code of
// format 1, which would not count a logged model's files as references to
// blobs, refuses a file that has them.

var (
	bucketLoggedModels      = []byte("logged_models")
	bucketLoggedModelsByExp = []byte("logged_models_by_experiment")
	bucketLoggedModelFiles  = []byte("logged_model_files")
	bucketRunModels         = []byte("run_models")
)

// formatTwoBuckets are the buckets format 2 adds. A format 1 file opened
// read-only lacks them, and reads see them empty.
var formatTwoBuckets = [][]byte{bucketLoggedModels, bucketLoggedModelsByExp, bucketLoggedModelFiles, bucketRunModels}

// formatLoggedModels is the format version of a file holding logged models.
const formatLoggedModels = 2

// ModelID is a logged model's id: "m-" and 32 lowercase hex characters in
// MLflow, 16 bytes here.
type ModelID [16]byte

// String returns MLflow's form, "m-" and 32 hex characters.
func (id ModelID) String() string { return "m-" + hex.EncodeToString(id[:]) }

// NewModelID returns a random id (a UUID4's 128 bits, as MLflow makes them).
func NewModelID() ModelID {
	var id ModelID
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// ParseModelID parses "m-" followed by 32 hex characters.
func ParseModelID(s string) (ModelID, error) {
	var id ModelID
	if len(s) != 34 || s[:2] != "m-" {
		return id, fmt.Errorf("store: logged model id %q: want m- and 32 hex characters: %w", s, ErrInvalid)
	}
	if _, err := hex.Decode(id[:], []byte(s[2:])); err != nil {
		return id, fmt.Errorf("store: logged model id %q: not hexadecimal: %w", s, ErrInvalid)
	}
	if s[2:] != hex.EncodeToString(id[:]) {
		return id, fmt.Errorf("store: logged model id %q: upper-case hex: %w", s, ErrInvalid)
	}
	return id, nil
}

// ModelStatus is a logged model's status; the numbers are MLflow's
// LoggedModelStatus enum.
type ModelStatus uint8

// Logged model statuses.
const (
	ModelStatusUnspecified ModelStatus = 0
	ModelPending           ModelStatus = 1
	ModelReady             ModelStatus = 2
	ModelUploadFailed      ModelStatus = 3
)

var modelStatusNames = [...]string{"LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"}

// String returns MLflow's enum name, e.g. "LOGGED_MODEL_READY".
func (s ModelStatus) String() string { return enumName("ModelStatus", modelStatusNames[:], s) }

// ParseModelStatus reads a status by its enum name ("LOGGED_MODEL_READY"),
// its short name ("READY", "PENDING", "FAILED", "UPLOAD_FAILED"), or its
// number.
func ParseModelStatus(s string) (ModelStatus, bool) {
	for i, n := range modelStatusNames {
		if s == n || "LOGGED_MODEL_"+s == n {
			return ModelStatus(i), true
		}
	}
	switch s {
	case "FAILED":
		return ModelUploadFailed, true
	case "UNSPECIFIED":
		return ModelStatusUnspecified, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(modelStatusNames) {
		return ModelStatus(n), true
	}
	return 0, false
}

// ModelMetric is one metric value linked to a logged model (MLflow's
// logged_model_metrics row): logged by a run with the model's id, and
// optionally the dataset it was computed on.
type ModelMetric struct {
	Key           string
	Value         float64
	Time          int64 // ms since the epoch
	Step          int64
	DatasetName   string
	DatasetDigest string
	RunID         string // the run that logged it ("" if none)
}

// LoggedModel is a logged model's record.
type LoggedModel struct {
	ID               ModelID
	ExperimentID     ExperimentID
	Name             string
	CreationTime     int64 // ms since the epoch; fixed at creation
	LastUpdatedTime  int64 // ms since the epoch
	ArtifactLocation string
	Status           ModelStatus
	StatusMessage    string
	Lifecycle        Lifecycle
	ModelType        string
	SourceRunID      string // the run that produced it, as given ("" if none)
	Tags             map[string]string
	Params           map[string]string
	// Metrics are every value logged for the model, in logged order.
	Metrics []ModelMetric
}

// RunModel is a logged model linked to a run: one of the run's model
// inputs or outputs (MLflow's RunInputs.model_inputs, RunOutputs.model_outputs).
type RunModel struct {
	Model ModelID
	// Output is true for an output of the run (the run logged it), false
	// for an input (the run used it).
	Output bool
	// Step is the step an output was logged at; 0 for inputs.
	Step int64
}

const (
	loggedModelRecordV1 = 1
	runModelRecordV1    = 1
	runModelInput       = 1
	runModelOutput      = 2
)

func loggedModelsByExpKey(exp ExperimentID, created int64, id ModelID) []byte {
	k := make([]byte, 0, 32)
	k = binary.BigEndian.AppendUint64(k, uint64(exp))
	k = binary.BigEndian.AppendUint64(k, ^uint64(created))
	return append(k, id[:]...)
}

func runModelKey(run RunID, output bool, m ModelID) []byte {
	k := make([]byte, 0, 33)
	k = append(k, run[:]...)
	if output {
		k = append(k, runModelOutput)
	} else {
		k = append(k, runModelInput)
	}
	return append(k, m[:]...)
}

func encodeLoggedModel(m *LoggedModel) []byte {
	e := encoder{b: make([]byte, 0, 128+len(m.Name)+len(m.ArtifactLocation))}
	e.byte1(loggedModelRecordV1)
	e.raw(m.ID[:])
	e.uvarint(uint64(m.ExperimentID))
	e.str(m.Name)
	e.varint(m.CreationTime)
	e.varint(m.LastUpdatedTime)
	e.str(m.ArtifactLocation)
	e.byte1(byte(m.Status))
	e.str(m.StatusMessage)
	e.byte1(byte(m.Lifecycle))
	e.str(m.ModelType)
	e.str(m.SourceRunID)
	appendStrMap(&e, m.Tags)
	appendStrMap(&e, m.Params)
	e.uvarint(uint64(len(m.Metrics)))
	for _, x := range m.Metrics {
		e.str(x.Key)
		e.float(x.Value)
		e.varint(x.Time)
		e.varint(x.Step)
		e.str(x.DatasetName)
		e.str(x.DatasetDigest)
		e.str(x.RunID)
	}
	return e.b
}

// DecodeLoggedModel decodes a logged model record. It never panics;
// malformed input wraps ErrCorrupt.
func DecodeLoggedModel(b []byte) (*LoggedModel, error) {
	d := decoder{b: b, what: "logged model"}
	d.version(loggedModelRecordV1, loggedModelRecordV1)
	m := &LoggedModel{}
	copy(m.ID[:], d.raw(16))
	m.ExperimentID = ExperimentID(d.uvarint())
	m.Name = d.str()
	m.CreationTime = d.varint()
	m.LastUpdatedTime = d.varint()
	m.ArtifactLocation = d.str()
	m.Status = ModelStatus(d.byte1())
	if m.Status > ModelUploadFailed && d.err == nil {
		d.fail("status %d", m.Status)
	}
	m.StatusMessage = d.str()
	m.Lifecycle = d.lifecycle()
	m.ModelType = d.str()
	m.SourceRunID = d.str()
	m.Tags = d.sortedStrMap()
	m.Params = d.sortedStrMap()
	// A metric takes at least 20 bytes: four empty strings, a value and
	// two one-byte varints.
	n := d.count(20)
	if n > 0 {
		m.Metrics = make([]ModelMetric, 0, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		x := ModelMetric{Key: d.str(), Value: d.float(), Time: d.varint(), Step: d.varint()}
		x.DatasetName, x.DatasetDigest, x.RunID = d.str(), d.str(), d.str()
		m.Metrics = append(m.Metrics, x)
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return m, nil
}

// sortedStrMap reads a strmap whose keys must be in strictly increasing
// order, as every writer writes them.
func (d *decoder) sortedStrMap() map[string]string {
	n := d.count(2)
	m := make(map[string]string, n)
	prev := ""
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		if i > 0 && k <= prev && d.err == nil {
			d.fail("map key %q out of order", k)
		}
		prev = k
		m[k] = d.str()
	}
	return m
}

func encodeRunModel(step int64) []byte {
	e := encoder{b: make([]byte, 0, 4)}
	e.byte1(runModelRecordV1)
	e.varint(step)
	return e.b
}

// DecodeRunModel decodes a run_models entry (key and value). It never
// panics; malformed input wraps ErrCorrupt.
func DecodeRunModel(k, v []byte) (RunID, RunModel, error) {
	var run RunID
	var rm RunModel
	if len(k) != 33 || (k[16] != runModelInput && k[16] != runModelOutput) {
		return run, rm, fmt.Errorf("store: run model key %x malformed: %w", k, ErrCorrupt)
	}
	copy(run[:], k)
	copy(rm.Model[:], k[17:])
	rm.Output = k[16] == runModelOutput
	d := decoder{b: v, what: "run model"}
	d.version(runModelRecordV1, runModelRecordV1)
	rm.Step = d.varint()
	if !rm.Output && rm.Step != 0 && d.err == nil {
		d.fail("model input with step %d", rm.Step)
	}
	return run, rm, d.done()
}

func checkLoggedModel(m *LoggedModel) error {
	switch {
	case m.Status > ModelUploadFailed:
		return fmt.Errorf("store: logged model %s: status %d: %w", m.ID, m.Status, ErrInvalid)
	case m.Lifecycle > Deleted:
		return fmt.Errorf("store: logged model %s: lifecycle %d: %w", m.ID, m.Lifecycle, ErrInvalid)
	case len(m.Metrics) > maxCollection:
		return fmt.Errorf("store: logged model %s: %d metric values, over the limit %d: %w", m.ID, len(m.Metrics), maxCollection, ErrInvalid)
	}
	return nil
}

// raiseFormat records that the file holds what format version v brings.
func (t *Tx) raiseFormat(v uint32) error {
	meta := t.tx.Bucket(bucketMeta)
	if cur := meta.Get(metaFormat); len(cur) == 4 && binary.BigEndian.Uint32(cur) >= v {
		return nil
	}
	t.raised = v
	return meta.Put(metaFormat, binary.BigEndian.AppendUint32(nil, v))
}

// CreateLoggedModel stores a new logged model of an existing experiment
// (ErrNotFound otherwise); its id must be new (ErrExists). It raises the
// file's format version to 2.
func (t *Tx) CreateLoggedModel(m *LoggedModel) error {
	if err := checkLoggedModel(m); err != nil {
		return err
	}
	b := t.tx.Bucket(bucketLoggedModels)
	if b.Get(m.ID[:]) != nil {
		return fmt.Errorf("store: logged model %s: %w", m.ID, ErrExists)
	}
	if _, err := t.Experiment(m.ExperimentID); err != nil {
		return err
	}
	if err := t.raiseFormat(formatLoggedModels); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketLoggedModelsByExp).Put(loggedModelsByExpKey(m.ExperimentID, m.CreationTime, m.ID), nil); err != nil {
		return err
	}
	return b.Put(m.ID[:], encodeLoggedModel(m))
}

// LoggedModel returns the logged model with id, deleted or not, or an
// error wrapping ErrNotFound.
func (t *Tx) LoggedModel(id ModelID) (*LoggedModel, error) {
	var v []byte
	if b := t.tx.Bucket(bucketLoggedModels); b != nil {
		v = b.Get(id[:])
	}
	if v == nil {
		return nil, fmt.Errorf("store: logged model %s: %w", id, ErrNotFound)
	}
	return DecodeLoggedModel(v)
}

// PutLoggedModel stores changes to an existing logged model (ErrNotFound
// if there is none). Its experiment and creation time cannot change
// (ErrInvalid).
func (t *Tx) PutLoggedModel(m *LoggedModel) error {
	old, err := t.LoggedModel(m.ID)
	if err != nil {
		return err
	}
	if old.ExperimentID != m.ExperimentID || old.CreationTime != m.CreationTime {
		return fmt.Errorf("store: logged model %s: experiment and creation time are fixed: %w", m.ID, ErrInvalid)
	}
	if err := checkLoggedModel(m); err != nil {
		return err
	}
	return t.tx.Bucket(bucketLoggedModels).Put(m.ID[:], encodeLoggedModel(m))
}

// LoggedModels calls fn with the logged models of experiment exp, deleted
// or not, newest first (ties by id), until fn returns false or an error.
func (t *Tx) LoggedModels(exp ExperimentID, fn func(*LoggedModel) (bool, error)) error {
	index, models := t.tx.Bucket(bucketLoggedModelsByExp), t.tx.Bucket(bucketLoggedModels)
	if index == nil || models == nil {
		return nil // a format 1 file opened read-only
	}
	p := expKey(exp)
	c := index.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(k) != 32 {
			return fmt.Errorf("store: logged model index key %x malformed: %w", k, ErrCorrupt)
		}
		v := models.Get(k[16:])
		if v == nil {
			return fmt.Errorf("store: logged model index names %x, which does not exist: %w", k[16:], ErrCorrupt)
		}
		m, err := DecodeLoggedModel(v)
		if err != nil {
			return err
		}
		if more, err := fn(m); err != nil || !more {
			return err
		}
	}
	return nil
}

// PurgeLoggedModel removes a logged model, its file index and its links
// to runs for good.
func (t *Tx) PurgeLoggedModel(id ModelID) error {
	m, err := t.LoggedModel(id)
	if err != nil {
		return err
	}
	if err := deletePrefix(t.tx.Bucket(bucketLoggedModelFiles), id[:]); err != nil {
		return err
	}
	// Links are keyed by run: gather first, since a cursor must not see
	// its bucket change under it.
	var links [][]byte
	if err := t.tx.Bucket(bucketRunModels).ForEach(func(k, _ []byte) error {
		if len(k) == 33 && bytes.Equal(k[17:], id[:]) {
			links = append(links, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range links {
		if err := t.tx.Bucket(bucketRunModels).Delete(k); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bucketLoggedModelsByExp).Delete(loggedModelsByExpKey(m.ExperimentID, m.CreationTime, id)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketLoggedModels).Delete(id[:])
}

// purgeExperimentModels purges every logged model of experiment exp.
func (t *Tx) purgeExperimentModels(exp ExperimentID) error {
	var ids []ModelID
	if err := t.LoggedModels(exp, func(m *LoggedModel) (bool, error) {
		ids = append(ids, m.ID)
		return true, nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.PurgeLoggedModel(id); err != nil {
			return err
		}
	}
	return nil
}

// PutRunModel links model to run as an input or an output, replacing the
// step of an existing link. The run must exist (ErrNotFound); the model
// need not, as in MLflow, which records any id a client logs.
func (t *Tx) PutRunModel(run RunID, rm RunModel) error {
	if _, err := t.Run(run); err != nil {
		return err
	}
	if err := t.raiseFormat(formatLoggedModels); err != nil {
		return err
	}
	if !rm.Output {
		rm.Step = 0
	}
	return t.tx.Bucket(bucketRunModels).Put(runModelKey(run, rm.Output, rm.Model), encodeRunModel(rm.Step))
}

// RunModels returns the model inputs, then the model outputs, of run,
// each in model id order.
func (t *Tx) RunModels(run RunID) ([]RunModel, error) {
	var out []RunModel
	b := t.tx.Bucket(bucketRunModels)
	if b == nil {
		return nil, nil // a format 1 file opened read-only
	}
	c := b.Cursor()
	for k, v := c.Seek(run[:]); k != nil && bytes.HasPrefix(k, run[:]); k, v = c.Next() {
		_, rm, err := DecodeRunModel(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, rm)
	}
	return out, nil
}

// ModelFiles is the artifact index of logged model id.
func ModelFiles(id ModelID) Index {
	return Index{bucket: bucketLoggedModelFiles, prefix: id[:], what: "logged model " + id.String()}
}

// ForEachLoggedModelFile calls fn with every file of every logged model:
// what a garbage collector must keep besides runs' artifacts.
func (t *Tx) ForEachLoggedModelFile(fn func(id ModelID, a Artifact) error) error {
	b := t.tx.Bucket(bucketLoggedModelFiles)
	if b == nil {
		return nil // a format 1 file opened read-only
	}
	return eachFile(b, "logged model file", fn)
}

// checkLoggedModels verifies logged models and their indexes: keys match
// records, experiments exist, the by-experiment index lists exactly the
// models, files belong to existing models, run links to existing runs (a
// link may name a model that does not exist: MLflow records any id), and
// a file holding models says format 2.
func (t *Tx) checkLoggedModels(c *checker, exps map[ExperimentID]*Experiment, runs map[RunID]*Run) {
	for _, name := range formatTwoBuckets {
		if t.tx.Bucket(name) == nil {
			return // a format 1 file opened read-only: nothing to check
		}
	}
	models := map[ModelID]*LoggedModel{}
	checkRecords(t, c, bucketLoggedModels, "logged model key %x", DecodeLoggedModel, func(k []byte, m *LoggedModel) {
		t.checkInExperiment(c, "logged model "+m.ID.String(), k, m.ID[:], exps[m.ExperimentID] != nil, m.ExperimentID,
			bucketLoggedModelsByExp, loggedModelsByExpKey(m.ExperimentID, m.CreationTime, m.ID))
		models[m.ID] = m
	})
	if len(models) > 0 {
		if v := t.tx.Bucket(bucketMeta).Get(metaFormat); len(v) != 4 || binary.BigEndian.Uint32(v) < formatLoggedModels {
			c.add("meta", "the file holds logged models but says format %x, want %d or more", v, formatLoggedModels)
		}
	}
	t.tx.Bucket(bucketLoggedModelsByExp).ForEach(func(k, _ []byte) error {
		var id ModelID
		if len(k) == 32 {
			copy(id[:], k[16:])
		}
		m := models[id]
		if len(k) != 32 || m == nil || !bytes.Equal(k, loggedModelsByExpKey(m.ExperimentID, m.CreationTime, m.ID)) {
			c.add(fmt.Sprintf("logged_models_by_experiment key %x", k), "names no logged model of that experiment and time")
		}
		return nil
	})
	checkFiles(t, c, bucketLoggedModelFiles, "logged model file", "logged model", "file", func(id ModelID) bool { return models[id] != nil })
	t.tx.Bucket(bucketRunModels).ForEach(func(k, v []byte) error {
		run, rm, err := DecodeRunModel(k, v)
		if err != nil {
			c.add(fmt.Sprintf("run model key %x", k), "%v", err)
			return nil
		}
		if runs[run] == nil {
			c.add(fmt.Sprintf("run %s model %s", run, rm.Model), "run does not exist")
		}
		return nil
	})
}
