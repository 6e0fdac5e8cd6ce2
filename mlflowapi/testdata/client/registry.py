"""Uses mlite's model registry through the unmodified mlflow client.

Run by TestMLflowClientRegistry (client_test.go) with the server's URL as
the only argument; prints one JSON object after the marker MLITE-RESULT.
"""

import json
import os
import sys
import tempfile
import warnings

import mlflow
from mlflow.tracking import MlflowClient

warnings.simplefilter("ignore")  # stages are deprecated; they still work


def err_code(fn):
    try:
        fn()
    except mlflow.exceptions.MlflowException as e:
        return e.error_code
    return None


def main(uri):
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    out = {}

    mlflow.set_experiment("registry-exp")
    with mlflow.start_run(run_name="trainer") as run:
        mlflow.log_text("flavors: {}\n", "model/MLmodel")
        mlflow.log_text("weights\n", "model/weights.txt")
        mlflow.log_metric("auc", 0.93)
    rid = run.info.run_id
    out["run_id"] = rid

    rm = client.create_registered_model("Iris", tags={"team": "ml"}, description="iris classifier")
    out["created"] = {"name": rm.name, "description": rm.description, "tags": rm.tags}
    out["duplicate_model_error"] = err_code(lambda: client.create_registered_model("Iris"))

    v1 = client.create_model_version(
        "Iris", f"runs:/{rid}/model", run_id=rid, tags={"k": "v"}, description="first"
    )
    out["v1"] = {"version": v1.version, "status": v1.status, "stage": v1.current_stage,
                 "tags": v1.tags, "description": v1.description, "run_id": v1.run_id}
    v2 = mlflow.register_model(f"runs:/{rid}/model", "Iris")
    out["v2_version"] = v2.version

    t = client.transition_model_version_stage("Iris", v1.version, "production")
    out["transitioned"] = t.current_stage
    client.transition_model_version_stage("Iris", v2.version, "Production", archive_existing_versions=True)
    out["v1_after_archive"] = client.get_model_version("Iris", v1.version).current_stage
    out["bad_stage_error"] = err_code(lambda: client.transition_model_version_stage("Iris", v1.version, "Nowhere"))

    client.set_registered_model_alias("Iris", "champion", v1.version)
    out["by_alias"] = client.get_model_version_by_alias("Iris", "champion").version
    client.set_registered_model_alias("Iris", "gone", v2.version)
    client.delete_registered_model_alias("Iris", "gone")
    out["deleted_alias_error"] = err_code(lambda: client.get_model_version_by_alias("Iris", "gone"))

    client.set_model_version_tag("Iris", v2.version, "validated", "yes")
    client.set_model_version_tag("Iris", v2.version, "tmp", "x")
    client.delete_model_version_tag("Iris", v2.version, "tmp")
    client.set_registered_model_tag("Iris", "owner", "bob")
    client.delete_registered_model_tag("Iris", "team")
    client.update_model_version("Iris", v2.version, description="second")
    client.update_registered_model("Iris", description="iris, updated")

    latest = client.get_latest_versions("Iris", stages=["Production"])
    out["latest_production"] = [v.version for v in latest]
    found = client.search_model_versions("name = 'Iris'", order_by=["version_number DESC"])
    out["searched"] = [v.version for v in found]

    v3 = client.create_model_version("Iris", f"runs:/{rid}/model", run_id=rid)
    client.delete_model_version("Iris", v3.version)
    out["deleted_version_error"] = err_code(lambda: client.get_model_version("Iris", v3.version))
    out["missing_model_error"] = err_code(lambda: client.create_model_version("Nope", f"runs:/{rid}/model"))

    client.rename_registered_model("Iris", "IrisRenamed")
    got = client.get_registered_model("IrisRenamed")
    out["renamed"] = {"name": got.name, "description": got.description, "tags": got.tags,
                      "aliases": got.aliases}
    v2r = client.get_model_version("IrisRenamed", v2.version)
    out["v2"] = {"stage": v2r.current_stage, "tags": v2r.tags, "description": v2r.description}

    # The version's files, through models:/ and the artifact proxy.
    dst = mlflow.artifacts.download_artifacts("models:/IrisRenamed/1", dst_path=tempfile.mkdtemp())
    out["model_files"] = sorted(os.listdir(dst))
    with open(os.path.join(dst, "weights.txt")) as f:
        out["weights"] = f.read()

    client.create_registered_model("Scratch")
    client.delete_registered_model("Scratch")
    out["deleted_model_error"] = err_code(lambda: client.get_registered_model("Scratch"))

    print("MLITE-RESULT " + json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
