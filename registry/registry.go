package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/artpath"
	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// RegisteredModel is a registered model as stored: name, times,
// description, tags, aliases (alias -> version) and the next version
// number.
type RegisteredModel = store.RegisteredModel

// ModelVersion is a model version as stored.
type ModelVersion = store.ModelVersion

// File is one file of a model version: its path inside the version, its
// blob's digest, size and mode.
type File = store.Artifact

// Stage is a model version's stage.
type Stage = store.Stage

// MLflow's stages.
const (
	None       = store.StageNone
	Staging    = store.StageStaging
	Production = store.StageProduction
	Archived   = store.StageArchived
)

// ParseStage reads a stage name case-insensitively, as MLflow's
// get_canonical_stage: "none", "STAGING", "Production", "archived".
func ParseStage(s string) (Stage, error) {
	for _, st := range []Stage{None, Staging, Production, Archived} {
		if strings.EqualFold(s, st.String()) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("registry: invalid model version stage %q; value must be one of None, Staging, Production, Archived: %w", s, store.ErrInvalid)
}

// Registry is the model registry over a tracker's store: registered
// models, their numbered versions, stages, aliases and tags, and the
// models:/ URIs that name versions. Its methods are safe for concurrent
// use; each change is one store transaction.
type Registry struct {
	st   *store.Store
	tr   *run.Tracker
	now  func() time.Time
	user string

	mu     sync.RWMutex
	checks map[string]CheckFunc
}

// New returns the registry of tr's store and adds it to tr's blob
// referrers, so the tracker's GC keeps the blobs model versions hold and
// its Verify checks them.
func New(tr *run.Tracker) *Registry {
	r := &Registry{st: tr.Store(), tr: tr, now: tr.Now, user: tr.User(), checks: map[string]CheckFunc{}}
	tr.AddReferrer(run.ReferrerFunc(Refs))
	return r
}

// Refs calls fn with every blob reference model versions hold in tx; it
// is the run.Referrer New adds to the tracker.
func Refs(tx *store.Tx, fn func(d blob.Digest, ref run.Ref) error) error {
	return tx.ForEachModelVersionFile(func(name string, v int64, a store.Artifact) error {
		return fn(blob.Digest(a.Digest), run.Ref{Owner: fmt.Sprintf("model %q version %d", name, v), Path: a.Path})
	})
}

func (r *Registry) millis() int64 { return r.now().UnixMilli() }

// record appends ev to the audit log in tx, stamped with the registry's
// user and the time: the event commits or rolls back with its change.
func (r *Registry) record(tx *store.Tx, ev Event) error {
	ev.Time, ev.User = r.millis(), r.user
	return tx.AppendAuditEvent(&ev)
}

func checkName(name string) error {
	if err := validate.ModelName(name); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return nil
}

// CreateModel registers a new model named name with optional tags and
// description. The name must be unused (store.ErrExists).
func (r *Registry) CreateModel(ctx context.Context, name string, tags map[string]string, description string) (*RegisteredModel, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	for k, v := range tags {
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
	}
	now := r.millis()
	m := &RegisteredModel{Name: name, CreationTime: now, LastUpdatedTime: now, Description: description,
		Tags: cloneMap(tags), Aliases: map[string]int64{}, NextVersion: 1}
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateRegisteredModel(m); err != nil {
			return err
		}
		return r.record(tx, Event{Action: ActionCreateModel, Model: name, To: description})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: create model: %w", err)
	}
	return m, nil
}

// GetModel returns the model named name (store.ErrNotFound).
func (r *Registry) GetModel(ctx context.Context, name string) (*RegisteredModel, error) {
	return read(ctx, r, "", func(s *Snapshot) (*RegisteredModel, error) { return s.Model(name) })
}

// RenameModel renames model name to newName; its versions, their files
// and its aliases follow. newName must be unused (store.ErrExists).
func (r *Registry) RenameModel(ctx context.Context, name, newName string) error {
	if err := checkName(newName); err != nil {
		return err
	}
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.RenameRegisteredModel(name, newName); err != nil {
			return err
		}
		m, err := tx.RegisteredModel(newName)
		if err != nil {
			return err
		}
		now := r.millis()
		m.LastUpdatedTime = now
		if err := tx.PutRegisteredModel(m); err != nil {
			return err
		}
		// As MLflow, the rename is an update of every version too.
		var vs []*ModelVersion
		if err := tx.ModelVersions(newName, func(mv *ModelVersion) error { vs = append(vs, mv); return nil }); err != nil {
			return err
		}
		for _, mv := range vs {
			mv.LastUpdatedTime = now
			if err := tx.PutModelVersion(mv); err != nil {
				return err
			}
		}
		return r.record(tx, Event{Action: ActionRenameModel, Model: newName, From: name, To: newName})
	})
	if err != nil {
		return fmt.Errorf("registry: rename model %q to %q: %w", name, newName, err)
	}
	return nil
}

