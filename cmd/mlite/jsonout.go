package main

import (
	"fmt"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// The records as --json prints them, in one place: each type names its
// fields as MLflow's REST API does where MLflow has the record, and each
// to...JSON converts from what run and registry return.

// experimentJSON is an experiment as --json prints it.
type experimentJSON struct {
	ExperimentID     string            `json:"experiment_id"`
	Name             string            `json:"name"`
	ArtifactLocation string            `json:"artifact_location"`
	LifecycleStage   string            `json:"lifecycle_stage"`
	CreationTime     int64             `json:"creation_time"`
	LastUpdateTime   int64             `json:"last_update_time"`
	Tags             map[string]string `json:"tags"`
}

func toExperimentJSON(e *run.Experiment) experimentJSON {
	return experimentJSON{
		ExperimentID:     e.ID.String(),
		Name:             e.Name,
		ArtifactLocation: e.ArtifactLocation,
		LifecycleStage:   e.Lifecycle.String(),
		CreationTime:     e.CreationTime,
		LastUpdateTime:   e.LastUpdateTime,
		Tags:             orEmpty(e.Tags),
	}
}

// runJSON is a run as --json prints it, with MLflow's field names. metrics
// holds each metric's latest value.
type runJSON struct {
	RunID          string               `json:"run_id"`
	RunName        string               `json:"run_name"`
	ExperimentID   string               `json:"experiment_id"`
	Status         string               `json:"status"`
	StartTime      int64                `json:"start_time"`
	EndTime        *int64               `json:"end_time"`
	LifecycleStage string               `json:"lifecycle_stage"`
	UserID         string               `json:"user_id"`
	ArtifactURI    string               `json:"artifact_uri"`
	ParentRunID    string               `json:"parent_run_id,omitempty"`
	Params         map[string]string    `json:"params"`
	Metrics        map[string]jsonFloat `json:"metrics"`
	Tags           map[string]string    `json:"tags"`
}

// toRunJSON converts a run record.
func toRunJSON(r *run.Record) runJSON {
	j := runJSON{
		RunID:          r.ID.String(),
		RunName:        r.Name,
		ExperimentID:   r.ExperimentID.String(),
		Status:         r.Status.String(),
		StartTime:      r.StartTime,
		LifecycleStage: r.Lifecycle.String(),
		UserID:         r.User,
		ArtifactURI:    r.ArtifactURI,
		Params:         orEmpty(r.Params),
		Metrics:        map[string]jsonFloat{},
		Tags:           orEmpty(r.Tags),
	}
	if r.EndTime != 0 {
		end := r.EndTime
		j.EndTime = &end
	}
	if !r.Parent.IsZero() {
		j.ParentRunID = r.Parent.String()
	}
	for k, s := range r.Metrics {
		j.Metrics[k] = jsonFloat(s.Latest.Value)
	}
	return j
}

// runShowJSON is a run with its inputs, as `runs show --json` prints it.
type runShowJSON struct {
	runJSON
	Inputs []inputJSON `json:"inputs"`
}

type inputJSON struct {
	Name    string            `json:"name"`
	Digest  string            `json:"digest"`
	Context string            `json:"context,omitempty"`
	Tags    map[string]string `json:"tags"`
}

func toRunShowJSON(r *run.Record) runShowJSON {
	j := runShowJSON{runJSON: toRunJSON(r), Inputs: []inputJSON{}}
	for _, in := range r.Inputs {
		j.Inputs = append(j.Inputs, inputJSON{Name: in.Name, Digest: in.Digest, Context: in.Tags[run.TagDatasetContext], Tags: orEmpty(in.Tags)})
	}
	return j
}

// metricPointJSON is one metric point, with MLflow's field names.
type metricPointJSON struct {
	Key       string    `json:"key"`
	Value     jsonFloat `json:"value"`
	Timestamp int64     `json:"timestamp"`
	Step      int64     `json:"step"`
}

// fileInfoJSON is an artifact listing entry, MLflow's FileInfo.
type fileInfoJSON struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize int64  `json:"file_size"`
	Digest   string `json:"digest,omitempty"`
}

