package registry

import (
	"context"
	"fmt"

	"github.com/mlite/mlite/store"
)

// Snapshot is a consistent read-only view of the registry, for a page or a
// response that reads a model, its versions, their files and its history
// at once: everything it returns comes from the same state of the store.
// It is valid only inside the function given to Registry.Snapshot; the
// records it returns are copies and stay valid after.
type Snapshot struct {
	tx *store.Tx
}

// Snapshot calls fn with a consistent read-only view of the registry.
// Errors of a Snapshot's methods are the store's (they wrap
// store.ErrNotFound and the like), without the "registry: " prefix the
// Registry's own methods add.
func (r *Registry) Snapshot(ctx context.Context, fn func(s *Snapshot) error) error {
	return r.st.View(ctx, func(tx *store.Tx) error { return fn(&Snapshot{tx: tx}) })
}

// read runs one Snapshot read and prefixes its error with "registry: " and
// what, if what is not empty.
func read[T any](ctx context.Context, r *Registry, what string, fn func(s *Snapshot) (T, error)) (T, error) {
	var out T
	err := r.Snapshot(ctx, func(s *Snapshot) (err error) { out, err = fn(s); return err })
	if err != nil {
		var zero T
		if what != "" {
			return zero, fmt.Errorf("registry: %s: %w", what, err)
		}
		return zero, fmt.Errorf("registry: %w", err)
	}
	return out, nil
}

// Model returns registered model name.
func (s *Snapshot) Model(name string) (*RegisteredModel, error) { return s.tx.RegisteredModel(name) }

// Models calls fn with each registered model in name order, until fn
// returns an error.
func (s *Snapshot) Models(fn func(m *RegisteredModel) error) error {
	return s.tx.ForEachRegisteredModel(fn)
}

// Version returns version v of model name.
func (s *Snapshot) Version(name string, v int64) (*ModelVersion, error) {
	return s.tx.ModelVersion(name, v)
}

// Versions returns every version of model name in version order; an
// unknown model is an error wrapping store.ErrNotFound.
func (s *Snapshot) Versions(name string) ([]*ModelVersion, error) {
	if _, err := s.tx.RegisteredModel(name); err != nil {
		return nil, err
	}
	var out []*ModelVersion
	err := s.tx.ModelVersions(name, func(mv *ModelVersion) error { out = append(out, mv); return nil })
	return out, err
}

// VersionByAlias returns the version alias of model name points at;
// "latest" (any case) is the newest version.
func (s *Snapshot) VersionByAlias(name, alias string) (*ModelVersion, error) {
	return byAlias(s.tx, name, alias)
}

// Files returns the files of version v of model name in path order; an
// unknown version is an error wrapping store.ErrNotFound.
func (s *Snapshot) Files(name string, v int64) ([]File, error) {
	if _, err := s.tx.ModelVersion(name, v); err != nil {
		return nil, err
	}
	var out []File
	err := s.tx.ModelVersionFiles(name, v, "", func(a File) error { out = append(out, a); return nil })
	return out, err
}

// Audit returns the history of model name, oldest first, across its
// renames (see Registry.Audit).
func (s *Snapshot) Audit(name string) ([]Event, error) {
	var all []*Event
	if err := s.tx.AuditEvents(0, func(ev *Event) error { all = append(all, ev); return nil }); err != nil {
		return nil, err
	}
	out := modelHistory(all, name)
	if len(out) == 0 {
		return nil, fmt.Errorf("no registered model %q has a history: %w", name, store.ErrNotFound)
	}
	return out, nil
}
