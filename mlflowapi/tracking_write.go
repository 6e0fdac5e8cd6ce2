package mlflowapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mlite/mlite/internal/pyrepr"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// MLflow's log_batch limits (mlflow/utils/validation.py).
const (
	batchMaxMetrics  = 1000
	batchMaxParams   = 100
	batchMaxTags     = 100
	batchMaxEntities = 1000
	batchMaxBytes    = 1000000 // MAX_BATCH_LOG_REQUEST_SIZE
)

// runStatuses is MLflow's RunStatus enum.
var runStatuses = map[string]int64{"RUNNING": 1, "SCHEDULED": 2, "FINISHED": 3, "FAILED": 4, "KILLED": 5}

// experimentID reads the required experiment_id as an id; one that is no
// experiment id names no experiment, as in MLflow.
func experimentID(p *params) (run.ExperimentID, error) {
	s, err := p.required("experiment_id")
	if err != nil {
		return 0, err
	}
	x, err := store.ParseExperimentID(s)
	if err != nil {
		return x, notFound(err, "No Experiment with id=%s exists", s)
	}
	return x, nil
}

// experimentError gives an experiment write's error MLflow's message.
func experimentError(err error, x run.ExperimentID) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound(err, "No Experiment with id=%s exists", x)
	case errors.Is(err, store.ErrDeleted):
		return &apiError{code: codeInvalidParameter, err: err,
			msg: fmt.Sprintf("The experiment %s must be in the 'active' state. Current state is deleted.", x)}
	}
	return err
}

// writeRunID reads the run of a write: its id as given and parsed.
func writeRunID(p *params) (string, run.ID, error) {
	s, err := p.runID()
	if err != nil {
		return "", run.ID{}, err
	}
	id, err := parseRunID(s)
	return s, id, err
}

// runError gives a run write's error MLflow's message: an unknown run is
// RESOURCE_DOES_NOT_EXIST, a deleted one INVALID_PARAMETER_VALUE (MLflow's
// _check_run_is_active).
func runError(err error, s string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound(err, "Run with id=%s not found", s)
	case errors.Is(err, store.ErrDeleted):
		return &apiError{code: codeInvalidParameter, err: err,
			msg: fmt.Sprintf("The run %s must be in the 'active' state. Current state is deleted.", s)}
	}
	return err
}

func (h *Handler) createExperiment(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	loc, err := p.str("artifact_location")
	if err != nil {
		return err
	}
	if loc != "" {
		// mlite keeps every artifact in its own folder; a location
		// elsewhere would be ignored, so it is refused.
		return invalidParam("artifact_location %q is not supported: mlite stores artifacts beside its store file (mlflow-artifacts:/<experiment id>).", loc)
	}
	kvs, err := p.keyValues("tags")
	if err != nil {
		return err
	}
	var tags map[string]string
	if len(kvs) > 0 {
		tags = make(map[string]string, len(kvs))
		for _, kv := range kvs {
			tags[kv.key] = kv.value
		}
	}
	exp, err := h.tr.CreateExperiment(r.Context(), name, tags)
	if errors.Is(err, store.ErrExists) {
		return &apiError{code: codeAlreadyExists, err: err, msg: fmt.Sprintf("Experiment(name=%s) already exists.", name)}
	}
	if err != nil {
		return err
	}
	w.str("experiment_id", exp.ID.String())
	return nil
}

func (h *Handler) updateExperiment(r *http.Request, p *params, w *jsonWriter) error {
	x, err := experimentID(p)
	if err != nil {
		return err
	}
	name, err := p.required("new_name")
	if err != nil {
		return err
	}
	err = h.tr.RenameExperiment(r.Context(), x, name)
	if errors.Is(err, store.ErrExists) {
		return &apiError{code: codeAlreadyExists, err: err, msg: fmt.Sprintf("Experiment(name=%s) already exists.", name)}
	}
	return experimentError(err, x)
}

func (h *Handler) deleteExperiment(r *http.Request, p *params, w *jsonWriter) error {
	x, err := experimentID(p)
	if err != nil {
		return err
	}
	return experimentError(h.tr.DeleteExperiment(r.Context(), x), x)
}

func (h *Handler) restoreExperiment(r *http.Request, p *params, w *jsonWriter) error {
	x, err := experimentID(p)
	if err != nil {
		return err
	}
	return experimentError(h.tr.RestoreExperiment(r.Context(), x), x)
}

