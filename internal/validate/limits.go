package validate

// Length limits, in characters (Unicode code points), from MLflow's
// mlflow/utils/validation.py.
const (
	// MaxKeyLength bounds metric, param, run tag, experiment tag, registry
	// tag and trace tag keys (MLflow's MAX_ENTITY_KEY_LENGTH).
	MaxKeyLength = 250
	// MaxParamValueLength bounds a param value (MAX_PARAM_VAL_LENGTH).
	// MLflow's server truncates a longer one to it (Truncate), as its
	// MLFLOW_TRUNCATE_LONG_VALUES, on by default, has it do.
	MaxParamValueLength = 6000
	// MaxTagValueLength bounds a run tag value (MAX_TAG_VAL_LENGTH; 5000
	// before MLflow 2.x raised it); a longer one is truncated, as a param.
	MaxTagValueLength = 8000
	// MaxExperimentNameLength bounds an experiment name
	// (MAX_EXPERIMENT_NAME_LENGTH).
	MaxExperimentNameLength = 500
	// MaxExperimentTagValueLength bounds an experiment tag value
	// (MAX_EXPERIMENT_TAG_VAL_LENGTH, 20,000 since MLflow 3.x; 5000 before).
	MaxExperimentTagValueLength = 20_000
	// MaxRegistryTagValueLength bounds a registered model or model version
	// tag value (MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, raised from 5000 in
	// MLflow 3.0.1 so prompts fit).
	MaxRegistryTagValueLength = 100_000
	// MaxTraceTagKeyLength bounds a trace tag key (MAX_TRACE_TAG_KEY_LENGTH).
	MaxTraceTagKeyLength = 250
	// MaxTraceTagValueLength bounds a trace tag value (MAX_TRACE_TAG_VAL_LENGTH).
	MaxTraceTagValueLength = 8000
	// MaxAliasLength bounds a registered model alias
	// (MAX_REGISTERED_MODEL_ALIAS_LENGTH).
	MaxAliasLength = 255
	// MaxModelNameLength bounds a registered model name. MLflow's check only
	// requires a name; 256 is the width of its SQL column.
	MaxModelNameLength = 256
	// MaxRunIDLength bounds a run id (MLflow's run id pattern allows 1+255).
	MaxRunIDLength = 256
	// MaxExperimentIDLength bounds an experiment id (pattern allows 1+63).
	MaxExperimentIDLength = 64

	// MaxDatasetName bounds a dataset name (MAX_DATASET_NAME_SIZE).
	MaxDatasetName = 500
	// MaxDatasetDigest bounds a dataset digest (MAX_DATASET_DIGEST_SIZE).
	MaxDatasetDigest = 36
	// MaxDatasetSource bounds a dataset source, 64 KiB - 1
	// (MAX_DATASET_SOURCE_SIZE).
	MaxDatasetSource = 65535
	// MaxDatasetSchema bounds a dataset schema, 1 MiB - 1
	// (MAX_DATASET_SCHEMA_SIZE).
	MaxDatasetSchema = 1048575
	// MaxDatasetProfile bounds a dataset profile, 16 MiB - 1
	// (MAX_DATASET_PROFILE_SIZE).
	MaxDatasetProfile = 16777215
	// MaxInputTagKey bounds a dataset input tag key (MAX_INPUT_TAG_KEY_SIZE).
	MaxInputTagKey = 255
	// MaxInputTagValue bounds a dataset input tag value
	// (MAX_INPUT_TAG_VALUE_SIZE).
	MaxInputTagValue = 500
)

// Batch limits of MLflow's LogBatch and LogInputs.
const (
	// MaxMetricsPerBatch bounds the metrics of one batch (MAX_METRICS_PER_BATCH).
	MaxMetricsPerBatch = 1000
	// MaxParamsTagsPerBatch bounds the params, and separately the tags, of
	// one batch (MAX_PARAMS_TAGS_PER_BATCH).
	MaxParamsTagsPerBatch = 100
	// MaxEntitiesPerBatch bounds metrics, params and tags together in one
	// batch (MAX_ENTITIES_PER_BATCH).
	MaxEntitiesPerBatch = 1000
	// MaxDatasetsPerBatch bounds the dataset inputs of one request
	// (MAX_DATASETS_PER_BATCH).
	MaxDatasetsPerBatch = 1000
	// MaxBatchRequestBytes bounds the JSON body of a LogBatch request
	// (MAX_BATCH_LOG_REQUEST_SIZE).
	MaxBatchRequestBytes = 1_000_000
)

// Page size limits of MLflow's search endpoints.
const (
	// MaxRunsPerPage bounds max_results of a run search
	// (SEARCH_MAX_RESULTS_THRESHOLD).
	MaxRunsPerPage = 50_000
	// MaxExperimentsPerPage bounds max_results of an experiment search
	// (MAX_EXPERIMENTS_LISTED_PER_PAGE).
	MaxExperimentsPerPage = 50_000
	// MaxRegisteredModelsPerPage bounds max_results of a registered model
	// search.
	MaxRegisteredModelsPerPage = 1000
	// MaxModelVersionsPerPage bounds max_results of a model version search.
	MaxModelVersionsPerPage = 200_000
	// MaxMetricHistoryPerPage bounds max_results of a metric history request
	// (GET_METRIC_HISTORY_MAX_RESULTS).
	MaxMetricHistoryPerPage = 25_000
	// MaxTracesPerPage bounds max_results of a trace search (the proto's
	// maximum; the default is 100).
	MaxTracesPerPage = 500
	// MaxLoggedModelsPerPage bounds max_results of a logged model search
	// (the proto's default and maximum).
	MaxLoggedModelsPerPage = 50
)
