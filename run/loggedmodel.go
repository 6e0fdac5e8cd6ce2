package run

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mlite/mlite/internal/runname"
	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/store"
)

// MLflow 3 logged models: a model with its own id (m-<32 hex>), params,
// tags, metrics and artifact tree, logged by a run (its source run) or on
// its own. mlflow.<flavor>.log_model creates one (PENDING), uploads its
// files, links it to the run as an output and finalizes it (READY or
// UPLOAD_FAILED); models:/m-<id> names it.

// DefaultLoggedModelResults is how many logged models a search returns
// when LoggedModelSearch.MaxResults is zero, as in MLflow.
const DefaultLoggedModelResults = 100

// MaxLoggedModelParams is how many params one CreateLoggedModel or
// LogLoggedModelParams call takes at most.
const MaxLoggedModelParams = 1000

// LoggedModelOptions describe a new logged model. The zero value is a model
// with a generated name and no source run.
type LoggedModelOptions struct {
	// Name is the model's name; zero: a generated one ("clever-fox-123").
	// It may not contain / : . % " or '.
	Name string
	// SourceRunID is the run that produced the model, as MLflow's
	// source_run_id (not checked: MLflow accepts any).
	SourceRunID string
	// ModelType is free text, e.g. "sklearn".
	ModelType string
	Tags      map[string]string
	Params    map[string]string
}

// modelOwner is logged model id's artifact tree: it takes files unless the
// model is deleted.
func modelOwner(id ModelID) owner {
	return owner{
		ix:     store.ModelFiles(id),
		exists: func(tx *store.Tx) error { _, err := tx.LoggedModel(id); return err },
		writable: func(tx *store.Tx) error {
			m, err := tx.LoggedModel(id)
			if err == nil && m.Lifecycle == store.Deleted {
				err = fmt.Errorf("logged model %s is deleted and takes no artifacts: %w", id, store.ErrDeleted)
			}
			return err
		},
		location: func(tx *store.Tx) (string, error) {
			m, err := tx.LoggedModel(id)
			if err != nil {
				return "", err
			}
			return m.ArtifactLocation, nil
		},
	}
}

// validateModelName applies MLflow's rule for logged model names.
func validateModelName(name string) error {
	if name == "" || strings.ContainsAny(name, "/:.%\"'") {
		return fmt.Errorf("run: invalid model name (%q) provided: a model name must be a non-empty string and cannot contain / : . %% \" or ': %w", name, store.ErrInvalid)
	}
	return nil
}

func validateModelParams(params map[string]string) error {
	if len(params) > MaxLoggedModelParams {
		return fmt.Errorf("run: %d params for a logged model; the limit is %d per call: %w", len(params), MaxLoggedModelParams, store.ErrInvalid)
	}
	for _, k := range sortedKeys(params) {
		if err := validate.Key("param", k); err != nil {
			return err
		}
		if err := validate.ParamValue(k, params[k]); err != nil {
			return err
		}
	}
	return nil
}

func validateModelTags(tags map[string]string) error {
	for _, k := range sortedKeys(tags) {
		if err := validateTag(k, tags[k]); err != nil {
			return err
		}
	}
	return nil
}

// CreateLoggedModel creates a logged model in experiment exp, which must be
// active (store.ErrDeleted otherwise), with status PENDING and the artifact
// location "<experiment artifact location>/models/m-<id>/artifacts", as
// MLflow's create_logged_model.
func (t *Tracker) CreateLoggedModel(ctx context.Context, exp ExperimentID, o LoggedModelOptions) (*LoggedModel, error) {
	if o.Name == "" {
		o.Name = runname.New(nil)
	}
	if err := validateModelName(o.Name); err != nil {
		return nil, err
	}
	if err := validateModelParams(o.Params); err != nil {
		return nil, err
	}
	if err := validateModelTags(o.Tags); err != nil {
		return nil, err
	}
	now := t.now()
	m := &LoggedModel{
		ID: t.opts.NewModelID(), ExperimentID: exp, Name: o.Name, CreationTime: now, LastUpdatedTime: now,
		Status: ModelPending, ModelType: o.ModelType, SourceRunID: o.SourceRunID,
		Tags: maps.Clone(o.Tags), Params: maps.Clone(o.Params),
	}
	if m.Tags == nil {
		m.Tags = map[string]string{}
	}
	if m.Params == nil {
		m.Params = map[string]string{}
	}
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		x, err := tx.Experiment(exp)
		if err != nil {
			return err
		}
		if x.Lifecycle == store.Deleted {
			return fmt.Errorf("experiment %s is deleted: %w", exp, store.ErrDeleted)
		}
		m.ArtifactLocation = appendURIPath(x.ArtifactLocation, "models", m.ID.String(), "artifacts")
		return tx.CreateLoggedModel(m)
	})
	if err != nil {
		return nil, fmt.Errorf("run: create logged model %q: %w", o.Name, err)
	}
	return m, nil
}

