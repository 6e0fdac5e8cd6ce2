package transfer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// Merge copies into the store (t, reg) what the other store (ot, oreg)
// holds and this one lacks, with Import's rules: runs keep their ids, so
// runs both stores share are merged (new params, tags, metric points,
// inputs and files are added; a param with another value is reported and
// ours kept); experiments and registered models are matched by name. A
// model version whose number is taken here by a version of another run is
// a conflict: reported in Skipped and left as it is, unless
// o.RenumberConflicts adds it under the model's next number. Merging again
// writes nothing.
func Merge(ctx context.Context, t *run.Tracker, reg *registry.Registry, ot *run.Tracker, oreg *registry.Registry, o *ImportOptions) (*ImportReport, error) {
	start := time.Now()
	opts := importDefaults(o, 4)
	return importFrom(ctx, start, t, reg, &storeSource{t: ot, reg: oreg}, ot.Store().Path(), opts)
}

// storeSource reads another mlite store through its tracking and registry
// APIs.
type storeSource struct {
	t     *run.Tracker
	reg   *registry.Registry
	reads atomic.Int64
}

func (s *storeSource) counts() int64 { return s.reads.Load() }

func (s *storeSource) experiments(ctx context.Context) ([]*srcExperiment, error) {
	xs, err := s.t.Experiments(ctx, run.All)
	if err != nil {
		return nil, err
	}
	out := make([]*srcExperiment, 0, len(xs))
	for _, x := range xs {
		out = append(out, &srcExperiment{ID: x.ID.String(), Name: x.Name, Deleted: x.Lifecycle != store.Active, Created: x.CreationTime, Updated: x.LastUpdateTime, Tags: x.Tags})
	}
	return out, nil
}

func (s *storeSource) runs(ctx context.Context, x *srcExperiment) ([]*srcRun, error) {
	id, err := run.ParseExperimentID(x.ID)
	if err != nil {
		return nil, err
	}
	sets, err := s.t.Datasets(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []*srcRun
	o := run.ListOptions{View: run.All, MaxResults: 1000}
	for {
		page, err := s.t.ListRuns(ctx, id, o)
		if err != nil {
			return nil, err
		}
		s.reads.Add(1)
		for _, r := range page.Runs {
			sr := &srcRun{ID: r.ID.String(), Name: r.Name, Status: r.Status.String(), User: r.User, Deleted: r.Lifecycle != store.Active,
				Start: r.StartTime, End: r.EndTime, Params: r.Params, Tags: r.Tags}
			for k := range r.Metrics {
				sr.Metrics = append(sr.Metrics, k)
			}
			if sr.Models, err = s.t.RunModels(ctx, r.ID); err != nil {
				return nil, err
			}
			for _, in := range r.Inputs {
				for _, d := range sets {
					if d.Name == in.Name && d.Digest == in.Digest {
						sr.Inputs = append(sr.Inputs, srcInput{Dataset: *d, Tags: in.Tags})
						break
					}
				}
			}
			out = append(out, sr)
		}
		if page.NextPageToken == "" {
			return out, nil
		}
		o.PageToken = page.NextPageToken
	}
}

func (s *storeSource) history(ctx context.Context, r *srcRun, key string) ([]store.Point, error) {
	id, err := run.ParseID(r.ID)
	if err != nil {
		return nil, err
	}
	s.reads.Add(1)
	return s.t.MetricHistory(ctx, id, key, run.AllSteps)
}

// tree returns the file tree r names: a run's, or a logged model's (its
// id starts with m-).
func (s *storeSource) tree(r *srcRun) (run.Tree, error) {
	if strings.HasPrefix(r.ID, "m-") {
		id, err := run.ParseModelID(r.ID)
		return s.t.ModelTree(id), err
	}
	id, err := run.ParseID(r.ID)
	return s.t.RunTree(id), err
}

func (s *storeSource) files(ctx context.Context, r *srcRun) ([]srcFile, error) {
	tr, err := s.tree(r)
	if err != nil {
		return nil, err
	}
	fs, err := tr.List(ctx, "", true)
	if err != nil {
		return nil, err
	}
	var out []srcFile
	for _, f := range fs {
		if !f.IsDir {
			out = append(out, srcFile{Path: f.Path, Size: f.Size})
		}
	}
	return out, nil
}

func (s *storeSource) open(ctx context.Context, r *srcRun, p string) (io.ReadCloser, error) {
	tr, err := s.tree(r)
	if err != nil {
		return nil, err
	}
	s.reads.Add(1)
	return tr.Open(ctx, p)
}

func (s *storeSource) loggedModels(ctx context.Context, x *srcExperiment) ([]*srcLogged, error) {
	id, err := run.ParseExperimentID(x.ID)
	if err != nil {
		return nil, err
	}
	var out []*srcLogged
	s.reads.Add(1)
	err = s.t.Store().View(ctx, func(tx *store.Tx) error {
		out = out[:0]
		return tx.LoggedModels(id, func(m *store.LoggedModel) (bool, error) {
			if m.Lifecycle == store.Active {
				out = append(out, &srcLogged{ID: m.ID.String(), Name: m.Name, ModelType: m.ModelType, SourceRunID: m.SourceRunID,
					StatusMessage: m.StatusMessage, Status: m.Status, Created: m.CreationTime, Updated: m.LastUpdatedTime,
					Tags: m.Tags, Params: m.Params, Metrics: m.Metrics})
			}
			return true, nil
		})
	})
	return out, err
}

func (s *storeSource) models(ctx context.Context) ([]*srcModel, error) {
	if s.reg == nil {
		return nil, nil
	}
	var out []*srcModel
	err := s.reg.Snapshot(ctx, func(sn *registry.Snapshot) error {
		return sn.Models(func(m *registry.RegisteredModel) error {
			sm := &srcModel{Name: m.Name, Description: m.Description, Created: m.CreationTime, Updated: m.LastUpdatedTime, Tags: m.Tags, Aliases: m.Aliases}
			vs, err := sn.Versions(m.Name)
			if err != nil {
				return err
			}
			for _, v := range vs {
				sv := &srcVersion{Version: v.Version, Created: v.CreationTime, Updated: v.LastUpdatedTime, Description: v.Description,
					User: v.UserID, Stage: v.Stage.String(), Source: v.Source, RunID: v.RunID, Tags: v.Tags}
				if v.ModelID != (store.ModelID{}) {
					sv.ModelID = v.ModelID.String()
				}
				sm.Versions = append(sm.Versions, sv)
			}
			out = append(out, sm)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("transfer: registry of %s: %w", s.t.Store().Path(), err)
	}
	return out, nil
}