// loggedModelJSON is a logged model as --json prints it, with MLflow's names.
type loggedModelJSON struct {
	ModelID                string            `json:"model_id"`
	ExperimentID           string            `json:"experiment_id"`
	Name                   string            `json:"name"`
	CreationTimestampMS    int64             `json:"creation_timestamp_ms"`
	LastUpdatedTimestampMS int64             `json:"last_updated_timestamp_ms"`
	ArtifactURI            string            `json:"artifact_uri"`
	Status                 string            `json:"status"`
	ModelType              string            `json:"model_type,omitempty"`
	SourceRunID            string            `json:"source_run_id,omitempty"`
	LifecycleStage         string            `json:"lifecycle_stage"`
	Tags                   map[string]string `json:"tags"`
	Params                 map[string]string `json:"params"`
	Metrics                []modelMetricJSON `json:"metrics"`
}

type modelMetricJSON struct {
	Key           string    `json:"key"`
	Value         jsonFloat `json:"value"`
	Timestamp     int64     `json:"timestamp"`
	Step          int64     `json:"step"`
	DatasetName   string    `json:"dataset_name,omitempty"`
	DatasetDigest string    `json:"dataset_digest,omitempty"`
	RunID         string    `json:"run_id,omitempty"`
}

func toLoggedModelJSON(m *run.LoggedModel) loggedModelJSON {
	js := loggedModelJSON{
		ModelID: m.ID.String(), ExperimentID: m.ExperimentID.String(), Name: m.Name,
		CreationTimestampMS: m.CreationTime, LastUpdatedTimestampMS: m.LastUpdatedTime,
		ArtifactURI: m.ArtifactLocation, Status: m.Status.String(), ModelType: m.ModelType,
		SourceRunID: m.SourceRunID, LifecycleStage: m.Lifecycle.String(),
		Tags: orEmpty(m.Tags), Params: orEmpty(m.Params), Metrics: []modelMetricJSON{},
	}
	for _, x := range m.Metrics {
		js.Metrics = append(js.Metrics, modelMetricJSON{Key: x.Key, Value: jsonFloat(x.Value), Timestamp: x.Time, Step: x.Step,
			DatasetName: x.DatasetName, DatasetDigest: x.DatasetDigest, RunID: x.RunID})
	}
	return js
}

// modelJSON is a registered model as --json prints it, with MLflow's names.
type modelJSON struct {
	Name                 string            `json:"name"`
	CreationTimestamp    int64             `json:"creation_timestamp"`
	LastUpdatedTimestamp int64             `json:"last_updated_timestamp"`
	Description          string            `json:"description"`
	Tags                 map[string]string `json:"tags"`
	Aliases              map[string]int64  `json:"aliases"`
	LatestVersions       []versionJSON     `json:"latest_versions"`
}

// versionJSON is a model version as --json prints it.
type versionJSON struct {
	Name                 string            `json:"name"`
	Version              int64             `json:"version"`
	CreationTimestamp    int64             `json:"creation_timestamp"`
	LastUpdatedTimestamp int64             `json:"last_updated_timestamp"`
	CurrentStage         string            `json:"current_stage"`
	Description          string            `json:"description"`
	UserID               string            `json:"user_id"`
	Source               string            `json:"source"`
	RunID                string            `json:"run_id"`
	Status               string            `json:"status"`
	Tags                 map[string]string `json:"tags"`
	Aliases              []string          `json:"aliases"`
}

func toVersionJSON(v *registry.ModelVersion, m *registry.RegisteredModel) versionJSON {
	return versionJSON{
		Name: v.Name, Version: v.Version, CreationTimestamp: v.CreationTime, LastUpdatedTimestamp: v.LastUpdatedTime,
		CurrentStage: v.Stage.String(), Description: v.Description, UserID: v.UserID, Source: v.Source,
		RunID: v.RunID, Status: v.Status.String(), Tags: orEmpty(v.Tags), Aliases: aliasesOf(m, v.Version),
	}
}