// GetLoggedModel returns logged model id, deleted or not (its Lifecycle
// says), or an error wrapping store.ErrNotFound.
func (t *Tracker) GetLoggedModel(ctx context.Context, id ModelID) (*LoggedModel, error) {
	var m *LoggedModel
	err := t.st.View(ctx, func(tx *store.Tx) (err error) { m, err = tx.LoggedModel(id); return err })
	if err != nil {
		return nil, fmt.Errorf("run: logged model %s: %w", id, err)
	}
	return m, nil
}

// updateModel applies fn to logged model id in one durable transaction and
// stamps its last-update time. fn may refuse with an error.
func (t *Tracker) updateModel(ctx context.Context, id ModelID, what string, fn func(m *LoggedModel) error) (*LoggedModel, error) {
	var out *LoggedModel
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.LoggedModel(id)
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
		m.LastUpdatedTime = t.now()
		out = m
		return tx.PutLoggedModel(m)
	})
	if err != nil {
		return nil, fmt.Errorf("run: %s logged model %s: %w", what, id, err)
	}
	return out, nil
}

// FinalizeLoggedModel sets logged model id's status: MLflow's
// finalize_logged_model (READY after its files are uploaded,
// UPLOAD_FAILED if that failed).
func (t *Tracker) FinalizeLoggedModel(ctx context.Context, id ModelID, status ModelStatus) (*LoggedModel, error) {
	return t.updateModel(ctx, id, "finalize", func(m *LoggedModel) error {
		if status > ModelUploadFailed {
			return fmt.Errorf("status %d: %w", status, store.ErrInvalid)
		}
		m.Status = status
		return nil
	})
}

// DeleteLoggedModel marks logged model id deleted (MLflow's soft delete):
// searches and GetLoggedModel's callers skip it; its files stay until the
// model is purged with its experiment.
func (t *Tracker) DeleteLoggedModel(ctx context.Context, id ModelID) error {
	_, err := t.updateModel(ctx, id, "delete", func(m *LoggedModel) error {
		m.Lifecycle = store.Deleted
		return nil
	})
	return err
}

// SetLoggedModelTags sets tags on logged model id, replacing the values of
// keys it has.
func (t *Tracker) SetLoggedModelTags(ctx context.Context, id ModelID, tags map[string]string) error {
	if err := validateModelTags(tags); err != nil {
		return err
	}
	_, err := t.updateModel(ctx, id, "set tags of", func(m *LoggedModel) error {
		maps.Copy(m.Tags, tags)
		return nil
	})
	return err
}

// DeleteLoggedModelTag removes tag key from logged model id; a key it does
// not have is store.ErrNotFound, as in MLflow.
func (t *Tracker) DeleteLoggedModelTag(ctx context.Context, id ModelID, key string) error {
	_, err := t.updateModel(ctx, id, "delete tag of", func(m *LoggedModel) error {
		if _, ok := m.Tags[key]; !ok {
			return fmt.Errorf("no tag with key %q: %w", key, store.ErrNotFound)
		}
		delete(m.Tags, key)
		return nil
	})
	return err
}

// LogLoggedModelParams adds params to logged model id. Params are
// write-once, as a run's: the same value again is fine, another value
// fails with an error wrapping store.ErrConflict.
func (t *Tracker) LogLoggedModelParams(ctx context.Context, id ModelID, params map[string]string) error {
	if err := validateModelParams(params); err != nil {
		return err
	}
	_, err := t.updateModel(ctx, id, "log params to", func(m *LoggedModel) error {
		for _, k := range sortedKeys(params) {
			if old, ok := m.Params[k]; ok && old != params[k] {
				return fmt.Errorf("param %q was logged with value %q; it cannot change to %q: %w", k, old, params[k], store.ErrConflict)
			}
			m.Params[k] = params[k]
		}
		return nil
	})
	return err
}

