package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mlite/mlite/store"
)

// importLogged brings logged model m of the source into experiment exp,
// under its own id: created if the store lacks it, else given the params,
// tags, metric values and status it lacks; then its files.
func (im *importer) importLogged(ctx context.Context, exp store.ExperimentID, m *srcLogged) error {
	id, err := store.ParseModelID(m.ID)
	if err != nil {
		im.skip("logged model %q: its id is not m- and 32 hex characters", m.ID)
		return nil
	}
	what := fmt.Sprintf("logged model %s (%s)", m.ID, m.Name)
	skip := false
	err = im.update(ctx, func(tx *store.Tx) error {
		have, err := tx.LoggedModel(id)
		if errors.Is(err, store.ErrNotFound) {
			im.count(func(r *ImportReport) { r.LoggedModels++ })
			if im.o.DryRun {
				return nil
			}
			if _, err := tx.Experiment(exp); err != nil {
				return err
			}
			// Its files come into the store, whatever the experiment's own
			// artifact location.
			return tx.CreateLoggedModel(&store.LoggedModel{ID: id, ExperimentID: exp, Name: m.Name, CreationTime: m.Created, LastUpdatedTime: m.Updated,
				ArtifactLocation: store.ArtifactLocation(exp) + "/models/" + m.ID + "/artifacts",
				Status:           m.Status, StatusMessage: m.StatusMessage, ModelType: m.ModelType, SourceRunID: m.SourceRunID,
				Tags: cloneMap(m.Tags), Params: cloneMap(m.Params), Metrics: slices.Clone(m.Metrics)})
		}
		if err != nil {
			return err
		}
		if have.ExperimentID != exp || have.Lifecycle != store.Active {
			im.skip("%s: in another experiment or deleted here; left as it is", what)
			skip = true
			return nil
		}
		changed := im.mergeParams(what, &have.Params, m.Params)
		changed = mergeTags(&have.Tags, m.Tags) || changed
		if add := missingValues(m.Metrics, have.Metrics); len(add) > 0 {
			have.Metrics = append(have.Metrics, add...)
			changed = true
		}
		if have.Status != m.Status || have.StatusMessage != m.StatusMessage {
			have.Status, have.StatusMessage = m.Status, m.StatusMessage
			changed = true
		}
		if !changed {
			return nil
		}
		im.count(func(r *ImportReport) { r.LoggedUpdated++ })
		if im.o.DryRun {
			return nil
		}
		have.LastUpdatedTime = max(have.LastUpdatedTime, m.Updated)
		return tx.PutLoggedModel(have)
	})
	if err != nil || skip {
		return err
	}
	return im.files(ctx, m.tree(), store.ModelFiles(id), what)
}

// missingValues returns the values of src that have does not hold (as
// multisets), in src's order.
func missingValues(src, have []store.ModelMetric) []store.ModelMetric {
	count := map[store.ModelMetric]int{}
	for _, x := range have {
		count[x]++
	}
	var out []store.ModelMetric
	for _, x := range src {
		if count[x] > 0 {
			count[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}

// links gives run r here the links to logged models it has at the source
// and lacks here. A model the store does not hold is linked all the same,
// as MLflow does.
func (im *importer) links(ctx context.Context, r *srcRun) error {
	if len(r.Models) == 0 {
		return nil
	}
	id, err := store.ParseRunID(r.ID)
	if err != nil {
		return nil
	}
	return im.update(ctx, func(tx *store.Tx) error {
		have, err := tx.RunModels(id)
		if err != nil {
			return err
		}
		for _, l := range r.Models {
			if slices.Contains(have, l) {
				continue
			}
			if !l.Output {
				l.Step = 0
				if slices.Contains(have, l) {
					continue
				}
			}
			im.count(func(rep *ImportReport) { rep.RunsUpdated++ })
			if im.o.DryRun {
				continue
			}
			if err := tx.PutRunModel(id, l); err != nil {
				return err
			}
		}
		return nil
	})
}
