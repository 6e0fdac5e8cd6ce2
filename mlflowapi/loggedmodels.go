package mlflowapi

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/pyrepr"
	"github.com/mlite/mlite/run"
)

// MLflow 3 logged models: /api/2.0/mlflow/logged-models/..., the model_id
// of metrics and of model versions, and runs' model inputs and outputs.

// loggedModelRef is the logged model a request names by the path's
// model_id, as given and parsed.
type loggedModelRef struct {
	s  string
	id run.ModelID
}

// pathModel reads the path parameter model_id; one that is no model id
// names no model, as in MLflow.
func (a *args) pathModel() loggedModelRef {
	m := loggedModelRef{s: a.p.path["model_id"]}
	if a.ok() {
		id, err := run.ParseModelID(m.s)
		if err != nil {
			a.fail(modelIDNotFound(err, m.s))
		}
		m.id = id
	}
	return m
}

func modelIDNotFound(err error, s string) error {
	return notFound(err, "Logged model with ID '%s' not found.", s)
}

func (m loggedModelRef) fail(err error) error {
	if errors.Is(err, mlite.ErrNotFound) {
		return modelIDNotFound(err, m.s)
	}
	return err
}

// loggedModel reads logged model ref for a response: a deleted one is not
// found unless allowDeleted.
func (h *Handler) loggedModel(ctx context.Context, ref loggedModelRef, allowDeleted bool) (*run.LoggedModel, error) {
	m, err := h.tr.GetLoggedModel(ctx, ref.id)
	if err == nil && m.Lifecycle == run.Deleted && !allowDeleted {
		err = mlite.ErrNotFound
	}
	return m, err
}

// writeLoggedModel writes the fields of MLflow's LoggedModel message.
func writeLoggedModel(w *jsonWriter, m *run.LoggedModel) {
	w.openObj("info")
	w.str("model_id", m.ID.String())
	w.str("experiment_id", m.ExperimentID.String())
	w.str("name", m.Name)
	w.int("creation_timestamp_ms", m.CreationTime)
	w.int("last_updated_timestamp_ms", m.LastUpdatedTime)
	w.str("artifact_uri", m.ArtifactLocation)
	w.str("status", m.Status.String())
	w.str("model_type", m.ModelType)
	w.str("source_run_id", m.SourceRunID)
	w.strOpt("status_message", m.StatusMessage)
	w.keyValues("tags", m.Tags)
	w.close()
	w.openObj("data")
	w.keyValues("params", m.Params)
	writeArray(w, "metrics", m.Metrics, func(w *jsonWriter, x run.ModelMetric) {
		writeMetric(w, x.Key, run.Point{Step: x.Step, Time: x.Time, Value: x.Value})
		w.strOpt("dataset_name", x.DatasetName)
		w.strOpt("dataset_digest", x.DatasetDigest)
		w.str("model_id", m.ID.String())
		w.strOpt("run_id", x.RunID)
	})
	w.close()
}

// loggedModelMember writes member model.
func loggedModelMember(w *jsonWriter, m *run.LoggedModel) {
	w.openObj("model")
	writeLoggedModel(w, m)
	w.close()
}

type createLoggedModelRequest struct {
	experimentRef
	run.LoggedModelOptions
}

func decodeCreateLoggedModel(a *args) createLoggedModelRequest {
	if raw, ok := a.p.body["experiment_id"]; ok && len(raw) > 0 && raw[0] != '"' && string(raw) != "null" {
		// MLflow's handler asserts a string here, unlike most.
		a.fail(a.p.badValue("experiment_id"))
	}
	q := createLoggedModelRequest{experimentRef: a.experiment()}
	q.Name = a.str("name")
	q.ModelType = a.str("model_type")
	q.SourceRunID = a.str("source_run_id")
	q.Params = a.tags("params")
	q.Tags = a.tags("tags")
	if a.ok() && a.has("name") && q.Name == "" {
		a.fail(invalidModelName(q.Name))
	}
	return q
}

// invalidModelName is MLflow's refusal of a logged model's name.
func invalidModelName(name string) error {
	return invalidParam(`Invalid model name (%s) provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%%', '"', "'")`, pyrepr.Str(name))
}

func (h *Handler) createLoggedModel(ctx context.Context, q createLoggedModelRequest) (*run.LoggedModel, error) {
	if q.Name != "" && strings.ContainsAny(q.Name, "/:.%\"'") {
		return nil, invalidModelName(q.Name)
	}
	return h.tr.CreateLoggedModel(ctx, q.x, q.LoggedModelOptions)
}

