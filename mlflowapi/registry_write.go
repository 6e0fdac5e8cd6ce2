package mlflowapi

import (
	"context"
	"errors"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
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

func decodeRenameModel(a *args) modelKeyValue {
	return modelKeyValue{modelRef: a.model(), value: a.required("new_name")}
}

func (h *Handler) renameModel(ctx context.Context, q modelKeyValue) (modelView, error) {
	if err := h.reg.RenameModel(ctx, q.name, q.value); err != nil {
		return modelView{}, alreadyExists(err, "Registered Model (name=%s) already exists.", q.value)
	}
	return h.model(ctx, q.value)
}

type updateModelRequest struct {
	modelRef
	desc *string // nil: left as it is
}

func decodeUpdateModel(a *args) updateModelRequest {
	return updateModelRequest{a.model(), a.optional("description")}
}

func (h *Handler) updateModel(ctx context.Context, q updateModelRequest) (modelView, error) {
	if q.desc != nil {
		if err := h.reg.UpdateModelDescription(ctx, q.name, *q.desc); err != nil {
			return modelView{}, err
		}
	}
	return h.model(ctx, q.name)
}

func (h *Handler) deleteModel(ctx context.Context, q modelRef) (none, error) {
	return none{}, h.reg.DeleteModel(ctx, q.name)
}

func decodeModelTag(a *args) modelKeyValue {
	return modelKeyValue{modelRef: a.model(), key: a.required("key"), value: a.str("value")}
}

func decodeModelTagKey(a *args) modelKeyValue {
	return modelKeyValue{modelRef: a.model(), key: a.required("key")}
}

func (h *Handler) setModelTag(ctx context.Context, q modelKeyValue) (none, error) {
	return none{}, h.reg.SetModelTag(ctx, q.name, q.key, q.value)
}

func (h *Handler) deleteModelTag(ctx context.Context, q modelKeyValue) (none, error) {
	if _, err := h.reg.GetModel(ctx, q.name); err != nil {
		return none{}, err
	}
	err := h.reg.DeleteModelTag(ctx, q.name, q.key)
	if errors.Is(err, mlite.ErrNotFound) {
		return none{}, notFound(err, "No tag with name: %s in registered model with name %s", q.key, q.name)
	}
	return none{}, err
}

// versionKeyValue is a request about a model version with a key (a tag's,
// an alias or a stage) and a value.
type versionKeyValue struct {
	versionRef
	key, value string
	archive    bool // transition-stage's archive_existing_versions
}

func decodeSetAlias(a *args) versionKeyValue {
	return versionKeyValue{versionRef: a.version(), key: a.required("alias")}
}

func (h *Handler) setAlias(ctx context.Context, q versionKeyValue) (none, error) {
	return none{}, h.reg.SetAlias(ctx, q.name, q.key, q.v)
}

func (h *Handler) deleteAlias(ctx context.Context, q modelKeyValue) (none, error) {
	return none{}, h.reg.DeleteAlias(ctx, q.name, q.key)
}

// versionSource turns a model version's source into the runs:/ URI the
// registry copies from: a runs:/ URI as it is, or a run's artifact
// location under mlflow-artifacts:/<experiment>/<run>/artifacts[/<path>]
// (what the client sends once it has resolved runs:/) mapped back to it.
func (h *Handler) versionSource(ctx context.Context, source string) (string, error) {
	if strings.HasPrefix(source, "runs:/") {
		return source, nil
	}
	if loc, ok := strings.CutPrefix(source, "mlflow-artifacts:"); ok {
		t, err := h.resolveProxy(ctx, strings.TrimLeft(loc, "/"))
		if err != nil {
			return "", err
		}
		return "runs:/" + t.run + "/" + t.path, nil
	}
	return "", invalidParam("Unsupported model version source '%s': mlite registers versions from runs:/<run_id>/<path> or a run's mlflow-artifacts:/ location.", source)
}

type createVersionRequest struct {
	modelRequest
	source, runID string
}

func decodeCreateVersion(a *args) createVersionRequest {
	var q createVersionRequest
	q.name = a.required("name")
	q.source = a.required("source")
	q.runID = a.str("run_id")
	q.tags = a.tags("tags")
	q.desc = a.str("description")
	return q
}

func (h *Handler) createVersion(ctx context.Context, q createVersionRequest) (versionView, error) {
	// MLflow's server wants the model registered first.
	if _, err := h.reg.GetModel(ctx, q.name); err != nil {
		return versionView{}, modelNotFound(err, q.name)
	}
	src, err := h.versionSource(ctx, q.source)
	if err != nil {
		return versionView{}, err
	}
	mv, err := h.reg.CreateVersion(ctx, q.name, src, q.runID)
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

type updateVersionRequest struct {
	versionRef
	desc *string // nil: left as it is
}

func decodeUpdateVersion(a *args) updateVersionRequest {
	return updateVersionRequest{a.version(), a.optional("description")}
}

func (h *Handler) updateVersion(ctx context.Context, q updateVersionRequest) (versionView, error) {
	if q.desc != nil {
		if err := h.reg.UpdateVersionDescription(ctx, q.name, q.v, *q.desc); err != nil {
			return versionView{}, err
		}
	}
	return h.versionNamed(ctx, q.name, q.v)
}

func decodeTransition(a *args) versionKeyValue {
	q := versionKeyValue{versionRef: a.version(), key: a.required("stage"), archive: a.bool("archive_existing_versions")}
	if a.ok() {
		if _, err := registry.ParseStage(q.key); err != nil {
			a.fail(invalidParam("Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", q.key))
		}
	}
	return q
}

func (h *Handler) transitionStage(ctx context.Context, q versionKeyValue) (versionView, error) {
	if _, err := h.reg.TransitionStage(ctx, q.name, q.v, q.key, q.archive); err != nil {
		return versionView{}, err
	}
	return h.versionNamed(ctx, q.name, q.v)
}

func (h *Handler) deleteVersion(ctx context.Context, q versionRef) (none, error) {
	return none{}, h.reg.DeleteVersion(ctx, q.name, q.v)
}

func decodeVersionTag(a *args) versionKeyValue {
	return versionKeyValue{versionRef: a.version(), key: a.required("key"), value: a.str("value")}
}

func decodeVersionTagKey(a *args) versionKeyValue {
	return versionKeyValue{versionRef: a.version(), key: a.required("key")}
}

func (h *Handler) setVersionTag(ctx context.Context, q versionKeyValue) (none, error) {
	return none{}, h.reg.SetVersionTag(ctx, q.name, q.v, q.key, q.value)
}

func (h *Handler) deleteVersionTag(ctx context.Context, q versionKeyValue) (none, error) {
	if _, err := h.versionOf(ctx, q.name, q.v); err != nil {
		return none{}, err
	}
	err := h.reg.DeleteVersionTag(ctx, q.name, q.v, q.key)
	if errors.Is(err, mlite.ErrNotFound) {
		return none{}, notFound(err, "No tag with name: %s in model version (name=%s, version=%d)", q.key, q.name, q.v)
	}
	return none{}, err
}
