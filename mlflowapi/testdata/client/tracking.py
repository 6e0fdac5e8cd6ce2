"""Logs to an mlite server through the unmodified mlflow client.

Run by TestMLflowClient (client_test.go) with the server's URL as the only
argument; prints one JSON object after the marker MLITE-RESULT with what the client read back, for the Go
test to check against the store.
"""

import json
import os
import sys
import tempfile

import mlflow
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.tracking import MlflowClient


def main(uri):
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    out = {}

    exp = mlflow.set_experiment("client-exp")
    out["experiment_id"] = exp.experiment_id
    out["artifact_location"] = exp.artifact_location

    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"layers": 3, "optimizer": "adam"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=4)
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"stage": "dev", "to_delete": "x"})
        client.delete_tag(parent.info.run_id, "to_delete")
        # Artifacts go through the mlflow-artifacts proxy.
        mlflow.log_text("hello from the client\n", "notes/hello.txt")
        mlflow.log_dict({"layers": 3}, "config.json")
        local = os.path.join(tempfile.mkdtemp(), "weights.bin")
        with open(local, "wb") as f:
            f.write(bytes(range(256)) * 4)
        mlflow.log_artifact(local, artifact_path="model")
        # A dataset input through the low-level client.
        ds = Dataset("iris", "d1g3st", "http", '{"url": "http://example.com/iris.csv"}')
        client.log_inputs(parent.info.run_id, [DatasetInput(ds, [InputTag("mlflow.data.context", "training")])])
        for child_name, lr in (("child-a", 0.1), ("child-b", 0.01)):
            with mlflow.start_run(run_name=child_name, nested=True):
                mlflow.log_param("lr", lr)
                mlflow.log_metric("score", lr * 10, step=1)
        out["parent_run_id"] = parent.info.run_id
        out["artifact_uri"] = parent.info.artifact_uri

        # A changed param is refused with MLflow's error.
        try:
            mlflow.log_param("alpha", 0.7)
            out["param_change_error"] = None
        except mlflow.exceptions.MlflowException as e:
            out["param_change_error"] = e.error_code

    # log_batch through the client, on a run made by the client.
    r = client.create_run(exp.experiment_id, run_name="batch", tags={"kind": "batch"})
    client.log_batch(
        r.info.run_id,
        metrics=[Metric("m", float(i), 1700000000000 + i, i) for i in range(10)],
        params=[Param("p1", "v1"), Param("p2", "v2")],
        tags=[RunTag("t1", "a"), RunTag("t1", "b")],
    )
    # Resuming an ended run, then ending it as killed.
    client.set_terminated(r.info.run_id)
    with mlflow.start_run(run_id=r.info.run_id):
        # The client sends the old end time along, and MLflow keeps it.
        out["resumed"] = client.get_run(r.info.run_id).info.status
        mlflow.log_metric("resumed", 1.0)
    client.set_terminated(r.info.run_id, status="KILLED")
    out["batch_run_id"] = r.info.run_id

    runs = mlflow.search_runs(
        experiment_ids=[exp.experiment_id],
        filter_string="params.lr = '0.1' or tags.team = 'vision'",
        order_by=["attributes.run_name ASC"],
        output_format="list",
    )
    out["search"] = [x.info.run_name for x in runs]
    children = client.search_runs(
        [exp.experiment_id],
        filter_string="tags.mlflow.parentRunId = '%s'" % parent.info.run_id,
        order_by=["metrics.score DESC"],
    )
    out["children"] = [x.info.run_name for x in children]

    got = client.get_run(parent.info.run_id)
    out["parent"] = {
        "status": got.info.status,
        "params": got.data.params,
        "metrics": got.data.metrics,
        "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.source")},
    }
    out["inputs"] = [
        [i.dataset.name, i.dataset.digest, i.dataset.source_type, {t.key: t.value for t in i.tags}]
        for i in got.inputs.dataset_inputs
    ]
    hist = client.get_metric_history(parent.info.run_id, "loss")
    out["loss_history"] = [[m.step, m.value] for m in hist]
    rid = parent.info.run_id
    out["artifacts_root"] = sorted((a.path, a.is_dir, a.file_size) for a in client.list_artifacts(rid))
    out["artifacts_notes"] = [a.path for a in client.list_artifacts(rid, "notes")]
    dst = client.download_artifacts(rid, "notes/hello.txt", tempfile.mkdtemp())
    with open(dst) as f:
        out["downloaded"] = f.read()
    out["loaded_text"] = mlflow.artifacts.load_text(parent.info.artifact_uri + "/notes/hello.txt")
    out["loaded_dict"] = mlflow.artifacts.load_dict(parent.info.artifact_uri + "/config.json")
    whole = mlflow.artifacts.download_artifacts(run_id=rid, dst_path=tempfile.mkdtemp())
    with open(os.path.join(whole, "model", "weights.bin"), "rb") as f:
        out["weights_ok"] = f.read() == bytes(range(256)) * 4

    b = client.get_run(r.info.run_id)
    out["batch"] = {"status": b.info.status, "params": b.data.params, "tags": {"t1": b.data.tags.get("t1")}}
    out["batch_history"] = len(client.get_metric_history(r.info.run_id, "m"))

    # Deleting and restoring.
    client.delete_run(r.info.run_id)
    try:
        client.log_param(r.info.run_id, "late", 1)
        out["deleted_run_error"] = None
    except mlflow.exceptions.MlflowException as e:
        out["deleted_run_error"] = e.error_code
    client.restore_run(r.info.run_id)
    try:
        client.get_run("0123456789abcdef0123456789abcdef")
        out["missing_run_error"] = None
    except mlflow.exceptions.MlflowException as e:
        out["missing_run_error"] = e.error_code
    try:
        client.create_experiment("client-exp")
        out["duplicate_experiment_error"] = None
    except mlflow.exceptions.MlflowException as e:
        out["duplicate_experiment_error"] = e.error_code

    print("MLITE-RESULT " + json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
