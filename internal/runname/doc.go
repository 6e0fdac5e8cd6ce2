// Package runname makes the names mlite gives runs that were started without
// one: "adjective-noun-number", such as "dashing-owl-417", in the style of
// MLflow's generated run names (mlflow/utils/name_utils.py).
//
// Vocabulary: an adjective and a noun from the package's own word lists
// (lowercase ASCII, family-friendly) and a number from 0 to 999, written
// without leading zeros as MLflow writes it. The lists keep every name within
// MaxLength characters, MLflow's bound for generated names, so no name is
// ever cut short.
//
// It imports only the standard library.
package runname
