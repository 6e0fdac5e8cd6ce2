package run

import (
	"context"
	"slices"

	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/store"
)

// ErrBadQuery is wrapped by every error about a filter, an order_by item or
// a page token.
var ErrBadQuery = query.ErrInvalid

// ParseID reads a run id: 32 lowercase hex digits.
func ParseID(s string) (ID, error) { return store.ParseRunID(s) }

// ParseExperimentID reads an experiment id: a decimal number.
func ParseExperimentID(s string) (ExperimentID, error) { return store.ParseExperimentID(s) }

// ParseFilter parses a run filter such as
// "metrics.auc > 0.8 and params.model = 'rf'". The empty text matches every
// run.
func ParseFilter(text string) (*Filter, error) { return query.ParseFilter(query.Runs, text) }

// PageToken returns the page token of a result list that resumes after
// offset rows. Search pages are stable: the same query over the same
// store gives the same rows in the same order, so an offset resumes
// where the previous page ended.
func PageToken(offset int) string { return query.OffsetToken(offset) }

// ParsePageToken reads a token PageToken made; the empty token is 0.
func ParsePageToken(tok string) (int, error) { return query.ParseOffsetToken(tok) }

// Snapshot is a consistent read-only view of the tracking data, for a page
// or a response that reads many things at once: everything it returns
// comes from the same state of the store. It is valid only inside the
// function given to Tracker.Snapshot.
type Snapshot struct {
	ctx context.Context
	tx  *store.Tx
}

// Snapshot calls fn with a consistent read-only view of the store. What
// was logged before the call (also still buffered) is visible. Records
// it returns are copies; RunViews are valid only until fn returns.
func (t *Tracker) Snapshot(ctx context.Context, fn func(s *Snapshot) error) error {
	if err := t.st.Commit(ctx); err != nil {
		return err
	}
	return t.st.View(ctx, func(tx *store.Tx) error { return fn(&Snapshot{ctx: ctx, tx: tx}) })
}

// Experiment returns experiment id, whatever its lifecycle; an unknown id
// is an error wrapping store.ErrNotFound.
func (s *Snapshot) Experiment(id ExperimentID) (*Experiment, error) { return s.tx.Experiment(id) }

// Experiments calls fn with each experiment that view admits (ActiveOnly
// when zero), in id order, until fn returns an error.
func (s *Snapshot) Experiments(view ViewType, fn func(x *Experiment) error) error {
	return s.tx.ForEachExperiment(func(x *Experiment) error {
		if !view.admits(x.Lifecycle) {
			return nil
		}
		return fn(x)
	})
}

// Run returns a copy of run id, whatever its lifecycle.
func (s *Snapshot) Run(id ID) (*Record, error) { return s.tx.Run(id) }

// RunView returns a zero-copy view of run id, whatever its lifecycle.
func (s *Snapshot) RunView(id ID) (*RunView, error) { return s.tx.RunView(id) }

// RunSelection chooses the runs Snapshot.Runs visits.
type RunSelection struct {
	// Experiments limits the runs to these experiments; nil means every
	// experiment.
	Experiments []ExperimentID
	// View selects by lifecycle; zero means ActiveOnly: deleted runs are
	// hidden unless asked for.
	View ViewType
	// Filter keeps the runs it matches; nil keeps every run.
	Filter *Filter
}

// Runs calls fn with a view of each selected run, until fn returns an
// error. The order is unspecified (the cheaper of a scan of every run and
// a lookup of the experiments' runs is chosen); sort what is shown. The
// view is reused: it is valid only during the call of fn. Runs checks the
// context now and then and returns its error when it is done.
func (s *Snapshot) Runs(sel RunSelection, fn func(v *RunView) error) error {
	var (
		rec  ViewRecord
		seen int
	)
	visit := func(v *RunView) error {
		if seen++; seen%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		if !sel.View.admits(v.Lifecycle()) {
			return nil
		}
		if sel.Filter != nil {
			rec.Reset(v)
			if !sel.Filter.Match(&rec) {
				return nil
			}
		}
		return fn(v)
	}
	if sel.Experiments == nil {
		return s.tx.ScanRuns(visit)
	}
	if len(sel.Experiments) == 0 {
		return nil
	}
	exps := slices.Compact(slices.Sorted(slices.Values(sel.Experiments)))
	// A lookup walks the runs tree from its root: 10,000 of them take over
	// ten times as long as a scan of 10,000 records, so the scan wins once
	// exps hold an eighth of the runs. Counting reads only index keys.
	if in, total := s.tx.CountRuns(exps); in*8 >= total {
		return s.tx.ScanRuns(func(v *RunView) error {
			if _, ok := slices.BinarySearch(exps, v.ExperimentID()); !ok {
				return nil
			}
			return visit(v)
		})
	}
	for _, x := range exps {
		err := s.tx.ExperimentRuns(x, nil, func(_ []byte, id ID) (bool, error) {
			v, err := s.tx.RunView(id)
			if err != nil {
				return false, err
			}
			return true, visit(v)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Downsample returns at most about n points of metric key of r within rg,
// keeping each bucket's first, last, lowest and highest point and every
// chunk's extremes, so no spike disappears.
func (s *Snapshot) Downsample(r *Record, key string, rg StepRange, n int) ([]Point, error) {
	return s.tx.Downsample(r, key, rg, n)
}

// History appends to dst the points of metric key of r whose step is in
// rg, in the order they were logged.
func (s *Snapshot) History(dst []Point, r *Record, key string, rg StepRange) ([]Point, error) {
	return s.tx.History(dst, r, key, rg)
}

// Artifact returns the index entry of the artifact file p of run id; an
// unknown run or path is an error wrapping store.ErrNotFound. The file of
// a run whose artifacts live in a local folder (CreateExperimentAt) is
// read from the folder, without a digest; a remote one is an error
// wrapping ErrRemoteArtifacts.
func (s *Snapshot) Artifact(id ID, p string) (File, error) {
	v, err := s.tx.RunView(id)
	if err != nil {
		return File{}, err
	}
	dir, err := ArtifactFolder(v.ArtifactURI())
	if err != nil {
		return File{}, err
	}
	if dir != "" {
		c, err := cleanFile(p)
		if err != nil {
			return File{}, err
		}
		return statFolderFile(dir, c)
	}
	return s.tx.Artifact(id, p)
}
