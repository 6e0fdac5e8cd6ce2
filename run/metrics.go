package run

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

// MetricHistory returns the points of metric key of run id whose step is
// in rg (AllSteps for all), in the order they were logged.
func (t *Tracker) MetricHistory(ctx context.Context, id ID, key string, rg StepRange) ([]Point, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	var pts []Point
	err := t.st.View(ctx, func(tx *store.Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		if r.Metrics[key] == nil {
			return fmt.Errorf("run %s has no metric %q: %w", id, key, store.ErrNotFound)
		}
		pts, err = tx.History(nil, r, key, rg)
		return err
	})
	return pts, err
}

// LatestMetrics returns, for each run in ids, the latest point of each of
// keys (all its metrics when keys is empty), by MLflow's rule: highest
// step, then latest timestamp, then largest value. It reads only the run
// records, never the histories. Unknown runs are an error.
func (t *Tracker) LatestMetrics(ctx context.Context, ids []ID, keys []string) (map[ID]map[string]Point, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	out := make(map[ID]map[string]Point, len(ids))
	err := t.st.View(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			m := map[string]Point{}
			if len(keys) == 0 {
				for k, s := range r.Metrics {
					m[k] = s.Latest
				}
			}
			for _, k := range keys {
				if s := r.Metrics[k]; s != nil {
					m[k] = s.Latest
				}
			}
			out[id] = m
		}
		return nil
	})
	return out, err
}

// Downsample returns, for each run in ids, at most about n points of
// metric key within rg, keeping each bucket's first, last, lowest and
// highest point so no spike disappears (see store.Tx.Downsample). Runs
// without the metric get no entry.
func (t *Tracker) Downsample(ctx context.Context, ids []ID, key string, rg StepRange, n int) (map[ID][]Point, error) {
	if err := t.st.Commit(ctx); err != nil {
		return nil, err
	}
	out := make(map[ID][]Point, len(ids))
	err := t.st.View(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			if r.Metrics[key] == nil {
				continue
			}
			if out[id], err = tx.Downsample(r, key, rg, n); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Metric is one point of one key, for LogBatch.
type Metric struct {
	Key   string
	Value float64
	Time  int64 // ms since the epoch
	Step  int64
	// ModelID, if not zero, also links the value to that logged model
	// (MLflow 3's model_id), which must exist; DatasetName and
	// DatasetDigest name the dataset it was computed on, if any.
	ModelID       ModelID
	DatasetName   string
	DatasetDigest string
}

// Batch is MLflow's log_batch payload.
type Batch struct {
	Metrics []Metric
	Params  map[string]string
	Tags    map[string]string
}

// LogBatch logs metrics, params and tags to run id in one durable write,
// with MLflow's batch limits (1000 metrics, 100 params, 100 tags, 1000 in
// all). A metric point equal to one the run holds or one earlier in the
// batch (same key, step, time and value) is logged once; param values past
// 6,000 characters and tag values past 8,000 are stored truncated, as by
// MLflow's server. Unlike
// a *Run handle, it accepts runs that have ended, as MLflow does.
func (t *Tracker) LogBatch(ctx context.Context, id ID, b Batch) error {
	if err := validate.Batch(len(b.Metrics), len(b.Params), len(b.Tags)); err != nil {
		return validate.InRun(err, id.String())
	}
	b.Params = truncated(b.Params, validate.MaxParamValueLength)
	b.Tags = truncated(b.Tags, validate.MaxTagValueLength)
	for _, k := range sortedKeys(b.Params) {
		if err := validate.Key("param", k); err != nil {
			return err
		}
		if err := validate.ParamValue(k, b.Params[k]); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(b.Tags) {
		if err := validateTag(k, b.Tags[k]); err != nil {
			return err
		}
	}
	series := map[string][]Point{}
	var order []string
	var linked map[string]map[int]bool // per key, the indexes of points linked to a logged model
	for _, m := range b.Metrics {
		if err := validate.Key("metric", m.Key); err != nil {
			return err
		}
		if err := validate.Metric(m.Key, m.Value, m.Time, m.Step); err != nil {
			return err
		}
		p := Point{Step: m.Step, Time: m.Time, Value: m.Value}
		if series[m.Key] == nil {
			order = append(order, m.Key)
		}
		series[m.Key] = append(series[m.Key], p)
		if m.ModelID != (ModelID{}) {
			if linked == nil {
				linked = map[string]map[int]bool{}
			}
			if linked[m.Key] == nil {
				linked[m.Key] = map[int]bool{}
			}
			linked[m.Key][len(series[m.Key])-1] = true
		}
	}
	return t.updateRun(ctx, id, func(tx *store.Tx, r *Record) error {
		if err := activeRun(r); err != nil {
			return err
		}
		for _, k := range sortedKeys(b.Params) {
			if err := r.SetParam(k, b.Params[k]); err != nil {
				return err
			}
		}
		for _, k := range sortedKeys(b.Tags) {
			r.SetTag(k, b.Tags[k])
		}
		for _, k := range order {
			pts, err := dropLoggedAgain(tx, r, k, series[k], linked[k])
			if err != nil {
				return err
			}
			if len(pts) == 0 {
				continue
			}
			if err := tx.AppendPoints(r, k, pts); err != nil {
				return err
			}
		}
		return t.appendModelMetrics(tx, id, b.Metrics)
	})
}

// dropLoggedAgain leaves out of pts, the new points of metric key of run
// r, those linked to a logged model (the indexes in linked) that the run
// has already: MLflow's client links a run's metrics to a model it logs
// by logging them again with the model's id, and MLflow's stores keep one
// row per identical point.
func dropLoggedAgain(tx *store.Tx, r *Record, key string, pts []Point, linked map[int]bool) ([]Point, error) {
	if len(linked) == 0 || r.Metrics[key] == nil {
		return pts, nil
	}
	out := pts[:0:0]
	for i, p := range pts {
		if linked[i] {
			have, err := tx.History(nil, r, key, StepRange{From: p.Step, To: p.Step})
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(have, func(h Point) bool {
				return h.Time == p.Time && math.Float64bits(h.Value) == math.Float64bits(p.Value)
			}) {
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}