func (h *Handler) setExperimentTag(r *http.Request, p *params, w *jsonWriter) error {
	x, err := experimentID(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	value, err := p.str("value")
	if err != nil {
		return err
	}
	return experimentError(h.tr.SetExperimentTag(r.Context(), x, key, value), x)
}

func (h *Handler) deleteExperimentTag(r *http.Request, p *params, w *jsonWriter) error {
	x, err := experimentID(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	err = h.tr.DeleteExperimentTag(r.Context(), x, key)
	if errors.Is(err, store.ErrNotFound) {
		if _, gerr := h.tr.GetExperiment(r.Context(), x); gerr == nil {
			return notFound(err, "No tag with name: %s in experiment with id %s", key, x)
		}
	}
	return experimentError(err, x)
}

func (h *Handler) createRun(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	xs, err := p.str("experiment_id")
	if err != nil {
		return err
	}
	if xs == "" {
		xs = "0" // MLflow's default experiment
	}
	x, err := store.ParseExperimentID(xs)
	if err != nil {
		return notFound(err, "No Experiment with id=%s exists", xs)
	}
	user, err := p.str("user_id")
	if err != nil {
		return err
	}
	name, err := p.str("run_name")
	if err != nil {
		return err
	}
	startMs, _, err := p.int("start_time")
	if err != nil {
		return err
	}
	kvs, err := p.keyValues("tags")
	if err != nil {
		return err
	}
	tags := make(map[string]string, len(kvs)+1)
	for _, kv := range kvs {
		tags[kv.key] = kv.value
	}
	if _, ok := tags[run.TagUser]; !ok && user != "" {
		tags[run.TagUser] = user
	}
	if v, ok := tags[run.TagRunName]; ok && name != "" && v != name {
		return invalidParam("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').", name, v)
	}
	opts := []run.StartOption{run.Tags(tags)}
	if name != "" {
		opts = append(opts, run.Name(name))
	}
	if startMs != 0 {
		opts = append(opts, run.StartTime(time.UnixMilli(startMs)))
	}
	// The parent tag links the run to its parent when that is an active
	// run of this store. Otherwise the tag is kept as it is and nothing
	// is linked: MLflow never checks it.
	if pid, err := store.ParseRunID(tags[run.TagParentRunID]); err == nil {
		if prec, err := h.tr.GetRun(ctx, pid); err == nil && prec.Lifecycle == store.Active {
			opts = append(opts, run.Parent(pid))
		}
	}
	rh, err := h.starter.StartRun(ctx, x, opts...)
	if err != nil {
		return experimentError(err, x)
	}
	return h.writeRunByID(ctx, w, rh.ID(), "run")
}

// writeRunByID writes run id as member k.
func (h *Handler) writeRunByID(ctx context.Context, w *jsonWriter, id run.ID, k string) error {
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return runError(err, id.String())
	}
	ds := datasetCache{tr: h.tr}
	w.openObj(k)
	if err := ds.writeRun(ctx, w, rec); err != nil {
		return err
	}
	w.close()
	return nil
}

func (h *Handler) updateRun(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	status, hasStatus, err := p.enum("status", runStatuses)
	if err != nil {
		return err
	}
	end, _, err := p.int("end_time")
	if err != nil {
		return err
	}
	name, err := p.str("run_name")
	if err != nil {
		return err
	}
	if name != "" {
		if err := h.tr.RenameRun(ctx, id, name); err != nil {
			return runError(err, s)
		}
	}
	switch {
	case hasStatus && run.Status(status) == run.Running && end == 0:
		// Resuming (start_run(run_id=...)): running again, no end time.
		if _, err := h.tr.ResumeRun(ctx, id); err != nil {
			return runError(err, s)
		}
	case hasStatus:
		if err := h.tr.SetTerminated(ctx, id, run.Status(status), end); err != nil {
			return runError(err, s)
		}
	}
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return runError(err, s)
	}
	if rec.Lifecycle == store.Deleted {
		return runError(store.ErrDeleted, s)
	}
	// The RunInfo alone, as MLflow's UpdateRun.Response.
	writeRunInfo(w, "run_info", rec)
	return nil
}

