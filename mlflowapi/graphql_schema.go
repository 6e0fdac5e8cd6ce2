package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// gqlSchema is the part of MLflow's GraphQL schema (mlflow/server/graphql:
// the generated types, its extensions and the component directive) that
// its web UI queries, with MLflow's names: graphene's camelCase fields,
// nullable everything, int64 fields as the LongString scalar.
const gqlSchema = `
schema { query: Query mutation: Mutation }

directive @component(name: String!) on QUERY | MUTATION

"Long converted to string to prevent truncation to max integer in JavaScript"
scalar LongString

type Query {
	mlflowGetExperiment(input: MlflowGetExperimentInput): MlflowGetExperimentResponse
	mlflowGetMetricHistoryBulkInterval(input: MlflowGetMetricHistoryBulkIntervalInput): MlflowGetMetricHistoryBulkIntervalResponse
	mlflowGetRun(input: MlflowGetRunInput): MlflowGetRunResponse
	mlflowListArtifacts(input: MlflowListArtifactsInput): MlflowListArtifactsResponse
	mlflowSearchModelVersions(input: MlflowSearchModelVersionsInput): MlflowSearchModelVersionsResponse
	"Simple echoing field"
	test(inputString: String): Test
	mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
}

type Mutation {
	mlflowSearchDatasets(input: MlflowSearchDatasetsInput): MlflowSearchDatasetsResponse
	mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
	"Simple echoing field"
	testMutation(inputString: String): TestMutation
}

type Test {
	"Echoes the input string"
	output: String
}

type TestMutation {
	"Echoes the input string"
	output: String
}

input MlflowGetExperimentInput { experimentId: String }
input MlflowGetRunInput { runId: String runUuid: String }
input MlflowSearchRunsInput {
	experimentIds: [String]
	filter: String
	runViewType: MlflowViewType
	maxResults: Int
	orderBy: [String]
	pageToken: String
}
input MlflowListArtifactsInput { runId: String runUuid: String path: String pageToken: String }
input MlflowGetMetricHistoryBulkIntervalInput {
	runIds: [String]
	metricKey: String
	startStep: Int
	endStep: Int
	maxResults: Int
}
input MlflowSearchDatasetsInput { experimentIds: [String] }
input MlflowSearchModelVersionsInput { filter: String maxResults: LongString orderBy: [String] pageToken: String }

enum MlflowViewType { ACTIVE_ONLY DELETED_ONLY ALL }
enum MlflowRunStatus { RUNNING SCHEDULED FINISHED FAILED KILLED }
enum MlflowModelVersionStatus { PENDING_REGISTRATION FAILED_REGISTRATION READY }
enum MlflowDeploymentJobConnectionState {
	DEPLOYMENT_JOB_CONNECTION_STATE_UNSPECIFIED NOT_SET_UP CONNECTED NOT_FOUND REQUIRED_PARAMETERS_CHANGED
}
enum MlflowModelVersionDeploymentJobStateDeploymentJobRunState {
	DEPLOYMENT_JOB_RUN_STATE_UNSPECIFIED NO_VALID_DEPLOYMENT_JOB_FOUND RUNNING SUCCEEDED FAILED PENDING APPROVAL
}

type ErrorDetail { field: String message: String }
type ApiError { code: String message: String helpUrl: String traceId: String errorDetails: [ErrorDetail] }

type MlflowExperimentTag { key: String value: String }
type MlflowExperiment {
	experimentId: String
	name: String
	artifactLocation: String
	lifecycleStage: String
	lastUpdateTime: LongString
	creationTime: LongString
	tags: [MlflowExperimentTag!]
	effectiveTraceArchivalRetention: String
	workspace: String
}
type MlflowGetExperimentResponse { experiment: MlflowExperiment apiError: ApiError }

type MlflowRunInfo {
	runId: String
	runUuid: String
	runName: String
	experimentId: String
	userId: String
	status: MlflowRunStatus
	startTime: LongString
	endTime: LongString
	artifactUri: String
	lifecycleStage: String
}
type MlflowMetricExtension {
	key: String
	value: Float
	timestamp: LongString
	step: LongString
	datasetName: String
	datasetDigest: String
	modelId: String
	runId: String
}
type MlflowParam { key: String value: String }
type MlflowRunTag { key: String value: String }
type MlflowRunData { metrics: [MlflowMetricExtension!] params: [MlflowParam!] tags: [MlflowRunTag!] }
type MlflowInputTag { key: String value: String }
type MlflowDataset { name: String digest: String sourceType: String source: String schema: String profile: String }
type MlflowDatasetInput { tags: [MlflowInputTag!] dataset: MlflowDataset }
type MlflowModelInput { modelId: String }
type MlflowRunInputs { datasetInputs: [MlflowDatasetInput!] modelInputs: [MlflowModelInput!] }
type MlflowModelOutput { modelId: String step: LongString }
type MlflowRunOutputs { modelOutputs: [MlflowModelOutput!] }
type MlflowRunExtension {
	info: MlflowRunInfo
	data: MlflowRunData
	inputs: MlflowRunInputs
	outputs: MlflowRunOutputs
	experiment: MlflowExperiment
	modelVersions: [MlflowModelVersion!]
}
type MlflowGetRunResponse { run: MlflowRunExtension apiError: ApiError }
type MlflowSearchRunsResponse { runs: [MlflowRunExtension!] nextPageToken: String apiError: ApiError }

type MlflowMetricWithRunId { key: String value: Float timestamp: LongString step: LongString runId: String }
type MlflowGetMetricHistoryBulkIntervalResponse { metrics: [MlflowMetricWithRunId!] apiError: ApiError }

type MlflowFileInfo { path: String isDir: Boolean fileSize: LongString }
type MlflowListArtifactsResponse { rootUri: String files: [MlflowFileInfo!] nextPageToken: String apiError: ApiError }

type MlflowDatasetSummary { experimentId: String name: String digest: String context: String }
type MlflowSearchDatasetsResponse { datasetSummaries: [MlflowDatasetSummary!] apiError: ApiError }

type MlflowModelVersionTag { key: String value: String }
type MlflowModelParam { name: String value: String }
type MlflowModelMetric {
	key: String value: Float timestamp: LongString step: LongString
	datasetName: String datasetDigest: String modelId: String runId: String
}
type MlflowModelVersionDeploymentJobState {
	jobId: String
	runId: String
	jobState: MlflowDeploymentJobConnectionState
	runState: MlflowModelVersionDeploymentJobStateDeploymentJobRunState
	currentTaskName: String
}
type MlflowModelVersion {
	name: String
	version: String
	creationTimestamp: LongString
	lastUpdatedTimestamp: LongString
	userId: String
	currentStage: String
	description: String
	source: String
	runId: String
	status: MlflowModelVersionStatus
	statusMessage: String
	tags: [MlflowModelVersionTag!]
	runLink: String
	aliases: [String]
	modelId: String
	modelParams: [MlflowModelParam!]
	modelMetrics: [MlflowModelMetric!]
	deploymentJobState: MlflowModelVersionDeploymentJobState
}
type MlflowSearchModelVersionsResponse { modelVersions: [MlflowModelVersion!] nextPageToken: String apiError: ApiError }
`

