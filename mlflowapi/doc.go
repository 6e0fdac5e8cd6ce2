// Package mlflowapi serves MLflow's REST API 2.0 over an open mlite store,
// so the unmodified mlflow client and MLflow's own web UI can read an mlite
// file: New returns an http.Handler.
//
// Vocabulary:
//   - An endpoint is one route of MLflow's protos (service.proto,
//     model_registry.proto), served under both /api/2.0/mlflow/ and
//     /ajax-api/2.0/mlflow/, as MLflow's server registers them. The route
//     table (routes.go) is the one list of endpoints, with their methods.
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
//
// Where it departs from MLflow's server, on purpose: a body that is not
// JSON is INVALID_PARAMETER_VALUE (MLflow reads it as {}); an unknown path
// is ENDPOINT_NOT_FOUND and a wrong method 405, both with MLflow's JSON
// error body (Flask answers in HTML); every search answers GET and POST;
// metric values of ±Inf come back exactly, as from MLflow's file store
// (its SQL stores clamp them to ±1.7976931348623157e308); runs carry no
// MLflow 3 outputs and metrics no model or dataset fields; a version's
// download URI is its source run's artifact URI and path, or its source
// when that run is gone.
//
// This package serves the read side: experiments, runs, metric histories,
// artifact listings and downloads, registered models and model versions.
// The write side extends the same route table, decoder and error writer.
//
// Package mlflowapi imports the root package mlite, run, registry, store and
// query; nothing below it imports it.
package mlflowapi
