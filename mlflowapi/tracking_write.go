package mlflowapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/pyrepr"
	"github.com/mlite/mlite/run"
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

type createExperimentRequest struct {
	name, location string
	tags           map[string]string
}

func decodeCreateExperiment(a *args) createExperimentRequest {
	var q createExperimentRequest
	q.name = a.required("name")
	q.location = a.str("artifact_location")
	q.tags = a.tags("tags")
	// As MLflow, every field's type is checked before the location's value.
	if q.location != "" {
		if err := checkArtifactLocation(q.location); err != nil {
			a.fail(err)
		}
	}
	return q
}

func (h *Handler) createExperiment(ctx context.Context, q createExperimentRequest) (run.ExperimentID, error) {
	exp, err := h.tr.CreateExperimentAt(ctx, q.name, q.location, q.tags)
	if err != nil {
		return 0, alreadyExists(err, "Experiment(name=%s) already exists.", q.name)
	}
	return exp.ID, nil
}

func writeExperimentID(w *jsonWriter, x run.ExperimentID) { w.str("experiment_id", x.String()) }

func decodeRenameExperiment(a *args) keyed[experimentRef] {
	return keyOf(a, a.experiment(), "new_name")
}

func (h *Handler) renameExperiment(ctx context.Context, q keyed[experimentRef]) (none, error) {
	err := h.tr.RenameExperiment(ctx, q.of.x, q.key)
	if errors.Is(err, mlite.ErrExists) {
		// MLflow's rename answers BAD_REQUEST, where its create answers
		// RESOURCE_ALREADY_EXISTS.
		return none{}, &apiError{code: codeBadRequest, err: err, msg: fmt.Sprintf("Experiment(name=%s) already exists.", q.key)}
	}
	return none{}, err
}

// deleteExperiment and restoreExperiment read an experiment already in
// the state asked for as one that does not exist, as MLflow's store looks
// it up among the active (or deleted) experiments only.
func (h *Handler) deleteExperiment(ctx context.Context, q experimentRef) (none, error) {
	err := h.tr.DeleteExperiment(ctx, q.x)
	if errors.Is(err, mlite.ErrDeleted) {
		return none{}, notFound(err, "No Experiment with id=%s exists", q.x)
	}
	return none{}, err
}

func (h *Handler) restoreExperiment(ctx context.Context, q experimentRef) (none, error) {
	err := h.tr.RestoreExperiment(ctx, q.x)
	if errors.Is(err, mlite.ErrInvalid) {
		return none{}, notFound(err, "No Experiment with id=%s exists", q.x)
	}
	return none{}, err
}

func decodeExperimentTag(a *args) keyed[experimentRef] { return tagOf(a, a.experiment()) }

func decodeExperimentTagKey(a *args) keyed[experimentRef] { return keyOf(a, a.experiment(), "key") }

func (h *Handler) setExperimentTag(ctx context.Context, q keyed[experimentRef]) (none, error) {
	x, err := h.tr.GetExperiment(ctx, q.of.x)
	if err != nil {
		return none{}, err
	}
	if x.Lifecycle == run.Deleted {
		return none{}, invalidParam("The experiment %s must be in the 'active' state. Current state is deleted.", q.of.x)
	}
	return none{}, h.tr.SetExperimentTag(ctx, q.of.x, q.key, q.value)
}

func (h *Handler) deleteExperimentTag(ctx context.Context, q keyed[experimentRef]) (none, error) {
	err := h.tr.DeleteExperimentTag(ctx, q.of.x, q.key)
	if errors.Is(err, mlite.ErrNotFound) {
		if _, gerr := h.tr.GetExperiment(ctx, q.of.x); gerr == nil {
			return none{}, notFound(err, "No tag with name: %s in experiment with id %s", q.key, q.of.x)
		}
	}
	return none{}, err
}

type createRunRequest struct {
	experimentRef
	name  string
	start int64 // ms; 0: now
	tags  map[string]string
}

func decodeCreateRun(a *args) createRunRequest {
	var q createRunRequest
	xs := a.str("experiment_id")
	if xs == "" {
		xs = "0" // MLflow's default experiment
	}
	if a.ok() {
		x, err := run.ParseExperimentID(xs)
		if err != nil {
			a.fail(badExperimentID(xs))
		}
		q.x = x
	}
	user := a.str("user_id")
	q.name = a.str("run_name")
	q.start, _ = a.int("start_time")
	q.tags = a.tags("tags")
	if q.tags == nil {
		q.tags = map[string]string{}
	}
	if _, ok := q.tags[run.TagUser]; !ok && user != "" {
		q.tags[run.TagUser] = user
	}
	if v, ok := q.tags[run.TagRunName]; ok && q.name != "" && v != q.name {
		a.fail(invalidParam("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').", q.name, v))
	}
	return q
}