// The resolvers. A root field calls the REST endpoint MLflow's resolver
// calls (the same decoder, call and encoder: one call into run or
// registry) and reads its proto JSON answer into the types below, whose
// fields are the proto's without underscores. Then, as MLflow's resolvers
// read proto messages, where every field has a value, fillDefaults gives
// each field the JSON left out its zero value ("", 0, false, [], an empty
// message); only apiError (never set by MLflow either) and the enums stay
// null when absent.
type (
	gqlRoot struct{ h *Handler }

	gqlEcho struct{ Output *string }

	// gqlArgs are a root field's arguments: one input, whose type
	// (MlflowGetRunInput, ...) reads the gqlInput fields it has.
	gqlArgs struct{ Input *gqlInput }

	// gqlInput holds the fields of every input type, sent to the REST
	// endpoint by their snake_case names (restFields).
	gqlInput struct {
		ExperimentID, RunID, RunUUID, MetricKey, Filter, RunViewType, PageToken, Path *string
		ExperimentIDs, RunIDs, OrderBy                                                *[]*string
		StartStep, EndStep, MaxResults                                                *longString
	}

	// gqlAPIError is MLflow's ApiError type, which no resolver sets.
	gqlAPIError struct {
		Code, Message, HelpURL, TraceID *string
		ErrorDetails                    *[]*struct{ Field, Message *string }
	}

	gqlKeyValue struct{ Key, Value *string }

	gqlExperiment struct {
		ExperimentID, Name, ArtifactLocation, LifecycleStage, EffectiveTraceArchivalRetention, Workspace *string
		LastUpdateTime, CreationTime                                                                     *longString
		Tags                                                                                             *[]*gqlKeyValue
	}
	gqlGetExperimentResponse struct {
		Experiment *gqlExperiment
		APIError   *gqlAPIError
	}

	gqlMetric struct {
		Key, DatasetName, DatasetDigest, ModelID, RunID *string
		Value                                           *gqlFloat
		Timestamp, Step                                 *longString
	}
	gqlRunInfo struct {
		RunID, RunUUID, RunName, ExperimentID, UserID, ArtifactURI, LifecycleStage *string
		Status                                                                     *gqlEnum
		StartTime, EndTime                                                         *longString
	}
	gqlRunData struct {
		Metrics      *[]*gqlMetric
		Params, Tags *[]*gqlKeyValue
	}
	gqlDataset      struct{ Name, Digest, SourceType, Source, Schema, Profile *string }
	gqlDatasetInput struct {
		Tags    *[]*gqlKeyValue
		Dataset *gqlDataset
	}
	gqlModelLink struct {
		ModelID *string
		Step    *longString
	}
	gqlRunInputs struct {
		DatasetInputs *[]*gqlDatasetInput
		ModelInputs   *[]*gqlModelLink
	}
	gqlRunOutputs struct{ ModelOutputs *[]*gqlModelLink }
	gqlRun        struct {
		Info    *gqlRunInfo
		Data    *gqlRunData
		Inputs  *gqlRunInputs
		Outputs *gqlRunOutputs
		h       *Handler
	}
	gqlGetRunResponse struct {
		Run      *gqlRun
		APIError *gqlAPIError
	}
	gqlSearchRunsResponse struct {
		Runs          *[]*gqlRun
		NextPageToken *string
		APIError      *gqlAPIError
	}

	gqlBulkIntervalResponse struct {
		Metrics  *[]*gqlMetric
		APIError *gqlAPIError
	}

	gqlFileInfo struct {
		Path     *string
		IsDir    *bool
		FileSize *longString
	}
	gqlListArtifactsResponse struct {
		RootURI, NextPageToken *string
		Files                  *[]*gqlFileInfo
		APIError               *gqlAPIError
	}

	gqlDatasetSummary         struct{ ExperimentID, Name, Digest, Context *string }
	gqlSearchDatasetsResponse struct {
		DatasetSummaries *[]*gqlDatasetSummary
		APIError         *gqlAPIError
	}

	gqlModelParam         struct{ Name, Value *string }
	gqlDeploymentJobState struct {
		JobID, RunID, CurrentTaskName *string
		JobState, RunState            *gqlEnum
	}
	gqlModelVersion struct {
		Name, Version, UserID, CurrentStage, Description, Source, RunID, StatusMessage, RunLink, ModelID *string
		CreationTimestamp, LastUpdatedTimestamp                                                          *longString
		Status                                                                                           *gqlEnum
		Tags                                                                                             *[]*gqlKeyValue
		Aliases                                                                                          *[]*string
		ModelParams                                                                                      *[]*gqlModelParam
		ModelMetrics                                                                                     *[]*gqlMetric
		DeploymentJobState                                                                               *gqlDeploymentJobState
	}
	gqlSearchVersionsResponse struct {
		ModelVersions *[]*gqlModelVersion
		NextPageToken *string
		APIError      *gqlAPIError
	}
)

