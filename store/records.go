package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/chunkenc"
)

// Point is one metric sample: step, timestamp in milliseconds and value.
type Point = chunkenc.Point

// RunID is a run's 128-bit id, shown as 32 lowercase hex characters as in MLflow.
type RunID [16]byte

// String returns the 32-character hex form.
func (id RunID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero id (no run).
func (id RunID) IsZero() bool { return id == RunID{} }

// ParseRunID parses the 32-character hex form of a run id.
func ParseRunID(s string) (RunID, error) {
	var id RunID
	if len(s) != 32 {
		return id, fmt.Errorf("store: run id %q: want 32 hex characters, got %d characters: %w", s, len(s), ErrInvalid)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("store: run id %q: not hexadecimal: %w", s, ErrInvalid)
	}
	return id, nil
}

// ExperimentID is an experiment's id; MLflow shows it as a decimal string.
// Experiment 0 is "Default" and always exists.
type ExperimentID uint64

// String returns the decimal form.
func (id ExperimentID) String() string { return strconv.FormatUint(uint64(id), 10) }

// ParseExperimentID parses the decimal form of an experiment id.
func ParseExperimentID(s string) (ExperimentID, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store: experiment id %q: not a decimal number: %w", s, ErrInvalid)
	}
	return ExperimentID(v), nil
}

// Lifecycle is MLflow's lifecycle stage of experiments and runs.
type Lifecycle uint8

// Lifecycle stages.
const (
	Active  Lifecycle = 0
	Deleted Lifecycle = 1
)

// String returns MLflow's name: "active" or "deleted".
func (l Lifecycle) String() string {
	if l == Deleted {
		return "deleted"
	}
	return "active"
}

// Status is a run's status; the numbers are MLflow's RunStatus enum.
type Status uint8

// Run statuses.
const (
	Running   Status = 1
	Scheduled Status = 2
	Finished  Status = 3
	Failed    Status = 4
	Killed    Status = 5
)

var statusNames = [...]string{"", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}

// String returns MLflow's name, e.g. "FINISHED".
func (s Status) String() string { return enumName("Status", statusNames[:], s) }

// enumName returns the name of enum value v in names, indexed by value, or
// "typ(v)" when v has none there (out of range, or named "").
func enumName[T ~uint8](typ string, names []string, v T) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// ParseStatus parses MLflow's status names (case-sensitive, as MLflow).
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if i > 0 && n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("store: run status %q: want one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED: %w", s, ErrInvalid)
}

// Terminal reports whether the status ends a run.
func (s Status) Terminal() bool { return s == Finished || s == Failed || s == Killed }

// Experiment is an experiment's record.
type Experiment struct {
	ID               ExperimentID
	Name             string
	ArtifactLocation string
	Lifecycle        Lifecycle
	CreationTime     int64 // ms since the epoch
	LastUpdateTime   int64 // ms since the epoch
	Tags             map[string]string
}

// Series summarises one metric key of a run, kept up to date on every append
// so the latest value, aggregates and step range never need the history.
type Series struct {
	Index   uint32 // the key's number within its run; part of its chunk keys
	Count   uint64
	NaNs    uint64
	Chunks  uint32  // chunks written; the last one (Chunks-1) is the open head
	Latest  Point   // newest by MLflow's rule: max step, then timestamp, then value
	Min     float64 // over non-NaN values; NaN when there is none
	Max     float64
	Sum     float64 // over non-NaN values, added in logged order
	MinStep int64
	MaxStep int64
}

// Input is a dataset input of a run: a reference to a dataset of the run's
// experiment plus the input's tags (e.g. mlflow.data.context).
type Input struct {
	Name   string
	Digest string
	Tags   map[string]string
}

// Dataset is a dataset as MLflow's log_input records it, deduplicated per
// experiment by (Name, Digest).
type Dataset struct {
	Name       string
	Digest     string
	SourceType string
	Source     string
	Schema     string
	Profile    string
}

