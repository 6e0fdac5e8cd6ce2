// Package creditdemo builds the quickstart store: the seed article's story of a
// credit-default model, computed for real and logged into one mlite file.
//
// Build generates a heavily imbalanced credit-default data set, runs a sweep
// of small models trained in pure Go (logistic regression and gradient-boosted
// shallow trees, each with and without resampling for the imbalance) as child
// runs of one parent run, logs their params, learning curves, final metrics,
// plots and model files, then logs the best model with a signature and takes
// the registered model "CreditDefaultModel" through a gated promotion to
// Production with the alias champion. Every number in the store is measured,
// none is made up.
//
// Vocabulary:
//   - Loan: one row of the data set (eight features) and Dataset the rows with
//     their labels (1 = defaulted).
//   - Config: one point of the sweep's grid (model family, hyperparameters,
//     resampling strategy); a trial is a Config trained and evaluated.
//   - Model: a trained model as its JSON file holds it; ReadModel loads the
//     file and Model.Predict scores loans, so the registered version can be
//     served from Go.
//   - resampling: "none", "class_weight" (positives weighted by the class
//     ratio) or "oversample" (random oversampling of the minority class).
//
// Package creditdemo is an application of mlite, not a part of it: it sits
// above what it uses and imports the root package mlite, run, registry,
// registry/mlmodel, serving and golang.org/x/image's fonts. Its callers are
// the CLI's quickstart and serve commands and the tests (serving's, the
// viewer's browser tests) that want a realistic store; no library package
// imports it.
package creditdemo
