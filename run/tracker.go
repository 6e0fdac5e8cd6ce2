package run

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/repro"
	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

// Options configure a Tracker. Zero values mean the defaults.
type Options struct {
	// User is recorded as each run's user and mlflow.user tag. Zero: the
	// user of the process, as MLflow finds it.
	User string
	// NoCapture skips the reproducibility record (system tags for source,
	// git and Go build info). Zero: it is captured at every run start.
	NoCapture bool
	// NoGitState skips the background `git status`/`git diff` that sets
	// mlflow.source.git.dirty. Zero: it runs when a git work tree exists.
	NoGitState bool
	// Now returns the current time. Zero: time.Now.
	Now func() time.Time
	// NewRunID returns the id of each new run. Zero: a random (version 4)
	// UUID, as MLflow's. Set it (with Now, User and NoCapture) to write a
	// reproducible store, such as a format fixture.
	NewRunID func() ID
	// NewModelID returns the id of each new logged model. Zero: a random
	// (version 4) UUID, as MLflow's.
	NewModelID func() ModelID
	// Blobs holds artifact bytes. Zero: the folder "<store file>-blobs"
	// beside the store, opened by New.
	Blobs *blob.Store
	// ArtifactRoot is where experiments created without an artifact
	// location keep their artifacts: <ArtifactRoot>/<experiment id>, as
	// MLflow's --default-artifact-root (a local folder, a file:// URI or a
	// remote URI; see ResolveArtifactLocation and ErrRemoteArtifacts). New
	// also places the Default experiment there (<ArtifactRoot>/0) when it
	// holds no run and no logged model yet and keeps its artifacts in the
	// store, as MLflow's server places it in the database it creates. Zero:
	// the store (mlflow-artifacts:/<experiment id>).
	ArtifactRoot string
}

// Tracker is the tracking API over one open store.
type Tracker struct {
	st    *store.Store
	blobs *blob.Store
	opts  Options

	wg   sync.WaitGroup // background work started for runs (git state)
	comp compressor     // the background compression of artifacts

	refMu     sync.Mutex
	referrers []Referrer // holders of blob references besides runs (AddReferrer)
}

// New returns a Tracker over st. opts may be nil. It fails when the blob
// folder cannot be opened or created, or Options.ArtifactRoot is not a
// valid artifact location (store.ErrInvalid).
func New(st *store.Store, opts *Options) (*Tracker, error) {
	t := &Tracker{st: st}
	if opts != nil {
		t.opts = *opts
	}
	if t.opts.Now == nil {
		t.opts.Now = time.Now
	}
	if t.opts.NewModelID == nil {
		t.opts.NewModelID = store.NewModelID
	}
	if t.opts.NewRunID == nil {
		t.opts.NewRunID = func() ID { return ID(uuid.New()) }
	}
	t.blobs = t.opts.Blobs
	if t.blobs == nil {
		var err error
		t.blobs, err = blob.Open(BlobDir(st.Path()), &blob.Options{NoSync: st.Options().NoSync, ReadOnly: st.Options().ReadOnly})
		if err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
	}
	if t.opts.ArtifactRoot != "" {
		root, err := ResolveArtifactLocation(t.opts.ArtifactRoot)
		if err != nil {
			return nil, fmt.Errorf("run: artifact root: %w", err)
		}
		t.opts.ArtifactRoot = root
		if err := t.placeDefault(context.Background()); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// placeDefault moves the Default experiment under Options.ArtifactRoot
// when it holds nothing yet and keeps its artifacts in the store.
func (t *Tracker) placeDefault(ctx context.Context) error {
	if t.st.Options().ReadOnly {
		return nil
	}
	loc := appendURIPath(t.opts.ArtifactRoot, "0")
	empty := func(tx *store.Tx) (*Experiment, error) {
		x, err := tx.Experiment(0)
		if err != nil || x.ArtifactLocation != store.ArtifactLocation(0) || x.ArtifactLocation == loc {
			return nil, err
		}
		if ids, err := tx.ExperimentRunIDs(0); err != nil || len(ids) > 0 {
			return nil, err
		}
		var models bool
		err = tx.LoggedModels(0, func(*store.LoggedModel) (bool, error) { models = true; return false, nil })
		if err != nil || models {
			return nil, err
		}
		return x, nil
	}
	var x *Experiment
	if err := t.st.View(ctx, func(tx *store.Tx) (err error) { x, err = empty(tx); return err }); err != nil || x == nil {
		return err
	}
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		x, err := empty(tx)
		if err != nil || x == nil {
			return err
		}
		x.ArtifactLocation = loc
		return tx.PutExperiment(x)
	})
	if err != nil {
		return fmt.Errorf("run: place the Default experiment under %s: %w", t.opts.ArtifactRoot, err)
	}
	return nil
}

