package mlflowapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

// modelNotFound gives a model lookup's not-found error MLflow's message.
func modelNotFound(err error, name string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "Registered Model with name=%s not found", name)
	}
	return err
}

// versionNotFound gives a version lookup's not-found error MLflow's
// message (which also covers an unknown model).
func versionNotFound(err error, name string, v int64) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "Model Version (name=%s, version=%d) not found", name, v)
	}
	return err
}

// nameVersion reads the required name and version of a model version.
// MLflow sends the version as a string; a number is taken too.
func (h *Handler) nameVersion(p *params) (string, int64, error) {
	name, err := p.required("name")
	if err != nil {
		return "", 0, err
	}
	if !p.has("version") {
		return "", 0, missing("version")
	}
	s, err := p.str("version")
	if err != nil {
		n, _, ierr := p.int("version")
		if ierr != nil {
			return "", 0, err
		}
		s = strconv.FormatInt(n, 10)
	}
	if s == "" {
		return "", 0, missing("version")
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return "", 0, invalidParam("Model version must be an integer, got '%s'", s)
	}
	return name, v, nil
}

func (h *Handler) getRegisteredModel(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	return h.writeModelNamed(r, w, name)
}

// writeModel writes the fields of MLflow's RegisteredModel message, with
// latest_versions (the newest version in each stage).
func (h *Handler) writeModel(ctx context.Context, w *jsonWriter, m *registry.RegisteredModel) error {
	latest, err := h.reg.LatestVersions(ctx, m.Name, nil)
	if err != nil {
		return modelNotFound(err, m.Name)
	}
	w.str("name", m.Name)
	w.int("creation_timestamp", m.CreationTime)
	w.intOpt("last_updated_timestamp", m.LastUpdatedTime)
	w.strOpt("description", m.Description)
	if len(latest) > 0 {
		w.openArr("latest_versions")
		for _, v := range latest {
			w.elem()
			writeVersion(w, v, m.Aliases)
			w.close()
		}
		w.closeArr()
	}
	w.keyValues("tags", m.Tags)
	if len(m.Aliases) > 0 {
		w.openArr("aliases")
		for _, a := range sortedKeys(w, m.Aliases) {
			w.elem()
			w.str("alias", a)
			w.str("version", strconv.FormatInt(m.Aliases[a], 10))
			w.close()
		}
		w.closeArr()
	}
	return nil
}

// writeVersion writes the fields of MLflow's ModelVersion message; aliases
// are the model's (alias -> version), of which those naming v are listed.
func writeVersion(w *jsonWriter, v *registry.ModelVersion, aliases map[string]int64) {
	w.str("name", v.Name)
	w.str("version", strconv.FormatInt(v.Version, 10))
	w.int("creation_timestamp", v.CreationTime)
	w.int("last_updated_timestamp", v.LastUpdatedTime)
	w.strOpt("user_id", v.UserID)
	w.str("current_stage", v.Stage.String())
	w.strOpt("description", v.Description)
	w.str("source", v.Source)
	w.strOpt("run_id", v.RunID)
	w.str("status", v.Status.String())
	w.keyValues("tags", v.Tags)
	var mine []string
	for a, n := range aliases {
		if n == v.Version {
			mine = append(mine, a)
		}
	}
	if len(mine) > 0 {
		slices.Sort(mine)
		w.openArr("aliases")
		for _, a := range mine {
			w.strElem(a)
		}
		w.closeArr()
	}
}

// version writes model_version for v, reading its model for the aliases.
func (h *Handler) version(ctx context.Context, w *jsonWriter, v *registry.ModelVersion) error {
	m, err := h.reg.GetModel(ctx, v.Name)
	if err != nil {
		return modelNotFound(err, v.Name)
	}
	w.openObj("model_version")
	writeVersion(w, v, m.Aliases)
	w.close()
	return nil
}

func (h *Handler) getModelVersion(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	return h.writeVersionNamed(r, w, name, n)
}

