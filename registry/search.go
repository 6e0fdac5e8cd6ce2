package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// SearchOptions select, order and page a registry search. Filter and
// OrderBy are MLflow's for registered models or model versions; the zero
// MaxResults is MLflow's default for the search (100 models, 10,000
// versions).
type SearchOptions struct {
	Filter     string
	OrderBy    []string
	MaxResults int
	PageToken  string
}

// Search limits, MLflow's.
const (
	MaxSearchModels       = 1000
	MaxSearchVersions     = 200_000
	defaultSearchModels   = 100
	defaultSearchVersions = 10_000
	tagPromptIsPrompt     = "mlflow.prompt.is_prompt"
	scopeModels           = "registered models"
	scopeVersions         = "model versions"
)

// prepare parses a registry search and its page size (def when zero, at
// most limit).
func prepare(e query.Entity, o SearchOptions, def, limit int, scope string) (*query.Search, int, error) {
	max := o.MaxResults
	if max == 0 {
		max = def
	}
	if max < 1 || max > limit {
		return nil, 0, fmt.Errorf("registry: search %s: invalid value %d for parameter 'max_results' supplied; it must be at most %d: %w", e, o.MaxResults, limit, store.ErrInvalid)
	}
	s, err := run.ParseSearch(e, o.Filter, o.OrderBy, func(f *query.Filter) string { return scope + "|" + f.String() }, o.PageToken)
	return s, max, err
}

// SearchModels finds registered models by MLflow's filter for them
// (name and tags; =, !=, LIKE, ILIKE; AND), ordered by name,
// creation_timestamp or last_updated_timestamp (default name ASC), a page
// at a time. As in MLflow, prompts (tag mlflow.prompt.is_prompt = 'true')
// are found only by a filter asking for them (that tag = 'true' or !=
// 'false'); any other filter finds models only, and reads their prompt
// tag as 'false' (the mlflow client adds "tags.`mlflow.prompt.is_prompt`
// != 'true'" to every search).
func (r *Registry) SearchModels(ctx context.Context, o SearchOptions) ([]*RegisteredModel, string, error) {
	s, max, err := prepare(query.RegisteredModels, o, defaultSearchModels, MaxSearchModels, scopeModels)
	if err != nil {
		return nil, "", err
	}
	prompts := queriesPrompts(s.Filter)
	found := query.Collect[*RegisteredModel](s)
	err = r.st.View(ctx, func(tx *store.Tx) error {
		found.Reset()
		return tx.ForEachRegisteredModel(func(m *RegisteredModel) error {
			isPrompt := m.Tags[tagPromptIsPrompt] == "true"
			switch {
			case prompts:
				found.Offer(modelRecord{m: m}, m)
			case !isPrompt:
				found.Offer(modelRecord{m: m, notPrompt: true}, m)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", fmt.Errorf("registry: search registered models: %w", err)
	}
	out, next := found.Page(max)
	return out, next, nil
}

// SearchVersions finds model versions by MLflow's filter for them (name,
// run_id, source_path, version_number and tags), ordered by name,
// version_number, creation_timestamp or last_updated_timestamp (default
// last_updated_timestamp DESC, name ASC, version_number DESC), a page at a
// time.
func (r *Registry) SearchVersions(ctx context.Context, o SearchOptions) ([]*ModelVersion, string, error) {
	s, max, err := prepare(query.ModelVersions, o, defaultSearchVersions, MaxSearchVersions, scopeVersions)
	if err != nil {
		return nil, "", err
	}
	names, onlyNames := s.Filter.AttrValues(query.AttrName)
	found := query.Collect[*ModelVersion](s)
	err = r.st.View(ctx, func(tx *store.Tx) error {
		found.Reset()
		visit := func(mv *ModelVersion) error {
			found.Offer(versionRecord{mv: mv}, mv)
			return nil
		}
		if onlyNames {
			// name = 'X' (or IN): read only those models' versions.
			for _, n := range names {
				if err := tx.ModelVersions(n, visit); err != nil {
					return err
				}
			}
			return nil
		}
		return tx.ForEachRegisteredModel(func(m *RegisteredModel) error { return tx.ModelVersions(m.Name, visit) })
	})
	if err != nil {
		return nil, "", fmt.Errorf("registry: search model versions: %w", err)
	}
	out, next := found.Page(max)
	return out, next, nil
}

// queriesPrompts reports whether a registered model filter asks for
// prompts, as MLflow's _is_querying_prompt decides it.
func queriesPrompts(f *query.Filter) bool {
	eq, ne := f.TagComparisons(tagPromptIsPrompt)
	return slices.ContainsFunc(eq, func(v string) bool { return strings.EqualFold(v, "true") }) ||
		slices.ContainsFunc(ne, func(v string) bool { return strings.EqualFold(v, "false") })
}

type modelRecord struct {
	query.BaseRecord
	m         *RegisteredModel
	notPrompt bool // a search for models: the prompt tag reads 'false'
}

func (r modelRecord) Tag(key string) (string, bool) {
	if r.notPrompt && key == tagPromptIsPrompt {
		return "false", true
	}
	v, ok := r.m.Tags[key]
	return v, ok
}

func (r modelRecord) Attr(name string) (query.Value, bool) {
	switch name {
	case query.AttrName:
		return query.StringValue(r.m.Name), true
	case query.AttrCreationTimestamp:
		return query.IntValue(r.m.CreationTime), true
	case query.AttrLastUpdatedTimestamp:
		return query.IntValue(r.m.LastUpdatedTime), true
	}
	return query.Value{}, false
}

type versionRecord struct {
	query.BaseRecord
	mv *ModelVersion
}

func (r versionRecord) Tag(key string) (string, bool) { v, ok := r.mv.Tags[key]; return v, ok }

func (r versionRecord) Attr(name string) (query.Value, bool) {
	switch name {
	case query.AttrName:
		return query.StringValue(r.mv.Name), true
	case query.AttrRunID:
		return query.StringValue(r.mv.RunID), true
	case query.AttrSource:
		return query.StringValue(r.mv.Source), true
	case query.AttrVersionNumber:
		return query.IntValue(r.mv.Version), true
	case query.AttrCreationTimestamp:
		return query.IntValue(r.mv.CreationTime), true
	case query.AttrLastUpdatedTimestamp:
		return query.IntValue(r.mv.LastUpdatedTime), true
	}
	return query.Value{}, false
}

var (
	_ query.Record = modelRecord{}
	_ query.Record = versionRecord{}
)