// ForClients returns a tracker over the same store and blob folder, with
// t's clock, that records nothing of this process (source, git state, Go
// build) in the runs it starts: for a server that starts runs on behalf of
// remote clients, whose own client sends those tags. Its other options are
// the defaults.
func (t *Tracker) ForClients() *Tracker {
	// With Blobs given and no ArtifactRoot, New cannot fail. t's root is
	// resolved and the Default experiment placed already: it is copied
	// rather than given to New, which would place it again (a store
	// transaction that can fail, leaving no tracker).
	c, _ := New(t.st, &Options{NoCapture: true, NoGitState: true, Blobs: t.blobs, Now: t.opts.Now})
	c.opts.ArtifactRoot = t.opts.ArtifactRoot
	return c
}

// writable fails with store.ErrReadOnly on a store opened read-only, before
// a write reaches the blob folder (whose own refusal is blob.ErrReadOnly).
func (t *Tracker) writable() error {
	if t.st.Options().ReadOnly {
		return fmt.Errorf("%s: %w", t.st.Path(), store.ErrReadOnly)
	}
	return nil
}

// BlobDir is the artifact folder of the store file at path.
func BlobDir(path string) string { return path + "-blobs" }

// Blobs returns the blob folder that holds artifact bytes.
func (t *Tracker) Blobs() *blob.Store { return t.blobs }

// Store returns the store the tracker works on.
func (t *Tracker) Store() *store.Store { return t.st }

// Now returns the tracker's current time (Options.Now).
func (t *Tracker) Now() time.Time { return t.opts.Now() }

// User returns the user the tracker records: Options.User, else the
// process's user as MLflow finds it.
func (t *Tracker) User() string {
	if t.opts.User != "" {
		return t.opts.User
	}
	return repro.CurrentUser()
}

// Wait waits for background work started by runs (the git state capture)
// to finish, and stops the background compression of artifacts (which the
// next artifact logged resumes). Closing the front door's DB calls it.
func (t *Tracker) Wait() {
	t.wg.Wait()
	t.stopCompressing()
}

func (t *Tracker) now() int64 { return t.opts.Now().UnixMilli() }

// CreateExperiment creates an experiment with a unique name (ErrExists if
// any experiment, active or deleted, has it) and optional tags. Its
// artifacts live in the store, or under Options.ArtifactRoot if set.
func (t *Tracker) CreateExperiment(ctx context.Context, name string, tags map[string]string) (*Experiment, error) {
	return t.CreateExperimentAt(ctx, name, "", tags)
}

