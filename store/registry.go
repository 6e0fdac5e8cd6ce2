package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
)

// Model registry records: registered models, their versions, and each
// version's copy of its source's artifact index.
//
// Buckets:
//
//	reg_models         name -> RegisteredModel record
//	reg_versions       u16 len(name) | name | u64 version -> ModelVersion record
//	reg_version_files  u16 len(name) | name | u64 version | path -> artifact value
//
// A model's aliases live on its record (alias -> version). Versions are
// numbered from 1 by the model's NextVersion, which only grows: a deleted
// version's number is never given again while the model exists.

var (
	bucketRegModels       = []byte("reg_models")
	bucketRegVersions     = []byte("reg_versions")
	bucketRegVersionFiles = []byte("reg_version_files")
)

// Stage is a model version's stage, MLflow's (deprecated but used) stages.
type Stage uint8

// Stages.
const (
	StageNone       Stage = 0
	StageStaging    Stage = 1
	StageProduction Stage = 2
	StageArchived   Stage = 3
)

var stageNames = [...]string{"None", "Staging", "Production", "Archived"}

// String returns MLflow's name: "None", "Staging", "Production" or "Archived".
func (s Stage) String() string { return enumName("Stage", stageNames[:], s) }

// VersionStatus is a model version's status; the numbers are MLflow's
// ModelVersionStatus enum.
type VersionStatus uint8

// Version statuses.
const (
	PendingRegistration VersionStatus = 1
	FailedRegistration  VersionStatus = 2
	Ready               VersionStatus = 3
)

var versionStatusNames = [...]string{"", "PENDING_REGISTRATION", "FAILED_REGISTRATION", "READY"}

// String returns MLflow's name, e.g. "READY".
func (s VersionStatus) String() string { return enumName("VersionStatus", versionStatusNames[:], s) }

// RegisteredModel is a registered model's record.
type RegisteredModel struct {
	Name            string
	CreationTime    int64 // ms since the epoch
	LastUpdatedTime int64 // ms since the epoch
	Description     string
	Tags            map[string]string
	Aliases         map[string]int64 // alias -> version
	// NextVersion is the number the next version gets: 1 for a new model;
	// it only grows, so numbers of deleted versions are never reused.
	NextVersion int64
	// Gates are the model's promotion gates, at most one per target, in
	// target order.
	Gates []Gate
}

// Gate is a promotion gate: what a version must satisfy to enter a stage
// or take an alias.
type Gate struct {
	// Target is a canonical stage name ("Staging", "Production", ...) or
	// "@" and an alias ("@champion").
	Target string
	// RequiredTags are version tags that must be set to exactly these values.
	RequiredTags map[string]string
	// MetricFilter is a runs filter the version's source run must match.
	MetricFilter string
	// Checks name Go check functions registered in the process.
	Checks []string
}

// ModelVersion is a model version's record.
type ModelVersion struct {
	Name            string
	Version         int64
	CreationTime    int64 // ms since the epoch
	LastUpdatedTime int64 // ms since the epoch
	Description     string
	UserID          string
	Stage           Stage
	Source          string // e.g. runs:/<id>/model
	RunID           string // the source run, as given
	Status          VersionStatus
	Tags            map[string]string
	// ModelID is the logged model the version was made from (MLflow 3's
	// model_id), zero if none.
	ModelID ModelID
}

const (
	regModelRecordV1     = 1
	regModelRecordV2     = 2 // v1 + gates
	modelVersionRecordV1 = 1
	modelVersionRecordV2 = 2 // v1 + the logged model id
)

func regModelKey(name string) []byte { return []byte(name) }

func versionPrefix(name string) []byte {
	k := make([]byte, 0, 2+len(name)+8)
	k = binary.BigEndian.AppendUint16(k, uint16(len(name)))
	return append(k, name...)
}

func versionKey(name string, v int64) []byte {
	return binary.BigEndian.AppendUint64(versionPrefix(name), uint64(v))
}

func versionFileKey(name string, v int64, path string) []byte {
	return append(versionKey(name, v), path...)
}

// parseVersionKey splits a reg_versions key (rest is what follows the
// version: the path of a reg_version_files key).
func parseVersionKey(k []byte) (name string, v int64, rest []byte, ok bool) {
	if len(k) < 2 {
		return "", 0, nil, false
	}
	n := int(binary.BigEndian.Uint16(k))
	if len(k) < 2+n+8 {
		return "", 0, nil, false
	}
	return string(k[2 : 2+n]), int64(binary.BigEndian.Uint64(k[2+n:])), k[2+n+8:], true
}

