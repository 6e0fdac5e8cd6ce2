package mlflowapi

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// modelView is a registered model as MLflow answers it: with the newest
// version in each stage.
type modelView struct {
	m      *registry.RegisteredModel
	latest []*registry.ModelVersion
}

// model reads model name for the response.
func (h *Handler) model(ctx context.Context, name string) (modelView, error) {
	m, err := h.reg.GetModel(ctx, name)
	if err != nil {
		return modelView{}, modelNotFound(err, name)
	}
	return h.modelView(ctx, m)
}

func (h *Handler) modelView(ctx context.Context, m *registry.RegisteredModel) (modelView, error) {
	latest, err := h.reg.LatestVersions(ctx, m.Name, nil)
	if err != nil {
		return modelView{}, modelNotFound(err, m.Name)
	}
	return modelView{m, latest}, nil
}

func (h *Handler) getModel(ctx context.Context, q modelRef) (modelView, error) {
	return h.model(ctx, q.name)
}

// modelMember writes member registered_model.
func modelMember(w *jsonWriter, mv modelView) {
	w.openObj("registered_model")
	writeModel(w, mv)
	w.close()
}

// writeModel writes the fields of MLflow's RegisteredModel message.
func writeModel(w *jsonWriter, mv modelView) {
	m := mv.m
	w.str("name", m.Name)
	w.int("creation_timestamp", m.CreationTime)
	w.intOpt("last_updated_timestamp", m.LastUpdatedTime)
	w.strOpt("description", m.Description)
	// MLflow lists no aliases in a model's latest versions (the model has them).
	writeArray(w, "latest_versions", mv.latest, func(w *jsonWriter, v *registry.ModelVersion) { writeVersion(w, v, nil) })
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
}

// versionView is a model version with its model's aliases (alias ->
// version), of which those naming it are listed.
type versionView struct {
	v       *registry.ModelVersion
	aliases map[string]int64
}

// writeVersion writes the fields of MLflow's ModelVersion message as its
// server fills them: description and run_link always (empty when unset),
// no user_id (MLflow's server records none for a version).
func writeVersion(w *jsonWriter, v *registry.ModelVersion, aliases map[string]int64) {
	w.str("name", v.Name)
	w.str("version", strconv.FormatInt(v.Version, 10))
	w.int("creation_timestamp", v.CreationTime)
	w.int("last_updated_timestamp", v.LastUpdatedTime)
	w.str("current_stage", v.Stage.String())
	w.str("description", v.Description)
	w.str("source", v.Source)
	w.strOpt("run_id", v.RunID)
	w.str("status", v.Status.String())
	w.keyValues("tags", v.Tags)
	w.str("run_link", "")
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
	if v.ModelID != (run.ModelID{}) {
		w.str("model_id", v.ModelID.String())
	}
}

// versionMember writes member model_version.
func versionMember(w *jsonWriter, vv versionView) {
	w.openObj("model_version")
	writeVersion(w, vv.v, vv.aliases)
	w.close()
}

// versionView reads, in one snapshot, the version get returns and its
// model's aliases.
func (h *Handler) versionView(ctx context.Context, get func(s *registry.Snapshot) (*registry.ModelVersion, error)) (versionView, error) {
	var vv versionView
	err := h.reg.Snapshot(ctx, func(s *registry.Snapshot) error {
		v, err := get(s)
		if err != nil {
			return err
		}
		m, err := s.Model(v.Name)
		if err != nil {
			return modelNotFound(err, v.Name)
		}
		vv = versionView{v, m.Aliases}
		return nil
	})
	return vv, err
}

// versionOf reads version v of model name, with MLflow's message if there
// is none.
func (h *Handler) versionOf(ctx context.Context, name string, v int64) (*registry.ModelVersion, error) {
	mv, err := h.reg.GetVersion(ctx, name, v)
	if err != nil {
		return nil, versionNotFound(err, name, v)
	}
	return mv, nil
}

// versionNamed reads version v of model name for the response.
func (h *Handler) versionNamed(ctx context.Context, name string, v int64) (versionView, error) {
	return h.versionView(ctx, func(s *registry.Snapshot) (*registry.ModelVersion, error) {
		mv, err := s.Version(name, v)
		if err != nil {
			return nil, versionNotFound(err, name, v)
		}
		return mv, nil
	})
}

func (h *Handler) getVersion(ctx context.Context, q versionRef) (versionView, error) {
	return h.versionNamed(ctx, q.name, q.v)
}

func decodeAlias(a *args) keyed[modelRef] { return keyOf(a, a.model(), "alias") }