// updateModel applies fn to model name in one write transaction and
// bumps its last update time.
func (r *Registry) updateModel(ctx context.Context, name string, fn func(tx *store.Tx, m *RegisteredModel) error) error {
	return r.changeModel(ctx, name, true, fn)
}

// changeModel is updateModel for a change that bumps the last update time
// or not: as in MLflow, setting or deleting a tag or an alias does not.
func (r *Registry) changeModel(ctx context.Context, name string, bump bool, fn func(tx *store.Tx, m *RegisteredModel) error) error {
	_, err := update(ctx, r, bump, func(tx *store.Tx) (*RegisteredModel, error) { return tx.RegisteredModel(name) },
		(*store.Tx).PutRegisteredModel, func(m *RegisteredModel) *int64 { return &m.LastUpdatedTime }, fn)
	return err
}

// update reads a record with get in one write transaction, applies fn,
// sets the last update time stamp points at when bump, and writes the
// record back with put.
func update[T any](ctx context.Context, r *Registry, bump bool, get func(*store.Tx) (T, error), put func(*store.Tx, T) error,
	stamp func(T) *int64, fn func(*store.Tx, T) error) (T, error) {
	var rec T
	err := r.st.Update(ctx, func(tx *store.Tx) (err error) {
		if rec, err = get(tx); err != nil {
			return err
		}
		if err := fn(tx, rec); err != nil {
			return err
		}
		if bump {
			*stamp(rec) = r.millis()
		}
		return put(tx, rec)
	})
	return rec, err
}

// UpdateModelDescription sets model name's description.
func (r *Registry) UpdateModelDescription(ctx context.Context, name, description string) error {
	err := r.updateModel(ctx, name, func(tx *store.Tx, m *RegisteredModel) error {
		old := m.Description
		m.Description = description
		return r.record(tx, Event{Action: ActionUpdateModelDescription, Model: name, From: old, To: description})
	})
	if err != nil {
		return fmt.Errorf("registry: update model %q: %w", name, err)
	}
	return nil
}

// DeleteModel removes model name, all its versions and their file
// indexes for good (MLflow's delete is a hard delete). The blobs stay
// until GC finds nothing else refers to them.
func (r *Registry) DeleteModel(ctx context.Context, name string) error {
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteRegisteredModel(name); err != nil {
			return err
		}
		return r.record(tx, Event{Action: ActionDeleteModel, Model: name})
	})
	if err != nil {
		return fmt.Errorf("registry: delete model: %w", err)
	}
	return nil
}

func checkTag(key, value string) error {
	if err := validate.Key("registry tag", key); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if err := validate.RegistryTagValue(key, value); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return nil
}

// SetModelTag sets tag key of model name to value.
func (r *Registry) SetModelTag(ctx context.Context, name, key, value string) error {
	if err := checkTag(key, value); err != nil {
		return err
	}
	err := r.changeModel(ctx, name, false, func(tx *store.Tx, m *RegisteredModel) error {
		if m.Tags == nil {
			m.Tags = map[string]string{}
		}
		old := m.Tags[key]
		m.Tags[key] = value
		return r.record(tx, Event{Action: ActionSetModelTag, Model: name, Key: key, From: old, To: value})
	})
	if err != nil {
		return fmt.Errorf("registry: set tag %q of model %q: %w", key, name, err)
	}
	return nil
}

// DeleteModelTag removes tag key of model name (store.ErrNotFound if the
// model does not have it, as MLflow).
func (r *Registry) DeleteModelTag(ctx context.Context, name, key string) error {
	err := r.changeModel(ctx, name, false, func(tx *store.Tx, m *RegisteredModel) error {
		old, ok := m.Tags[key]
		if !ok {
			return fmt.Errorf("no tag %q: %w", key, store.ErrNotFound)
		}
		delete(m.Tags, key)
		return r.record(tx, Event{Action: ActionDeleteModelTag, Model: name, Key: key, From: old})
	})
	if err != nil {
		return fmt.Errorf("registry: delete tag of model %q: %w", name, err)
	}
	return nil
}

// ParseRunsURI splits a runs:/<run_id>/<path> URI into the run id and the
// canonical artifact path ("" for the run's whole artifact root), as
// MLflow's parse_runs_uri.
func ParseRunsURI(uri string) (id run.ID, path string, err error) {
	idStr, p, err := splitRunsURI(uri)
	if err == nil {
		id, err = store.ParseRunID(idStr)
	}
	if err == nil {
		path, err = artpath.CleanDir(p)
	}
	if err != nil {
		return id, "", fmt.Errorf("registry: not a proper runs:/ URI: %q: %w: %w", uri, err, store.ErrInvalid)
	}
	return id, path, nil
}

