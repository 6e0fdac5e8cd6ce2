"""The workflows of issue 16's acceptance through mlite:, checked from the
Go side: the seed article's script with only the tracking URI changed, and
a Jupyter notebook run by nbclient on ipykernel."""

import json
import os
import shutil
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import HERE, mlite, run_python, wait_no_mlite


REPO = os.path.dirname(os.path.dirname(HERE))


def go_api(path):
    """What mlite's Go API reads in the store (tests/goapi/main.go)."""
    if shutil.which("go") is None:
        if os.environ.get("MLITE_BUNDLED_REQUIRED"):
            pytest.fail("no go on PATH to read the store with mlite's Go API")
        pytest.skip("no go on PATH to read the store with mlite's Go API")
    p = subprocess.run(["go", "run", "./python/tests/goapi", path], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def runs_by_name(path):
    return {r["run_name"]: r for r in mlite("runs", "ls", "--db", path, "--all", "-n", "1000")}


def test_seed_script(tmp_path):
    shutil.copy(os.path.join(HERE, "scripts", "seed.py"), tmp_path)
    p = run_python("seed.py", cwd=tmp_path, timeout=600)
    assert "seed script done" in p.stdout
    path = str(tmp_path / "credit.mlite")
    wait_no_mlite(path)

    runs = runs_by_name(path)
    assert set(runs) == {"random_forest_v1", "lgbm_sweep", "lgbm_none", "lgbm_oversample", "lgbm_undersample"}
    rf = runs["random_forest_v1"]
    assert rf["params"] == {"n_estimators": "200", "max_depth": "10"}
    assert 0.5 < rf["metrics"]["auc"] <= 1
    assert rf["artifact_uri"] == f"mlflow-artifacts:/{rf['experiment_id']}/{rf['run_id']}/artifacts"
    parent = runs["lgbm_sweep"]["run_id"]
    for s in ("none", "oversample", "undersample"):
        child = runs[f"lgbm_{s}"]
        assert child["tags"]["mlflow.parentRunId"] == parent
        assert child["params"]["resampling"] == s
        points = mlite("metrics", "history", "--db", path, child["run_id"], "val_auc")
        assert [p["step"] for p in points] == list(range(50))
    arts = mlite("artifacts", "ls", "--db", path, rf["run_id"])
    assert "feature_importance.png" in [a["path"] for a in arts]

    [model] = mlite("models", "ls", "--db", path)
    assert model["name"] == "CreditDefaultModel"
    [v] = mlite("models", "versions", "--db", path, "CreditDefaultModel")
    assert (v["version"], v["current_stage"], v["run_id"]) == (1, "Production", rf["run_id"])
    logged = mlite("models", "logged", "ls", "--db", path)
    assert [(m["name"], m["source_run_id"]) for m in logged] == [("model", rf["run_id"])]

    api = go_api(path)
    assert {r["run_name"]: r["run_id"] for r in api["runs"]} == {n: r["run_id"] for n, r in runs.items()}
    for r in api["runs"]:
        if r["run_name"].startswith("lgbm_") and r["run_name"] != "lgbm_sweep":
            assert [p["step"] for p in r["metrics"]["val_auc"]] == list(range(50))
            assert len(r["metrics"]["auc"]) == 1
    assert api["models"] == {"CreditDefaultModel": [
        {"version": 1, "current_stage": "Production", "run_id": rf["run_id"], "model_id": logged[0]["model_id"]}]}


NOTEBOOK = [
    "import mlflow, mlite_mlflow\nmlflow.set_tracking_uri({uri!r})\nmlflow.set_experiment('notebook')",
    "from sklearn.datasets import load_breast_cancer\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import train_test_split\n"
    "X, y = load_breast_cancer(return_X_y=True, as_frame=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
    "with mlflow.start_run(run_name='logreg') as run:\n"
    "    mlflow.log_param('C', 0.5)\n"
    "    model = LogisticRegression(C=0.5, max_iter=5000).fit(X_train, y_train)\n"
    "    for epoch in range(5):\n"
    "        mlflow.log_metric('loss', 1 / (epoch + 1), step=epoch)\n"
    "    mlflow.log_metric('accuracy', model.score(X_test, y_test))\n"
    "    info = mlflow.sklearn.log_model(model, name='model', input_example=X_test.head(3),\n"
    "                                    registered_model_name='Cancer')\n"
    "info.model_uri",
    "client = mlflow.MlflowClient()\n"
    "client.transition_model_version_stage('Cancer', 1, 'Staging')\n"
    "client.transition_model_version_stage('Cancer', 1, 'Production')\n"
    "client.set_registered_model_alias('Cancer', 'champion', 1)",
    "loaded = mlflow.pyfunc.load_model('models:/Cancer/Production')\n"
    "assert list(loaded.predict(X_test.head(5))) == list(model.predict(X_test.head(5)))\n"
    "by_id = mlflow.sklearn.load_model(info.model_uri)\n"
    "by_alias = mlflow.pyfunc.load_model('models:/Cancer@champion')\n"
    "assert list(by_id.predict(X_test.head(5))) == list(by_alias.predict(X_test.head(5)))",
    "runs = mlflow.search_runs()\nassert list(runs['tags.mlflow.runName']) == ['logreg']\nruns[['run_id', 'metrics.accuracy']]",
    "import urllib.request\nurl = mlite_mlflow.ui()\nassert urllib.request.urlopen(url).status == 200\nurl",
]


def test_notebook(tmp_path):
    path = str(tmp_path / "nb.mlite")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.format(uri=f"mlite://{path}")) for c in NOTEBOOK]
    nbformat.write(nb, tmp_path / "train.ipynb")
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    nbformat.write(nb, tmp_path / "train.ipynb")
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # The kernel is gone, and its servers with it.
    wait_no_mlite(path)

    [run] = mlite("runs", "ls", "--db", path, "--experiment", "notebook")
    assert run["run_name"] == "logreg" and run["status"] == "FINISHED"
    assert run["params"] == {"C": "0.5"}
    points = mlite("metrics", "history", "--db", path, run["run_id"], "loss")
    assert [(p["step"], p["value"]) for p in points] == [(e, 1 / (e + 1)) for e in range(5)]
    [v] = mlite("models", "versions", "--db", path, "Cancer")
    assert (v["version"], v["current_stage"], v["run_id"]) == (1, "Production", run["run_id"])
    [m] = mlite("models", "ls", "--db", path)
    assert m["aliases"] == {"champion": 1}
    [logged] = mlite("models", "logged", "ls", "--db", path)
    assert logged["source_run_id"] == run["run_id"]

    api = go_api(path)
    [r] = api["runs"]
    assert r["run_id"] == run["run_id"]
    assert r["metrics"]["loss"] == [{"step": e, "value": 1 / (e + 1)} for e in range(5)]
    assert len(r["metrics"]["accuracy"]) == 1
    assert api["models"] == {"Cancer": [
        {"version": 1, "current_stage": "Production", "run_id": run["run_id"], "model_id": logged["model_id"]}]}
    # (listed twice: MLflow's server adds it, then its client appends it
    # again, as against mlflow server)
    assert {"name": "Cancer", "version": "1"} in json.loads(logged["tags"]["mlflow.modelVersions"])