// CreateExperimentAt is CreateExperiment with an artifact location, MLflow's
// artifact_location: its runs keep their artifacts at
// <location>/<run id>/artifacts and its logged models at
// <location>/models/<model id>/artifacts, outside the store. The location
// is recorded as ResolveArtifactLocation returns it (an error wrapping
// store.ErrInvalid if it refuses it). An empty location is
// CreateExperiment's default.
func (t *Tracker) CreateExperimentAt(ctx context.Context, name, location string, tags map[string]string) (*Experiment, error) {
	if location != "" {
		var err error
		if location, err = ResolveArtifactLocation(location); err != nil {
			return nil, err
		}
	}
	if err := validate.ExperimentName(name); err != nil {
		return nil, err
	}
	for k, v := range tags {
		if err := validateExperimentTag(k, v); err != nil {
			return nil, err
		}
	}
	now := t.now()
	x := &Experiment{Name: name, CreationTime: now, LastUpdateTime: now, Tags: maps.Clone(tags), ArtifactLocation: location}
	if x.Tags == nil {
		x.Tags = map[string]string{}
	}
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateExperiment(x); err != nil || location != "" || t.opts.ArtifactRoot == "" {
			return err
		}
		x.ArtifactLocation = appendURIPath(t.opts.ArtifactRoot, x.ID.String())
		return tx.PutExperiment(x)
	})
	if err != nil {
		return nil, fmt.Errorf("run: create experiment %q: %w", name, err)
	}
	return x, nil
}

func validateExperimentTag(k, v string) error {
	if err := validate.Key("tag", k); err != nil {
		return err
	}
	return validate.ExperimentTagValue(k, v)
}

// GetExperiment returns the experiment with id (ErrNotFound).
func (t *Tracker) GetExperiment(ctx context.Context, id ExperimentID) (*Experiment, error) {
	var x *Experiment
	err := t.st.View(ctx, func(tx *store.Tx) (err error) { x, err = tx.Experiment(id); return err })
	return x, err
}

// GetExperimentByName returns the experiment named name, active or
// deleted (ErrNotFound).
func (t *Tracker) GetExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	var x *Experiment
	err := t.st.View(ctx, func(tx *store.Tx) (err error) { x, err = tx.ExperimentByName(name); return err })
	return x, err
}

// SetExperiment returns the active experiment named name, creating it if
// there is none: MLflow's set_experiment. A deleted experiment of that
// name is an error wrapping store.ErrDeleted (restore it first).
func (t *Tracker) SetExperiment(ctx context.Context, name string) (*Experiment, error) {
	x, err := t.GetExperimentByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		x, err = t.CreateExperiment(ctx, name, nil)
		if errors.Is(err, store.ErrExists) { // another process created it meanwhile
			x, err = t.GetExperimentByName(ctx, name)
		}
	}
	if err != nil {
		return nil, err
	}
	if x.Lifecycle == store.Deleted {
		return nil, fmt.Errorf("run: experiment %q (id %s) is deleted; restore it or choose another name: %w", name, x.ID, store.ErrDeleted)
	}
	return x, nil
}

// Experiments lists the experiments of the given view, in id order.
func (t *Tracker) Experiments(ctx context.Context, view ViewType) ([]*Experiment, error) {
	var out []*Experiment
	err := t.st.View(ctx, func(tx *store.Tx) error {
		return tx.ForEachExperiment(func(x *Experiment) error {
			if view.admits(x.Lifecycle) {
				out = append(out, x)
			}
			return nil
		})
	})
	return out, err
}

// updateExperiment applies fn to experiment id in one transaction and
// stamps its last-update time.
func (t *Tracker) updateExperiment(ctx context.Context, id ExperimentID, fn func(tx *store.Tx, x *Experiment) error) error {
	return t.st.Update(ctx, func(tx *store.Tx) error {
		x, err := tx.Experiment(id)
		if err != nil {
			return err
		}
		if err := fn(tx, x); err != nil {
			return err
		}
		x.LastUpdateTime = t.now()
		return tx.PutExperiment(x)
	})
}

// RenameExperiment gives experiment id a new, unused name.
func (t *Tracker) RenameExperiment(ctx context.Context, id ExperimentID, name string) error {
	if err := validate.ExperimentName(name); err != nil {
		return err
	}
	return t.updateExperiment(ctx, id, func(_ *store.Tx, x *Experiment) error {
		if x.Lifecycle == store.Deleted {
			return fmt.Errorf("run: experiment %s is deleted; restore it to rename it: %w", id, store.ErrDeleted)
		}
		x.Name = name
		return nil
	})
}

