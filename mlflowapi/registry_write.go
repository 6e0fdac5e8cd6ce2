package mlflowapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

// modelError gives a registry write's error MLflow's message and code:
// unknown models and versions, names taken, and a refused promotion gate
// (beyond MLflow) as BAD_REQUEST with the gate's report.
func modelError(err error, name string, v int64) error {
	var gate *registry.GateError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &gate):
		return &apiError{code: codeBadRequest, err: err, msg: err.Error()}
	case errors.Is(err, store.ErrNotFound) && v > 0:
		return versionNotFound(err, name, v)
	case errors.Is(err, store.ErrNotFound):
		return modelNotFound(err, name)
	}
	return err
}

// tagMap reads repeated tags as a map; nil when there are none.
func tagMap(p *params, name string) (map[string]string, error) {
	kvs, err := p.keyValues(name)
	if err != nil || len(kvs) == 0 {
		return nil, err
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.key] = kv.value
	}
	return m, nil
}

// writeModelNamed writes member registered_model: model name as stored.
func (h *Handler) writeModelNamed(r *http.Request, w *jsonWriter, name string) error {
	m, err := h.reg.GetModel(r.Context(), name)
	if err != nil {
		return modelNotFound(err, name)
	}
	w.openObj("registered_model")
	if err := h.writeModel(r.Context(), w, m); err != nil {
		return err
	}
	w.close()
	return nil
}

// writeVersionNamed writes member model_version: version v of model name.
func (h *Handler) writeVersionNamed(r *http.Request, w *jsonWriter, name string, v int64) error {
	mv, err := h.reg.GetVersion(r.Context(), name, v)
	if err != nil {
		return versionNotFound(err, name, v)
	}
	return h.version(r.Context(), w, mv)
}

func (h *Handler) createRegisteredModel(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	tags, err := tagMap(p, "tags")
	if err != nil {
		return err
	}
	desc, err := p.str("description")
	if err != nil {
		return err
	}
	_, err = h.reg.CreateModel(r.Context(), name, tags, desc)
	if errors.Is(err, store.ErrExists) {
		return &apiError{code: codeAlreadyExists, err: err, msg: fmt.Sprintf("Registered Model (name=%s) already exists.", name)}
	}
	if err != nil {
		return err
	}
	return h.writeModelNamed(r, w, name)
}

func (h *Handler) renameRegisteredModel(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	newName, err := p.required("new_name")
	if err != nil {
		return err
	}
	err = h.reg.RenameModel(r.Context(), name, newName)
	if errors.Is(err, store.ErrExists) {
		return &apiError{code: codeAlreadyExists, err: err, msg: fmt.Sprintf("Registered Model (name=%s) already exists.", newName)}
	}
	if err := modelError(err, name, 0); err != nil {
		return err
	}
	return h.writeModelNamed(r, w, newName)
}

func (h *Handler) updateRegisteredModel(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	if p.has("description") {
		desc, err := p.str("description")
		if err != nil {
			return err
		}
		if err := modelError(h.reg.UpdateModelDescription(r.Context(), name, desc), name, 0); err != nil {
			return err
		}
	}
	return h.writeModelNamed(r, w, name)
}

func (h *Handler) deleteRegisteredModel(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	return modelError(h.reg.DeleteModel(r.Context(), name), name, 0)
}

func (h *Handler) setRegisteredModelTag(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
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
	return modelError(h.reg.SetModelTag(r.Context(), name, key, value), name, 0)
}

func (h *Handler) deleteRegisteredModelTag(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := h.reg.GetModel(ctx, name); err != nil {
		return modelNotFound(err, name)
	}
	err = h.reg.DeleteModelTag(ctx, name, key)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "No tag with name: %s in registered model with name %s", key, name)
	}
	return err
}

// registeredModelAlias serves registered-models/alias: GET reads the
// version an alias names, POST sets it, DELETE removes it.
func (h *Handler) registeredModelAlias(r *http.Request, p *params, w *jsonWriter) error {
	switch r.Method {
	case http.MethodPost:
		name, n, err := h.nameVersion(p)
		if err != nil {
			return err
		}
		alias, err := p.required("alias")
		if err != nil {
			return err
		}
		return modelError(h.reg.SetAlias(r.Context(), name, alias, n), name, n)
	case http.MethodDelete:
		name, err := p.required("name")
		if err != nil {
			return err
		}
		alias, err := p.required("alias")
		if err != nil {
			return err
		}
		return modelError(h.reg.DeleteAlias(r.Context(), name, alias), name, 0)
	}
	return h.getModelVersionByAlias(r, p, w)
}