// Test is MLflow's echoing query field.
func (r *gqlRoot) Test(args struct{ InputString *string }) *gqlEcho {
	return &gqlEcho{args.InputString}
}

// TestMutation is MLflow's echoing mutation field. (MLflow's own answers
// null: its resolver's name does not match the field's.)
func (r *gqlRoot) TestMutation(args struct{ InputString *string }) *gqlEcho {
	return &gqlEcho{args.InputString}
}

// MlflowGetExperiment is experiments/get.
func (r *gqlRoot) MlflowGetExperiment(ctx context.Context, a gqlArgs) (*gqlGetExperimentResponse, error) {
	return gqlCall[gqlGetExperimentResponse](ctx, r.h, "experiments/get", a.Input)
}

// MlflowGetRun is runs/get.
func (r *gqlRoot) MlflowGetRun(ctx context.Context, a gqlArgs) (*gqlGetRunResponse, error) {
	resp, err := gqlCall[gqlGetRunResponse](ctx, r.h, "runs/get", a.Input)
	if err == nil {
		resp.Run.h = r.h
	}
	return resp, err
}

// MlflowSearchRuns is runs/search, a query and a mutation.
func (r *gqlRoot) MlflowSearchRuns(ctx context.Context, a gqlArgs) (*gqlSearchRunsResponse, error) {
	resp, err := gqlCall[gqlSearchRunsResponse](ctx, r.h, "runs/search", a.Input)
	if err == nil {
		for _, run := range *resp.Runs {
			run.h = r.h
		}
	}
	return resp, err
}

