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
// Malformed files and schemas are refused with errors wrapping ErrInvalid
// that name the key at fault; inputs are bounded (MaxMLmodelSize,
// MaxSchemaJSON, nesting depths) before anything is allocated for them.
//
// mlmodel is pure: it imports only the standard library and
// go.yaml.in/yaml/v3 (for parsing YAML), never a sibling mlite package.
package mlmodel