// appendModelMetrics adds metrics logged by run to the logged models they
// name, inside tx: what LogBatch does for metrics with a ModelID.
func (t *Tracker) appendModelMetrics(tx *store.Tx, run ID, metrics []Metric) error {
	byModel := map[ModelID][]ModelMetric{}
	var order []ModelID
	seen := map[Metric]bool{} // identical values are logged once, as in MLflow
	for _, x := range metrics {
		if x.ModelID == (ModelID{}) || seen[x] {
			continue
		}
		seen[x] = true
		if byModel[x.ModelID] == nil {
			order = append(order, x.ModelID)
		}
		byModel[x.ModelID] = append(byModel[x.ModelID], ModelMetric{
			Key: x.Key, Value: x.Value, Time: x.Time, Step: x.Step,
			DatasetName: x.DatasetName, DatasetDigest: x.DatasetDigest, RunID: run.String(),
		})
	}
	for _, id := range order {
		m, err := tx.LoggedModel(id)
		if err != nil {
			return err
		}
		// A value the model has already (the client links a run's
		// metrics by logging them again) is kept once, as in MLflow.
		have := make(map[ModelMetric]bool, len(m.Metrics))
		for _, x := range m.Metrics {
			have[x] = true
		}
		for _, x := range byModel[id] {
			if !have[x] {
				m.Metrics = append(m.Metrics, x)
			}
		}
		m.LastUpdatedTime = t.now()
		if err := tx.PutLoggedModel(m); err != nil {
			return err
		}
	}
	return nil
}

// LinkModels links logged models to run id as its inputs or outputs
// (MLflow's log_inputs models and log_outputs). The run must be active;
// the models need not exist, as in MLflow.
func (t *Tracker) LinkModels(ctx context.Context, id ID, links []RunModel) error {
	err := t.st.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		if err := activeRun(r); err != nil {
			return err
		}
		for _, l := range links {
			if err := tx.PutRunModel(id, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("run: link models to run %s: %w", id, err)
	}
	return nil
}

// RunModels returns the logged models linked to run id: its model inputs,
// then its model outputs.
func (t *Tracker) RunModels(ctx context.Context, id ID) ([]RunModel, error) {
	links, err := t.RunModelsOf(ctx, []ID{id})
	return links[id], err
}

// RunModelsOf returns the logged models linked to each of the runs ids,
// read in one transaction; runs without links are left out.
func (t *Tracker) RunModelsOf(ctx context.Context, ids []ID) (map[ID][]RunModel, error) {
	var out map[ID][]RunModel
	err := t.st.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = runModelsOf(tx, ids)
		return err
	})
	return out, err
}

// runModelsOf reads the logged models linked to each of the runs ids in
// tx; runs without links are left out, and the map is nil when no run has
// any.
func runModelsOf(tx *store.Tx, ids []ID) (map[ID][]RunModel, error) {
	var out map[ID][]RunModel
	for _, id := range ids {
		links, err := tx.RunModels(id)
		if err != nil {
			return nil, err
		}
		if len(links) > 0 {
			if out == nil {
				out = map[ID][]RunModel{}
			}
			out[id] = links
		}
	}
	return out, nil
}

// Logged model artifacts: the same tree operations as a run's.

// LogModelArtifacts stores every file under localDir in logged model id's
// artifact tree, under artifactDir ("" for the root). See LogArtifacts.
func (t *Tracker) LogModelArtifacts(ctx context.Context, id ModelID, localDir, artifactDir string) error {
	return t.logDir(ctx, modelOwner(id), localDir, artifactDir)
}

// LogModelReader stores what r yields as the file artifactFile of logged
// model id. See LogReader.
func (t *Tracker) LogModelReader(ctx context.Context, id ModelID, r io.Reader, artifactFile string) error {
	return t.logReader(ctx, modelOwner(id), r, artifactFile)
}

// ListModelArtifacts lists logged model id's files under dir. See
// ListArtifacts.
func (t *Tracker) ListModelArtifacts(ctx context.Context, id ModelID, dir string, recursive bool) ([]FileInfo, error) {
	return t.listFiles(ctx, modelOwner(id), dir, recursive)
}

