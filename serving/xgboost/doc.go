// Package xgboost serves models of MLflow's xgboost flavor in pure Go: it
// registers a loader for the flavor with serving.RegisterFlavor, so that
// importing it (for its side effect) lets serving.Load, mlite serve and
// mlite predict score an XGBoost model the mlflow client logged.
//
// The flavor's data file is XGBoost's JSON model (model.json) or its
// UBJSON form (model.ubj, the flavor's default), read by this package's
// own reader (internal/ubjson decodes UBJSON); XGBoost's old binary format
// (model.xgb, model.deprecated) is refused. Trees are walked as XGBoost's
// CPU predictor walks them: features as float32, a split sends a value
// below its condition left and a missing value (NaN) its default way,
// leaf values summed in float32 onto the base margin. The answer is what
// mlflow.pyfunc's predict returns:
//
//	a Booster (model_class xgboost.core.Booster)
//	  binary:logistic, reg:logistic      a probability per row
//	  multi:softprob                     a probability per class per row
//	  multi:softmax                      the class per row
//	  reg:squarederror, reg:absoluteerror,
//	    reg:pseudohubererror, reg:squaredlogerror,
//	    reg:quantileerror (one quantile),
//	    binary:logitraw, rank:*          the raw score
//	  count:poisson, reg:gamma,
//	    reg:tweedie, survival:cox        exp of the score
//	  binary:hinge                       0 or 1
//	XGBClassifier, XGBRFClassifier       the class per row (0 .. n-1)
//	XGBRegressor, XGBRFRegressor,
//	  XGBRanker                          as the Booster, up to the
//	                                     best iteration when there is one
//
// Not served, with an error saying so: gblinear and dart boosters,
// categorical splits, vector-leaf (multi-target) trees, and survival:aft.
package xgboost
