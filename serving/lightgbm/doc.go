// Package lightgbm serves models of MLflow's lightgbm flavor in pure Go:
// it registers a loader for the flavor with serving.RegisterFlavor, so that
// importing it (for its side effect) lets serving.Load, mlite serve and
// mlite predict score a LightGBM Booster the mlflow client logged.
//
// The flavor's data file (model.lgb) is LightGBM's text model format
// (version v4, as LightGBM 4 writes it, and v3). This package reads it and
// walks the trees as LightGBM does (numerical splits in float64, missing
// values sent by each split's missing type and default direction,
// categorical bitsets, random-forest averaging), then turns the raw scores
// into what mlflow.pyfunc's predict returns for the objective:
//
//	binary, cross_entropy (xentropy)     a probability per row (sigmoid)
//	multiclass (softmax)                 a probability per class per row
//	multiclassova                        a sigmoid per class per row
//	regression (l2, l1, huber, fair,
//	  quantile, mape), lambdarank,
//	  rank_xendcg, custom                the raw score
//	regression with sqrt                 the score squared, sign kept
//	poisson, gamma, tweedie              exp of the score
//	cross_entropy_lambda                 log(1 + exp(score))
//
// Not served, with an error saying so: linear trees (linear_tree=true), and
// a scikit-learn estimator (LGBMClassifier, LGBMRegressor), which the flavor
// pickles (model.pkl) and only Python can load (serving.ErrNeedsPython).
package lightgbm