// OpenModelArtifact returns a verifying reader of logged model id's file
// p. See OpenArtifact.
func (t *Tracker) OpenModelArtifact(ctx context.Context, id ModelID, p string) (io.ReadCloser, error) {
	return t.openFile(ctx, modelOwner(id), p)
}

// DeleteModelArtifact removes the file or folder p from logged model id's
// tree. See DeleteArtifact.
func (t *Tracker) DeleteModelArtifact(ctx context.Context, id ModelID, p string) error {
	return t.deleteFiles(ctx, modelOwner(id), p)
}

// DownloadModelArtifacts copies logged model id's file or folder p ("" for
// all) under dstDir. See DownloadArtifacts.
func (t *Tracker) DownloadModelArtifacts(ctx context.Context, id ModelID, p, dstDir string) (string, error) {
	return t.downloadFiles(ctx, modelOwner(id), p, dstDir)
}

// DatasetRef names a dataset by name and, optionally, digest.
type DatasetRef struct {
	Name   string
	Digest string // "" for any
}

func (d DatasetRef) admits(x *ModelMetric) bool {
	return x.DatasetName == d.Name && (d.Digest == "" || x.DatasetDigest == d.Digest)
}

// ModelOrder is one key of a logged model search's order: an attribute
// (name, model_id, creation_timestamp, ...) or a metric
// ("metrics.<key>"), optionally the metric's value on one dataset.
type ModelOrder struct {
	Field         string
	Ascending     bool
	DatasetName   string
	DatasetDigest string
}

// LoggedModelSearch is MLflow's search_logged_models request.
type LoggedModelSearch struct {
	ExperimentIDs []ExperimentID
	// Filter is the query language over LoggedModels (package query).
	Filter string
	// Datasets, if any, limit metric comparisons to values on one of
	// these datasets; without a metric comparison, a model must have a
	// metric on one of them.
	Datasets []DatasetRef
	OrderBy  []ModelOrder
	// MaxResults is the page size; zero: DefaultLoggedModelResults.
	MaxResults int
	PageToken  string
}

// LoggedModelPage is one page of a logged model search.
type LoggedModelPage struct {
	Models        []*LoggedModel
	NextPageToken string // "" on the last page
}

// orderAttrs maps the order_by field names MLflow accepts to attributes.
var orderAttrs = map[string]string{
	"model_id": query.AttrModelID, "name": query.AttrName, "model_type": query.AttrModelType,
	"status": query.AttrStatus, "source_run_id": query.AttrSourceRunID, "artifact_location": query.AttrArtifactLocation,
	"experiment_id": query.AttrExperimentID, "status_message": "status_message", "lifecycle_stage": "lifecycle_stage",
	"creation_timestamp_ms": query.AttrCreationTimestamp, "creation_timestamp": query.AttrCreationTimestamp,
	"creation_time": query.AttrCreationTimestamp, "last_updated_timestamp_ms": query.AttrLastUpdatedTimestamp,
	"last_updated_timestamp": query.AttrLastUpdatedTimestamp,
}

// modelRecord is a logged model as the query package sees it. Metrics
// read the latest value (by timestamp, then step) among the values on the
// search's datasets.
type modelRecord struct {
	query.BaseRecord
	m        *LoggedModel
	datasets []DatasetRef
}

func (r *modelRecord) inScope(x *ModelMetric) bool {
	if len(r.datasets) == 0 {
		return true
	}
	for _, d := range r.datasets {
		if d.admits(x) {
			return true
		}
	}
	return false
}

// latestMetric returns the latest value of key among the model's metrics
// that admit says are in scope: greatest timestamp, then step, as MLflow
// orders them.
func latestMetric(m *LoggedModel, key string, admit func(*ModelMetric) bool) (float64, bool) {
	var best *ModelMetric
	for i := range m.Metrics {
		x := &m.Metrics[i]
		if x.Key != key || !admit(x) {
			continue
		}
		if best == nil || x.Time > best.Time || x.Time == best.Time && x.Step > best.Step {
			best = x
		}
	}
	if best == nil {
		return 0, false
	}
	return best.Value, true
}

func (r *modelRecord) Metric(key string) (float64, bool) { return latestMetric(r.m, key, r.inScope) }
func (r *modelRecord) Param(key string) (string, bool)   { v, ok := r.m.Params[key]; return v, ok }
func (r *modelRecord) Tag(key string) (string, bool)     { v, ok := r.m.Tags[key]; return v, ok }