// splitRunsURI splits runs:/<run_id>/<path> into the run id and the path,
// as written.
func splitRunsURI(uri string) (id, path string, err error) {
	rest, ok := cutScheme(uri, "runs")
	if !ok {
		return "", "", errors.New("the scheme is not runs")
	}
	if !strings.HasPrefix(rest, "/") || len(rest) <= 1 {
		return "", "", errors.New("runs:/ URIs should be of the form runs:/<run_id>/run-relative/path/to/artifact")
	}
	id, path, _ = strings.Cut(rest[1:], "/")
	return id, path, nil
}

// isRunID reports whether s is a run id as mlite writes it.
func isRunID(s string) bool {
	_, err := store.ParseRunID(s)
	return err == nil
}

// cutScheme strips "scheme:" (case-insensitive, as urlparse) and an
// authority ("//host"), returning the path.
func cutScheme(uri, scheme string) (string, bool) {
	if len(uri) <= len(scheme) || !strings.EqualFold(uri[:len(scheme)], scheme) || uri[len(scheme)] != ':' {
		return "", false
	}
	rest := uri[len(scheme)+1:]
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
	}
	return rest, true
}

// LoggedModelURI returns the logged model a models:/m-<id> URI names, and
// whether uri is one.
func LoggedModelURI(uri string) (store.ModelID, bool) {
	rest, ok := cutScheme(uri, "models")
	if !ok || !strings.HasPrefix(rest, "/m-") {
		return store.ModelID{}, false
	}
	id, err := store.ParseModelID(strings.TrimSuffix(rest[1:], "/"))
	return id, err == nil
}

// TagModelVersions is the logged model tag listing the registry versions
// made from it, MLflow's mlflow.modelVersions: a JSON list of
// {"name": ..., "version": ...}.
const TagModelVersions = "mlflow.modelVersions"

// CreateVersion registers a new version of model name from source,
// registering the model first if it does not exist (as MLflow's client
// does). The source is a runs:/<run_id>/<path> URI or a logged model's
// models:/m-<id>. runID may be empty; if given it must be the source's run
// (a logged model's source run). The version copies the source's artifact
// index (a run's files under path, relative to it, or a single file under
// its base name; a logged model's whole tree), so it stays loadable after
// the run or model is purged; a run source must hold at least one file,
// or name the run's logged model (runs:/<run_id>/<model name>[/<path>], as
// MLflow 3's client reads it when the run has no artifacts there). A
// runs:/ source of a run the store does not hold, named by runID too, makes
// a version that records source and run id and copies nothing, as MLflow's
// registry (which never reads the run) does, and so does a runs:/ source of
// a run whose artifacts live outside the store (run.ArtifactFolder). A local source (a path or
// file: URI, see run.IsLocalURI) must lie inside the local artifact folder
// of run runID (an experiment created with a local artifact location): the
// version records it and copies nothing, the files staying in that folder,
// as MLflow's server allows; any other local source is store.ErrInvalid. A
// version made from a logged model keeps its id (ModelVersion.ModelID) and
// is listed in the model's mlflow.modelVersions tag. The new version is
// READY in stage None; its number is one above every number the model
// has given before.
func (r *Registry) CreateVersion(ctx context.Context, name, source, runID string) (*ModelVersion, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	// resolve reads the source's run id, logged model and files in tx.
	var resolve func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error)
	if mid, ok := LoggedModelURI(source); ok {
		resolve = func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error) {
			lm, err := tx.LoggedModel(mid)
			if err != nil {
				return "", mid, nil, err
			}
			if runID != "" && lm.SourceRunID != "" && runID != lm.SourceRunID {
				return "", mid, nil, fmt.Errorf("run id %q is not the source run %q of logged model %s: %w", runID, lm.SourceRunID, mid, store.ErrInvalid)
			}
			var files []store.Artifact
			err = tx.Files(store.ModelFiles(mid), "", func(a store.Artifact) error { files = append(files, a); return nil })
			return cmp.Or(runID, lm.SourceRunID), mid, files, err
		}
	} else if local, err := run.IsLocalURI(source); err != nil || local {
		if err != nil {
			return nil, fmt.Errorf("registry: source %q: %w", source, err)
		}
		id, err := run.ParseID(runID)
		if err != nil {
			return nil, fmt.Errorf("registry: a local source %q needs the id of the run whose artifact folder holds it: %w", source, store.ErrInvalid)
		}
		resolve = func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error) {
			rec, err := tx.Run(id)
			if err != nil {
				return "", store.ModelID{}, nil, err
			}
			if p, ok := run.LocalSourceIn(source, rec.ArtifactURI); !ok {
				return "", store.ModelID{}, nil, fmt.Errorf("local source %s is not inside the artifact folder of run %s (%s): %w", p, id, rec.ArtifactURI, store.ErrInvalid)
			}
			return runID, store.ModelID{}, nil, nil
		}
	} else if raw, _, err := splitRunsURI(source); err == nil && raw != "" && raw == runID && !isRunID(raw) {
		// A run id that is not one mlite issues, named by run_id too: as
		// MLflow, the version records the source and copies nothing.
		resolve = func(*store.Tx) (string, store.ModelID, []store.Artifact, error) {
			return runID, store.ModelID{}, nil, nil
		}
	} else {
		id, path, err := ParseRunsURI(source)
		if err != nil {
			return nil, err
		}
		if runID != "" && runID != id.String() {
			return nil, fmt.Errorf("registry: run id %q is not the run of source %q: %w", runID, source, store.ErrInvalid)
		}
		resolve = func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error) {
			rec, err := tx.Run(id)
			if errors.Is(err, store.ErrNotFound) && runID == id.String() {
				// A run this store does not hold (the tracking server may be
				// another), named by run_id too: as MLflow, the version
				// records the source and copies nothing.
				return runID, store.ModelID{}, nil, nil
			}
			if err != nil {
				return "", store.ModelID{}, nil, err
			}
			if dir, err := run.ArtifactFolder(rec.ArtifactURI); err != nil || dir != "" {
				// The run's artifacts live outside the store: as MLflow,
				// the version records the source and copies nothing.
				mid, _, _ := runModelFiles(tx, rec, path, nil)
				return id.String(), mid, nil, nil
			}
			files, err := sourceFiles(tx, store.RunFiles(id), path)
			var mid store.ModelID
			if errors.Is(err, store.ErrNotFound) {
				mid, files, err = runModelFiles(tx, rec, path, err)
			}
			return id.String(), mid, files, err
		}
	}
	return r.createVersion(ctx, name, source, resolve)
}

