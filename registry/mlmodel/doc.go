// Package mlmodel reads and writes MLflow's MLmodel file and owns model
// signatures: their JSON form, their inference from Go data and their
// enforcement on input data. The model registry uses it to store models
// that MLflow can load and to refuse input that does not fit a model.
//
// Compatibility is byte for byte: Encode writes what MLflow's Model.save
// writes (PyYAML's safe_dump with sorted keys, block style, 80-column
// folding, quoting only where PyYAML quotes), and Schema.JSON writes what
// Schema.to_json writes (Python's json.dumps: ", " and ": " separators,
// ASCII-only escapes, Python's float repr). An MLmodel file MLflow wrote
// decodes and re-encodes to the same bytes.
//
// # Vocabulary
//
//   - Model: the content of an MLmodel file: artifact_path, flavors,
//     run_id, model_uuid, utc_time_created, mlflow_version, signature,
//     saved_input_example_info, metadata and the rest (see Model).
//   - Flavor: a named way to load the model; its config is a free map.
//     python_function (PyFuncFlavor) is MLflow's generic Python flavor;
//     go_mlite (GoFlavor) is mlite's, for models pure-Go code loads.
//   - Signature: the input Schema, the output Schema and the ParamSchema.
//   - Schema: a list of ColSpec (typed, optionally named, required or
//     optional columns) or of TensorSpec (numpy dtype and shape, -1 for a
//     variable dimension), never both.
//   - Kind and Type: MLflow's data types (boolean, integer = int32,
//     long = int64, float = float32, double, string, binary, datetime) and
//     its composite types (array, object, map, any, sparkml_vector).
//   - ParamSpec: an inference parameter with a type, a default and a shape.
//   - Enforce: checking input against a schema with MLflow's rules and
//     returning typed columns (a Frame); failures are *SchemaError values
//     wrapping ErrSchema.
//   - Log-model history: the JSON entry MLflow appends to the run tag
//     mlflow.log-model.history for each logged model.
//
// # Where mlmodel differs from MLflow, on purpose
//
//   - Enforce is stricter than MLflow's scoring server, which casts JSON
//     columns with pandas' astype before checking them and so silently
//     turns 1.5 into 1 in a long column, wraps 2**40 to 0 in an integer
//     column and lets numbers into string columns. mlmodel refuses these,
//     naming the column and the row. It accepts what is exact: integral
//     numbers into integer and long columns, integers into double and
//     float columns when the value is held exactly, any number within
//     range into float and double columns (JSON has no float32).
//   - Nulls: MLflow cannot hold them in integer columns even when the
//     column is optional; mlmodel allows them in optional columns (marked
//     in Column.Nulls) and refuses them in required integer, long, binary
//     and composite columns, as MLflow does.
//   - Datetime columns take RFC 3339 text with a zone (MLflow refuses
//     zoned times) and return UTC.
//   - Tensor schemas are written, read and inferred, not enforced.
//   - Plain YAML timestamps in free-form parts of an MLmodel file stay
//     strings (PyYAML makes them datetimes); long parameters want int64
//     defaults (MLflow takes any Python int).
//
// Malformed files and schemas are refused with errors wrapping ErrInvalid
// that name the key at fault; inputs are bounded (MaxMLmodelSize,
// MaxSchemaJSON, nesting depths) before anything is allocated for them.
//
// mlmodel is pure: it imports only the standard library, go.yaml.in/yaml/v3
// (for parsing YAML) and internal/pyrepr (Python's repr, for MLflow's
// messages), never a sibling mlite package.
package mlmodel