// Attr returns the model's attributes; status reads MLflow's short name
// ("READY", "PENDING", "UPLOAD_FAILED").
func (r *modelRecord) Attr(name string) (query.Value, bool) {
	m := r.m
	switch name {
	case query.AttrName:
		return query.StringValue(m.Name), true
	case query.AttrModelID:
		return query.StringValue(m.ID.String()), true
	case query.AttrModelType:
		return query.StringValue(m.ModelType), m.ModelType != ""
	case query.AttrStatus:
		return query.StringValue(strings.TrimPrefix(m.Status.String(), "LOGGED_MODEL_")), true
	case query.AttrSourceRunID:
		return query.StringValue(m.SourceRunID), m.SourceRunID != ""
	case query.AttrArtifactLocation:
		return query.StringValue(m.ArtifactLocation), true
	case query.AttrExperimentID:
		return query.IntValue(int64(m.ExperimentID)), true
	case query.AttrCreationTimestamp:
		return query.IntValue(m.CreationTime), true
	case query.AttrLastUpdatedTimestamp:
		return query.IntValue(m.LastUpdatedTime), true
	case "status_message":
		return query.StringValue(m.StatusMessage), m.StatusMessage != ""
	case "lifecycle_stage":
		return query.StringValue(m.Lifecycle.String()), true
	}
	return query.Value{}, false
}

// orderKey is one resolved key of a search's order.
type orderKey struct {
	attr   string // attribute name, or "" for a metric
	metric string
	asc    bool
	ds     DatasetRef
}

func parseModelOrder(items []ModelOrder) ([]orderKey, error) {
	var keys []orderKey
	hasCreated, hasID := false, false
	for _, o := range items {
		k := orderKey{asc: o.Ascending, ds: DatasetRef{Name: o.DatasetName, Digest: o.DatasetDigest}}
		if kind, key, ok := strings.Cut(o.Field, "."); ok {
			if kind != "metrics" || key == "" {
				return nil, badSearch(fmt.Errorf("invalid order by field name: %s. Only metrics are supported", o.Field))
			}
			k.metric = key
		} else {
			a, ok := orderAttrs[o.Field]
			if !ok {
				return nil, badSearch(fmt.Errorf("invalid order by field name: %s", o.Field))
			}
			k.attr = a
			hasCreated = hasCreated || a == query.AttrCreationTimestamp
			hasID = hasID || a == query.AttrModelID
		}
		if k.metric == "" && (o.DatasetName != "" || o.DatasetDigest != "") {
			return nil, badSearch(fmt.Errorf("order by %s: a dataset applies to metrics only", o.Field))
		}
		if o.DatasetDigest != "" && o.DatasetName == "" {
			return nil, badSearch(fmt.Errorf("order by %s: dataset_digest needs dataset_name", o.Field))
		}
		keys = append(keys, k)
	}
	if !hasCreated {
		keys = append(keys, orderKey{attr: query.AttrCreationTimestamp})
	}
	if !hasID {
		keys = append(keys, orderKey{attr: query.AttrModelID, asc: true})
	}
	return keys, nil
}

// compareModels orders a and b by keys, missing values last whatever the
// direction, as MLflow does.
func compareModels(keys []orderKey, a, b *LoggedModel) int {
	ra, rb := &modelRecord{m: a}, &modelRecord{m: b}
	for _, k := range keys {
		var c int
		var okA, okB bool
		if k.attr != "" {
			var va, vb query.Value
			va, okA = ra.Attr(k.attr)
			vb, okB = rb.Attr(k.attr)
			if okA && okB {
				c = compareValues(va, vb)
			}
		} else {
			admit := func(x *ModelMetric) bool { return k.ds.Name == "" || k.ds.admits(x) }
			var fa, fb float64
			fa, okA = latestMetric(a, k.metric, admit)
			fb, okB = latestMetric(b, k.metric, admit)
			okA, okB = okA && !math.IsNaN(fa), okB && !math.IsNaN(fb)
			if okA && okB {
				c = cmp.Compare(fa, fb)
			}
		}
		switch {
		case okA != okB:
			if okA {
				return -1
			}
			return 1
		case c != 0:
			if !k.asc {
				c = -c
			}
			return c
		}
	}
	return 0
}

