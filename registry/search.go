package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/mlite/mlite/query"
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

// invalidSearch marks query errors as store.ErrInvalid while keeping the
// query package's message (with its caret) as the error's text.
type invalidSearch struct{ err error }

func (e invalidSearch) Error() string   { return e.err.Error() }
func (e invalidSearch) Unwrap() []error { return []error{e.err, store.ErrInvalid} }

// prepared is a parsed search: filter, order and the cursor to resume at.
type prepared struct {
	filter *query.Filter
	order  *query.Order
	cursor *query.Cursor
	max    int
}

func prepare(e query.Entity, o SearchOptions, def, limit int, scope string) (*prepared, error) {
	p := &prepared{max: o.MaxResults}
	if p.max == 0 {
		p.max = def
	}
	if p.max < 1 || p.max > limit {
		return nil, fmt.Errorf("registry: search %s: invalid value %d for parameter 'max_results' supplied; it must be at most %d: %w", e, o.MaxResults, limit, store.ErrInvalid)
	}
	var err error
	if p.filter, err = query.ParseFilter(e, o.Filter); err != nil {
		return nil, invalidSearch{err}
	}
	if p.order, err = query.ParseOrderBy(e, o.OrderBy); err != nil {
		return nil, invalidSearch{err}
	}
	p.order = p.order.WithScope(scope + "|" + p.filter.String())
	if p.cursor, err = p.order.ParseToken(o.PageToken); err != nil {
		return nil, invalidSearch{err}
	}
	return p, nil
}

// SearchModels finds registered models by MLflow's filter for them
// (name and tags; =, !=, LIKE, ILIKE; AND), ordered by name,
// creation_timestamp or last_updated_timestamp (default name ASC), a page
// at a time. Prompts (tag mlflow.prompt.is_prompt = 'true') are left out
// unless the filter names that tag, as MLflow does.
func (r *Registry) SearchModels(ctx context.Context, o SearchOptions) ([]*RegisteredModel, string, error) {
	p, err := prepare(query.RegisteredModels, o, defaultSearchModels, MaxSearchModels, scopeModels)
	if err != nil {
		return nil, "", err
	}
	prompts := slices.Contains(p.filter.Needs().Tags, tagPromptIsPrompt)
	var rows []query.Keyed[*RegisteredModel]
	err = r.st.View(ctx, func(tx *store.Tx) error {
		rows = rows[:0]
		return tx.ForEachRegisteredModel(func(m *RegisteredModel) error {
			if !prompts && m.Tags[tagPromptIsPrompt] == "true" {
				return nil
			}
			rec := modelRecord{m: m}
			if !p.filter.Match(rec) {
				return nil
			}
			k := p.order.Key(rec)
			if p.cursor != nil && !p.cursor.AfterKey(k) {
				return nil
			}
			rows = append(rows, query.Keyed[*RegisteredModel]{Key: k, Value: m})
			return nil
		})
	})
	if err != nil {
		return nil, "", fmt.Errorf("registry: search registered models: %w", err)
	}
	out, next := query.Page(p.order, rows, p.max)
	return out, next, nil
}

// SearchVersions finds model versions by MLflow's filter for them (name,
// run_id, source_path, version_number and tags), ordered by name,
// version_number, creation_timestamp or last_updated_timestamp (default
// last_updated_timestamp DESC, name ASC, version_number DESC), a page at a
// time.
func (r *Registry) SearchVersions(ctx context.Context, o SearchOptions) ([]*ModelVersion, string, error) {
	p, err := prepare(query.ModelVersions, o, defaultSearchVersions, MaxSearchVersions, scopeVersions)
	if err != nil {
		return nil, "", err
	}
	names, onlyNames := p.filter.AttrValues(query.AttrName)
	var rows []query.Keyed[*ModelVersion]
	err = r.st.View(ctx, func(tx *store.Tx) error {
		rows = rows[:0]
		visit := func(mv *ModelVersion) error {
			rec := versionRecord{mv: mv}
			if !p.filter.Match(rec) {
				return nil
			}
			k := p.order.Key(rec)
			if p.cursor != nil && !p.cursor.AfterKey(k) {
				return nil
			}
			rows = append(rows, query.Keyed[*ModelVersion]{Key: k, Value: mv})
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
	out, next := query.Page(p.order, rows, p.max)
	return out, next, nil
}

type modelRecord struct {
	query.BaseRecord
	m *RegisteredModel
}

func (r modelRecord) Tag(key string) (string, bool) { v, ok := r.m.Tags[key]; return v, ok }

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