func (h *Handler) versionByAlias(ctx context.Context, q keyed[modelRef]) (versionView, error) {
	// The registry's own read, for its message.
	v, err := h.reg.GetVersionByAlias(ctx, q.of.name, q.key)
	if err != nil {
		return versionView{}, err
	}
	return h.versionView(ctx, func(*registry.Snapshot) (*registry.ModelVersion, error) { return v, nil })
}

type latestRequest struct {
	modelRef
	stages []string
}

func decodeLatestVersions(a *args) latestRequest {
	return latestRequest{modelRef: a.model(), stages: a.strs("stages")}
}

// versionList is versions with their models' aliases, by model name.
type versionList struct {
	vs      []*registry.ModelVersion
	aliases map[string]map[string]int64
	next    string
}

func (h *Handler) latestVersions(ctx context.Context, q latestRequest) (versionList, error) {
	m, err := h.reg.GetModel(ctx, q.name)
	if err != nil {
		return versionList{}, err
	}
	vs, err := h.reg.LatestVersions(ctx, q.name, q.stages)
	return versionList{vs: vs, aliases: map[string]map[string]int64{q.name: m.Aliases}}, err
}

// writeVersionList writes model_versions and next_page_token.
func writeVersionList(w *jsonWriter, l versionList) {
	writeArray(w, "model_versions", l.vs, func(w *jsonWriter, v *registry.ModelVersion) { writeVersion(w, v, l.aliases[v.Name]) })
	w.strOpt("next_page_token", l.next)
}

// versionDownloadURI answers where a version's files are, as MLflow's
// storage location: the logged model's artifact location for a version
// made from one, otherwise its source (a runs:/ URI the client resolves
// through the run).
func (h *Handler) versionDownloadURI(ctx context.Context, q versionRef) (string, error) {
	v, err := h.versionOf(ctx, q.name, q.v)
	if err != nil {
		return "", err
	}
	if v.ModelID != (run.ModelID{}) {
		// Made from a logged model: its files are the model's.
		if m, err := h.tr.GetLoggedModel(ctx, v.ModelID); err == nil {
			return m.ArtifactLocation, nil
		}
	}
	return v.Source, nil
}

func writeArtifactURI(w *jsonWriter, uri string) { w.str("artifact_uri", uri) }

// MLflow's default page sizes of the registry searches over REST (the
// protos' defaults, which the handlers pass on).
const (
	searchModelsDefault   = 100
	searchVersionsDefault = 200_000
)

// registrySearch reads the parameters of a registry search.
func (a *args) registrySearch(def, limit int64) registry.SearchOptions {
	var o registry.SearchOptions
	o.MaxResults = a.maxResults(def, limit, true)
	o.Filter = a.str("filter")
	o.OrderBy = a.strs("order_by")
	o.PageToken = a.str("page_token")
	return o
}

func decodeModelSearch(a *args) registry.SearchOptions {
	return a.registrySearch(searchModelsDefault, registry.MaxSearchModels)
}

func decodeVersionSearch(a *args) registry.SearchOptions {
	return a.registrySearch(searchVersionsDefault, registry.MaxSearchVersions)
}

type modelPage struct {
	models []modelView
	next   string
}

func (h *Handler) searchModels(ctx context.Context, o registry.SearchOptions) (modelPage, error) {
	models, next, err := h.reg.SearchModels(ctx, o)
	if err != nil {
		return modelPage{}, err
	}
	pg := modelPage{models: make([]modelView, 0, len(models)), next: next}
	for _, m := range models {
		mv, err := h.modelView(ctx, m)
		if err != nil {
			return modelPage{}, err
		}
		// MLflow's search reads the latest versions with one SQL query
		// partitioned by stage: they come by stage name, not as get lists them.
		slices.SortFunc(mv.latest, func(a, b *registry.ModelVersion) int { return strings.Compare(a.Stage.String(), b.Stage.String()) })
		pg.models = append(pg.models, mv)
	}
	return pg, nil
}

func writeModelPage(w *jsonWriter, pg modelPage) {
	writeArray(w, "registered_models", pg.models, writeModel)
	w.strOpt("next_page_token", pg.next)
}

func (h *Handler) searchVersions(ctx context.Context, o registry.SearchOptions) (versionList, error) {
	versions, next, err := h.reg.SearchVersions(ctx, o)
	if err != nil {
		return versionList{}, err
	}
	l := versionList{vs: versions, aliases: map[string]map[string]int64{}, next: next}
	err = h.reg.Snapshot(ctx, func(s *registry.Snapshot) error {
		for _, v := range versions {
			if _, ok := l.aliases[v.Name]; ok {
				continue
			}
			m, err := s.Model(v.Name)
			if err != nil {
				return modelNotFound(err, v.Name)
			}
			l.aliases[v.Name] = m.Aliases
		}
		return nil
	})
	return l, err
}