func (h *Handler) createRun(ctx context.Context, q createRunRequest) (runList, error) {
	opts := []run.StartOption{run.Tags(q.tags)}
	if q.name != "" {
		opts = append(opts, run.Name(q.name))
	}
	if q.start != 0 {
		opts = append(opts, run.StartTime(time.UnixMilli(q.start)))
	}
	// The parent tag links the run to its parent when that is an active
	// run of this store. Otherwise the tag is kept as it is and nothing
	// is linked: MLflow never checks it.
	if pid, err := run.ParseID(q.tags[run.TagParentRunID]); err == nil {
		if prec, err := h.tr.GetRun(ctx, pid); err == nil && prec.Lifecycle == run.Active {
			opts = append(opts, run.Parent(pid))
		}
	}
	rh, err := h.starter.StartRun(ctx, q.x, opts...)
	if err != nil {
		return runList{}, err
	}
	l, err := h.runByID(ctx, rh.ID())
	if err != nil {
		return runList{}, runError(err, rh.ID().String())
	}
	l.noOutputs = true // MLflow's CreateRun answers a run without outputs
	return l, nil
}

type updateRunRequest struct {
	runRef
	status    run.Status
	hasStatus bool
	end       int64
	name      string
}

func decodeUpdateRun(a *args) updateRunRequest {
	q := updateRunRequest{runRef: a.run()}
	status, has := a.enum("status", runStatuses)
	q.status, q.hasStatus = run.Status(status), has
	q.end, _ = a.int("end_time")
	q.name = a.str("run_name")
	return q
}

func (h *Handler) updateRun(ctx context.Context, q updateRunRequest) (*run.Record, error) {
	if q.name != "" {
		if err := h.tr.RenameRun(ctx, q.id, q.name); err != nil {
			return nil, err
		}
	}
	if q.hasStatus {
		// As MLflow's update_run: the end time only when the request has
		// one (the client's set_terminated sends it; start_run(run_id=...)
		// sends RUNNING without, keeping the old one).
		if err := h.tr.UpdateRunStatus(ctx, q.id, q.status, q.end); err != nil {
			return nil, err
		}
	}
	return h.activeRun(ctx, q.id)
}

// activeRun reads run id, which must not be deleted.
func (h *Handler) activeRun(ctx context.Context, id run.ID) (*run.Record, error) {
	rec, err := h.tr.GetRun(ctx, id)
	if err == nil && rec.Lifecycle == run.Deleted {
		err = mlite.ErrDeleted
	}
	return rec, err
}

// writeRunInfoMember writes member run_info, UpdateRun's response.
func writeRunInfoMember(w *jsonWriter, rec *run.Record) { writeRunInfo(w, "run_info", rec) }

func (h *Handler) deleteRun(ctx context.Context, q runRef) (none, error) {
	err := h.tr.DeleteRun(ctx, q.id)
	if errors.Is(err, mlite.ErrDeleted) {
		return none{}, nil // deleting a deleted run changes nothing, as in MLflow
	}
	return none{}, err
}

func (h *Handler) restoreRun(ctx context.Context, q runRef) (none, error) {
	err := h.tr.RestoreRun(ctx, q.id)
	if errors.Is(err, mlite.ErrInvalid) {
		return none{}, nil // restoring an active run changes nothing, as in MLflow
	}
	return none{}, err
}

// metric reads one Metric message: key, value and timestamp are required,
// step defaults to 0. at names the message in errors ("" at the top).
func (a *args) metric(at string) run.Metric {
	var m run.Metric
	m.Key = a.str("key")
	if a.ok() && m.Key == "" {
		a.fail(missing(at + "key"))
	}
	v, ok := a.float("value")
	if a.ok() && !ok {
		a.fail(missing(at + "value"))
	}
	ts, ok := a.int("timestamp")
	if a.ok() && !ok {
		a.fail(missing(at + "timestamp"))
	}
	m.Value, m.Time = v, ts
	m.Step, _ = a.int("step")
	a.metricModel(&m)
	return m
}

type runBatch struct {
	runRef
	run.Batch
	params []keyValue // as given, for the message about changed ones
}

func decodeLogMetric(a *args) runBatch {
	q := runBatch{runRef: a.run()}
	q.Metrics = []run.Metric{a.metric("")}
	return q
}

func decodeRunTag(a *args) keyed[runRef] { return tagOf(a, a.run()) }

func decodeRunTagKey(a *args) keyed[runRef] { return keyOf(a, a.run(), "key") }

func (h *Handler) logMetric(ctx context.Context, q runBatch) (none, error) {
	if err := h.checkMetricModels(ctx, q.Metrics); err != nil {
		return none{}, err
	}
	return none{}, h.tr.LogBatch(ctx, q.id, q.Batch)
}

func (h *Handler) logParam(ctx context.Context, q keyed[runRef]) (none, error) {
	err := h.tr.LogBatch(ctx, q.of.id, run.Batch{Params: map[string]string{q.key: q.value}})
	if errors.Is(err, mlite.ErrConflict) {
		if rec, gerr := h.tr.GetRun(ctx, q.of.id); gerr == nil {
			return none{}, &apiError{code: codeInvalidParameter, err: err, msg: fmt.Sprintf(
				"Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.",
				q.key, rec.Params[q.key], q.of.s, q.value)}
		}
	}
	return none{}, err
}

func (h *Handler) setTag(ctx context.Context, q keyed[runRef]) (none, error) {
	return none{}, h.tr.LogBatch(ctx, q.of.id, run.Batch{Tags: map[string]string{q.key: q.value}})
}