// toVersionsJSON is toVersionJSON for each of versions of m, [] for none.
func toVersionsJSON(versions []*registry.ModelVersion, m *registry.RegisteredModel) []versionJSON {
	vs := []versionJSON{}
	for _, v := range versions {
		vs = append(vs, toVersionJSON(v, m))
	}
	return vs
}

func toModelJSON(m *registry.RegisteredModel, latest []*registry.ModelVersion) modelJSON {
	return modelJSON{
		Name: m.Name, CreationTimestamp: m.CreationTime, LastUpdatedTimestamp: m.LastUpdatedTime,
		Description: m.Description, Tags: orEmpty(m.Tags), Aliases: orEmptyAliases(m.Aliases), LatestVersions: toVersionsJSON(latest, m),
	}
}

// gateJSON is a promotion gate as --json prints it.
type gateJSON struct {
	Target       string            `json:"target"`
	RequiredTags map[string]string `json:"required_tags"`
	MetricFilter string            `json:"metric_filter"`
	Checks       []string          `json:"checks"`
}

func toGateJSON(g registry.Gate) gateJSON {
	j := gateJSON{Target: g.Target, RequiredTags: orEmpty(g.RequiredTags), MetricFilter: g.MetricFilter, Checks: g.Checks}
	if j.Checks == nil {
		j.Checks = []string{}
	}
	return j
}

type gateResultJSON struct {
	Requirement string `json:"requirement"`
	Passed      bool   `json:"passed"`
	Detail      string `json:"detail,omitempty"`
}

func toGateResultsJSON(rs []registry.GateResult) []gateResultJSON {
	out := []gateResultJSON{}
	for _, r := range rs {
		out = append(out, gateResultJSON{r.Requirement, r.Passed, r.Detail})
	}
	return out
}

// eventJSON is an audit event as --json prints it.
type eventJSON struct {
	Seq       uint64           `json:"seq"`
	Timestamp int64            `json:"timestamp"`
	UserID    string           `json:"user_id"`
	Action    string           `json:"action"`
	Name      string           `json:"name"`
	Version   int64            `json:"version,omitempty"`
	Key       string           `json:"key,omitempty"`
	From      string           `json:"from"`
	To        string           `json:"to"`
	Gates     []gateResultJSON `json:"gates,omitempty"`
}

// lineageJSON is a version's lineage as --json prints it.
type lineageJSON struct {
	Model      modelJSON       `json:"model"`
	Version    versionJSON     `json:"version"`
	Run        *runJSON        `json:"run"`
	Experiment *experimentJSON `json:"experiment"`
	ParentRun  *runJSON        `json:"parent_run"`
	Git        map[string]any  `json:"git"`
	Files      []fileInfoJSON  `json:"files"`
	Events     []eventJSON     `json:"events"`
}

func toLineageJSON(l *registry.Lineage) lineageJSON {
	j := lineageJSON{
		Model:   toModelJSON(l.Model, nil),
		Version: toVersionJSON(l.Version, l.Model),
		Git:     map[string]any{"commit": l.Git.Commit, "branch": l.Git.Branch, "repo": l.Git.Repo, "dirty": l.Git.Dirty},
		Files:   []fileInfoJSON{},
		Events:  []eventJSON{},
	}
	if l.Run != nil {
		r := toRunJSON(l.Run)
		j.Run = &r
	}
	if l.Experiment != nil {
		e := toExperimentJSON(l.Experiment)
		j.Experiment = &e
	}
	if l.Parent != nil {
		p := toRunJSON(l.Parent)
		j.ParentRun = &p
	}
	for _, f := range l.Files {
		j.Files = append(j.Files, fileInfoJSON{Path: f.Path, FileSize: f.Size, Digest: fmt.Sprintf("%x", f.Digest)})
	}
	for _, e := range l.Events {
		j.Events = append(j.Events, eventJSON{Seq: e.Seq, Timestamp: e.Time, UserID: e.User, Action: e.Action, Name: e.Model,
			Version: e.Version, Key: e.Key, From: e.From, To: e.To})
	}
	return j
}
