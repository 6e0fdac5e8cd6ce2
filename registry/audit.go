package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mlite/mlite/internal/repro"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// Event is one registry change in the audit log: who (User), when (Time,
// ms since the epoch), what (Action, on Model and Version, about Key),
// from what to what, and the results of the gate the change passed.
// Events are appended in the same transaction as their change and never
// rewritten.
type Event = store.AuditEvent

// Audit actions: Event.Action.
const (
	ActionCreateModel              = "create_model"
	ActionRenameModel              = "rename_model" // Model is the new name; From the old, To the new
	ActionUpdateModelDescription   = "update_model_description"
	ActionSetModelTag              = "set_model_tag"
	ActionDeleteModelTag           = "delete_model_tag"
	ActionDeleteModel              = "delete_model"
	ActionCreateVersion            = "create_version" // To is the source
	ActionTransitionStage          = "transition_stage"
	ActionSetAlias                 = "set_alias" // Key is the alias; From and To are version numbers
	ActionDeleteAlias              = "delete_alias"
	ActionSetVersionTag            = "set_version_tag"
	ActionDeleteVersionTag         = "delete_version_tag"
	ActionUpdateVersionDescription = "update_version_description"
	ActionDeleteVersion            = "delete_version"
	ActionSetGate                  = "set_gate" // Key is the gate's target
	ActionDeleteGate               = "delete_gate"
)

// KeyArchiveExisting is the Key of the transition events of versions
// archived by another version's transition with archive_existing_versions.
const KeyArchiveExisting = "archive_existing_versions"

// Audit returns the history of model name, oldest first: its events under
// its current name and, across renames, under the names it had before.
// Events of an earlier model that had the name (deleted, or renamed away)
// are not its history and are left out. A deleted model's history can
// still be read until another model takes its name.
func (r *Registry) Audit(ctx context.Context, name string) ([]Event, error) {
	return read(ctx, r, "audit", func(s *Snapshot) ([]Event, error) { return s.Audit(name) })
}

// modelHistory walks the log backwards from the newest event, following
// the model now (or last) called name through its renames.
func modelHistory(all []*Event, name string) []Event {
	var out []Event
	for i := len(all) - 1; i >= 0 && name != ""; i-- {
		ev := all[i]
		switch {
		case ev.Action == ActionRenameModel && ev.Model == name:
			out = append(out, *ev)
			name = ev.From
		case ev.Action == ActionRenameModel && ev.From == name:
			// The name was given up here: what came before under it is
			// another model's.
			name = ""
		case ev.Action == ActionDeleteModel && ev.Model == name && len(out) > 0:
			name = ""
		case ev.Model == name:
			out = append(out, *ev)
			if ev.Action == ActionCreateModel {
				name = ""
			}
		}
	}
	slices.Reverse(out)
	return out
}

// VersionAudit returns the events about version v of model name, oldest
// first (see Audit).
func (r *Registry) VersionAudit(ctx context.Context, name string, v int64) ([]Event, error) {
	all, err := r.Audit(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, ev := range all {
		if ev.Version == v {
			out = append(out, ev)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("registry: audit: model %q has no version %d in its history: %w", name, v, store.ErrNotFound)
	}
	return out, nil
}

// GitInfo is the source code state a run recorded in its system tags.
type GitInfo struct {
	Commit string
	Branch string
	Repo   string
	Dirty  bool
}

// Lineage is the whole story of a model version: the model, the version,
// the run that produced it with its experiment and parent, the code it
// was trained from, its files and its audit history.
type Lineage struct {
	Model      *RegisteredModel
	Version    *ModelVersion
	Run        *run.Record     // the source run; nil when it was purged
	Experiment *run.Experiment // the source run's experiment; nil when Run is nil
	Parent     *run.Record     // the source run's parent, if it has one and it exists
	Git        GitInfo
	Files      []File
	Events     []Event
}

// Lineage returns the lineage of version v of model name. The version's
// files and history are always there; the source run, its experiment and
// parent only while they exist.
func (r *Registry) Lineage(ctx context.Context, name string, v int64) (*Lineage, error) {
	l := &Lineage{}
	err := r.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if l.Model, err = tx.RegisteredModel(name); err != nil {
			return err
		}
		if l.Version, err = tx.ModelVersion(name, v); err != nil {
			return err
		}
		l.Files = l.Files[:0]
		if err := tx.ModelVersionFiles(name, v, "", func(a store.Artifact) error { l.Files = append(l.Files, a); return nil }); err != nil {
			return err
		}
		id, err := store.ParseRunID(l.Version.RunID)
		if err != nil {
			return nil // a version without a run source
		}
		switch l.Run, err = tx.Run(id); {
		case err == nil:
		case errors.Is(err, store.ErrNotFound):
			l.Run = nil
			return nil
		default:
			return err
		}
		if l.Experiment, err = tx.Experiment(l.Run.ExperimentID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if l.Run.Parent != (store.RunID{}) {
			if l.Parent, err = tx.Run(l.Run.Parent); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		t := l.Run.Tags
		l.Git = GitInfo{Commit: t[repro.TagGitCommit], Branch: t[repro.TagGitBranch], Repo: t[repro.TagGitRepoURL], Dirty: t[repro.TagGitDirty] == "true"}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("registry: lineage of model %q version %d: %w", name, v, err)
	}
	if l.Events, err = r.VersionAudit(ctx, name, v); err != nil {
		return nil, err
	}
	return l, nil
}
