// Package mlflowapi serves MLflow's REST API 2.0 over an open mlite store,
// so the unmodified mlflow client and MLflow's own web UI can read and
// write an mlite file: New returns an http.Handler. Options.ReadOnly
// refuses every write, for servers that only show a store.
//
// Vocabulary:
//   - An endpoint is one route of MLflow's protos (service.proto,
//     model_registry.proto), served under both /api/2.0/mlflow/ and
//     /ajax-api/2.0/mlflow/, as MLflow's server registers them. The route
//     table (routes.go) is the one list of endpoints, each a declaration:
//     methods, path, a request decoder, one call into run or registry,
//     and a response encoder, which the endpoint layer (endpoint.go, whose
//     doc says how to add one) strings together with MLflow's parameter
//     rules and error mapping.
//   - A request's parameters come from the query string for GET (repeated
//     keys for lists, as MLflow's handlers read them) and from a JSON body
//     otherwise (or for a GET without a query string). The decoder (request.go)
//     turns either into typed values with MLflow's validation messages.
//   - Responses are proto JSON as MLflow's message_to_json writes it:
//     snake_case names in proto field order, int64 as JSON numbers, enums by
//     name, unset fields left out, NaN and infinities as the strings "NaN",
//     "Infinity" and "-Infinity", other doubles in Python's repr (1.0, 1e-05).
//     The encoder is json.go.
//   - Errors are MLflow's body {"error_code": "...", "message": "..."} with
//     MLflow's HTTP status for the code (errors.go); mlite's sentinel errors
//     map to codes with errors.Is.
//   - The artifact download routes MLflow's UI uses (/get-artifact and
//     /model-versions/get-artifact) stream stored files with a content type
//     that a browser never renders as active content.
//   - The artifact proxy is MLflow's /api/2.0/mlflow-artifacts/artifacts/...
//     (proxy.go): a run's artifact URI is
//     mlflow-artifacts:/<experiment>/<run>/artifacts, which the client
//     resolves to that path, and each location maps back to its run. PUT
//     streams a file into the run's tree, GET downloads one, GET ?path=
//     lists a folder by base names, DELETE removes a file or folder.
//   - An experiment created with an artifact_location (or under mlite
//     server's --default-artifact-root) gives its runs artifact URIs under
//     it, where the client reads and writes itself, not through the proxy;
//     artifacts/list and /get-artifact read a local folder as it is and
//     answer INVALID_PARAMETER_VALUE naming a remote one
//     (run.ErrRemoteArtifacts).
//   - Writes are declared like reads, thin: decode, call, encode. Every
//     tracking write is durable when its answer is sent (LogBatch,
//     SetRunTag, SetTerminated, ... each commit before they return).
//     Runs a client creates carry the client's tags (source, git, user),
//     not a reproducibility record of the server process.
//
// Where it departs from MLflow's server, on purpose: a body that is not
// JSON is INVALID_PARAMETER_VALUE (MLflow reads it as {}); an unknown path
// is ENDPOINT_NOT_FOUND and a wrong method 405, both with MLflow's JSON
// error body (Flask answers in HTML); every search answers GET and POST;
// metric values of ±Inf come back exactly, as from MLflow's file store
// (its SQL stores clamp them to ±1.7976931348623157e308); a run's metrics
// carry no model or dataset fields (MLflow's do not either; a logged
// model's metrics do); a version's download URI is its logged model's
// artifact location, or else its source (as MLflow's); a version made from a logged model answers its
// model_id (MLflow's SQL registry drops it); a logged-model filter
// compares a metric's latest value and takes status by name (READY), and
// a bad filter or page token is INVALID_PARAMETER_VALUE (MLflow: 500).
// On the write side: experiments/create records an artifact_location as
// MLflow's store does (run.CreateExperimentAt: a relative path made
// absolute; the client then writes that experiment's artifacts itself),
// refusing what MLflow refuses with its errors (location.go) and beyond
// it ".." segments in a local location, control characters and
// mlflow-artifacts: locations; a model version's
// source must be runs:/<run>/<path> or a run's mlflow-artifacts:/
// location, which is stored as the equivalent runs:/ URI, a logged
// model's models:/m-<id>, or a local path or file: URI inside the local
// artifact folder of the run run_id (or logged model model_id) names
// (MLflow's rules and messages; recorded as given, nothing copied); a refused promotion gate (beyond MLflow) is
// BAD_REQUEST; a model id in runs/outputs and log-inputs must be m- and
// 32 hex digits (MLflow takes any text); the 1 MB limit of log-batch
// counts the body's bytes.
//
// Served: the tracking reads (experiments get, get-by-name, search; runs
// get, search; metric histories, bulk and sampled; artifact listings) and
// writes (experiments create, update, delete, restore, set and delete
// tags; runs create, update, delete, restore, log-metric, log-parameter,
// set-tag, delete-tag, log-batch, log-inputs, outputs); MLflow 3 logged
// models (logged-models create, get, finalize, delete, tags, params,
// search, artifact listing and download; their files through the
// artifact proxy at mlflow-artifacts:/<experiment>/models/<id>/artifacts;
// model_id and datasets on metrics; runs' model inputs and outputs),
// with path parameters (logged-models/{model_id}/...); the model registry's reads
// and writes (registered models create, rename, update, delete, tags,
// aliases; model versions create, update, transition-stage, delete, tags;
// latest versions, searches, download URIs); artifact downloads, the UI's
// upload-artifact (a file of at most 10 MB as the body, run_uuid and path
// in the query string, answered with MLflow's empty body) and the
// artifact proxy; the UI's experiments/search-datasets (ajax only, as in
// MLflow: the distinct name, digest and context of the datasets an
// experiment's runs used, deleted runs included, at most 1,000). Not
// served: traces, evaluation datasets, scorers, webhooks, multipart
// uploads and runs/log-model.
//
// GraphQL: /graphql (GET and POST, as MLflow serves it; not under a
// prefix) answers the part of MLflow's GraphQL schema its web UI queries
// (graphql_schema.go: mlflowGetExperiment, mlflowGetRun with the run's
// experiment and model versions, mlflowSearchRuns, mlflowSearchDatasets,
// mlflowGetMetricHistoryBulkInterval, mlflowListArtifacts,
// mlflowSearchModelVersions, and the test echo fields), with MLflow's
// type and field names. The library github.com/graph-gophers/graphql-go
// parses, validates and runs queries; each root field calls the REST
// endpoint MLflow's resolver calls (its decoder, one call into run or
// registry, its encoder) and reads the proto JSON answer, so a field
// answers what the REST route does, and an unset proto field reads as its
// default ("", "0", [], as MLflow's resolvers read proto messages).
// int64 fields are LongString (a JSON string); a NaN metric value is
// null. Before a query runs, MLflow's limits apply with its messages
// (graphql_limits.go): depth 10, 1,000 selections, and 10 root fields and
// 10 aliases per selection set unless MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS
// and MLFLOW_SERVER_GRAPHQL_MAX_ALIASES say otherwise. The answer is
// {"data": ..., "errors": [messages] or null} with status 200 and keys
// in order, as MLflow's. Where it departs from MLflow: a query that does
// not parse is in the errors (MLflow: 500); a request without a query
// string, with a body that is not JSON or variables that are not an
// object is INVALID_PARAMETER_VALUE (MLflow: 500); a GET may give query,
// operationName and variables in the query string (MLflow reads only a
// JSON body); testMutation echoes (MLflow's answers null);
// mlflowGetMetricHistoryBulkInterval honours startStep, endStep and
// maxResults and validates its input as the REST endpoint does (MLflow's
// resolver ignores the three and checks nothing); ±Infinity values are
// ±1.7976931348623157e308, as MLflow's SQL stores keep them; selection
// sets or argument values nested over 64 deep are refused before the
// query is read further, and so are fragments that expand to over a
// million selections.
//
// The tests include real-client tests: the unmodified mlflow Python
// client (testdata/client/*.py) logs, searches, registers and moves
// artifacts through a server over a temporary store.
//
// Package mlflowapi imports the root package mlite (its sentinel errors),
// run and registry (their read API: typed reads and snapshots, never a
// store transaction), internal/pyrepr, internal/httpsend and
// github.com/graph-gophers/graphql-go; not store or
// query (layers_test.go checks). Nothing below it imports it.
package mlflowapi
