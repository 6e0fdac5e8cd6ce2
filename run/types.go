package run

import (
	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/store"
)

// Re-exported store and query types, so that users of run (the surfaces
// above all) need import neither store nor query.
type (
	// Record is a snapshot of a stored run.
	Record = store.Run
	// Experiment is a snapshot of a stored experiment.
	Experiment = store.Experiment
	// Point is one metric sample.
	Point = store.Point
	// ID is a run id.
	ID = store.RunID
	// ExperimentID is an experiment id; "0" is Default.
	ExperimentID = store.ExperimentID
	// Status is a run status (RUNNING, FINISHED, ...).
	Status = store.Status
	// StepRange selects points by step.
	StepRange = store.StepRange
	// Dataset is a dataset input's description.
	Dataset = store.Dataset

	// For readers (Snapshot, search).

	// RunView is a zero-copy view of a stored run inside a Snapshot. It
	// and the strings it returns are valid only until the Snapshot's
	// function returns; copy what must outlive it (strings.Clone).
	RunView = store.RunView
	// Series is the summary of one metric of a run: its latest point,
	// count, extremes.
	Series = store.Series
	// Lifecycle is a run's or an experiment's lifecycle: Active or Deleted.
	Lifecycle = store.Lifecycle
	// File is the index entry of one artifact file: path, digest, size,
	// mode.
	File = store.Artifact
	// DatasetInput is one dataset input as a Record lists it.
	DatasetInput = store.Input
	// Filter is a parsed run filter (the query language's WHERE clause).
	Filter = query.Filter
	// QueryError is a syntax or type error in a filter, an order_by item
	// or a page token, with its position; Error renders a caret line.
	QueryError = query.Error

	// Logged models.

	// LoggedModel is a snapshot of a stored logged model.
	LoggedModel = store.LoggedModel
	// ModelID is a logged model's id.
	ModelID = store.ModelID
	// ModelMetric is a metric value linked to a logged model.
	ModelMetric = store.ModelMetric
	// ModelStatus is a logged model's status.
	ModelStatus = store.ModelStatus
	// RunModel is a logged model linked to a run as an input or output.
	RunModel = store.RunModel
)

// Run statuses (MLflow's names and numbers), the lifecycles of runs and
// experiments, and logged model statuses (MLflow's LoggedModelStatus).
const (
	Running   = store.Running
	Scheduled = store.Scheduled
	Finished  = store.Finished
	Failed    = store.Failed
	Killed    = store.Killed

	Active  = store.Active
	Deleted = store.Deleted

	ModelPending      = store.ModelPending
	ModelReady        = store.ModelReady
	ModelUploadFailed = store.ModelUploadFailed
)

// AllSteps selects every point of a series.
var AllSteps = store.AllSteps

// ViewType selects runs or experiments by lifecycle, with MLflow's numbers.
type ViewType int

// View types.
const (
	ActiveOnly  ViewType = 1
	DeletedOnly ViewType = 2
	All         ViewType = 3
)

func (v ViewType) admits(l store.Lifecycle) bool {
	switch v {
	case DeletedOnly:
		return l == store.Deleted
	case All:
		return true
	default:
		return l == store.Active
	}
}

// System tag keys mlite sets or reads, with MLflow's names.
const (
	TagRunName        = "mlflow.runName"
	TagParentRunID    = "mlflow.parentRunId"
	TagUser           = "mlflow.user"
	TagNote           = "mlflow.note.content"
	TagGitDirty       = "mlflow.source.git.dirty"
	TagDatasetContext = "mlflow.data.context"
)
