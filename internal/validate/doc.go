// Package validate owns the rules an input must pass before mlite stores it:
// the characters and length of metric, param and tag keys, the length of
// values, the form of run and experiment ids, experiment and model names,
// registry aliases, dataset fields and the batch limits. The rules and limits
// are MLflow's (mlflow/utils/validation.py), so anything mlite accepts an
// MLflow tracking server accepts too, and the other way round with the few
// exceptions listed below.
//
// Vocabulary:
//   - key: the name of a metric, param or tag; "kind" is which of the three
//     it names, used only in messages.
//   - value: the string stored under a param or tag key.
//   - limit: a maximum length. Lengths are counted in characters (Unicode
//     code points), as MLflow counts them with Python's len, not in bytes: a
//     250-character key may take up to 1000 bytes of UTF-8.
//   - word character: a Unicode letter (categories L*) or number (N*) or '_',
//     which is what Python 3's \w matches in MLflow's regular expressions.
//
// mlite rejects what breaks a rule, with an error that says what was wrong
// and where. The one exception is MLflow's: its server stores a param value
// past MaxParamValueLength and a run tag value past MaxTagValueLength
// truncated to the limit (MLFLOW_TRUNCATE_LONG_VALUES, on by default), so
// the run package stores them cut with Truncate, and ParamValue and
// TagValue only refuse what is still too long after it. Every error
// is an *Error whose Unwrap returns ErrInvalid, which store re-exports as
// store.ErrInvalid, so callers test
// errors.Is(err, store.ErrInvalid) and may add where the input was used with
// In or InRun.
//
// Where mlite is stricter than MLflow:
//   - Strings must be valid UTF-8 (MLflow's strings are always text).
//   - A key, alias or id that ends in a newline is rejected: Python's "$"
//     also matches before a final "\n", so MLflow lets "loss\n" through.
//   - Empty dataset names, digests, source types and sources, and empty input
//     tag keys are rejected (MLflow only rejects missing ones).
//   - Model names are capped at 256 characters, the width of MLflow's SQL
//     column, which MLflow's own check leaves to the database.
//
// Where it is looser: ':' is allowed in keys on every platform. MLflow
// forbids it on Windows only, because its FileStore makes keys file names;
// mlite stores keys inside one file.
//
// It imports the standard library only; package store imports it.
package validate
