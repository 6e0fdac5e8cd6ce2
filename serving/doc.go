// Package serving owns model serving: an http.Handler that scores requests
// with MLflow's scoring-server protocol (GET /ping, /health, /version and
// POST /invocations) for models that pure-Go code can load: the go_mlite
// flavor's model types, and MLflow flavors whose packages register a
// loader with RegisterFlavor (serving/lightgbm, serving/xgboost). A model
// only Python can load is refused with ErrNeedsPython, and Load's message
// names the mlflow models serve command that serves it from mlite server
// (mlite does not start Python itself).
//
// Vocabulary:
//   - Predictor: a loaded model that scores a Frame (rows already checked
//     against the model's input signature) into one number per row.
//   - loader: a function registered with Register for a model_type of the
//     go_mlite flavor; it reads the model's files and returns a Predictor.
//   - flavor loader: a function registered with RegisterFlavor for an
//     MLflow flavor (lightgbm, xgboost); it reads the flavor's data file.
//     A model with a go_mlite flavor is loaded by its model_type's loader,
//     any other by the loader of its first flavor that has one.
//   - Model: an MLmodel file, the flavor it was loaded by and the
//     Predictor; Load resolves it from a models:/ or runs:/ URI.
//   - answer shape: one number per row, or (a Wider predictor) a list per
//     row, as MLflow's scoring server writes a 1-D or 2-D numpy answer.
//   - request decoding: the JSON forms dataframe_split, dataframe_records,
//     instances and inputs, and CSV, turned into a Frame by the signature's
//     enforcement (registry/mlmodel), so bad input is refused with the column
//     named before the model sees it.
//
// serving imports registry and registry/mlmodel and the standard library;
// model packages import serving to register their loaders.
package serving