def test_tracking_uri_from_environment(tmp_path):
    # A script that names no tracking URI, run with MLFLOW_TRACKING_URI;
    # a second process reads its artifact back by the run's stored URI.
    path = str(tmp_path / "env.mlite")
    code = (
        "import mlflow\n"
        "open('notes.txt', 'w').write('kept')\n"
        "with mlflow.start_run(run_name='from-env') as run:\n"
        "    mlflow.log_metric('auc', 0.9)\n"
        "    mlflow.log_artifact('notes.txt')\n"
        "print(run.info.run_id)\n"
    )
    p = run_python(code, cwd=tmp_path, env={"MLFLOW_TRACKING_URI": f"mlite://{path}"})
    run_id = p.stdout.split()[-1]
    read = (
        "import mlflow\n"
        f"run = mlflow.get_run({run_id!r})\n"
        "assert run.info.artifact_uri.startswith('mlflow-artifacts:/'), run.info.artifact_uri\n"
        "local = mlflow.artifacts.download_artifacts(artifact_uri=run.info.artifact_uri + '/notes.txt')\n"
        "print(open(local).read())\n"
    )
    p = run_python(read, cwd=tmp_path, env={"MLFLOW_TRACKING_URI": f"mlite:{os.path.relpath(path, tmp_path)}"})
    assert p.stdout.split()[-1] == "kept"
    wait_no_mlite(path)
    [r] = mlite("runs", "ls", "--db", path)
    assert (r["run_id"], r["run_name"], r["metrics"]) == (run_id, "from-env", {"auc": 0.9})
