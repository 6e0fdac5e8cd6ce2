// Package serving owns model serving: an http.Handler that scores requests
// with MLflow's scoring-server protocol (GET /ping, /health, /version and
// POST /invocations) for models that pure-Go code can load.
//
// Vocabulary:
//   - Predictor: a loaded model that scores a Frame (rows already checked
//     against the model's input signature) into one number per row.
//   - loader: a function registered with Register for a model_type of the
//     go_mlite flavor; it reads the model's files and returns a Predictor.
//   - Model: an MLmodel file, its go_mlite flavor and the Predictor loaded
//     from it; Load resolves it from a models:/ or runs:/ URI.
//   - request decoding: the JSON forms dataframe_split, dataframe_records,
//     instances and inputs, and CSV, turned into a Frame by the signature's
//     enforcement (registry/mlmodel), so bad input is refused with the column
//     named before the model sees it.
//
// serving imports registry and registry/mlmodel and the standard library;
// model packages import serving to register their loaders.
package serving