// Run is a run's record: its info, params, tags, metric summaries and inputs.
// Everything a search reads about a run is here, in one value.
type Run struct {
	ID           RunID
	ExperimentID ExperimentID
	Name         string
	Status       Status
	Lifecycle    Lifecycle
	// DeletedWithExperiment marks a run deleted because its experiment was;
	// restoring the experiment restores exactly these runs.
	DeletedWithExperiment bool
	StartTime             int64 // ms since the epoch
	EndTime               int64 // ms since the epoch; 0 while not ended
	User                  string
	ArtifactURI           string
	Parent                RunID // zero for a top-level run
	Params                map[string]string
	Tags                  map[string]string
	Metrics               map[string]*Series
	Inputs                []Input
}

// Clone returns a deep copy of r.
func (r *Run) Clone() *Run {
	c := *r
	c.Params = maps.Clone(r.Params)
	c.Tags = maps.Clone(r.Tags)
	c.Metrics = make(map[string]*Series, len(r.Metrics))
	for k, s := range r.Metrics {
		cs := *s
		c.Metrics[k] = &cs
	}
	c.Inputs = make([]Input, len(r.Inputs))
	for i, in := range r.Inputs {
		c.Inputs[i] = Input{Name: in.Name, Digest: in.Digest, Tags: maps.Clone(in.Tags)}
	}
	return &c
}

// Record version bytes: the first byte of every record says its layout.
const (
	experimentRecordV1 = 1
	runRecordV1        = 1 // sections framed by u32 lengths
	runRecordV2        = 2 // a table of section offsets up front
	datasetRecordV1    = 1
)

func appendStrMap(e *encoder, m map[string]string) {
	e.uvarint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.strs(k, m[k])
	}
}

func encodeExperiment(x *Experiment) []byte {
	e := encoder{b: make([]byte, 0, 64+len(x.Name)+len(x.ArtifactLocation))}
	e.byte1(experimentRecordV1)
	e.uvarint(uint64(x.ID))
	e.str(x.Name)
	e.str(x.ArtifactLocation)
	e.byte1(byte(x.Lifecycle))
	e.varint(x.CreationTime)
	e.varint(x.LastUpdateTime)
	appendStrMap(&e, x.Tags)
	return e.b
}

// DecodeExperiment decodes an experiment record. It never panics; any
// malformed input returns an error wrapping ErrCorrupt.
func DecodeExperiment(b []byte) (*Experiment, error) {
	d := decoder{b: b, what: "experiment"}
	d.version(experimentRecordV1, experimentRecordV1)
	x := &Experiment{}
	x.ID = ExperimentID(d.uvarint())
	x.Name = d.str()
	x.ArtifactLocation = d.str()
	x.Lifecycle = d.lifecycle()
	x.CreationTime = d.varint()
	x.LastUpdateTime = d.varint()
	x.Tags = d.strMap()
	if err := d.done(); err != nil {
		return nil, err
	}
	return x, nil
}

func (d *decoder) lifecycle() Lifecycle {
	v := d.byte1()
	if v > byte(Deleted) {
		d.fail("lifecycle %d", v)
	}
	return Lifecycle(v)
}

const runFlagDeletedWithExperiment = 1

