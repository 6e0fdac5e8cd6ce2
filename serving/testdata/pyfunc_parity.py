"""Trains LightGBM and XGBoost models, logs them with the mlflow client to
the tracking server in MLFLOW_TRACKING_URI, registers them, and scores
ROWS rows with mlflow.pyfunc.load_model(...).predict.

Usage: python pyfunc_parity.py FAMILY OUT_DIR [ROWS] [TREES]
(FAMILY: lightgbm or xgboost)

Writes OUT_DIR/request.json (the rows as a dataframe_split body) and prints
one line after "RESULT " holding a JSON object: for each registered model,
its name, flavor details and the predictions pyfunc returned.
"""

import json
import os
import sys

import numpy as np
import pandas as pd

import mlflow
from loans import loan_features

family, out_dir = sys.argv[1], sys.argv[2]
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
trees = int(sys.argv[4]) if len(sys.argv) > 4 else 20

rng = np.random.default_rng(15)
n = 2000
X = loan_features(rng, n, extra=True)
# Missing values: the trees must send them where the library does.
X.loc[rng.random(n) < 0.05, "utilisation"] = np.nan
X.loc[rng.random(n) < 0.03, "late_payments"] = np.nan
z = (
    -2.0 * X["debt_ratio"]
    + 1.5 * X["utilisation"].fillna(0.5)
    + 0.4 * X["late_payments"].fillna(0)
    - X["income"] / 50000
    + 0.3 * X["score"]
    + rng.normal(0, 0.5, n)
)
y_bin = (z > z.median()).astype(int)
y_multi = pd.cut(z, 3, labels=False).astype(int)
y_reg = z * 10 + X["age"] * 0.1

request = X.iloc[:rows]
# The request body carries every value exactly (repr round-trips a float;
# NaN becomes null), so that both servers score the very rows pyfunc does.
data = [[None if pd.isna(v) else int(v) if isinstance(v, (int, np.integer)) else float(v) for v in row] for row in request.itertuples(index=False)]
with open(os.path.join(out_dir, "request.json"), "w") as f:
    json.dump({"dataframe_split": {"columns": list(request.columns), "data": data}}, f)

mlflow.set_experiment("pyfunc-parity-" + family)
results = []


def log_and_score(name, flavor, model, **kw):
    """Logs model with flavor's log_model, registers it as name and scores
    the request with pyfunc. The requirements are given, so that mlflow
    does not load the model in a subprocess to infer them."""
    kw["pip_requirements"] = [f"{family}=={flavor_version}"]
    with mlflow.start_run(run_name=name):
        flavor.log_model(model, name="model", input_example=X.iloc[:5], registered_model_name=name, **kw)
    uri = f"models:/{name}/1"
    pred = np.asarray(mlflow.pyfunc.load_model(uri).predict(request))
    results.append(
        {
            "name": name,
            "uri": uri,
            "shape": list(pred.shape),
            "dtype": str(pred.dtype),
            "predictions": pred.tolist(),
        }
    )


if family == "lightgbm":
    import lightgbm as lgb

    flavor_version = lgb.__version__

    for objective, y, extra in [
        ("binary", y_bin, {}),
        ("multiclass", y_multi, {"num_class": 3}),
        ("regression", y_reg, {}),
    ]:
        params = {"objective": objective, "verbose": -1, "num_leaves": 15, "seed": 1, **extra}
        booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=trees)
        log_and_score(f"lgb-{objective}", mlflow.lightgbm, booster)
elif family == "xgboost":
    import xgboost as xgb

    flavor_version = xgb.__version__

    for objective, y, extra, fmt in [
        ("binary:logistic", y_bin, {}, "json"),
        ("multi:softprob", y_multi, {"num_class": 3}, "ubj"),
        ("reg:squarederror", y_reg, {}, "ubj"),
    ]:
        params = {"objective": objective, "max_depth": 4, "eta": 0.3, "seed": 1, **extra}
        booster = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=trees)
        log_and_score("xgb-" + objective.replace(":", "-"), mlflow.xgboost, booster, model_format=fmt)
    # The scikit-learn wrappers: pyfunc answers classes for a classifier.
    for name, est, y, fmt in [
        ("xgb-classifier", xgb.XGBClassifier(n_estimators=trees, max_depth=3, random_state=1), y_multi, "ubj"),
        ("xgb-regressor", xgb.XGBRegressor(n_estimators=trees, max_depth=3, random_state=1), y_reg, "json"),
    ]:
        est.fit(X, y)
        log_and_score(name, mlflow.xgboost, est, model_format=fmt)
else:
    sys.exit("unknown family " + family)

print("RESULT " + json.dumps(results))