// SetExperimentTag sets a tag of experiment id.
func (t *Tracker) SetExperimentTag(ctx context.Context, id ExperimentID, key, value string) error {
	if err := validateExperimentTag(key, value); err != nil {
		return err
	}
	return t.updateExperiment(ctx, id, func(_ *store.Tx, x *Experiment) error {
		x.Tags[key] = value
		return nil
	})
}

// DeleteExperimentTag removes a tag of experiment id (ErrNotFound if absent).
func (t *Tracker) DeleteExperimentTag(ctx context.Context, id ExperimentID, key string) error {
	return t.updateExperiment(ctx, id, func(_ *store.Tx, x *Experiment) error {
		if _, ok := x.Tags[key]; !ok {
			return fmt.Errorf("run: experiment %s has no tag %q: %w", id, key, store.ErrNotFound)
		}
		delete(x.Tags, key)
		return nil
	})
}

// DeleteExperiment soft-deletes experiment id and, with it, its active
// runs. RestoreExperiment brings both back. The Default experiment "0"
// cannot be deleted.
func (t *Tracker) DeleteExperiment(ctx context.Context, id ExperimentID) error {
	if id == 0 {
		return fmt.Errorf("run: the Default experiment (id 0) cannot be deleted: %w", store.ErrInvalid)
	}
	if err := t.st.Commit(ctx); err != nil {
		return err
	}
	return t.updateExperiment(ctx, id, func(tx *store.Tx, x *Experiment) error {
		if x.Lifecycle == store.Deleted {
			return fmt.Errorf("run: experiment %s is already deleted: %w", id, store.ErrDeleted)
		}
		x.Lifecycle = store.Deleted
		return t.forRuns(tx, id, func(r *Record) bool {
			if r.Lifecycle != store.Active {
				return false
			}
			r.Lifecycle, r.DeletedWithExperiment = store.Deleted, true
			return true
		})
	})
}

// RestoreExperiment restores a soft-deleted experiment and the runs that
// were deleted with it (runs deleted on their own stay deleted).
func (t *Tracker) RestoreExperiment(ctx context.Context, id ExperimentID) error {
	return t.updateExperiment(ctx, id, func(tx *store.Tx, x *Experiment) error {
		if x.Lifecycle != store.Deleted {
			return fmt.Errorf("run: experiment %s is not deleted: %w", id, store.ErrInvalid)
		}
		x.Lifecycle = store.Active
		return t.forRuns(tx, id, func(r *Record) bool {
			if !r.DeletedWithExperiment {
				return false
			}
			r.Lifecycle, r.DeletedWithExperiment = store.Active, false
			return true
		})
	})
}

// forRuns applies fn to every run of experiment id, storing those fn changed.
func (t *Tracker) forRuns(tx *store.Tx, id ExperimentID, fn func(r *Record) bool) error {
	ids, err := tx.ExperimentRunIDs(id)
	if err != nil {
		return err
	}
	for _, rid := range ids {
		r, err := tx.Run(rid)
		if err != nil {
			return err
		}
		if fn(r) {
			if err := tx.PutRun(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// PurgeExperiment deletes a soft-deleted experiment and all its runs and
// their data for good.
func (t *Tracker) PurgeExperiment(ctx context.Context, id ExperimentID) error {
	if err := t.st.Commit(ctx); err != nil {
		return err
	}
	return t.st.Update(ctx, func(tx *store.Tx) error {
		x, err := tx.Experiment(id)
		if err != nil {
			return err
		}
		if x.Lifecycle != store.Deleted {
			return fmt.Errorf("run: experiment %s is active; delete it before purging it: %w", id, store.ErrInvalid)
		}
		return tx.DeleteExperiment(id)
	})
}