// CreateVersionFromModel registers a new version of model name from logged
// model id, given by another source than models:/<id>: a local path or
// file: URI inside the model's local artifact folder, as MLflow's client
// may send its artifact location (store.ErrInvalid for any other). The
// version records source, keeps the model's id and source run, and is
// listed in the model's mlflow.modelVersions tag; it copies nothing, the
// files staying in that folder. See CreateVersion.
func (r *Registry) CreateVersionFromModel(ctx context.Context, name, source string, id store.ModelID) (*ModelVersion, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return r.createVersion(ctx, name, source, func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error) {
		lm, err := tx.LoggedModel(id)
		if err != nil {
			return "", id, nil, err
		}
		if p, ok := run.LocalSourceIn(source, lm.ArtifactLocation); !ok {
			return "", id, nil, fmt.Errorf("source %s is not inside the artifact folder of logged model %s (%s): %w", p, id, lm.ArtifactLocation, store.ErrInvalid)
		}
		return lm.SourceRunID, id, nil, nil
	})
}

// createVersion creates the version of model name from source, with the
// run id, logged model and files resolve reads in the transaction.
func (r *Registry) createVersion(ctx context.Context, name, source string, resolve func(tx *store.Tx) (string, store.ModelID, []store.Artifact, error)) (*ModelVersion, error) {
	var mv *ModelVersion
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		rid, mid, files, err := resolve(tx)
		if err != nil {
			return err
		}
		now := r.millis()
		m, err := tx.RegisteredModel(name)
		if errors.Is(err, store.ErrNotFound) {
			m = &RegisteredModel{Name: name, CreationTime: now, Aliases: map[string]int64{}, NextVersion: 1}
			if err = tx.CreateRegisteredModel(m); err == nil {
				err = r.record(tx, Event{Action: ActionCreateModel, Model: name})
			}
		}
		if err != nil {
			return err
		}
		mv = &ModelVersion{Name: name, Version: m.NextVersion, CreationTime: now, LastUpdatedTime: now,
			UserID: r.user, Stage: None, Source: source, RunID: rid, Status: store.Ready, Tags: map[string]string{}, ModelID: mid}
		m.NextVersion++
		m.LastUpdatedTime = now
		if err := tx.PutRegisteredModel(m); err != nil {
			return err
		}
		if err := tx.PutModelVersion(mv); err != nil {
			return err
		}
		for _, a := range files {
			if err := tx.PutModelVersionFile(name, mv.Version, a); err != nil {
				return err
			}
		}
		if mid != (store.ModelID{}) {
			if err := tagModelVersions(tx, mid, name, mv.Version); err != nil {
				return err
			}
		}
		return r.record(tx, Event{Action: ActionCreateVersion, Model: name, Version: mv.Version, To: source})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: create version of model %q from %q: %w", name, source, err)
	}
	return mv, nil
}