type getLoggedModelRequest struct {
	loggedModelRef
	allowDeleted bool
}

func decodeGetLoggedModel(a *args) getLoggedModelRequest {
	q := getLoggedModelRequest{loggedModelRef: a.pathModel()}
	q.allowDeleted = strings.EqualFold(a.str("allow_deleted"), "true")
	return q
}

func (h *Handler) getLoggedModel(ctx context.Context, q getLoggedModelRequest) (*run.LoggedModel, error) {
	return h.loggedModel(ctx, q.loggedModelRef, q.allowDeleted)
}

// loggedModelStatuses are LoggedModelStatus's names and numbers.
var loggedModelStatuses = map[string]int64{
	"LOGGED_MODEL_STATUS_UNSPECIFIED": 0, "LOGGED_MODEL_PENDING": 1, "LOGGED_MODEL_READY": 2, "LOGGED_MODEL_UPLOAD_FAILED": 3,
}

type finalizeRequest struct {
	loggedModelRef
	status run.ModelStatus
}

// decodeFinalize reads FinalizeLoggedModel: the body names the model again
// (model_id, which MLflow requires and acts on) and its status.
func decodeFinalize(a *args) finalizeRequest {
	a.pathModel()
	body := a.required("model_id")
	var q finalizeRequest
	if a.ok() {
		id, err := run.ParseModelID(body)
		if err != nil {
			a.fail(modelIDNotFound(err, body))
		}
		q.loggedModelRef = loggedModelRef{s: body, id: id}
	}
	n, ok := a.enum("status", loggedModelStatuses)
	if a.ok() && !ok {
		a.fail(missing("status"))
	}
	q.status = run.ModelStatus(n)
	return q
}

func (h *Handler) finalizeLoggedModel(ctx context.Context, q finalizeRequest) (*run.LoggedModel, error) {
	if _, err := h.loggedModel(ctx, q.loggedModelRef, false); err != nil {
		return nil, err
	}
	return h.tr.FinalizeLoggedModel(ctx, q.id, q.status)
}

func (h *Handler) deleteLoggedModel(ctx context.Context, q loggedModelRef) (none, error) {
	if _, err := h.loggedModel(ctx, q, false); err != nil {
		return none{}, err
	}
	return none{}, h.tr.DeleteLoggedModel(ctx, q.id)
}

type loggedModelTags struct {
	loggedModelRef
	tags map[string]string
	key  string
}

func decodeSetLoggedModelTags(a *args) loggedModelTags {
	return loggedModelTags{loggedModelRef: a.pathModel(), tags: a.tags("tags")}
}

func (h *Handler) setLoggedModelTags(ctx context.Context, q loggedModelTags) (none, error) {
	if _, err := h.loggedModel(ctx, q.loggedModelRef, false); err != nil {
		return none{}, err
	}
	return none{}, h.tr.SetLoggedModelTags(ctx, q.id, q.tags)
}

func decodeDeleteLoggedModelTag(a *args) loggedModelTags {
	return loggedModelTags{loggedModelRef: a.pathModel(), key: a.p.path["tag_key"]}
}

func (h *Handler) deleteLoggedModelTag(ctx context.Context, q loggedModelTags) (none, error) {
	m, err := h.loggedModel(ctx, q.loggedModelRef, false)
	if err != nil {
		return none{}, err
	}
	if _, ok := m.Tags[q.key]; !ok {
		return none{}, notFound(nil, "No tag with key %s found for model with ID %s.", pyrepr.Str(q.key), pyrepr.Str(q.s))
	}
	return none{}, h.tr.DeleteLoggedModelTag(ctx, q.id, q.key)
}

type loggedModelParams struct {
	loggedModelRef
	params []keyValue
}

// decodeLogLoggedModelParams reads LogLoggedModelParamsRequest: MLflow
// requires model_id in the body too, and logs to the path's model.
func decodeLogLoggedModelParams(a *args) loggedModelParams {
	q := loggedModelParams{loggedModelRef: a.pathModel()}
	a.required("model_id")
	q.params = a.keyValues("params")
	return q
}

func (h *Handler) logLoggedModelParams(ctx context.Context, q loggedModelParams) (none, error) {
	m, err := h.loggedModel(ctx, q.loggedModelRef, true)
	if err != nil {
		return none{}, err
	}
	params := make(map[string]string, len(q.params))
	for _, kv := range q.params {
		if old, ok := m.Params[kv.key]; ok && old != kv.value {
			return none{}, &apiError{code: codeBadRequest, msg: fmt.Sprintf(
				"Changing param values is not allowed. Param with key=%s was already logged with value=%s for logged model ID=%s. Attempted logging new value %s.",
				pyrepr.Str(kv.key), pyrepr.Str(old), pyrepr.Str(q.s), pyrepr.Str(kv.value))}
		}
		params[kv.key] = kv.value
	}
	return none{}, h.tr.LogLoggedModelParams(ctx, q.id, params)
}

