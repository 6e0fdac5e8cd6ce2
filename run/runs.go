package run

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// GetRun returns a snapshot of run id, including what its handles have
// logged so far (ErrNotFound if there is no such run).
func (t *Tracker) GetRun(ctx context.Context, id ID) (*Record, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	var r *Record
	err := t.st.View(ctx, func(tx *store.Tx) (err error) { r, err = tx.Run(id); return err })
	return r, err
}

// updateRun applies fn to run id in one durable transaction, after
// committing what was logged to it.
func (t *Tracker) updateRun(ctx context.Context, id ID, fn func(tx *store.Tx, r *Record) error) error {
	return t.runTx(ctx, id, func(tx *store.Tx, r *Record) error {
		if err := fn(tx, r); err != nil {
			return err
		}
		return tx.PutRun(r)
	})
}

// runTx calls fn with run id in one durable write transaction, after
// committing what was logged to it.
func (t *Tracker) runTx(ctx context.Context, id ID, fn func(tx *store.Tx, r *Record) error) error {
	if err := t.st.Commit(ctx); err != nil {
		return err
	}
	return t.st.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
}

func activeRun(r *Record) error {
	if r.Lifecycle == store.Deleted {
		return fmt.Errorf("run %s is deleted; restore it first: %w", r.ID, store.ErrDeleted)
	}
	return nil
}

// SetTerminated records a run's end: MLflow's set_terminated. endMillis 0
// means now; a status that is not terminal sets no end time.
func (t *Tracker) SetTerminated(ctx context.Context, id ID, status Status, endMillis int64) error {
	if endMillis == 0 {
		endMillis = t.now()
	}
	if !status.Terminal() {
		endMillis = 0
	}
	return t.UpdateRunStatus(ctx, id, status, endMillis)
}

// UpdateRunStatus sets the status of run id as MLflow's update_run does:
// the end time too when endMillis is not 0, and otherwise leaves the end
// time as it is (a run marked FAILED without one has none; a finished run
// set RUNNING again keeps its old one).
func (t *Tracker) UpdateRunStatus(ctx context.Context, id ID, status Status, endMillis int64) error {
	return t.updateRun(ctx, id, func(_ *store.Tx, r *Record) error {
		if err := activeRun(r); err != nil {
			return err
		}
		r.Status = status
		if endMillis != 0 {
			r.EndTime = endMillis
		}
		return nil
	})
}

// RenameRun renames run id (and its mlflow.runName tag).
func (t *Tracker) RenameRun(ctx context.Context, id ID, name string) error {
	if err := validate.TagValue(TagRunName, name); err != nil {
		return err
	}
	return t.updateRun(ctx, id, func(_ *store.Tx, r *Record) error {
		if err := activeRun(r); err != nil {
			return err
		}
		r.Name, r.Tags[TagRunName] = name, name
		return nil
	})
}

// SetRunTag sets a tag of run id durably, at once; a value longer than
// 8,000 characters is stored truncated to them, as MLflow's server does.
func (t *Tracker) SetRunTag(ctx context.Context, id ID, key, value string) error {
	value, err := runTag(key, value)
	if err != nil {
		return err
	}
	if err := t.st.SetTag(id, key, value); err != nil {
		return err
	}
	return t.st.FlushRun(ctx, id)
}

// DeleteRunTag deletes a tag of run id durably, at once (ErrNotFound if absent).
func (t *Tracker) DeleteRunTag(ctx context.Context, id ID, key string) error {
	if err := t.st.DeleteTag(id, key); err != nil {
		return err
	}
	return t.st.FlushRun(ctx, id)
}

// DeleteRun soft-deletes run id; RestoreRun undoes it, PurgeRun makes it final.
func (t *Tracker) DeleteRun(ctx context.Context, id ID) error {
	return t.updateRun(ctx, id, func(_ *store.Tx, r *Record) error {
		if err := activeRun(r); err != nil {
			return err
		}
		r.Lifecycle = store.Deleted
		return nil
	})
}