// writeRunInfo writes member name: MLflow's RunInfo of rec ("info" in a
// Run, "run_info" in UpdateRun's response).
func writeRunInfo(w *jsonWriter, name string, rec *run.Record) {
	id := rec.ID.String()
	w.openObj(name)
	w.str("run_uuid", id)
	w.str("experiment_id", rec.ExperimentID.String())
	w.str("run_name", rec.Name)
	w.str("user_id", rec.User)
	w.str("status", rec.Status.String())
	w.int("start_time", rec.StartTime)
	w.intOpt("end_time", rec.EndTime)
	w.strOpt("artifact_uri", rec.ArtifactURI)
	w.str("lifecycle_stage", rec.Lifecycle.String())
	w.str("run_id", id)
	w.close()
}

func (h *Handler) deleteRun(r *http.Request, p *params, w *jsonWriter) error {
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	return runError(h.tr.DeleteRun(r.Context(), id), s)
}

func (h *Handler) restoreRun(r *http.Request, p *params, w *jsonWriter) error {
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	err = h.tr.RestoreRun(r.Context(), id)
	if errors.Is(err, store.ErrInvalid) {
		return nil // restoring an active run changes nothing, as in MLflow
	}
	return runError(err, s)
}

// metric reads one Metric message: key, value and timestamp are required,
// step defaults to 0. at names the message in errors ("" at the top).
func metric(p *params, at string) (run.Metric, error) {
	var m run.Metric
	key, err := p.str("key")
	if err != nil {
		return m, err
	}
	if key == "" {
		return m, missing(at + "key")
	}
	v, ok, err := p.float("value")
	if err != nil {
		return m, err
	}
	if !ok {
		return m, missing(at + "value")
	}
	ts, ok, err := p.int("timestamp")
	if err != nil {
		return m, err
	}
	if !ok {
		return m, missing(at + "timestamp")
	}
	step, _, err := p.int("step")
	if err != nil {
		return m, err
	}
	return run.Metric{Key: key, Value: v, Time: ts, Step: step}, nil
}

func (h *Handler) logMetric(r *http.Request, p *params, w *jsonWriter) error {
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	m, err := metric(p, "")
	if err != nil {
		return err
	}
	return runError(h.tr.LogBatch(r.Context(), id, run.Batch{Metrics: []run.Metric{m}}), s)
}

func (h *Handler) logParam(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	value, err := p.str("value")
	if err != nil {
		return err
	}
	err = h.tr.LogBatch(ctx, id, run.Batch{Params: map[string]string{key: value}})
	if errors.Is(err, store.ErrConflict) {
		if rec, gerr := h.tr.GetRun(ctx, id); gerr == nil {
			return &apiError{code: codeInvalidParameter, err: err, msg: fmt.Sprintf(
				"Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.",
				key, rec.Params[key], s, value)}
		}
	}
	return runError(err, s)
}

func (h *Handler) setTag(r *http.Request, p *params, w *jsonWriter) error {
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	value, err := p.str("value")
	if err != nil {
		return err
	}
	return runError(h.tr.LogBatch(r.Context(), id, run.Batch{Tags: map[string]string{key: value}}), s)
}

func (h *Handler) deleteTag(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return runError(err, s)
	}
	if rec.Lifecycle == store.Deleted {
		return runError(store.ErrDeleted, s)
	}
	if _, ok := rec.Tags[key]; !ok {
		return notFound(nil, "No tag with name: %s in run with id %s", key, s)
	}
	return runError(h.tr.DeleteRunTag(ctx, id, key), s)
}

