package store

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// RunView reads a run record in place, without decoding it whole: the
// fixed fields are parsed once, and params, tags and metrics are looked up
// by scanning their section. It is what a search evaluates against, so
// filtering 100,000 runs allocates almost nothing.
//
// A RunView checks the fixed fields and the section framing when it is made;
// a malformed entry inside a section reads as absent (Check and Decode
// report it).
//
// A RunView and every string it returns point into the file's memory map:
// they are valid only inside the transaction that made them. Copy what
// must outlive it (Decode gives a full, independent copy).
type RunView struct {
	b                       []byte
	id                      RunID
	exp                     ExperimentID
	name, user, artifactURI string
	status                  Status
	lifecycle               Lifecycle
	flags                   byte
	start, end              int64
	parent                  RunID
	params, tags, metrics   []byte // section bodies
	inputs                  []byte
}

// ScanRuns calls fn with a view of every run, in run id order, until fn
// returns an error. A record that does not decode stops the scan with an
// error wrapping ErrCorrupt.
func (t *Tx) ScanRuns(fn func(v *RunView) error) error {
	var v RunView
	c := t.tx.Bucket(bucketRuns).Cursor()
	for k, b := c.First(); k != nil; k, b = c.Next() {
		if err := v.reset(b); err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return nil
}

// RunView returns a view of run id (ErrNotFound), valid within the transaction.
func (t *Tx) RunView(id RunID) (*RunView, error) {
	b := t.tx.Bucket(bucketRuns).Get(id[:])
	if b == nil {
		return nil, fmt.Errorf("store: run %s: %w", id, ErrNotFound)
	}
	v := &RunView{}
	return v, v.reset(b)
}

func (v *RunView) reset(b []byte) error {
	d := decoder{b: b, what: "run"}
	ver := d.byte1()
	if ver != runRecordV1 && ver != runRecordV2 && d.err == nil {
		d.fail("unknown record version %d", ver)
	}
	var offs []byte
	if ver == runRecordV2 {
		offs = d.raw(4 * runSections)
	}
	v.b = b
	copy(v.id[:], d.raw(16))
	v.exp = ExperimentID(d.uvarint())
	v.name = d.view()
	v.status = Status(d.byte1())
	if d.err == nil && (v.status < Running || v.status > Killed) {
		d.fail("status %d", v.status)
	}
	v.lifecycle = d.lifecycle()
	v.flags = d.byte1()
	if v.flags&^runFlagDeletedWithExperiment != 0 {
		d.fail("unknown flags %#x", v.flags)
	}
	v.start = d.varint()
	v.end = d.varint()
	v.user = d.view()
	v.artifactURI = d.view()
	copy(v.parent[:], d.raw(16))
	if ver == runRecordV1 {
		v.params = d.sectionBody()
		v.tags = d.sectionBody()
		v.metrics = d.sectionBody()
		v.inputs = d.sectionBody()
		return d.done()
	}
	if d.err != nil {
		return d.err
	}
	// v2: sections lie back to back from the end of the fixed fields to
	// the end of the record, where the offset table says.
	var at [runSections + 1]int
	for i := range runSections {
		at[i] = int(binary.BigEndian.Uint32(offs[4*i:]))
	}
	at[runSections] = len(b)
	if at[0] != d.off {
		d.fail("params section at %d, but the fixed fields end at %d", at[0], d.off)
		return d.err
	}
	for i := 1; i <= runSections; i++ {
		if at[i] < at[i-1] || at[i] > len(b) {
			d.fail("section %d at %d, after %d, in %d bytes", i, at[i], at[i-1], len(b))
			return d.err
		}
	}
	v.params, v.tags, v.metrics, v.inputs = b[at[0]:at[1]], b[at[1]:at[2]], b[at[2]:at[3]], b[at[3]:at[4]]
	return nil
}

// view reads a str field without copying it.
func (d *decoder) view() string {
	b := d.strBytes()
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *decoder) sectionBody() []byte {
	end := d.section()
	if d.err != nil {
		return nil
	}
	body := d.b[d.off:end]
	d.off = end
	return body
}

// ID and the other accessors return the run's fixed fields.
func (v *RunView) ID() RunID                  { return v.id }
func (v *RunView) ExperimentID() ExperimentID { return v.exp }
func (v *RunView) Name() string               { return v.name }
func (v *RunView) Status() Status             { return v.status }
func (v *RunView) Lifecycle() Lifecycle       { return v.lifecycle }
func (v *RunView) StartTime() int64           { return v.start }
func (v *RunView) EndTime() int64             { return v.end }
func (v *RunView) User() string               { return v.user }
func (v *RunView) ArtifactURI() string        { return v.artifactURI }
func (v *RunView) Parent() RunID              { return v.parent }

// lookup finds key in a strmap section body (sorted by key, so the scan
// stops early).
func lookup(body []byte, key string) (string, bool) {
	d := decoder{b: body, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.view()
		val := d.view()
		if k == key {
			return val, true
		}
		if k > key {
			break
		}
	}
	return "", false
}

// Param returns the value of param key.
func (v *RunView) Param(key string) (string, bool) { return lookup(v.params, key) }

// Tag returns the value of tag key.
func (v *RunView) Tag(key string) (string, bool) { return lookup(v.tags, key) }

// EachParam calls fn with every param in key order.
func (v *RunView) EachParam(fn func(k, val string)) { each(v.params, fn) }

// EachTag calls fn with every tag in key order.
func (v *RunView) EachTag(fn func(k, val string)) { each(v.tags, fn) }

func each(body []byte, fn func(k, v string)) {
	d := decoder{b: body, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.view()
		val := d.view()
		if d.err == nil {
			fn(k, val)
		}
	}
}

// Metric returns the summary of metric key: latest point, count, min,
// max, sum and step range.
func (v *RunView) Metric(key string) (Series, bool) {
	d := decoder{b: v.metrics, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.view()
		if k > key {
			break
		}
		s := d.series()
		if k == key && d.err == nil {
			return s, true
		}
	}
	return Series{}, false
}

// EachMetric calls fn with every metric summary in key order.
func (v *RunView) EachMetric(fn func(key string, s Series)) {
	d := decoder{b: v.metrics, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.view()
		s := d.series()
		if d.err == nil {
			fn(k, s)
		}
	}
}

// series reads one metric summary (after its key).
func (d *decoder) series() Series {
	var s Series
	idx := d.uvarint()
	s.Count = d.uvarint()
	s.NaNs = d.uvarint()
	chunks := d.uvarint()
	if idx > 1<<32-1 || chunks > 1<<32-1 {
		d.fail("series index %d or chunk count %d over 32 bits", idx, chunks)
	}
	s.Index, s.Chunks = uint32(idx), uint32(chunks)
	s.Latest.Step = d.varint()
	s.Latest.Time = d.varint()
	s.Latest.Value = d.float()
	s.Min = d.float()
	s.Max = d.float()
	s.Sum = d.float()
	s.MinStep = d.varint()
	s.MaxStep = d.varint()
	return s
}

// InputView is one dataset input of a RunView.
type InputView struct {
	Name, Digest string
	tags         []byte
}

// Tag returns the value of the input tag key (e.g. mlflow.data.context).
func (in InputView) Tag(key string) (string, bool) {
	d := decoder{b: in.tags, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		if k, val := d.view(), d.view(); k == key {
			return val, true
		}
	}
	return "", false
}

// EachInput calls fn with every dataset input.
func (v *RunView) EachInput(fn func(in InputView)) {
	d := decoder{b: v.inputs, what: "run"}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		in := InputView{Name: d.view(), Digest: d.view()}
		start := d.off
		m := d.uvarint()
		for j := uint64(0); j < m && d.err == nil; j++ {
			d.view()
			d.view()
		}
		if d.err == nil {
			in.tags = d.b[start:d.off]
			fn(in)
		}
	}
}