func compareValues(a, b query.Value) int {
	if a.Kind() == query.KindString && b.Kind() == query.KindString {
		return strings.Compare(a.String(), b.String())
	}
	return cmp.Compare(a.Float(), b.Float())
}

// SearchLoggedModels finds the active logged models of the given
// experiments that match the filter and datasets, in the given order
// (then newest first, then by id), a page at a time: MLflow's
// search_logged_models. Page tokens are MLflow's offset tokens.
//
// Unlike MLflow, which matches a metric comparison against any value
// logged for the key, mlite compares the latest value (by timestamp, then
// step), as for runs; the two differ only for models with several values
// of a key.
func (t *Tracker) SearchLoggedModels(ctx context.Context, o LoggedModelSearch) (*LoggedModelPage, error) {
	if len(o.ExperimentIDs) == 0 {
		return nil, badSearch(errors.New("search logged models: no experiment ids"))
	}
	for _, d := range o.Datasets {
		if d.Name == "" {
			return nil, badSearch(errors.New("`dataset_name` in the `datasets` clause must be specified"))
		}
	}
	f, err := query.ParseFilter(query.LoggedModels, o.Filter)
	if err != nil {
		return nil, badSearch(err)
	}
	keys, err := parseModelOrder(o.OrderBy)
	if err != nil {
		return nil, err
	}
	if o.MaxResults < 0 {
		return nil, badSearch(fmt.Errorf("max results %d is negative", o.MaxResults))
	}
	limit := o.MaxResults
	if limit == 0 {
		limit = DefaultLoggedModelResults
	}
	offset, err := query.ParseOffsetToken(o.PageToken)
	if err != nil {
		return nil, badSearch(err)
	}
	hasMetricFilter := f.Needs().Metrics != nil
	var found []*LoggedModel
	err = t.st.View(ctx, func(tx *store.Tx) error {
		found = found[:0]
		for _, exp := range o.ExperimentIDs {
			err := tx.LoggedModels(exp, func(m *LoggedModel) (bool, error) {
				if m.Lifecycle == store.Deleted {
					return true, nil
				}
				rec := &modelRecord{m: m, datasets: o.Datasets}
				if !f.Match(rec) {
					return true, nil
				}
				if len(o.Datasets) > 0 && !hasMetricFilter && !slices.ContainsFunc(m.Metrics, func(x ModelMetric) bool { return rec.inScope(&x) }) {
					return true, nil
				}
				found = append(found, m)
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("run: search logged models: %w", err)
	}
	slices.SortStableFunc(found, func(a, b *LoggedModel) int { return compareModels(keys, a, b) })
	page := &LoggedModelPage{}
	if offset < len(found) {
		end := min(offset+limit, len(found))
		page.Models = found[offset:end]
		if end < len(found) {
			page.NextPageToken = query.OffsetToken(end)
		}
	}
	return page, nil
}

// ParseModelID reads a logged model id: "m-" and 32 lowercase hex digits.
func ParseModelID(s string) (ModelID, error) { return store.ParseModelID(s) }

// Tree is one artifact tree, a run's or a logged model's, for code that
// serves both the same way (MLflow's artifact proxy). Its methods are the
// tracker's artifact methods of that run or model.
type Tree struct {
	t *Tracker
	o owner
}

// RunTree is run id's artifact tree.
func (t *Tracker) RunTree(id ID) Tree { return Tree{t, runOwner(id)} }

// ModelTree is logged model id's artifact tree.
func (t *Tracker) ModelTree(id ModelID) Tree { return Tree{t, modelOwner(id)} }

// String names the tree's owner: "run <id>" or "logged model m-<id>".
func (tr Tree) String() string { return tr.o.ix.String() }

// Log stores what r yields as file p. See LogReader.
func (tr Tree) Log(ctx context.Context, r io.Reader, p string) error {
	return tr.t.logReader(ctx, tr.o, r, p)
}

// List lists the files and folders under dir. See ListArtifacts.
func (tr Tree) List(ctx context.Context, dir string, recursive bool) ([]FileInfo, error) {
	return tr.t.listFiles(ctx, tr.o, dir, recursive)
}

// Open opens file p. See OpenArtifact.
func (tr Tree) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	return tr.t.openFile(ctx, tr.o, p)
}

// Delete removes file or folder p. See DeleteArtifact.
func (tr Tree) Delete(ctx context.Context, p string) error { return tr.t.deleteFiles(ctx, tr.o, p) }