// MlflowGetMetricHistoryBulkInterval is metrics/get-history-bulk-interval.
func (r *gqlRoot) MlflowGetMetricHistoryBulkInterval(ctx context.Context, a gqlArgs) (*gqlBulkIntervalResponse, error) {
	return gqlCall[gqlBulkIntervalResponse](ctx, r.h, "metrics/get-history-bulk-interval", a.Input)
}

// MlflowListArtifacts is artifacts/list.
func (r *gqlRoot) MlflowListArtifacts(ctx context.Context, a gqlArgs) (*gqlListArtifactsResponse, error) {
	return gqlCall[gqlListArtifactsResponse](ctx, r.h, "artifacts/list", a.Input)
}

// MlflowSearchModelVersions is model-versions/search.
func (r *gqlRoot) MlflowSearchModelVersions(ctx context.Context, a gqlArgs) (*gqlSearchVersionsResponse, error) {
	return gqlCall[gqlSearchVersionsResponse](ctx, r.h, "model-versions/search", a.Input)
}

// MlflowSearchDatasets is the UI's experiments/search-datasets (a mutation,
// as in MLflow).
func (r *gqlRoot) MlflowSearchDatasets(ctx context.Context, a gqlArgs) (*gqlSearchDatasetsResponse, error) {
	return gqlCall[gqlSearchDatasetsResponse](ctx, r.h, "experiments/search-datasets", a.Input)
}

// Experiment is the run's experiment (MLflow's MlflowRunExtension).
func (r *gqlRun) Experiment(ctx context.Context) (*gqlExperiment, error) {
	resp, err := gqlCall[gqlGetExperimentResponse](ctx, r.h, "experiments/get", &gqlInput{ExperimentID: r.Info.ExperimentID})
	if err != nil {
		return nil, err
	}
	return resp.Experiment, nil
}

// ModelVersions are the registry's versions made from the run.
func (r *gqlRun) ModelVersions(ctx context.Context) (*[]*gqlModelVersion, error) {
	filter := "run_id='" + *r.Info.RunID + "'"
	resp, err := gqlCall[gqlSearchVersionsResponse](ctx, r.h, "model-versions/search", &gqlInput{Filter: &filter})
	if err != nil {
		return nil, err
	}
	return resp.ModelVersions, nil
}

// restFields is input's fields that are set, by their REST (snake_case)
// names: ExperimentIDs is experiment_ids.
func restFields(input *gqlInput) map[string]any {
	m := map[string]any{}
	if input == nil {
		return m
	}
	v := reflect.ValueOf(input).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); !f.IsNil() {
			m[snakeCase(v.Type().Field(i).Name)] = f.Interface()
		}
	}
	return m
}

// snakeCase is a Go field name's snake_case form: an underscore before
// each capital that follows a lowercase letter, all in lowercase.
func snakeCase(name string) string {
	var b []byte
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 && 'a' <= name[i-1] && name[i-1] <= 'z' {
				b = append(b, '_')
			}
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// restKeys rewrites the keys of a proto JSON answer without their
// underscores (experiment_id is experimentid), so that encoding/json,
// which matches names regardless of case, reads them into the fields
// above.
func restKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[strings.ReplaceAll(k, "_", "")] = restKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = restKeys(e)
		}
	}
	return v
}

// gqlCall answers a root field: REST endpoint path (of the /ajax-api/
// table, which holds every /api/ one) with input's fields as its request,
// its answer read into a Resp with fillDefaults. Its error is a field
// error with MLflow's message.
func gqlCall[Resp any](ctx context.Context, h *Handler, path string, input *gqlInput) (*Resp, error) {
	body, err := json.Marshal(restFields(input))
	if err != nil {
		return nil, h.gqlError(ctx, fmt.Errorf("mlflowapi: graphql input: %w", err))
	}
	p, err := decodeRequest("POST", "application/json", "", body)
	if err != nil {
		return nil, h.gqlError(ctx, err)
	}
	w := &jsonWriter{b: make([]byte, 0, 512)}
	w.open()
	if err := gqlEndpoints[path].json(h, ctx, p, w); err != nil {
		return nil, h.gqlError(ctx, err)
	}
	w.close()
	resp := new(Resp)
	if err := readAnswer(w.b, resp); err != nil {
		return nil, h.gqlError(ctx, fmt.Errorf("mlflowapi: graphql: read the answer of %s: %w", path, err))
	}
	fillDefaults(reflect.ValueOf(resp).Elem())
	return resp, nil
}