func encodeRegisteredModel(m *RegisteredModel) []byte {
	e := encoder{b: make([]byte, 0, 64+len(m.Name)+len(m.Description))}
	e.byte1(regModelRecordV2)
	e.str(m.Name)
	e.varint(m.CreationTime)
	e.varint(m.LastUpdatedTime)
	e.str(m.Description)
	e.varint(m.NextVersion)
	appendStrMap(&e, m.Tags)
	e.uvarint(uint64(len(m.Aliases)))
	for _, k := range slices.Sorted(maps.Keys(m.Aliases)) {
		e.str(k)
		e.varint(m.Aliases[k])
	}
	e.uvarint(uint64(len(m.Gates)))
	for _, g := range m.Gates {
		e.str(g.Target)
		appendStrMap(&e, g.RequiredTags)
		e.str(g.MetricFilter)
		e.uvarint(uint64(len(g.Checks)))
		for _, c := range g.Checks {
			e.str(c)
		}
	}
	return e.b
}

// DecodeRegisteredModel decodes a registered model record. It never
// panics; malformed input wraps ErrCorrupt.
func DecodeRegisteredModel(b []byte) (*RegisteredModel, error) {
	d := decoder{b: b, what: "registered model"}
	version := d.version(regModelRecordV1, regModelRecordV2)
	m := &RegisteredModel{}
	m.Name = d.str()
	m.CreationTime = d.varint()
	m.LastUpdatedTime = d.varint()
	m.Description = d.str()
	m.NextVersion = d.varint()
	if m.NextVersion < 1 && d.err == nil {
		d.fail("next version %d", m.NextVersion)
	}
	m.Tags = d.strMap()
	n := d.count(2)
	m.Aliases = make(map[string]int64, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		v := d.varint()
		if (v < 1 || v >= m.NextVersion) && d.err == nil {
			d.fail("alias %q points at version %d", k, v)
		}
		m.Aliases[k] = v
	}
	if version == regModelRecordV2 {
		m.Gates = decodeGates(&d)
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeGates(d *decoder) []Gate {
	n := d.count(4)
	if n == 0 {
		return nil
	}
	gates := make([]Gate, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		g := Gate{Target: d.str(), RequiredTags: d.strMap(), MetricFilter: d.str()}
		if len(g.RequiredTags) == 0 {
			g.RequiredTags = nil
		}
		if g.Target == "" && d.err == nil {
			d.fail("gate %d has no target", i)
		}
		if i > 0 && g.Target <= gates[i-1].Target && d.err == nil {
			d.fail("gate %q out of order", g.Target)
		}
		nc := d.count(1)
		for j := 0; j < nc && d.err == nil; j++ {
			g.Checks = append(g.Checks, d.str())
		}
		gates = append(gates, g)
	}
	return gates
}

func encodeModelVersion(mv *ModelVersion) []byte {
	e := encoder{b: make([]byte, 0, 112+len(mv.Name)+len(mv.Source)+len(mv.Description))}
	version := byte(modelVersionRecordV1)
	if mv.ModelID != (ModelID{}) {
		version = modelVersionRecordV2
	}
	e.byte1(version)
	e.str(mv.Name)
	e.varint(mv.Version)
	e.varint(mv.CreationTime)
	e.varint(mv.LastUpdatedTime)
	e.str(mv.Description)
	e.str(mv.UserID)
	e.byte1(byte(mv.Stage))
	e.str(mv.Source)
	e.str(mv.RunID)
	e.byte1(byte(mv.Status))
	appendStrMap(&e, mv.Tags)
	if version == modelVersionRecordV2 {
		e.raw(mv.ModelID[:])
	}
	return e.b
}

// DecodeModelVersion decodes a model version record. It never panics;
// malformed input wraps ErrCorrupt.
func DecodeModelVersion(b []byte) (*ModelVersion, error) {
	d := decoder{b: b, what: "model version"}
	version := d.version(modelVersionRecordV1, modelVersionRecordV2)
	mv := &ModelVersion{}
	mv.Name = d.str()
	mv.Version = d.varint()
	if mv.Version < 1 && d.err == nil {
		d.fail("version %d", mv.Version)
	}
	mv.CreationTime = d.varint()
	mv.LastUpdatedTime = d.varint()
	mv.Description = d.str()
	mv.UserID = d.str()
	mv.Stage = Stage(d.byte1())
	if mv.Stage > StageArchived && d.err == nil {
		d.fail("stage %d", mv.Stage)
	}
	mv.Source = d.str()
	mv.RunID = d.str()
	mv.Status = VersionStatus(d.byte1())
	if (mv.Status < PendingRegistration || mv.Status > Ready) && d.err == nil {
		d.fail("status %d", mv.Status)
	}
	mv.Tags = d.strMap()
	if version == modelVersionRecordV2 {
		copy(mv.ModelID[:], d.raw(16))
		if mv.ModelID == (ModelID{}) && d.err == nil {
			d.fail("zero logged model id")
		}
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return mv, nil
}

// RegisteredModel returns the model named name, or an error wrapping
// ErrNotFound.
func (t *Tx) RegisteredModel(name string) (*RegisteredModel, error) {
	v := t.tx.Bucket(bucketRegModels).Get(regModelKey(name))
	if v == nil {
		return nil, fmt.Errorf("store: registered model %q: %w", name, ErrNotFound)
	}
	return DecodeRegisteredModel(v)
}

// ForEachRegisteredModel calls fn for every registered model in name
// order until fn returns an error.
func (t *Tx) ForEachRegisteredModel(fn func(*RegisteredModel) error) error {
	return eachWithPrefix(t.tx.Bucket(bucketRegModels), nil, func(_, v []byte) (*RegisteredModel, error) { return DecodeRegisteredModel(v) }, fn)
}

func checkModel(m *RegisteredModel) error {
	if m.Name == "" || len(m.Name) > 1<<16-1 {
		return fmt.Errorf("store: registered model name of %d bytes: %w", len(m.Name), ErrInvalid)
	}
	if m.NextVersion < 1 {
		return fmt.Errorf("store: registered model %q: next version %d: %w", m.Name, m.NextVersion, ErrInvalid)
	}
	for a, v := range m.Aliases {
		if v < 1 || v >= m.NextVersion {
			return fmt.Errorf("store: registered model %q: alias %q points at version %d: %w", m.Name, a, v, ErrInvalid)
		}
	}
	for i, g := range m.Gates {
		if g.Target == "" || i > 0 && g.Target <= m.Gates[i-1].Target {
			return fmt.Errorf("store: registered model %q: gates must have distinct targets in order, got %q at %d: %w", m.Name, g.Target, i, ErrInvalid)
		}
	}
	return nil
}

// CreateRegisteredModel stores a new model; its name must be unused
// (ErrExists). A zero NextVersion becomes 1.
func (t *Tx) CreateRegisteredModel(m *RegisteredModel) error {
	if m.NextVersion == 0 {
		m.NextVersion = 1
	}
	if err := checkModel(m); err != nil {
		return err
	}
	b := t.tx.Bucket(bucketRegModels)
	if b.Get(regModelKey(m.Name)) != nil {
		return fmt.Errorf("store: registered model %q: %w", m.Name, ErrExists)
	}
	return b.Put(regModelKey(m.Name), encodeRegisteredModel(m))
}

// PutRegisteredModel stores changes to an existing model (ErrNotFound if
// there is none of that name). Renaming is RenameRegisteredModel's.
func (t *Tx) PutRegisteredModel(m *RegisteredModel) error {
	if err := checkModel(m); err != nil {
		return err
	}
	b := t.tx.Bucket(bucketRegModels)
	if b.Get(regModelKey(m.Name)) == nil {
		return fmt.Errorf("store: registered model %q: %w", m.Name, ErrNotFound)
	}
	return b.Put(regModelKey(m.Name), encodeRegisteredModel(m))
}

// DeleteRegisteredModel removes a model, all its versions and their file
// indexes for good.
func (t *Tx) DeleteRegisteredModel(name string) error {
	b := t.tx.Bucket(bucketRegModels)
	if b.Get(regModelKey(name)) == nil {
		return fmt.Errorf("store: registered model %q: %w", name, ErrNotFound)
	}
	if err := b.Delete(regModelKey(name)); err != nil {
		return err
	}
	if err := deletePrefix(t.tx.Bucket(bucketRegVersions), versionPrefix(name)); err != nil {
		return err
	}
	return deletePrefix(t.tx.Bucket(bucketRegVersionFiles), versionPrefix(name))
}

// RenameRegisteredModel gives model old the name new, moving its versions
// and their file indexes; new must be unused (ErrExists).
func (t *Tx) RenameRegisteredModel(old, new string) error {
	m, err := t.RegisteredModel(old)
	if err != nil {
		return err
	}
	if old == new {
		return nil
	}
	b := t.tx.Bucket(bucketRegModels)
	if b.Get(regModelKey(new)) != nil {
		return fmt.Errorf("store: registered model %q: %w", new, ErrExists)
	}
	m.Name = new
	if err := checkModel(m); err != nil {
		return err
	}
	if err := b.Delete(regModelKey(old)); err != nil {
		return err
	}
	if err := b.Put(regModelKey(new), encodeRegisteredModel(m)); err != nil {
		return err
	}
	// Gather first: bbolt cursors must not see their bucket change under them.
	var versions []*ModelVersion
	if err := t.ModelVersions(old, func(mv *ModelVersion) error {
		versions = append(versions, mv)
		return nil
	}); err != nil {
		return err
	}
	vb := t.tx.Bucket(bucketRegVersions)
	if err := deletePrefix(vb, versionPrefix(old)); err != nil {
		return err
	}
	for _, mv := range versions {
		mv.Name = new
		if err := vb.Put(versionKey(new, mv.Version), encodeModelVersion(mv)); err != nil {
			return err
		}
	}
	fb := t.tx.Bucket(bucketRegVersionFiles)
	type kv struct{ k, v []byte }
	var files []kv
	p := versionPrefix(old)
	c := fb.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		files = append(files, kv{append(versionPrefix(new), k[len(p):]...), bytes.Clone(v)})
	}
	if err := deletePrefix(fb, p); err != nil {
		return err
	}
	for _, f := range files {
		if err := fb.Put(f.k, f.v); err != nil {
			return err
		}
	}
	return nil
}

// ModelVersion returns version v of model name, or an error wrapping
// ErrNotFound.
func (t *Tx) ModelVersion(name string, v int64) (*ModelVersion, error) {
	val := t.tx.Bucket(bucketRegVersions).Get(versionKey(name, v))
	if val == nil {
		return nil, fmt.Errorf("store: registered model %q has no version %d: %w", name, v, ErrNotFound)
	}
	return DecodeModelVersion(val)
}

// ModelVersions calls fn with every version of model name, in version
// order, until fn returns an error.
func (t *Tx) ModelVersions(name string, fn func(*ModelVersion) error) error {
	return eachWithPrefix(t.tx.Bucket(bucketRegVersions), versionPrefix(name), func(_, v []byte) (*ModelVersion, error) { return DecodeModelVersion(v) }, fn)
}

// PutModelVersion stores a model version, new or changed. Its model must
// exist and its number must be below the model's NextVersion; the caller
// bumps NextVersion when it creates one.
func (t *Tx) PutModelVersion(mv *ModelVersion) error {
	m, err := t.RegisteredModel(mv.Name)
	if err != nil {
		return err
	}
	if mv.Version < 1 || mv.Version >= m.NextVersion {
		return fmt.Errorf("store: registered model %q: version %d not below next version %d: %w", mv.Name, mv.Version, m.NextVersion, ErrInvalid)
	}
	if mv.Stage > StageArchived || mv.Status < PendingRegistration || mv.Status > Ready {
		return fmt.Errorf("store: model %q version %d: stage %d, status %d: %w", mv.Name, mv.Version, mv.Stage, mv.Status, ErrInvalid)
	}
	if mv.ModelID != (ModelID{}) {
		// A version record naming a logged model is format 2's.
		if err := t.raiseFormat(formatLoggedModels); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketRegVersions).Put(versionKey(mv.Name, mv.Version), encodeModelVersion(mv))
}

// DeleteModelVersion removes version v of model name and its file index.
// Aliases on the model record are the caller's to remove.
func (t *Tx) DeleteModelVersion(name string, v int64) error {
	b := t.tx.Bucket(bucketRegVersions)
	k := versionKey(name, v)
	if b.Get(k) == nil {
		return fmt.Errorf("store: registered model %q has no version %d: %w", name, v, ErrNotFound)
	}
	if err := b.Delete(k); err != nil {
		return err
	}
	return deletePrefix(t.tx.Bucket(bucketRegVersionFiles), k)
}

// PutModelVersionFile adds a to the file index of version v of model
// name, which must exist. The blob must be known to exist in this
// transaction (see run.Referrer).
func (t *Tx) PutModelVersionFile(name string, v int64, a Artifact) error {
	if a.Path == "" {
		return fmt.Errorf("store: model %q version %d: file with an empty path: %w", name, v, ErrInvalid)
	}
	if t.tx.Bucket(bucketRegVersions).Get(versionKey(name, v)) == nil {
		return fmt.Errorf("store: registered model %q has no version %d: %w", name, v, ErrNotFound)
	}
	return t.tx.Bucket(bucketRegVersionFiles).Put(versionFileKey(name, v, a.Path), encodeArtifact(&a))
}

// ModelVersionFile returns the index entry of path in version v of model
// name (ErrNotFound).
func (t *Tx) ModelVersionFile(name string, v int64, path string) (Artifact, error) {
	val := t.tx.Bucket(bucketRegVersionFiles).Get(versionFileKey(name, v, path))
	if val == nil {
		return Artifact{}, fmt.Errorf("store: model %q version %d has no file %q: %w", name, v, path, ErrNotFound)
	}
	return DecodeArtifact(path, val)
}

// ModelVersionFiles calls fn, in path order, with every file of version v
// of model name whose path starts with prefix ("" for all).
func (t *Tx) ModelVersionFiles(name string, v int64, prefix string, fn func(Artifact) error) error {
	base := len(versionKey(name, v))
	p := versionFileKey(name, v, prefix)
	c := t.tx.Bucket(bucketRegVersionFiles).Cursor()
	for k, val := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, val = c.Next() {
		a, err := DecodeArtifact(string(k[base:]), val)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// ForEachModelVersionFile calls fn with every file of every model
// version: what a garbage collector must keep besides runs' artifacts.
func (t *Tx) ForEachModelVersionFile(fn func(name string, v int64, a Artifact) error) error {
	return t.tx.Bucket(bucketRegVersionFiles).ForEach(func(k, val []byte) error {
		name, v, path, ok := parseVersionKey(k)
		if !ok || len(path) == 0 {
			return fmt.Errorf("store: model version file key %x malformed: %w", k, ErrCorrupt)
		}
		a, err := DecodeArtifact(string(path), val)
		if err != nil {
			return err
		}
		return fn(name, v, a)
	})
}

// checkRegistry verifies the registry's records and their cross
// references: keys match records, versions belong to existing models and
// are below their NextVersion, aliases point at existing versions, and
// file index entries belong to existing versions.
func (t *Tx) checkRegistry(c *checker, _ map[RunID]*Run) {
	models := map[string]*RegisteredModel{}
	checkRecords(t, c, bucketRegModels, "registered model key %q", DecodeRegisteredModel, func(k []byte, m *RegisteredModel) {
		if string(k) != m.Name {
			c.add(fmt.Sprintf("registered model %q", m.Name), "stored under key %q", k)
		}
		models[m.Name] = m
	})
	versions := map[string]bool{}
	checkRecords(t, c, bucketRegVersions, "model version key %x", DecodeModelVersion, func(k []byte, mv *ModelVersion) {
		where := fmt.Sprintf("model %q version %d", mv.Name, mv.Version)
		if !bytes.Equal(k, versionKey(mv.Name, mv.Version)) {
			c.add(where, "stored under key %x", k)
		}
		m := models[mv.Name]
		if m == nil {
			c.add(where, "registered model does not exist")
		} else if mv.Version >= m.NextVersion {
			c.add(where, "not below the model's next version %d", m.NextVersion)
		}
		versions[string(versionKey(mv.Name, mv.Version))] = true
	})
	for _, m := range models {
		for a, v := range m.Aliases {
			if !versions[string(versionKey(m.Name, v))] {
				c.add(fmt.Sprintf("registered model %q", m.Name), "alias %q points at version %d, which does not exist", a, v)
			}
		}
	}
	t.tx.Bucket(bucketRegVersionFiles).ForEach(func(k, v []byte) error {
		name, ver, path, ok := parseVersionKey(k)
		if !ok || len(path) == 0 {
			c.add(fmt.Sprintf("model version file key %x", k), "malformed")
			return nil
		}
		where := fmt.Sprintf("model %q version %d file %q", name, ver, path)
		if _, err := DecodeArtifact(string(path), v); err != nil {
			c.add(where, "%v", err)
		}
		if !versions[string(versionKey(name, ver))] {
			c.add(where, "version does not exist")
		}
		return nil
	})
}