// RestoreRun restores a soft-deleted run. Its experiment must be active.
func (t *Tracker) RestoreRun(ctx context.Context, id ID) error {
	return t.updateRun(ctx, id, func(tx *store.Tx, r *Record) error {
		if r.Lifecycle != store.Deleted {
			return fmt.Errorf("run %s is not deleted: %w", id, store.ErrInvalid)
		}
		x, err := tx.Experiment(r.ExperimentID)
		if err != nil {
			return err
		}
		if x.Lifecycle == store.Deleted {
			return fmt.Errorf("run %s: its experiment %s is deleted; restore the experiment: %w", id, x.ID, store.ErrDeleted)
		}
		r.Lifecycle, r.DeletedWithExperiment = store.Active, false
		return nil
	})
}

// PurgeRun deletes a soft-deleted run and all its data for good.
func (t *Tracker) PurgeRun(ctx context.Context, id ID) error {
	return t.runTx(ctx, id, func(tx *store.Tx, r *Record) error {
		if r.Lifecycle != store.Deleted {
			return fmt.Errorf("run %s is active; delete it before purging it: %w", id, store.ErrInvalid)
		}
		return tx.PurgeRun(id)
	})
}

// Children returns the runs whose parent is id, newest first.
func (t *Tracker) Children(ctx context.Context, id ID) ([]*Record, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	var out []*Record
	err := t.st.View(ctx, func(tx *store.Tx) error {
		ids, err := tx.Children(id)
		if err != nil {
			return err
		}
		for _, c := range ids {
			r, err := tx.Run(c)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *Record) int {
		return cmp.Or(cmp.Compare(b.StartTime, a.StartTime), slices.Compare(a.ID[:], b.ID[:]))
	})
	return out, err
}

// ListOptions page through an experiment's runs.
type ListOptions struct {
	View       ViewType // zero: ActiveOnly
	MaxResults int      // zero: 1000 (MLflow's default); at most 50000
	PageToken  string   // from the previous Page; empty for the first
}

// Page is one page of runs.
type Page struct {
	Runs          []*Record
	NextPageToken string // empty on the last page
	// Models holds the logged models linked to the page's runs (model
	// inputs, then outputs), by run; runs without links are left out. Only
	// SearchRuns fills it, when asked (SearchOptions.Models), from the
	// transaction that read the runs.
	Models map[ID][]RunModel
}

// MaxResultsLimit is the largest page MLflow allows for runs.
const MaxResultsLimit = 50000

// ListRuns lists experiment exp's runs newest first, a page at a time.
// Page tokens are positions in the index, so runs added while paging
// never shift a page: nothing is skipped or repeated.
func (t *Tracker) ListRuns(ctx context.Context, exp ExperimentID, o ListOptions) (*Page, error) {
	if o.MaxResults == 0 {
		o.MaxResults = 1000
	}
	if o.MaxResults < 0 || o.MaxResults > MaxResultsLimit {
		return nil, fmt.Errorf("run: max results %d: want 1 to %d: %w", o.MaxResults, MaxResultsLimit, store.ErrInvalid)
	}
	var after []byte
	if o.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(o.PageToken)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("run: page token %q is not one ListRuns made: %w", o.PageToken, store.ErrInvalid)
		}
		after = b
	}
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	page := &Page{}
	err := t.st.View(ctx, func(tx *store.Tx) error {
		if _, err := tx.Experiment(exp); err != nil {
			return err
		}
		return tx.ExperimentRuns(exp, after, func(pos []byte, id ID) (bool, error) {
			r, err := tx.Run(id)
			if err != nil {
				return false, err
			}
			if !o.View.admits(r.Lifecycle) {
				return true, nil
			}
			if len(page.Runs) == o.MaxResults {
				page.NextPageToken = base64.RawURLEncoding.EncodeToString(after)
				return false, nil
			}
			page.Runs = append(page.Runs, r)
			after = pos
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("run: list runs of experiment %s: %w", exp, err)
	}
	return page, nil
}

// Input is one dataset input of a run with its tags.
type Input struct {
	Dataset Dataset
	Tags    map[string]string
}

// LogInputs records dataset inputs of run id (MLflow's log_inputs). Each
// dataset is stored once per experiment by (name, digest); a run lists an
// input once per (name, digest).
func (t *Tracker) LogInputs(ctx context.Context, id ID, inputs []Input) error {
	for _, in := range inputs {
		d := in.Dataset
		if err := validate.Dataset(d.Name, d.Digest, d.SourceType, d.Source, d.Schema, d.Profile); err != nil {
			return err
		}
		for k, v := range in.Tags {
			if err := validate.InputTag(k, v); err != nil {
				return err
			}
		}
	}
	return t.updateRun(ctx, id, func(tx *store.Tx, r *Record) error {
		if err := activeRun(r); err != nil {
			return err
		}
		for _, in := range inputs {
			ds := in.Dataset
			if err := tx.PutDataset(r.ExperimentID, &ds); err != nil {
				return err
			}
			i := slices.IndexFunc(r.Inputs, func(x store.Input) bool { return x.Name == ds.Name && x.Digest == ds.Digest })
			if i < 0 {
				r.Inputs = append(r.Inputs, store.Input{Name: ds.Name, Digest: ds.Digest, Tags: maps.Clone(in.Tags)})
			} else {
				r.Inputs[i].Tags = maps.Clone(in.Tags)
			}
		}
		return nil
	})
}

// DatasetSummary is one dataset a run of an experiment used, in one
// context: MLflow's DatasetSummary, which its web UI lists per experiment.
type DatasetSummary struct {
	Experiment   ExperimentID
	Name, Digest string
	// Context is the input's mlflow.data.context tag; HasContext is
	// false when the input has none.
	Context    string
	HasContext bool
}

// DatasetSummaries returns the distinct (experiment, name, digest,
// context) of the dataset inputs of every run of experiments exps, deleted
// runs and experiments included, as MLflow's stores collect them: at most
// limit of them, ordered by experiment, name, digest and context (none
// first). An experiment that does not exist has none.
func (t *Tracker) DatasetSummaries(ctx context.Context, exps []ExperimentID, limit int) ([]DatasetSummary, error) {
	seen := map[DatasetSummary]bool{}
	err := t.Snapshot(ctx, func(s *Snapshot) error {
		return s.Runs(RunSelection{Experiments: exps, View: All}, func(v *RunView) error {
			v.EachInput(func(in store.InputView) {
				if len(seen) == limit {
					return
				}
				ctxTag, ok := in.Tag(TagDatasetContext)
				seen[DatasetSummary{v.ExperimentID(), strings.Clone(in.Name), strings.Clone(in.Digest),
					strings.Clone(ctxTag), ok}] = true
			})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("run: dataset summaries: %w", err)
	}
	out := slices.Collect(maps.Keys(seen))
	slices.SortFunc(out, func(a, b DatasetSummary) int {
		return cmp.Or(cmp.Compare(a.Experiment, b.Experiment), strings.Compare(a.Name, b.Name),
			strings.Compare(a.Digest, b.Digest), compareBool(a.HasContext, b.HasContext),
			strings.Compare(a.Context, b.Context))
	})
	return out, nil
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// Datasets returns the datasets stored for experiment exp.
func (t *Tracker) Datasets(ctx context.Context, exp ExperimentID) ([]*Dataset, error) {
	var out []*Dataset
	err := t.st.View(ctx, func(tx *store.Tx) error {
		return tx.Datasets(exp, func(d *Dataset) error { out = append(out, d); return nil })
	})
	return out, err
}
