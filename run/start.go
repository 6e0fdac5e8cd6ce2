package run

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/mlite/mlite/internal/repro"
	"github.com/mlite/mlite/internal/runname"
	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

// StartOption configures StartRun.
type StartOption func(*startConfig)

type startConfig struct {
	name      string
	parent    ID
	tags      map[string]string
	startTime time.Time
	note      string
}

// Name names the run. Without it the run gets a generated
// adjective-noun-NNN name, as in MLflow.
func Name(name string) StartOption { return func(c *startConfig) { c.name = name } }

// Parent makes the run a child of the run with id parent (a nested run).
func Parent(parent ID) StartOption { return func(c *startConfig) { c.parent = parent } }

// Tags sets tags on the run at start.
func Tags(tags map[string]string) StartOption {
	return func(c *startConfig) {
		if c.tags == nil {
			c.tags = map[string]string{}
		}
		maps.Copy(c.tags, tags)
	}
}

// StartTime overrides the start time (default: now).
func StartTime(t time.Time) StartOption { return func(c *startConfig) { c.startTime = t } }

// Description sets the run's description (the mlflow.note.content tag).
func Description(text string) StartOption { return func(c *startConfig) { c.note = text } }

// StartRun starts a new run in experiment exp with status RUNNING and the
// system tags MLflow sets (run name, user, source, git) plus mlite's Go
// reproducibility record. The capture never fails a run: what cannot be
// found is left out.
func (t *Tracker) StartRun(ctx context.Context, exp ExperimentID, opts ...StartOption) (*Run, error) {
	var c startConfig
	for _, o := range opts {
		o(&c)
	}
	if c.name == "" {
		if v, ok := c.tags[TagRunName]; ok {
			c.name = v
		} else {
			c.name = runname.New(nil)
		}
	} else if v, ok := c.tags[TagRunName]; ok && v != c.name {
		return nil, fmt.Errorf("run: run name %q and tag %s=%q disagree: %w", c.name, TagRunName, v, store.ErrInvalid)
	}
	start := t.opts.Now()
	if !c.startTime.IsZero() {
		start = c.startTime
	}

	tags := map[string]string{}
	if !t.opts.NoCapture {
		maps.Copy(tags, repro.Capture(ctx, &repro.Options{User: t.opts.User}))
	}
	if t.opts.User != "" {
		tags[TagUser] = t.opts.User
	}
	c.tags = truncated(c.tags, validate.MaxTagValueLength) // as MLflow's server stores them
	maps.Copy(tags, c.tags)
	tags[TagRunName] = c.name
	if !c.parent.IsZero() {
		tags[TagParentRunID] = c.parent.String()
	}
	if c.note != "" {
		tags[TagNote] = c.note
	}
	if err := validate.TagValue(TagRunName, c.name); err != nil {
		return nil, err
	}
	for k, v := range c.tags {
		if err := validateTag(k, v); err != nil {
			return nil, err
		}
	}

	rec := &Record{
		ID:           t.opts.NewRunID(),
		ExperimentID: exp,
		Name:         c.name,
		Status:       store.Running,
		StartTime:    start.UnixMilli(),
		User:         tags[TagUser],
		Parent:       c.parent,
		Params:       map[string]string{},
		Tags:         tags,
	}
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		x, err := tx.Experiment(exp)
		if err != nil {
			return err
		}
		if x.Lifecycle == store.Deleted {
			return fmt.Errorf("run: experiment %s (%q) is deleted: %w", exp, x.Name, store.ErrDeleted)
		}
		rec.ArtifactURI = appendURIPath(x.ArtifactLocation, rec.ID.String(), "artifacts")
		if !c.parent.IsZero() {
			p, err := tx.Run(c.parent)
			if err != nil {
				return fmt.Errorf("run: parent: %w", err)
			}
			if p.Lifecycle == store.Deleted {
				return fmt.Errorf("run: parent run %s is deleted: %w", c.parent, store.ErrDeleted)
			}
		}
		return tx.CreateRun(rec)
	})
	if err != nil {
		return nil, fmt.Errorf("run: start run %q in experiment %s: %w", c.name, exp, err)
	}
	r := t.handle(rec)
	t.captureGitState(r)
	return r, nil
}

// captureGitState records mlflow.source.git.dirty in the background: it
// runs git, which may take longer than a run start should. When the work
// tree is dirty it also stores the patch `git diff HEAD` prints as the
// run's artifact GitDiffArtifact (deduplicated like every blob: runs
// started from the same dirty tree share it). A diff over
// repro.MaxDiffBytes is not stored; the tag still says dirty. The
// tracker's WaitGroup owns the goroutine, so Wait (and closing the DB)
// waits for it.
func (t *Tracker) captureGitState(r *Run) {
	if t.opts.NoCapture || t.opts.NoGitState {
		return
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dirty, diff, ok, err := repro.GitState(ctx, "")
		if !ok || (err != nil && !errors.Is(err, repro.ErrDiffTooLarge)) {
			return
		}
		// The run may be gone or closed by now; then there is nothing to
		// tag, and the errors below are dropped.
		_ = t.st.SetTag(r.id, TagGitDirty, strconv.FormatBool(dirty))
		if dirty && len(diff) > 0 {
			_ = t.LogBytes(ctx, r.id, diff, GitDiffArtifact)
		}
	}()
}

// ResumeRun reopens an existing run for logging: MLflow's
// start_run(run_id=...). Its status goes back to RUNNING and its end time
// is cleared. A deleted run cannot be resumed (ErrDeleted).
func (t *Tracker) ResumeRun(ctx context.Context, id ID) (*Run, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	var rec *Record
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Run(id); err != nil {
			return err
		}
		if rec.Lifecycle == store.Deleted {
			return fmt.Errorf("run: run %s is deleted; restore it to resume it: %w", id, store.ErrDeleted)
		}
		rec.Status, rec.EndTime = store.Running, 0
		return tx.PutRun(rec)
	})
	if err != nil {
		return nil, fmt.Errorf("run: resume %s: %w", id, err)
	}
	return t.handle(rec), nil
}

func (t *Tracker) handle(rec *Record) *Run {
	return &Run{t: t, id: rec.ID, exp: rec.ExperimentID, name: rec.Name,
		params: maps.Clone(rec.Params), keys: map[string]struct{}{}}
}

// Run is a live run: what a training loop logs through. Its methods are
// safe for concurrent use.
type Run struct {
	t    *Tracker
	id   ID
	exp  ExperimentID
	name string

	mu     sync.Mutex
	params map[string]string   // logged so far, to refuse a change at once
	keys   map[string]struct{} // metric keys already validated
	ended  Status
}

// ID returns the run's id.
func (r *Run) ID() ID { return r.id }

// ExperimentID returns the id of the run's experiment.
func (r *Run) ExperimentID() ExperimentID { return r.exp }

// Name returns the run's name as it was when the handle was made.
func (r *Run) Name() string { return r.name }

// ErrEnded is wrapped by errors of logging through a handle whose run was
// ended by End, Fail or Kill.
var ErrEnded = errors.New("run: run already ended")

func (r *Run) checkOpen() error {
	if r.ended != 0 {
		return fmt.Errorf("run %s ended as %s: %w: %w", r.id, r.ended, ErrEnded, store.ErrConflict)
	}
	return nil
}
