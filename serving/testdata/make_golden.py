"""Writes the golden models the lightgbm and xgboost packages' tests read
without Python: small models of many objectives saved with the flavors'
save_model, and what mlflow.pyfunc.load_model(...).predict answers for
ROWS rows of them.

Usage: python make_golden.py SERVING_DIR   (rerun after changing it; the
tests read SERVING_DIR/lightgbm/testdata and SERVING_DIR/xgboost/testdata)
"""

import json
import os
import shutil
import sys

import numpy as np
import pandas as pd

import mlflow
from loans import loan_features

serving = sys.argv[1]
rows, trees = 40, 6

rng = np.random.default_rng(7)
n = 600
X = loan_features(rng, n)
X.loc[rng.random(n) < 0.1, "utilisation"] = np.nan
z = -2.0 * X["debt_ratio"] + 1.5 * X["utilisation"].fillna(0.5) - X["income"] / 50000 + rng.normal(0, 0.5, n)
y_bin = (z > z.median()).astype(int)
y_multi = pd.cut(z, 3, labels=False).astype(int)
y_reg = z * 10 + X["age"] * 0.1
y_count = rng.poisson(np.exp(0.3 * z.clip(-3, 3)))

request = X.iloc[:rows]
data = [[None if pd.isna(v) else int(v) if isinstance(v, (int, np.integer)) else float(v) for v in row]
        for row in request.itertuples(index=False)]
body = {"dataframe_split": {"columns": list(request.columns), "data": data}}


def save(family, name, flavor, model, **kw):
    path = os.path.join(serving, family, "testdata", name)
    shutil.rmtree(path, ignore_errors=True)
    flavor.save_model(model, path, input_example=X.iloc[:3], pip_requirements=[family], **kw)
    for f in ["conda.yaml", "python_env.yaml", "requirements.txt", "serving_input_example.json", "input_example.json"]:
        if os.path.exists(os.path.join(path, f)):
            os.remove(os.path.join(path, f))
    pred = mlflow.pyfunc.load_model(path).predict(request)
    with open(os.path.join(path, "expected.json"), "w") as f:
        json.dump({"request": body, "predictions": np.asarray(pred).tolist()}, f)


import lightgbm as lgb

for name, params, y in [
    ("binary", {"objective": "binary"}, y_bin),
    ("binary-sigmoid2", {"objective": "binary", "sigmoid": 2.0}, y_bin),
    ("multiclass", {"objective": "multiclass", "num_class": 3}, y_multi),
    ("multiclassova", {"objective": "multiclassova", "num_class": 3}, y_multi),
    ("regression", {"objective": "regression"}, y_reg),
    ("regression-l1", {"objective": "regression_l1"}, y_reg),
    ("huber", {"objective": "huber"}, y_reg),
    ("poisson", {"objective": "poisson"}, y_count),
    ("xentropy", {"objective": "cross_entropy"}, y_bin),
    ("rf", {"objective": "binary", "boosting": "rf", "bagging_freq": 1, "bagging_fraction": 0.7}, y_bin),
    ("categorical", {"objective": "regression", "categorical_feature": [2], "min_data_per_group": 5, "cat_smooth": 1}, y_reg),
    ("zero-missing", {"objective": "regression", "zero_as_missing": True}, y_reg),
]:
    params = {"verbose": -1, "num_leaves": 7, "seed": 1, **params}
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=trees)
    save("lightgbm", name, mlflow.lightgbm, booster)
# A scikit-learn estimator: the flavor pickles it.
save("lightgbm", "sklearn-classifier", mlflow.lightgbm,
     lgb.LGBMClassifier(n_estimators=2, num_leaves=3, verbose=-1).fit(X, y_bin))

import xgboost as xgb

for name, params, y, fmt in [
    ("binary-logistic", {"objective": "binary:logistic"}, y_bin, "json"),
    ("binary-logitraw", {"objective": "binary:logitraw"}, y_bin, "ubj"),
    ("binary-hinge", {"objective": "binary:hinge"}, y_bin, "ubj"),
    ("multi-softprob", {"objective": "multi:softprob", "num_class": 3}, y_multi, "ubj"),
    ("multi-softmax", {"objective": "multi:softmax", "num_class": 3}, y_multi, "json"),
    ("reg-squarederror", {"objective": "reg:squarederror"}, y_reg, "ubj"),
    ("reg-absoluteerror", {"objective": "reg:absoluteerror"}, y_reg, "json"),
    ("count-poisson", {"objective": "count:poisson"}, y_count, "ubj"),
    ("reg-gamma", {"objective": "reg:gamma"}, y_count + 1, "json"),
    ("forest", {"objective": "binary:logistic", "num_parallel_tree": 3, "subsample": 0.7, "colsample_bynode": 0.8}, y_bin, "ubj"),
]:
    params = {"max_depth": 3, "eta": 0.3, "seed": 1, **params}
    booster = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=trees)
    save("xgboost", name, mlflow.xgboost, booster, model_format=fmt)
for name, est, y, fmt in [
    ("sklearn-classifier-binary", xgb.XGBClassifier(n_estimators=trees, max_depth=3), y_bin, "ubj"),
    ("sklearn-classifier-multi", xgb.XGBClassifier(n_estimators=trees, max_depth=3), y_multi, "json"),
    ("sklearn-regressor", xgb.XGBRegressor(n_estimators=trees, max_depth=3), y_reg, "ubj"),
]:
    save("xgboost", name, mlflow.xgboost, est.fit(X, y), model_format=fmt)
# Early stopping: the scikit-learn wrapper predicts up to best_iteration.
est = xgb.XGBRegressor(n_estimators=40, max_depth=3, eta=0.8, early_stopping_rounds=2)
est.fit(X.iloc[:400], y_reg.iloc[:400], eval_set=[(X.iloc[400:], y_reg.iloc[400:])], verbose=False)
save("xgboost", "sklearn-early-stopping", mlflow.xgboost, est, model_format="json")