func (h *Handler) logBatch(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	if p.size > batchMaxBytes {
		return invalidParam("Batched logging API requests must be at most %d bytes, got a request of size %d.", batchMaxBytes, p.size)
	}
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	mobjs, err := p.objects("metrics")
	if err != nil {
		return err
	}
	params, err := p.keyValues("params")
	if err != nil {
		return err
	}
	tags, err := p.keyValues("tags")
	if err != nil {
		return err
	}
	for _, lim := range []struct {
		what     string
		limit, n int
	}{
		{"metrics", batchMaxMetrics, len(mobjs)},
		{"params", batchMaxParams, len(params)},
		{"tags", batchMaxTags, len(tags)},
		{"metrics, params, and tags", batchMaxEntities, len(mobjs) + len(params) + len(tags)},
	} {
		if lim.n > lim.limit {
			return invalidParam("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.",
				lim.limit, lim.what, lim.n, lim.what, lim.what)
		}
	}
	b := run.Batch{Metrics: make([]run.Metric, 0, len(mobjs))}
	for i, o := range mobjs {
		m, err := metric(o, fmt.Sprintf("metrics[%d].", i))
		if err != nil {
			return err
		}
		b.Metrics = append(b.Metrics, m)
	}
	if len(params) > 0 {
		b.Params = make(map[string]string, len(params))
		var dupes []string
		for _, kv := range params {
			if _, ok := b.Params[kv.key]; ok {
				dupes = append(dupes, kv.key)
			}
			b.Params[kv.key] = kv.value
		}
		if len(dupes) > 0 {
			return invalidParam("Duplicate parameter keys have been submitted: %s. Please ensure the request contains only one param value per param key.", pyrepr.StrList(dupes))
		}
	}
	if len(tags) > 0 {
		b.Tags = make(map[string]string, len(tags))
		for _, kv := range tags {
			b.Tags[kv.key] = kv.value // the last one wins, as in MLflow
		}
	}
	err = h.tr.LogBatch(ctx, id, b)
	if errors.Is(err, store.ErrConflict) {
		if rec, gerr := h.tr.GetRun(ctx, id); gerr == nil {
			var changed []string
			keys := make([]string, 0, len(params))
			for _, kv := range params {
				keys = append(keys, kv.key)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if old, ok := rec.Params[k]; ok && old != b.Params[k] {
					changed = append(changed, "{'key': "+pyrepr.Str(k)+", 'old_value': "+pyrepr.Str(old)+", 'new_value': "+pyrepr.Str(b.Params[k])+"}")
				}
			}
			if len(changed) > 0 {
				return &apiError{code: codeInvalidParameter, err: err, msg: fmt.Sprintf(
					"Changing param values is not allowed. Params were already logged='[%s]' for run ID='%s'.", strings.Join(changed, ", "), s)}
			}
		}
	}
	return runError(err, s)
}

func (h *Handler) logInputs(r *http.Request, p *params, w *jsonWriter) error {
	s, id, err := writeRunID(p)
	if err != nil {
		return err
	}
	objs, err := p.objects("datasets")
	if err != nil {
		return err
	}
	inputs := make([]run.Input, 0, len(objs))
	for i, o := range objs {
		at := fmt.Sprintf("datasets[%d].", i)
		d, err := o.object("dataset")
		if err != nil {
			return err
		}
		if d == nil {
			return missing(at + "dataset")
		}
		var in run.Input
		for _, f := range []struct {
			name string
			dst  *string
			req  bool
		}{
			{"name", &in.Dataset.Name, true},
			{"digest", &in.Dataset.Digest, true},
			{"source_type", &in.Dataset.SourceType, true},
			{"source", &in.Dataset.Source, true},
			{"schema", &in.Dataset.Schema, false},
			{"profile", &in.Dataset.Profile, false},
		} {
			v, err := d.str(f.name)
			if err != nil {
				return err
			}
			if f.req && v == "" {
				return missing(at + "dataset." + f.name)
			}
			*f.dst = v
		}
		kvs, err := o.keyValues("tags")
		if err != nil {
			return err
		}
		if len(kvs) > 0 {
			in.Tags = make(map[string]string, len(kvs))
			for _, kv := range kvs {
				in.Tags[kv.key] = kv.value
			}
		}
		inputs = append(inputs, in)
	}
	if len(inputs) == 0 {
		// Nothing to record; the run must still exist, as in MLflow.
		rec, err := h.tr.GetRun(r.Context(), id)
		if err != nil {
			return runError(err, s)
		}
		if rec.Lifecycle == store.Deleted {
			return runError(store.ErrDeleted, s)
		}
		return nil
	}
	return runError(h.tr.LogInputs(r.Context(), id, inputs), s)
}

// searchLoggedModels answers MLflow 3's logged-model search, which the
// client makes before resolving a runs:/ URI: mlite keeps no logged
// models, so the page is empty. The experiments named must exist.
func (h *Handler) searchLoggedModels(r *http.Request, p *params, w *jsonWriter) error {
	ids, err := p.strs("experiment_ids")
	if err != nil {
		return err
	}
	for _, s := range ids {
		if _, err := h.experiment(r.Context(), s); err != nil {
			return err
		}
	}
	return nil
}