// versionSource turns a model version's source into the runs:/ URI the
// registry copies from: a runs:/ URI as it is, or a run's artifact
// location under mlflow-artifacts:/<experiment>/<run>/artifacts[/<path>]
// (what the client sends once it has resolved runs:/) mapped back to it.
func (h *Handler) versionSource(r *http.Request, source string) (string, error) {
	if strings.HasPrefix(source, "runs:/") {
		return source, nil
	}
	if loc, ok := strings.CutPrefix(source, "mlflow-artifacts:"); ok {
		t, err := h.resolveProxy(r, strings.TrimLeft(loc, "/"))
		if err != nil {
			return "", err
		}
		return "runs:/" + t.run + "/" + t.path, nil
	}
	return "", invalidParam("Unsupported model version source '%s': mlite registers versions from runs:/<run_id>/<path> or a run's mlflow-artifacts:/ location.", source)
}

func (h *Handler) createModelVersion(r *http.Request, p *params, w *jsonWriter) error {
	ctx := r.Context()
	name, err := p.required("name")
	if err != nil {
		return err
	}
	source, err := p.required("source")
	if err != nil {
		return err
	}
	runID, err := p.str("run_id")
	if err != nil {
		return err
	}
	tags, err := tagMap(p, "tags")
	if err != nil {
		return err
	}
	desc, err := p.str("description")
	if err != nil {
		return err
	}
	// MLflow's server wants the model registered first.
	if _, err := h.reg.GetModel(ctx, name); err != nil {
		return modelNotFound(err, name)
	}
	src, err := h.versionSource(r, source)
	if err != nil {
		return err
	}
	mv, err := h.reg.CreateVersion(ctx, name, src, runID)
	if err != nil {
		// The model exists: what is missing is the source's run or
		// files, which the registry's message names.
		return err
	}
	for _, k := range sortedKeys(w, tags) {
		if err := h.reg.SetVersionTag(ctx, name, mv.Version, k, tags[k]); err != nil {
			return modelError(err, name, mv.Version)
		}
	}
	if desc != "" {
		if err := h.reg.UpdateVersionDescription(ctx, name, mv.Version, desc); err != nil {
			return modelError(err, name, mv.Version)
		}
	}
	return h.writeVersionNamed(r, w, name, mv.Version)
}

func (h *Handler) updateModelVersion(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	if p.has("description") {
		desc, err := p.str("description")
		if err != nil {
			return err
		}
		if err := modelError(h.reg.UpdateVersionDescription(r.Context(), name, n, desc), name, n); err != nil {
			return err
		}
	}
	return h.writeVersionNamed(r, w, name, n)
}

func (h *Handler) transitionModelVersionStage(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	stage, err := p.required("stage")
	if err != nil {
		return err
	}
	archive, _, err := p.bool("archive_existing_versions")
	if err != nil {
		return err
	}
	if _, err := registry.ParseStage(stage); err != nil {
		return invalidParam("Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.", stage)
	}
	if _, err := h.reg.TransitionStage(r.Context(), name, n, stage, archive); err != nil {
		return modelError(err, name, n)
	}
	return h.writeVersionNamed(r, w, name, n)
}

func (h *Handler) deleteModelVersion(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	return modelError(h.reg.DeleteVersion(r.Context(), name, n), name, n)
}

func (h *Handler) setModelVersionTag(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
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
	return modelError(h.reg.SetVersionTag(r.Context(), name, n, key, value), name, n)
}

func (h *Handler) deleteModelVersionTag(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	key, err := p.required("key")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := h.reg.GetVersion(ctx, name, n); err != nil {
		return versionNotFound(err, name, n)
	}
	err = h.reg.DeleteVersionTag(ctx, name, n, key)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "No tag with name: %s in model version (name=%s, version=%d)", key, name, n)
	}
	return err
}