func (h *Handler) getLatestVersions(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	stages, err := p.strs("stages")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := h.reg.GetModel(ctx, name)
	if err != nil {
		return modelNotFound(err, name)
	}
	vs, err := h.reg.LatestVersions(ctx, name, stages)
	if err != nil {
		return modelNotFound(err, name)
	}
	if len(vs) > 0 {
		w.openArr("model_versions")
		for _, v := range vs {
			w.elem()
			writeVersion(w, v, m.Aliases)
			w.close()
		}
		w.closeArr()
	}
	return nil
}

func (h *Handler) getModelVersionByAlias(r *http.Request, p *params, w *jsonWriter) error {
	name, err := p.required("name")
	if err != nil {
		return err
	}
	alias, err := p.required("alias")
	if err != nil {
		return err
	}
	v, err := h.reg.GetVersionByAlias(r.Context(), name, alias)
	if err != nil {
		return modelNotFound(err, name)
	}
	return h.version(r.Context(), w, v)
}

// getModelVersionDownloadURI answers where a version's files are, as
// MLflow's storage location: under the source run's artifact URI for a
// runs:/ source whose run still exists, otherwise the source itself.
func (h *Handler) getModelVersionDownloadURI(r *http.Request, p *params, w *jsonWriter) error {
	name, n, err := h.nameVersion(p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := h.reg.GetVersion(ctx, name, n)
	if err != nil {
		return versionNotFound(err, name, n)
	}
	uri := v.Source
	if id, sub, err := registry.ParseRunsURI(v.Source); err == nil {
		if rec, err := h.tr.GetRun(ctx, id); err == nil && rec.ArtifactURI != "" {
			uri = rec.ArtifactURI
			if sub != "" {
				uri += "/" + sub
			}
		}
	}
	w.str("artifact_uri", uri)
	return nil
}

// MLflow's default page sizes of the registry searches over REST (the
// protos' defaults, which the handlers pass on).
const (
	searchModelsDefault   = 100
	searchVersionsDefault = 200_000
)

// registrySearch reads the parameters of a registry search.
func registrySearch(p *params, def, limit int64) (registry.SearchOptions, error) {
	var o registry.SearchOptions
	n, err := maxResults(p, def, limit, true)
	if err != nil {
		return o, err
	}
	o.MaxResults = n
	if o.Filter, err = p.str("filter"); err != nil {
		return o, err
	}
	if o.OrderBy, err = p.strs("order_by"); err != nil {
		return o, err
	}
	if o.PageToken, err = p.str("page_token"); err != nil {
		return o, err
	}
	return o, nil
}

func (h *Handler) searchRegisteredModels(r *http.Request, p *params, w *jsonWriter) error {
	o, err := registrySearch(p, searchModelsDefault, registry.MaxSearchModels)
	if err != nil {
		return err
	}
	ctx := r.Context()
	models, next, err := h.reg.SearchModels(ctx, o)
	if err != nil {
		return err
	}
	if len(models) > 0 {
		w.openArr("registered_models")
		for _, m := range models {
			w.elem()
			if err := h.writeModel(ctx, w, m); err != nil {
				return err
			}
			w.close()
		}
		w.closeArr()
	}
	w.strOpt("next_page_token", next)
	return nil
}

func (h *Handler) searchModelVersions(r *http.Request, p *params, w *jsonWriter) error {
	o, err := registrySearch(p, searchVersionsDefault, registry.MaxSearchVersions)
	if err != nil {
		return err
	}
	ctx := r.Context()
	versions, next, err := h.reg.SearchVersions(ctx, o)
	if err != nil {
		return err
	}
	aliases := map[string]map[string]int64{} // by model, read once
	if len(versions) > 0 {
		w.openArr("model_versions")
		for _, v := range versions {
			a, ok := aliases[v.Name]
			if !ok {
				m, err := h.reg.GetModel(ctx, v.Name)
				if err != nil {
					return modelNotFound(err, v.Name)
				}
				a = m.Aliases
				aliases[v.Name] = a
			}
			w.elem()
			writeVersion(w, v, a)
			w.close()
		}
		w.closeArr()
	}
	w.strOpt("next_page_token", next)
	return nil
}