func encodeRun(r *Run) []byte {
	e := encoder{b: make([]byte, 0, 256)}
	e.byte1(runRecordV2)
	// The section offsets come first, so that a reader finds any section
	// without touching the others: a search reads a few cache lines of
	// each of 100,000 records, not every section header.
	table := len(e.b)
	e.raw(make([]byte, 4*runSections))
	section := func(i int) { binary.BigEndian.PutUint32(e.b[table+4*i:], uint32(len(e.b))) }
	e.raw(r.ID[:])
	e.uvarint(uint64(r.ExperimentID))
	e.str(r.Name)
	e.byte1(byte(r.Status))
	e.byte1(byte(r.Lifecycle))
	var flags byte
	if r.DeletedWithExperiment {
		flags |= runFlagDeletedWithExperiment
	}
	e.byte1(flags)
	e.varint(r.StartTime)
	e.varint(r.EndTime)
	e.str(r.User)
	e.str(r.ArtifactURI)
	e.raw(r.Parent[:])

	section(0)
	appendStrMap(&e, r.Params)

	section(1)
	appendStrMap(&e, r.Tags)

	section(2)
	e.uvarint(uint64(len(r.Metrics)))
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		s := r.Metrics[k]
		e.str(k)
		e.uvarint(uint64(s.Index))
		e.uvarint(s.Count)
		e.uvarint(s.NaNs)
		e.uvarint(uint64(s.Chunks))
		e.varint(s.Latest.Step)
		e.varint(s.Latest.Time)
		e.float(s.Latest.Value)
		e.float(s.Min)
		e.float(s.Max)
		e.float(s.Sum)
		e.varint(s.MinStep)
		e.varint(s.MaxStep)
	}

	section(3)
	e.uvarint(uint64(len(r.Inputs)))
	for _, in := range r.Inputs {
		e.strs(in.Name, in.Digest)
		appendStrMap(&e, in.Tags)
	}
	return e.b
}

// runSections is the number of variable sections of a run record:
// params, tags, metrics, inputs.
const runSections = 4

// DecodeRun decodes a run record. It never panics; any malformed input
// returns an error wrapping ErrCorrupt.
func DecodeRun(b []byte) (*Run, error) {
	var v RunView
	if err := v.reset(b); err != nil {
		return nil, err
	}
	return v.Decode()
}

// Decode returns the full record, an independent copy (nothing of it
// points into the file). It checks every section strictly.
func (v *RunView) Decode() (*Run, error) {
	r := &Run{
		ID: v.id, ExperimentID: v.exp, Name: strings.Clone(v.name), Status: v.status, Lifecycle: v.lifecycle,
		DeletedWithExperiment: v.flags&runFlagDeletedWithExperiment != 0, StartTime: v.start, EndTime: v.end,
		User: strings.Clone(v.user), ArtifactURI: strings.Clone(v.artifactURI), Parent: v.parent,
	}
	d := decoder{b: v.params, what: "run params"}
	r.Params = d.strMap()
	if err := d.done(); err != nil {
		return nil, err
	}
	d = decoder{b: v.tags, what: "run tags"}
	r.Tags = d.strMap()
	if err := d.done(); err != nil {
		return nil, err
	}
	d = decoder{b: v.metrics, what: "run metrics"}
	n := d.count(30)
	r.Metrics = make(map[string]*Series, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		s := d.series()
		if _, dup := r.Metrics[k]; dup && d.err == nil {
			d.fail("metric %q twice", k)
		}
		r.Metrics[k] = &s
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	d = decoder{b: v.inputs, what: "run inputs"}
	n = d.count(3)
	r.Inputs = make([]Input, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		in := Input{Name: d.str(), Digest: d.str()}
		in.Tags = d.strMap()
		r.Inputs = append(r.Inputs, in)
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return r, nil
}

func encodeDataset(ds *Dataset) []byte {
	e := encoder{b: make([]byte, 0, 64+len(ds.Schema)+len(ds.Profile)+len(ds.Source))}
	e.byte1(datasetRecordV1)
	e.strs(ds.Name, ds.Digest)
	e.strs(ds.SourceType, ds.Source)
	e.strs(ds.Schema, ds.Profile)
	return e.b
}

// DecodeDataset decodes a dataset record. It never panics; any malformed
// input returns an error wrapping ErrCorrupt.
func DecodeDataset(b []byte) (*Dataset, error) {
	d := decoder{b: b, what: "dataset"}
	d.version(datasetRecordV1, datasetRecordV1)
	ds := &Dataset{Name: d.str(), Digest: d.str(), SourceType: d.str(), Source: d.str(), Schema: d.str(), Profile: d.str()}
	if err := d.done(); err != nil {
		return nil, err
	}
	return ds, nil
}