type modelArtifactsRequest struct {
	loggedModelRef
	dir string
}

func decodeListLoggedModelArtifacts(a *args) modelArtifactsRequest {
	return modelArtifactsRequest{loggedModelRef: a.pathModel(), dir: a.str("artifact_directory_path")}
}

// modelArtifacts is a listing of a logged model's files.
type modelArtifacts struct {
	root  string
	files []run.FileInfo
}

func (h *Handler) listLoggedModelArtifacts(ctx context.Context, q modelArtifactsRequest) (modelArtifacts, error) {
	m, err := h.loggedModel(ctx, q.loggedModelRef, false)
	if err != nil {
		return modelArtifacts{}, err
	}
	files, err := h.tr.ListModelArtifacts(ctx, q.id, q.dir, false)
	if err != nil {
		return modelArtifacts{}, err
	}
	return modelArtifacts{root: m.ArtifactLocation, files: files}, nil
}

func writeModelArtifacts(w *jsonWriter, l modelArtifacts) {
	w.str("root_uri", l.root)
	writeFiles(w, l.files, false)
}

func decodeLoggedModelFile(a *args) modelArtifactsRequest {
	q := modelArtifactsRequest{loggedModelRef: a.pathModel()}
	if a.ok() && a.str("artifact_file_path") == "" {
		a.fail(&apiError{code: codeBadRequest, msg: `Request must include the "artifact_file_path" query parameter.`})
	}
	q.dir = a.str("artifact_file_path")
	return q
}

// getLoggedModelFile serves the UI's download of one file of a logged
// model (ajax-api .../logged-models/<id>/artifacts/files).
func (h *Handler) getLoggedModelFile(ctx context.Context, q modelArtifactsRequest) (*download, error) {
	if _, err := h.loggedModel(ctx, q.loggedModelRef, false); err != nil {
		return nil, err
	}
	return h.treeArtifact(ctx, h.tr.ModelTree(q.id), q.dir, q.fail)
}

// treeArtifact opens file p of an artifact tree, with its size when the
// tree's index has it. fail gives an error about the tree's owner its
// answer.
func (h *Handler) treeArtifact(ctx context.Context, tree run.Tree, p string, fail func(error) error) (*download, error) {
	files, err := tree.List(ctx, path.Dir(strings.TrimPrefix(p, "/")), false)
	if err != nil {
		return nil, fail(err)
	}
	d := &download{name: p, size: -1}
	for _, f := range files {
		if f.Path == strings.Trim(p, "/") && !f.IsDir {
			d.size = f.Size
		}
	}
	d.rc, err = tree.Open(ctx, p)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, notFound(err, "Artifact %s of %s not found", p, tree)
	}
	if err != nil {
		return nil, fail(err)
	}
	return d, nil
}

// loggedModelSearch is SearchLoggedModels.
type loggedModelSearch struct {
	run.LoggedModelSearch
	ids []string
}

// searchLoggedModelsMax is the largest page MLflow's search answers.
const searchLoggedModelsMax = 50000

func decodeLoggedModelSearch(a *args) loggedModelSearch {
	var q loggedModelSearch
	if a.ok() && !a.has("experiment_ids") {
		a.fail(missing("experiment_ids"))
	}
	q.ids = a.strs("experiment_ids")
	if a.ok() && len(q.ids) == 0 {
		a.fail(missing("experiment_ids"))
	}
	q.Filter = a.str("filter")
	for _, o := range a.objects("datasets") {
		var d run.DatasetRef
		a.in(o, func(a *args) { d.Name, d.Digest = a.str("dataset_name"), a.str("dataset_digest") })
		if a.ok() && d.Name == "" {
			a.fail(invalidParam("`dataset_name` in the `datasets` clause must be specified."))
		}
		q.Datasets = append(q.Datasets, d)
	}
	if n, ok := a.int("max_results"); ok {
		if n < 1 || n > searchLoggedModelsMax {
			a.fail(invalidParam("Invalid value %d for parameter 'max_results' supplied. It must be between 1 and %d", n, searchLoggedModelsMax))
		}
		q.MaxResults = int(n)
	}
	for _, o := range a.objects("order_by") {
		ob := run.ModelOrder{Ascending: true}
		a.in(o, func(a *args) {
			ob.Field = a.str("field_name")
			if a.has("ascending") {
				ob.Ascending = a.bool("ascending")
			}
			ob.DatasetName, ob.DatasetDigest = a.str("dataset_name"), a.str("dataset_digest")
		})
		q.OrderBy = append(q.OrderBy, ob)
	}
	q.PageToken = a.str("page_token")
	return q
}