func (h *Handler) deleteTag(ctx context.Context, q keyed[runRef]) (none, error) {
	rec, err := h.activeRun(ctx, q.of.id)
	if err != nil {
		return none{}, err
	}
	if _, ok := rec.Tags[q.key]; !ok {
		return none{}, notFound(nil, "No tag with name: %s in run with id %s", q.key, q.of.s)
	}
	return none{}, h.tr.DeleteRunTag(ctx, q.of.id, q.key)
}

func decodeLogBatch(a *args) runBatch {
	var q runBatch
	if a.p.size > batchMaxBytes {
		a.fail(invalidParam("Batched logging API requests must be at most %d bytes, got a request of size %d.", batchMaxBytes, a.p.size))
	}
	q.runRef = a.run()
	mobjs := a.objects("metrics")
	q.params = a.keyValues("params")
	tags := a.keyValues("tags")
	for _, lim := range []struct {
		what     string
		limit, n int
	}{
		{"metrics", batchMaxMetrics, len(mobjs)},
		{"params", batchMaxParams, len(q.params)},
		{"tags", batchMaxTags, len(tags)},
		{"metrics, params, and tags", batchMaxEntities, len(mobjs) + len(q.params) + len(tags)},
	} {
		if lim.n > lim.limit {
			a.fail(invalidParam("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.",
				lim.limit, lim.what, lim.n, lim.what, lim.what))
		}
	}
	if !a.ok() {
		return q
	}
	q.Metrics = make([]run.Metric, 0, len(mobjs))
	for i, o := range mobjs {
		a.in(o, func(a *args) { q.Metrics = append(q.Metrics, a.metric(fmt.Sprintf("metrics[%d].", i))) })
	}
	if len(q.params) > 0 {
		q.Params = make(map[string]string, len(q.params))
		var dupes []string
		for _, kv := range q.params {
			if _, ok := q.Params[kv.key]; ok {
				dupes = append(dupes, kv.key)
			}
			q.Params[kv.key] = kv.value
		}
		if len(dupes) > 0 {
			a.fail(invalidParam("Duplicate parameter keys have been submitted: %s. Please ensure the request contains only one param value per param key.", pyrepr.StrList(dupes)))
		}
	}
	if len(tags) > 0 {
		q.Tags = make(map[string]string, len(tags))
		for _, kv := range tags {
			q.Tags[kv.key] = kv.value // the last one wins, as in MLflow
		}
	}
	return q
}

func (h *Handler) logBatch(ctx context.Context, q runBatch) (none, error) {
	if err := h.checkMetricModels(ctx, q.Metrics); err != nil {
		return none{}, err
	}
	err := h.tr.LogBatch(ctx, q.id, q.Batch)
	if errors.Is(err, mlite.ErrConflict) {
		if rec, gerr := h.tr.GetRun(ctx, q.id); gerr == nil {
			var changed []string
			keys := make([]string, 0, len(q.params))
			for _, kv := range q.params {
				keys = append(keys, kv.key)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if old, ok := rec.Params[k]; ok && old != q.Params[k] {
					changed = append(changed, "{'key': "+pyrepr.Str(k)+", 'old_value': "+pyrepr.Str(old)+", 'new_value': "+pyrepr.Str(q.Params[k])+"}")
				}
			}
			if len(changed) > 0 {
				return none{}, &apiError{code: codeInvalidParameter, err: err, msg: fmt.Sprintf(
					"Changing param values is not allowed. Params were already logged='[%s]' for run ID='%s'.", strings.Join(changed, ", "), q.s)}
			}
		}
	}
	return none{}, err
}

type logInputsRequest struct {
	runRef
	inputs []run.Input
	models modelLinks // MLflow 3's model inputs
}

func decodeLogInputs(a *args) logInputsRequest {
	q := logInputsRequest{runRef: a.run()}
	objs := a.objects("datasets")
	for i, o := range objs {
		at := fmt.Sprintf("datasets[%d].", i)
		var in run.Input
		a.in(o, func(a *args) {
			d := a.object("dataset")
			if a.ok() && d == nil {
				a.fail(missing(at + "dataset"))
			}
			if !a.ok() {
				return
			}
			a.in(d, func(ds *args) {
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
					*f.dst = ds.str(f.name)
					if ds.ok() && f.req && *f.dst == "" {
						ds.fail(missing(at + "dataset." + f.name))
					}
				}
			})
			in.Tags = a.tags("tags")
		})
		q.inputs = append(q.inputs, in)
	}
	q.models = a.modelLinks(false)
	return q
}

func (h *Handler) logInputs(ctx context.Context, q logInputsRequest) (none, error) {
	if len(q.models.links) > 0 {
		if err := h.link(ctx, q.id, q.models); err != nil {
			return none{}, err
		}
	}
	if len(q.inputs) == 0 {
		// Nothing to record; the run must still exist, as in MLflow.
		_, err := h.activeRun(ctx, q.id)
		return none{}, err
	}
	return none{}, h.tr.LogInputs(ctx, q.id, q.inputs)
}