// readAnswer reads a proto JSON answer into resp, its keys without
// underscores (restKeys); numbers keep their text.
func readAnswer(answer []byte, resp any) error {
	d := json.NewDecoder(bytes.NewReader(answer))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err
	}
	b, err := json.Marshal(restKeys(v))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, resp)
}

// gqlEndpoints are the REST endpoints the resolvers call, by path.
var gqlEndpoints = func() map[string]*endpoint {
	m := map[string]*endpoint{}
	for _, path := range []string{"experiments/get", "runs/get", "runs/search", "metrics/get-history-bulk-interval",
		"artifacts/list", "model-versions/search", "experiments/search-datasets"} {
		rt, _, _ := lookup(ajaxPrefix + path)
		m[path] = rt.find(http.MethodPost)
		if m[path] == nil {
			m[path] = rt.find(http.MethodGet)
		}
	}
	return m
}()

// gqlFieldError is a resolver's error: MLflow's message, as its GraphQL
// answer lists it.
type gqlFieldError struct{ msg string }

func (e *gqlFieldError) Error() string { return e.msg }

// gqlError is a call's error as a field error, logged when it is the
// server's.
func (h *Handler) gqlError(ctx context.Context, err error) error {
	ae := asAPIError(err)
	if status := httpStatus[ae.code]; status >= 500 || status == 0 {
		h.log.ErrorContext(ctx, "mlflowapi: graphql field failed", "code", ae.code, "err", err)
	}
	return &gqlFieldError{ae.msg}
}

// fillDefaults gives every nil pointer in v (a struct) its zero value, as
// a proto message's field reads when unset, recursively; fields tagged
// apiError and enums stay nil.
func fillDefaults(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillDefaults(v.Elem())
	case reflect.Slice:
		for i := range v.Len() {
			fillDefaults(v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type == reflect.TypeFor[*gqlEnum]() || f.Type == reflect.TypeFor[*gqlAPIError]() {
				continue
			}
			fillDefaults(v.Field(i))
		}
	}
}

// gqlEnum is an enum field's value: null when the answer has none.
type gqlEnum string

// longString is MLflow's LongString scalar: an int64 written as a JSON
// string, so JavaScript keeps every digit; input is an integer. It also
// reads the Int fields of inputs (gqlInput has one type per field name).
type longString int64

// ImplementsGraphQLType says longString is the LongString scalar (and
// reads Int).
func (longString) ImplementsGraphQLType(name string) bool {
	return name == "LongString" || name == "Int"
}

// UnmarshalGraphQL reads an input integer, or a string of one.
func (n *longString) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case int32:
		*n = longString(v)
	case int64:
		*n = longString(v)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<63-1 {
			return fmt.Errorf("not an integer: %v", v)
		}
		*n = longString(v)
	case string:
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", v)
		}
		*n = longString(i)
	default:
		return fmt.Errorf("not an integer: %v", input)
	}
	return nil
}

// MarshalJSON writes the number as a JSON string.
func (n longString) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(n), 10)), nil
}

// gqlFloat is a Float field read from proto JSON, where NaN and the
// infinities are strings. A NaN answers null (MLflow's MlflowMetricExtension
// does so; GraphQL's Float has no NaN) and ±Infinity the largest double,
// as MLflow's SQL stores keep them.
type gqlFloat float64

// ImplementsGraphQLType says gqlFloat is the Float scalar.
func (gqlFloat) ImplementsGraphQLType(name string) bool { return name == "Float" }

// UnmarshalGraphQL is never called: no input has a Float.
func (f *gqlFloat) UnmarshalGraphQL(input any) error {
	v, ok := input.(float64)
	if !ok {
		return fmt.Errorf("not a number: %v", input)
	}
	*f = gqlFloat(v)
	return nil
}

// UnmarshalJSON reads a proto JSON double.
func (f *gqlFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = gqlFloat(math.NaN())
	case `"Infinity"`:
		*f = gqlFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = gqlFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = gqlFloat(v)
	}
	return nil
}

// MarshalJSON writes the value: null for NaN, ±MaxFloat64 for ±Inf.
func (f gqlFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte("null"), nil
	case math.IsInf(v, 1):
		v = math.MaxFloat64
	case math.IsInf(v, -1):
		v = -math.MaxFloat64
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}