// tagModelVersions adds version v of model name to logged model id's
// mlflow.modelVersions tag, as MLflow's server does on registration: the
// version is a JSON number there (the client, registering through
// mlflow.register_model, appends its own entry with a string).
func tagModelVersions(tx *store.Tx, id store.ModelID, name string, v int64) error {
	lm, err := tx.LoggedModel(id)
	if err != nil {
		return err
	}
	type entry struct {
		Name    string          `json:"name"`
		Version json.RawMessage `json:"version"`
	}
	var list []entry
	if old := lm.Tags[TagModelVersions]; old != "" {
		// A tag someone else wrote that is not such a list is replaced.
		if json.Unmarshal([]byte(old), &list) != nil {
			list = nil
		}
	}
	e := entry{Name: name, Version: json.RawMessage(strconv.FormatInt(v, 10))}
	if !slices.ContainsFunc(list, func(o entry) bool { return o.Name == e.Name && bytes.Equal(o.Version, e.Version) }) {
		list = append(list, e)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	// MLflow writes Python's json.dumps: ", " and ": " separators.
	lm.Tags[TagModelVersions] = pyJSON(b)
	return tx.PutLoggedModel(lm)
}

// pyJSON respaces compact JSON of strings, lists and objects as Python's
// json.dumps does.
func pyJSON(b []byte) string {
	var sb strings.Builder
	inStr, esc := false, false
	for _, c := range b {
		sb.WriteByte(c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

// runModelFiles reads the files of runs:/<run>/<name>[/<path>] from the
// run's logged model called name, when the run has no artifacts there, as
// MLflow 3's client resolves such a URI: mlflow.<flavor>.log_model(model,
// name) files a model under the logged model, not the run. The model is
// the newest one of the run's experiment that is not deleted, has that
// name and this run as its source; notFound is returned when there is none.
// It returns the model's id with the files.
func runModelFiles(tx *store.Tx, rec *store.Run, path string, notFound error) (store.ModelID, []store.Artifact, error) {
	name, rest, _ := strings.Cut(path, "/")
	var found *store.LoggedModel
	err := tx.LoggedModels(rec.ExperimentID, func(m *store.LoggedModel) (bool, error) {
		if m.Name == name && m.SourceRunID == rec.ID.String() && m.Lifecycle != store.Deleted {
			found = m
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return store.ModelID{}, nil, err
	}
	if found == nil || name == "" {
		return store.ModelID{}, nil, notFound
	}
	files, err := sourceFiles(tx, store.ModelFiles(found.ID), rest)
	return found.ID, files, err
}

// sourceFiles reads the entries of index ix under path, renamed relative
// to it.
func sourceFiles(tx *store.Tx, ix store.Index, path string) ([]store.Artifact, error) {
	if path != "" {
		if a, err := tx.File(ix, path); err == nil {
			a.Path = path[strings.LastIndexByte(path, '/')+1:]
			return []store.Artifact{a}, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	prefix := path
	if prefix != "" {
		prefix += "/"
	}
	var files []store.Artifact
	err := tx.Files(ix, prefix, func(a store.Artifact) error {
		a.Path = a.Path[len(prefix):]
		files = append(files, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s has no artifacts under %q: %w", ix, path, store.ErrNotFound)
	}
	return files, nil
}

// GetVersion returns version v of model name (store.ErrNotFound).
func (r *Registry) GetVersion(ctx context.Context, name string, v int64) (*ModelVersion, error) {
	return read(ctx, r, "", func(s *Snapshot) (*ModelVersion, error) { return s.Version(name, v) })
}

// Versions returns every version of model name in version order.
func (r *Registry) Versions(ctx context.Context, name string) ([]*ModelVersion, error) {
	return read(ctx, r, "", func(s *Snapshot) ([]*ModelVersion, error) { return s.Versions(name) })
}

// DeleteVersion removes version v of model name, its file index and the
// aliases pointing at it. Its number is not given again.
func (r *Registry) DeleteVersion(ctx context.Context, name string, v int64) error {
	err := r.updateModel(ctx, name, func(tx *store.Tx, m *RegisteredModel) error {
		mv, err := tx.ModelVersion(name, v)
		if err != nil {
			return err
		}
		if err := tx.DeleteModelVersion(name, v); err != nil {
			return err
		}
		for _, a := range slices.Sorted(maps.Keys(m.Aliases)) {
			if m.Aliases[a] == v {
				delete(m.Aliases, a)
				if err := r.record(tx, Event{Action: ActionDeleteAlias, Model: name, Version: v, Key: a, From: strconv.FormatInt(v, 10)}); err != nil {
					return err
				}
			}
		}
		return r.record(tx, Event{Action: ActionDeleteVersion, Model: name, Version: v, From: mv.Stage.String()})
	})
	if err != nil {
		return fmt.Errorf("registry: delete version: %w", err)
	}
	return nil
}

// updateVersion applies fn to version v of model name in one write
// transaction and bumps the version's last update time unless the change
// is to a tag (which, as in MLflow, does not).
func (r *Registry) updateVersion(ctx context.Context, name string, v int64, bump bool, fn func(tx *store.Tx, mv *ModelVersion) error) (*ModelVersion, error) {
	return update(ctx, r, bump, func(tx *store.Tx) (*ModelVersion, error) { return tx.ModelVersion(name, v) },
		(*store.Tx).PutModelVersion, func(mv *ModelVersion) *int64 { return &mv.LastUpdatedTime }, fn)
}

// UpdateVersionDescription sets the description of version v of model name.
func (r *Registry) UpdateVersionDescription(ctx context.Context, name string, v int64, description string) error {
	_, err := r.updateVersion(ctx, name, v, true, func(tx *store.Tx, mv *ModelVersion) error {
		old := mv.Description
		mv.Description = description
		return r.record(tx, Event{Action: ActionUpdateVersionDescription, Model: name, Version: v, From: old, To: description})
	})
	if err != nil {
		return fmt.Errorf("registry: update version: %w", err)
	}
	return nil
}

// SetVersionTag sets tag key of version v of model name to value.
func (r *Registry) SetVersionTag(ctx context.Context, name string, v int64, key, value string) error {
	if err := checkTag(key, value); err != nil {
		return err
	}
	_, err := r.updateVersion(ctx, name, v, false, func(tx *store.Tx, mv *ModelVersion) error {
		if mv.Tags == nil {
			mv.Tags = map[string]string{}
		}
		old := mv.Tags[key]
		mv.Tags[key] = value
		return r.record(tx, Event{Action: ActionSetVersionTag, Model: name, Version: v, Key: key, From: old, To: value})
	})
	if err != nil {
		return fmt.Errorf("registry: set version tag %q: %w", key, err)
	}
	return nil
}

// DeleteVersionTag removes tag key of version v of model name
// (store.ErrNotFound if it has no such tag).
func (r *Registry) DeleteVersionTag(ctx context.Context, name string, v int64, key string) error {
	_, err := r.updateVersion(ctx, name, v, false, func(tx *store.Tx, mv *ModelVersion) error {
		old, ok := mv.Tags[key]
		if !ok {
			return fmt.Errorf("no tag %q: %w", key, store.ErrNotFound)
		}
		delete(mv.Tags, key)
		return r.record(tx, Event{Action: ActionDeleteVersionTag, Model: name, Version: v, Key: key, From: old})
	})
	if err != nil {
		return fmt.Errorf("registry: delete version tag: %w", err)
	}
	return nil
}

// TransitionStage moves version v of model name to stage (case-
// insensitive: "production", "Staging", ...). With archiveExisting, which
// only Staging and Production allow, every other version of the model in
// that stage becomes Archived in the same transaction. If the model has a
// gate for the stage, the version must pass it: otherwise the transition
// is refused with a *GateError listing every unmet requirement (ErrGate)
// and nothing changes. It returns the version as updated.
func (r *Registry) TransitionStage(ctx context.Context, name string, v int64, stage string, archiveExisting bool) (*ModelVersion, error) {
	st, err := ParseStage(stage)
	if err != nil {
		return nil, err
	}
	if archiveExisting && st != Staging && st != Production {
		return nil, fmt.Errorf("registry: model version transition cannot archive existing model versions because %q is not an active stage; valid stages are Staging, Production: %w", st, store.ErrInvalid)
	}
	target := st.String()
	pre, err := r.runChecks(ctx, name, v, target)
	if err != nil {
		return nil, fmt.Errorf("registry: transition stage: %w", err)
	}
	var mv *ModelVersion
	err = r.updateModel(ctx, name, func(tx *store.Tx, m *RegisteredModel) error {
		var err error
		if mv, err = tx.ModelVersion(name, v); err != nil {
			return err
		}
		results, err := r.enforceGate(tx, m, mv, target, pre)
		if err != nil {
			return err
		}
		now := r.millis()
		if archiveExisting {
			var others []*ModelVersion
			if err := tx.ModelVersions(name, func(o *ModelVersion) error {
				if o.Version != v && o.Stage == st {
					others = append(others, o)
				}
				return nil
			}); err != nil {
				return err
			}
			for _, o := range others {
				o.Stage, o.LastUpdatedTime = Archived, now
				if err := tx.PutModelVersion(o); err != nil {
					return err
				}
				if err := r.record(tx, Event{Action: ActionTransitionStage, Model: name, Version: o.Version,
					Key: KeyArchiveExisting, From: st.String(), To: Archived.String()}); err != nil {
					return err
				}
			}
		}
		from := mv.Stage
		mv.Stage, mv.LastUpdatedTime = st, now
		if err := tx.PutModelVersion(mv); err != nil {
			return err
		}
		return r.record(tx, Event{Action: ActionTransitionStage, Model: name, Version: v,
			From: from.String(), To: target, Gates: results})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: transition stage: %w", err)
	}
	return mv, nil
}

// LatestVersions returns, for each of stages (case-insensitive; none
// given: every stage), the newest version of model name in that stage.
// The stages come in the order of their oldest version, as in MLflow.
// Stages without a version are left out.
func (r *Registry) LatestVersions(ctx context.Context, name string, stages []string) ([]*ModelVersion, error) {
	want := map[Stage]bool{}
	for _, s := range stages {
		st, err := ParseStage(s)
		if err != nil {
			return nil, err
		}
		want[st] = true
	}
	// As MLflow: one version per stage, the stages in the order their
	// lowest version comes (a dict filled walking the versions upwards).
	var out []*ModelVersion
	at := map[Stage]int{} // index in out
	err := r.st.View(ctx, func(tx *store.Tx) error {
		out = out[:0]
		clear(at)
		if _, err := tx.RegisteredModel(name); err != nil {
			return err
		}
		return tx.ModelVersions(name, func(mv *ModelVersion) error { // in increasing order
			if len(want) > 0 && !want[mv.Stage] {
				return nil
			}
			if i, ok := at[mv.Stage]; ok {
				out[i] = mv
			} else {
				at[mv.Stage] = len(out)
				out = append(out, mv)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: latest versions: %w", err)
	}
	return out, nil
}

// SetAlias points alias of model name at version v, moving it if it
// pointed elsewhere. The alias must pass validate.Alias: "latest" and
// v<digits> are reserved. The version must exist (store.ErrNotFound). If
// the model has a gate for "@"+alias, the version must pass it (see
// TransitionStage).
func (r *Registry) SetAlias(ctx context.Context, name, alias string, v int64) error {
	if err := validate.Alias(alias); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	target := "@" + alias
	pre, err := r.runChecks(ctx, name, v, target)
	if err != nil {
		return fmt.Errorf("registry: set alias %q: %w", alias, err)
	}
	err = r.changeModel(ctx, name, false, func(tx *store.Tx, m *RegisteredModel) error {
		mv, err := tx.ModelVersion(name, v)
		if err != nil {
			return err
		}
		results, err := r.enforceGate(tx, m, mv, target, pre)
		if err != nil {
			return err
		}
		if m.Aliases == nil {
			m.Aliases = map[string]int64{}
		}
		from := ""
		if old, ok := m.Aliases[alias]; ok {
			from = strconv.FormatInt(old, 10)
		}
		m.Aliases[alias] = v
		return r.record(tx, Event{Action: ActionSetAlias, Model: name, Version: v, Key: alias,
			From: from, To: strconv.FormatInt(v, 10), Gates: results})
	})
	if err != nil {
		return fmt.Errorf("registry: set alias %q: %w", alias, err)
	}
	return nil
}

// DeleteAlias removes alias of model name; removing an alias that does
// not exist is not an error (as MLflow), and changes nothing. The model
// must exist.
func (r *Registry) DeleteAlias(ctx context.Context, name, alias string) error {
	err := r.changeModel(ctx, name, false, func(tx *store.Tx, m *RegisteredModel) error {
		old, ok := m.Aliases[alias]
		if !ok {
			return nil
		}
		delete(m.Aliases, alias)
		return r.record(tx, Event{Action: ActionDeleteAlias, Model: name, Version: old, Key: alias,
			From: strconv.FormatInt(old, 10)})
	})
	if err != nil {
		return fmt.Errorf("registry: delete alias %q: %w", alias, err)
	}
	return nil
}

// GetVersionByAlias returns the version alias of model name points at.
// "latest" (any case) is the newest version. An unknown alias is
// store.ErrInvalid, as MLflow's INVALID_PARAMETER_VALUE.
func (r *Registry) GetVersionByAlias(ctx context.Context, name, alias string) (*ModelVersion, error) {
	return read(ctx, r, "", func(s *Snapshot) (*ModelVersion, error) { return s.VersionByAlias(name, alias) })
}

func byAlias(tx *store.Tx, name, alias string) (*ModelVersion, error) {
	m, err := tx.RegisteredModel(name)
	if err != nil {
		return nil, err
	}
	if strings.ToLower(alias) == "latest" {
		return latestVersion(tx, name)
	}
	v, ok := m.Aliases[alias]
	if !ok {
		return nil, fmt.Errorf("registered model alias %q of model %q not found: %w", alias, name, store.ErrInvalid)
	}
	return tx.ModelVersion(name, v)
}

func latestVersion(tx *store.Tx, name string) (*ModelVersion, error) {
	var last *ModelVersion
	if err := tx.ModelVersions(name, func(mv *ModelVersion) error { last = mv; return nil }); err != nil {
		return nil, err
	}
	if last == nil {
		return nil, fmt.Errorf("registered model %q has no versions: %w", name, store.ErrNotFound)
	}
	return last, nil
}

// ModelURI is a parsed models:/ URI: a name and exactly one of a
// version, a stage, Latest or an alias.
type ModelURI struct {
	Name    string
	Version int64  // models:/Name/3
	Stage   string // models:/Name/Production, as written
	Latest  bool   // models:/Name/latest
	Alias   string // models:/Name@champion
}

func improperModelURI(uri string) error {
	return fmt.Errorf("registry: not a proper models:/ URI: %s. Models URIs must be of the form 'models:/model_name/suffix' "+
		"or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where alias "+
		"is a registered model alias. Only one of suffix or alias can be defined at a time: %w", uri, store.ErrInvalid)
}

// ParseModelURI parses a models:/ URI as MLflow's _parse_model_uri does:
// models:/<name>/<version>, models:/<name>/latest (any case),
// models:/<name>/<stage> and models:/<name>@<alias> (split at the last
// '@'). Anything else, including empty parts and more than two path
// segments, is store.ErrInvalid with MLflow's message.
func ParseModelURI(uri string) (ModelURI, error) {
	path, ok := cutScheme(uri, "models")
	if !ok || !strings.HasPrefix(path, "/") || len(path) <= 1 {
		return ModelURI{}, improperModelURI(uri)
	}
	parts := strings.Split(strings.TrimLeft(path, "/"), "/")
	if len(parts) > 2 || strings.TrimSpace(parts[0]) == "" {
		return ModelURI{}, improperModelURI(uri)
	}
	if len(parts) == 2 {
		name, suffix := parts[0], parts[1]
		if strings.TrimSpace(suffix) == "" {
			return ModelURI{}, improperModelURI(uri)
		}
		if isDigits(suffix) {
			v, err := strconv.ParseInt(suffix, 10, 64)
			if err != nil {
				return ModelURI{}, improperModelURI(uri)
			}
			if v == 0 {
				// Versions are numbered from 1; a zero here could never be
				// told apart from "no version" by the caller.
				return ModelURI{}, fmt.Errorf("registry: %q: model version 0 does not exist (versions start at 1): %w", uri, store.ErrInvalid)
			}
			return ModelURI{Name: name, Version: v}, nil
		}
		if strings.ToLower(suffix) == "latest" {
			return ModelURI{Name: name, Latest: true}, nil
		}
		return ModelURI{Name: name, Stage: suffix}, nil
	}
	i := strings.LastIndexByte(parts[0], '@')
	if i <= 0 || strings.TrimSpace(parts[0][i+1:]) == "" {
		// MLflow 3 reads models:/<model_id> as a logged model; mlite has
		// none. An alias needs a model name before its '@'.
		return ModelURI{}, improperModelURI(uri)
	}
	return ModelURI{Name: parts[0][:i], Alias: parts[0][i+1:]}, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Resolve returns the model version a models:/ URI names: a version
// number, the newest version in a stage, the newest version (latest), or
// the version an alias points at.
func (r *Registry) Resolve(ctx context.Context, uri string) (*ModelVersion, error) {
	u, err := ParseModelURI(uri)
	if err != nil {
		return nil, err
	}
	var st Stage
	if u.Stage != "" {
		if st, err = ParseStage(u.Stage); err != nil {
			return nil, fmt.Errorf("registry: resolve %s: %w", uri, err)
		}
	}
	var mv *ModelVersion
	err = r.st.View(ctx, func(tx *store.Tx) (err error) {
		if _, err := tx.RegisteredModel(u.Name); err != nil {
			return err
		}
		switch {
		case u.Alias != "":
			mv, err = byAlias(tx, u.Name, u.Alias)
		case u.Latest:
			mv, err = latestVersion(tx, u.Name)
		case u.Stage != "":
			err = tx.ModelVersions(u.Name, func(o *ModelVersion) error {
				if o.Stage == st {
					mv = o
				}
				return nil
			})
			if err == nil && mv == nil {
				err = fmt.Errorf("no versions of model with name %q and stage %q found: %w", u.Name, st, store.ErrNotFound)
			}
		default:
			mv, err = tx.ModelVersion(u.Name, u.Version)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: resolve %s: %w", uri, err)
	}
	return mv, nil
}

// Files returns the files of version v of model name, in path order.
func (r *Registry) Files(ctx context.Context, name string, v int64) ([]File, error) {
	return read(ctx, r, "files", func(s *Snapshot) ([]File, error) { return s.Files(name, v) })
}

// OpenFile opens file path of version v of model name for reading; the
// bytes come from the blob folder whatever became of the source run.
func (r *Registry) OpenFile(ctx context.Context, name string, v int64, path string) (io.ReadCloser, error) {
	p, err := artpath.Clean(path)
	if err != nil {
		return nil, fmt.Errorf("registry: open file: %w: %w", err, store.ErrInvalid)
	}
	var a store.Artifact
	err = r.st.View(ctx, func(tx *store.Tx) (err error) { a, err = tx.ModelVersionFile(name, v, p); return err })
	if err != nil {
		return nil, fmt.Errorf("registry: open file: %w", err)
	}
	rc, err := r.tr.Blobs().Open(ctx, blob.Digest(a.Digest))
	if err != nil {
		return nil, fmt.Errorf("registry: open file %q of model %q version %d: %w", p, name, v, err)
	}
	return rc, nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
