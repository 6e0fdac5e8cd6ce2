package repro

import "strings"

// MLflow's system tags (mlflow/utils/mlflow_tags.py) that a tracker sets or
// reads.
const (
	// TagRunName holds the run's name; MLflow keeps it equal to the run
	// info's run_name.
	TagRunName = "mlflow.runName"
	// TagNote holds the run's (or experiment's) description, in Markdown.
	TagNote = "mlflow.note.content"
	// TagParentRunID holds the id of the parent of a nested run.
	TagParentRunID = "mlflow.parentRunId"
	// TagUser holds who started the run.
	TagUser = "mlflow.user"
	// TagArtifactLocation holds the artifact location (MLflow sets it on
	// traces).
	TagArtifactLocation = "mlflow.artifactLocation"
	// TagSourceType holds what kind of program started the run: one of
	// SourceTypeNotebook, SourceTypeJob, SourceTypeProject, SourceTypeLocal,
	// SourceTypeUnknown.
	TagSourceType = "mlflow.source.type"
	// TagSourceName holds the program that started the run.
	TagSourceName = "mlflow.source.name"
	// TagGitCommit holds the git commit the work tree is on.
	TagGitCommit = "mlflow.source.git.commit"
	// TagGitBranch holds the git branch the work tree is on.
	TagGitBranch = "mlflow.source.git.branch"
	// TagGitDirty is "true" when the work tree has uncommitted changes to
	// tracked files, else "false" (see GitState).
	TagGitDirty = "mlflow.source.git.dirty"
	// TagGitRepoURL holds the url of the git remote "origin".
	TagGitRepoURL = "mlflow.source.git.repoURL"
	// TagGitDiff holds the uncommitted changes as a patch, when they fit in
	// a tag value.
	TagGitDiff = "mlflow.source.git.diff"
	// TagLoggedModels holds a JSON list with one entry per model logged by
	// the run.
	TagLoggedModels = "mlflow.log-model.history"
	// TagModelIsExternal marks a logged model stored outside MLflow.
	TagModelIsExternal = "mlflow.model.isExternal"
	// TagModelVersions lists the registered model versions made from a run.
	TagModelVersions = "mlflow.modelVersions"
	// TagProjectEnv holds an MLflow Project's environment type.
	TagProjectEnv = "mlflow.project.env"
	// TagProjectEntryPoint holds an MLflow Project's entry point.
	TagProjectEntryPoint = "mlflow.project.entryPoint"
	// TagProjectBackend holds the backend an MLflow Project ran on.
	TagProjectBackend = "mlflow.project.backend"
	// TagDockerImageURI holds the Docker image a project ran in.
	TagDockerImageURI = "mlflow.docker.image.uri"
	// TagDockerImageID holds the id of that Docker image.
	TagDockerImageID = "mlflow.docker.image.id"
	// TagAutologging marks a run created by autologging, naming the flavor.
	TagAutologging = "mlflow.autologging"
	// TagLoggedArtifacts lists the typed artifacts (tables…) a run logged.
	TagLoggedArtifacts = "mlflow.loggedArtifacts"
	// TagLoggedImages marks a run that logged images.
	TagLoggedImages = "mlflow.loggedImages"
	// TagRunSourceType holds what created the run (such as an evaluation).
	TagRunSourceType = "mlflow.runSourceType"
	// TagRunIsEvaluation marks a run created by an evaluation.
	TagRunIsEvaluation = "mlflow.run.isEval"
	// TagDatasetContext is the input tag that says what a dataset was used
	// for ("training", "eval"…); searchable as datasets.context.
	TagDatasetContext = "mlflow.data.context"
	// TagExperimentSourceID holds the id of the object an experiment
	// belongs to (an experiment tag).
	TagExperimentSourceID = "mlflow.experiment.sourceId"
	// TagExperimentSourceType holds that object's type (an experiment tag).
	TagExperimentSourceType = "mlflow.experiment.sourceType"
	// TagExperimentPrimaryMetricName names an experiment's primary metric.
	TagExperimentPrimaryMetricName = "mlflow.experiment.primaryMetric.name"
	// TagExperimentPrimaryMetricGreaterIsBetter is "true" when larger values
	// of the primary metric are better.
	TagExperimentPrimaryMetricGreaterIsBetter = "mlflow.experiment.primaryMetric.greaterIsBetter"
	// TagLatestCheckpointArtifact holds the artifact path of the latest
	// model checkpoint.
	TagLatestCheckpointArtifact = "mlflow.latest_checkpoint_artifact"
	// TagPromptIsPrompt marks a registered model that holds a prompt (a
	// registry tag).
	TagPromptIsPrompt = "mlflow.prompt.is_prompt"
)

// Values of TagSourceType (mlflow/entities/source_type.py).
const (
	SourceTypeNotebook = "NOTEBOOK"
	SourceTypeJob      = "JOB"
	SourceTypeProject  = "PROJECT"
	SourceTypeLocal    = "LOCAL"
	SourceTypeUnknown  = "UNKNOWN"
)

// mlite's own system tags: the Go side of the record.
const (
	// TagGoVersion holds the Go toolchain the program was built with
	// (runtime.Version).
	TagGoVersion = "mlite.go.version"
	// TagGoOS holds the operating system the program runs on (runtime.GOOS).
	TagGoOS = "mlite.go.os"
	// TagGoArch holds the architecture (runtime.GOARCH).
	TagGoArch = "mlite.go.arch"
	// TagGoMain holds the main module as "path@version" (version "(devel)"
	// for a build from a work tree without version control information).
	TagGoMain = "mlite.go.main"
	// TagGoDeps lists the modules the program was built with, one
	// "path version" line each (with " => path version" for a replaced
	// module), sorted by path.
	TagGoDeps = "mlite.go.deps"
	// TagGoBuild lists the build settings (flags, GOOS, CGO_ENABLED,
	// vcs.revision, vcs.modified…), one "key=value" line each, as the
	// toolchain recorded them.
	TagGoBuild = "mlite.go.build"
	// TagHost holds the host name.
	TagHost = "mlite.host"
	// TagCmdline holds the command line, shell-quoted where needed.
	TagCmdline = "mlite.cmdline"
)

// MaxTagValueLength is the longest tag value Capture returns, in bytes (so
// also in characters). It equals MLflow's limit on run tag values.
const MaxTagValueLength = 8000

// IsSystem reports whether key names a system tag: one that starts with
// "mlflow." or "mlite.".
func IsSystem(key string) bool {
	return strings.HasPrefix(key, "mlflow.") || strings.HasPrefix(key, "mlite.")
}
