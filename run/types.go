package run

import (
	"github.com/mlite/mlite/store"
)

// Re-exported store types, so users of run need not import store.
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
)

// Run statuses, MLflow's names and numbers.
const (
	Running   = store.Running
	Scheduled = store.Scheduled
	Finished  = store.Finished
	Failed    = store.Failed
	Killed    = store.Killed
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
