"""The seed article's workflow, as its author ran it against
`mlflow server`, with one change: the tracking URI is mlite:credit.mlite
(a file in the working directory) instead of http://localhost:5000.

Tracking (params, metrics, a feature-importance plot), a model logged with
its signature, a LightGBM sweep of resampling strategies as child runs of
one parent, the registry (create, version from runs:/<run_id>/model,
Staging then Production) and loading the Production model back. As
MLflow 3 spells it: log_model(model, name="model"), and a forest's tree type
trusted explicitly (MLflow 3.17 saves scikit-learn models with skops).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import lightgbm as lgb
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import mlflow
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

mlflow.set_tracking_uri("mlite:credit.mlite")
mlflow.set_experiment("credit_default_prediction")

# A heavily imbalanced credit-default data set.
X, y = make_classification(n_samples=2000, n_features=12, n_informative=6, weights=[0.9], random_state=7)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y)

with mlflow.start_run(run_name="random_forest_v1") as run:
    mlflow.log_param("n_estimators", 200)
    mlflow.log_param("max_depth", 10)
    model = RandomForestClassifier(n_estimators=200, max_depth=10, random_state=7).fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    mlflow.log_metric("auc", auc)
    fig, ax = plt.subplots()
    ax.barh(range(X.shape[1]), model.feature_importances_)
    fig.savefig("feature_importance.png")
    mlflow.log_artifact("feature_importance.png")
    y_pred = model.predict(X_train)
    signature = infer_signature(X_train, y_pred)
    # MLflow 3.17 saves scikit-learn models with skops and asks to trust a
    # forest's tree type, whatever the tracking URI (sqlite:, http:, mlite:).
    mlflow.sklearn.log_model(model, name="model", signature=signature, skops_trusted_types=["sklearn.tree._tree.Tree"])
run_id = run.info.run_id

# A sweep: one parent, a child run per resampling strategy.
def resample(strategy, X, y):
    rng = np.random.default_rng(7)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if strategy == "oversample":
        pos = rng.choice(pos, size=len(neg), replace=True)
    elif strategy == "undersample":
        neg = rng.choice(neg, size=len(pos), replace=False)
    idx = np.concatenate([pos, neg])
    return X[idx], y[idx]


with mlflow.start_run(run_name="lgbm_sweep"):
    for strategy in ["none", "oversample", "undersample"]:
        with mlflow.start_run(run_name=f"lgbm_{strategy}", nested=True):
            mlflow.log_params({"classifier": "lightgbm", "resampling": strategy, "learning_rate": 0.05})
            Xr, yr = resample(strategy, X_train, y_train)
            evals = {}
            clf = lgb.LGBMClassifier(n_estimators=50, learning_rate=0.05, verbose=-1)
            clf.fit(Xr, yr, eval_set=[(X_test, y_test)], eval_metric="auc", callbacks=[lgb.record_evaluation(evals)])
            for step, value in enumerate(evals["valid_0"]["auc"]):
                mlflow.log_metric("val_auc", value, step=step)
            mlflow.log_metric("auc", roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]))

client = MlflowClient()
client.create_registered_model("CreditDefaultModel")
client.create_model_version(name="CreditDefaultModel", source=f"runs:/{run_id}/model", run_id=run_id)
client.transition_model_version_stage(name="CreditDefaultModel", version=1, stage="Staging")
client.transition_model_version_stage(name="CreditDefaultModel", version=1, stage="Production")

production = mlflow.pyfunc.load_model("models:/CreditDefaultModel/Production")
predictions = production.predict(X_test[:5])
assert list(predictions) == list(model.predict(X_test[:5])), predictions
local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="feature_importance.png")
assert open(local, "rb").read() == open("feature_importance.png", "rb").read()
print("seed script done:", run_id)