// loggedModelPage is a page of logged models for a response.
type loggedModelPage = *run.LoggedModelPage

func (h *Handler) searchLoggedModels(ctx context.Context, q loggedModelSearch) (loggedModelPage, error) {
	for _, s := range q.ids {
		x, err := h.experiment(ctx, s)
		if err != nil {
			return nil, err
		}
		q.ExperimentIDs = append(q.ExperimentIDs, x.ID)
	}
	return h.tr.SearchLoggedModels(ctx, q.LoggedModelSearch)
}

func writeLoggedModelPage(w *jsonWriter, p loggedModelPage) {
	writeArray(w, "models", p.Models, writeLoggedModel)
	w.strOpt("next_page_token", p.NextPageToken)
}

type logOutputsRequest struct {
	runRef
	links modelLinks
}

// modelLinks is the models list of LogOutputs or LogInputs. A model id
// that is not one is answered after the run is checked, as MLflow checks
// the run first.
type modelLinks struct {
	links []run.RunModel
	bad   error
}

// modelLinks reads the models list of LogOutputs (output true) or LogInputs.
func (a *args) modelLinks(output bool) modelLinks {
	var ml modelLinks
	for i, o := range a.objects("models") {
		var l run.RunModel
		a.in(o, func(a *args) {
			s := a.str("model_id")
			if a.ok() && s == "" {
				a.fail(missing(fmt.Sprintf("models[%d].model_id", i)))
			}
			if a.ok() {
				id, err := run.ParseModelID(s)
				if err != nil && ml.bad == nil {
					ml.bad = invalidParam("Invalid value %s for parameter 'models[%d].model_id' supplied: a logged model id is m- and 32 hex digits.", pyrepr.Str(s), i)
				}
				l.Model = id
			}
			if output {
				l.Step, _ = a.int("step")
			}
		})
		l.Output = output
		ml.links = append(ml.links, l)
	}
	return ml
}

// link links the models to run id, once the run is known to take them.
func (h *Handler) link(ctx context.Context, id run.ID, ml modelLinks) error {
	if _, err := h.activeRun(ctx, id); err != nil {
		return err
	}
	if ml.bad != nil {
		return ml.bad
	}
	if len(ml.links) == 0 {
		return nil
	}
	return h.tr.LinkModels(ctx, id, ml.links)
}

func decodeLogOutputs(a *args) logOutputsRequest {
	q := logOutputsRequest{runRef: a.run()}
	if a.ok() && !a.has("models") {
		a.fail(missing("models"))
	}
	q.links = a.modelLinks(true)
	return q
}

func (h *Handler) logOutputs(ctx context.Context, q logOutputsRequest) (none, error) {
	return none{}, h.link(ctx, q.id, q.links)
}

// metricModel reads the model_id, dataset_name and dataset_digest of a
// metric (MLflow 3). A model_id that names no logged model is BAD_REQUEST,
// as MLflow's server answers.
func (a *args) metricModel(m *run.Metric) {
	if s := a.str("model_id"); a.ok() && s != "" {
		id, err := run.ParseModelID(s)
		if err != nil {
			a.fail(noSuchMetricModel(s))
		}
		m.ModelID = id
	}
	m.DatasetName, m.DatasetDigest = a.str("dataset_name"), a.str("dataset_digest")
}

func noSuchMetricModel(s string) error {
	return &apiError{code: codeBadRequest, msg: fmt.Sprintf("Logged model with ID '%s' not found: a metric's model_id must name a logged model.", s)}
}

// checkMetricModels answers BAD_REQUEST, before anything is logged, when a
// metric names a logged model that does not exist.
func (h *Handler) checkMetricModels(ctx context.Context, metrics []run.Metric) error {
	seen := map[run.ModelID]bool{}
	for _, m := range metrics {
		if m.ModelID == (run.ModelID{}) || seen[m.ModelID] {
			continue
		}
		seen[m.ModelID] = true
		if _, err := h.tr.GetLoggedModel(ctx, m.ModelID); errors.Is(err, mlite.ErrNotFound) {
			return noSuchMetricModel(m.ModelID.String())
		} else if err != nil {
			return err
		}
	}
	return nil
}
