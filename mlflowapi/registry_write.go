package mlflowapi

import (
	"context"
	"errors"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// modelRequest is a request to create a registered model or a version:
// what it names, and what it sets.
type modelRequest struct {
	name string
	tags map[string]string
	desc string
}

func decodeCreateModel(a *args) modelRequest {
	return modelRequest{name: a.required("name"), tags: a.tags("tags"), desc: a.str("description")}
}

func (h *Handler) createModel(ctx context.Context, q modelRequest) (modelView, error) {
	_, err := h.reg.CreateModel(ctx, q.name, q.tags, q.desc)
	if err != nil {
		return modelView{}, alreadyExists(err, "Registered Model (name=%s) already exists.", q.name)
	}
	return h.model(ctx, q.name)
}

func decodeRenameModel(a *args) keyed[modelRef] { return keyOf(a, a.model(), "new_name") }

func (h *Handler) renameModel(ctx context.Context, q keyed[modelRef]) (modelView, error) {
	if err := h.reg.RenameModel(ctx, q.of.name, q.key); err != nil {
		return modelView{}, alreadyExists(err, "Registered Model (name=%s) already exists.", q.key)
	}
	return h.model(ctx, q.key)
}

func decodeUpdateModel(a *args) described[modelRef] { return describedOf(a, a.model()) }

func (h *Handler) updateModel(ctx context.Context, q described[modelRef]) (modelView, error) {
	m := q.of
	if err := q.set(func(d string) error { return h.reg.UpdateModelDescription(ctx, m.name, d) }); err != nil {
		return modelView{}, err
	}
	return h.model(ctx, m.name)
}

func (h *Handler) deleteModel(ctx context.Context, q modelRef) (none, error) {
	return none{}, h.reg.DeleteModel(ctx, q.name)
}

func decodeModelTag(a *args) keyed[modelRef] { return tagOf(a, a.model()) }

func decodeModelTagKey(a *args) keyed[modelRef] { return keyOf(a, a.model(), "key") }

func (h *Handler) setModelTag(ctx context.Context, q keyed[modelRef]) (none, error) {
	return none{}, h.reg.SetModelTag(ctx, q.of.name, q.key, q.value)
}

func (h *Handler) deleteModelTag(ctx context.Context, q keyed[modelRef]) (none, error) {
	if _, err := h.reg.GetModel(ctx, q.of.name); err != nil {
		return none{}, err
	}
	err := h.reg.DeleteModelTag(ctx, q.of.name, q.key)
	if errors.Is(err, mlite.ErrNotFound) {
		return none{}, nil // a tag that is not set: nothing to do, as in MLflow
	}
	return none{}, err
}

func decodeSetAlias(a *args) keyed[versionRef] { return keyOf(a, a.version(), "alias") }

func (h *Handler) setAlias(ctx context.Context, q keyed[versionRef]) (none, error) {
	return none{}, h.reg.SetAlias(ctx, q.of.name, q.key, q.of.v)
}

func (h *Handler) deleteAlias(ctx context.Context, q keyed[modelRef]) (none, error) {
	return none{}, h.reg.DeleteAlias(ctx, q.of.name, q.key)
}

// versionSource turns a model version's source into the runs:/ URI the
// registry copies from: a runs:/ URI as it is, or a run's artifact
// location under mlflow-artifacts:/<experiment>/<run>/artifacts[/<path>]
// (what the client sends once it has resolved runs:/) mapped back to it.
func (h *Handler) versionSource(ctx context.Context, source string) (string, error) {
	if _, ok := registry.LoggedModelURI(source); ok || strings.HasPrefix(source, "runs:/") {
		return source, nil
	}
	if loc, ok := strings.CutPrefix(source, "mlflow-artifacts:"); ok {
		t, err := h.resolveProxy(ctx, strings.TrimLeft(loc, "/"))
		if err != nil {
			return "", err
		}
		if t.model != "" && t.path == "" {
			return "models:/" + t.model, nil
		}
		if t.model != "" {
			return "", invalidParam("Unsupported model version source '%s': register a logged model as models:/%s, its whole artifact tree.", source, t.model)
		}
		return "runs:/" + t.run + "/" + t.path, nil
	}
	return "", invalidParam("Unsupported model version source '%s': mlite registers versions from runs:/<run_id>/<path> or a run's mlflow-artifacts:/ location.", source)
}

// localSource applies MLflow's rules to a version's local source (a path or
// a file: URI): it must lie inside the local artifact folder of the run
// run_id names (_validate_source_run), or of the logged model model_id
// names (_validate_source_model), with MLflow's errors. It reports whether
// the source is local.
func (h *Handler) localSource(ctx context.Context, q createVersionRequest) (bool, error) {
	if err := checkLocalHost(q.source); err != nil {
		return false, err
	}
	if local, _ := run.IsLocalURI(q.source); !local {
		return false, nil
	}
	kind, id, shown := "run_id", q.runID, q.source
	var folder string
	var lookup error
	switch {
	case q.modelID != "":
		kind, id = "model_id", q.modelID
		var m *run.LoggedModel
		if mid, err := run.ParseModelID(q.modelID); err != nil {
			lookup = err
		} else if m, lookup = h.tr.GetLoggedModel(ctx, mid); lookup == nil {
			folder = m.ArtifactLocation
		}
	case q.runID != "":
		var r *run.Record
		if rid, err := run.ParseID(q.runID); err != nil {
			lookup = err
		} else if r, lookup = h.tr.GetRun(ctx, rid); lookup == nil {
			folder = r.ArtifactURI
		}
	}
	if lookup != nil {
		if errors.Is(lookup, mlite.ErrNotFound) || errors.Is(lookup, mlite.ErrInvalid) {
			return true, invalidParam("Invalid model version source: '%s'. The %s request parameter must identify the resource that contains the source.", q.source, kind)
		}
		return true, lookup
	}
	if id != "" {
		var in bool
		if shown, in = run.LocalSourceIn(q.source, folder); in {
			return true, nil
		}
	}
	return true, invalidParam("Invalid model version source: '%s'. To use a local path as a model version source, the %s request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the %s.", shown, kind, kind)
}

type createVersionRequest struct {
	modelRequest
	source, runID string
	modelID       string // MLflow 3's model_id, as given
}

func decodeCreateVersion(a *args) createVersionRequest {
	var q createVersionRequest
	q.name = a.required("name")
	q.source = a.required("source")
	q.runID = a.str("run_id")
	q.modelID = a.str("model_id")
	q.tags = a.tags("tags")
	q.desc = a.str("description")
	return q
}

func (h *Handler) createVersion(ctx context.Context, q createVersionRequest) (versionView, error) {
	// MLflow's server wants the model registered first.
	if _, err := h.reg.GetModel(ctx, q.name); err != nil {
		return versionView{}, modelNotFound(err, q.name)
	}
	local, err := h.localSource(ctx, q)
	if err != nil {
		return versionView{}, err
	}
	if local {
		return h.createLocalVersion(ctx, q)
	}
	src, err := h.versionSource(ctx, q.source)
	if err != nil {
		return versionView{}, err
	}
	if id, ok := registry.LoggedModelURI(src); ok {
		if _, err := h.tr.GetLoggedModel(ctx, id); err != nil {
			return versionView{}, loggedModelRef{s: id.String(), id: id}.fail(err)
		}
	}
	if q.modelID != "" {
		// MLflow's _validate_source_model: a model_id goes with the
		// models:/<model_id> source it names.
		if id, ok := registry.LoggedModelURI(src); !ok || id.String() != q.modelID {
			return versionView{}, invalidParam("Invalid model version source: '%s'. To use a source other than models:/%s with the model_id request parameter, the source has to be within the artifact location of that logged model.", q.source, q.modelID)
		}
	}
	mv, err := h.reg.CreateVersion(ctx, q.name, src, q.runID)
	if errors.Is(err, mlite.ErrNotFound) && q.runID == "" && strings.HasPrefix(src, "runs:/") {
		// MLflow refuses a runs:/ source that no run_id vouches for.
		return versionView{}, invalidParam("Invalid model version source: '%s'. The run_id request parameter must identify the resource that contains the source.", q.source)
	}
	return h.finishVersion(ctx, q, mv, err)
}

// createLocalVersion registers a version from a local source that
// localSource accepted: inside the folder of run run_id or of logged model
// model_id.
func (h *Handler) createLocalVersion(ctx context.Context, q createVersionRequest) (versionView, error) {
	if q.modelID == "" {
		mv, err := h.reg.CreateVersion(ctx, q.name, q.source, q.runID)
		return h.finishVersion(ctx, q, mv, err)
	}
	id, err := run.ParseModelID(q.modelID)
	if err != nil {
		return versionView{}, err
	}
	mv, err := h.reg.CreateVersionFromModel(ctx, q.name, q.source, id)
	return h.finishVersion(ctx, q, mv, err)
}

// finishVersion sets the tags and description of the new version mv (or
// returns err, the registry's) and answers it.
func (h *Handler) finishVersion(ctx context.Context, q createVersionRequest, mv *registry.ModelVersion, err error) (versionView, error) {
	if err != nil {
		// The model exists: what is missing is the source's run or
		// files, which the registry's message names.
		return versionView{}, err
	}
	ref := versionRef{q.name, mv.Version}
	for _, k := range sortedKeys(&jsonWriter{}, q.tags) {
		if err := h.reg.SetVersionTag(ctx, q.name, mv.Version, k, q.tags[k]); err != nil {
			return versionView{}, ref.fail(err)
		}
	}
	if q.desc != "" {
		if err := h.reg.UpdateVersionDescription(ctx, q.name, mv.Version, q.desc); err != nil {
			return versionView{}, ref.fail(err)
		}
	}
	return h.versionNamed(ctx, q.name, mv.Version)
}

func decodeUpdateVersion(a *args) described[versionRef] { return describedOf(a, a.version()) }

func (h *Handler) updateVersion(ctx context.Context, q described[versionRef]) (versionView, error) {
	v := q.of
	if err := q.set(func(d string) error { return h.reg.UpdateVersionDescription(ctx, v.name, v.v, d) }); err != nil {
		return versionView{}, err
	}
	return h.versionNamed(ctx, v.name, v.v)
}

type transitionRequest struct {
	versionRef
	stage   string
	archive bool // archive_existing_versions
}

func decodeTransition(a *args) transitionRequest {
	q := transitionRequest{versionRef: a.version(), stage: a.required("stage"), archive: a.bool("archive_existing_versions")}
	if a.ok() {
		if _, err := registry.ParseStage(q.stage); err != nil {
			a.fail(invalidParam("Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", q.stage))
		}
	}
	return q
}

func (h *Handler) transitionStage(ctx context.Context, q transitionRequest) (versionView, error) {
	if _, err := h.reg.TransitionStage(ctx, q.name, q.v, q.stage, q.archive); err != nil {
		return versionView{}, err
	}
	return h.versionNamed(ctx, q.name, q.v)
}

func (h *Handler) deleteVersion(ctx context.Context, q versionRef) (none, error) {
	return none{}, h.reg.DeleteVersion(ctx, q.name, q.v)
}

func decodeVersionTag(a *args) keyed[versionRef] { return tagOf(a, a.version()) }

func decodeVersionTagKey(a *args) keyed[versionRef] { return keyOf(a, a.version(), "key") }

func (h *Handler) setVersionTag(ctx context.Context, q keyed[versionRef]) (none, error) {
	return none{}, h.reg.SetVersionTag(ctx, q.of.name, q.of.v, q.key, q.value)
}

func (h *Handler) deleteVersionTag(ctx context.Context, q keyed[versionRef]) (none, error) {
	if _, err := h.versionOf(ctx, q.of.name, q.of.v); err != nil {
		return none{}, err
	}
	err := h.reg.DeleteVersionTag(ctx, q.of.name, q.of.v, q.key)
	if errors.Is(err, mlite.ErrNotFound) {
		return none{}, nil // a tag that is not set: nothing to do, as in MLflow
	}
	return none{}, err
}
