"""The installed package: its entry points and, in CI, the binary its
wheel bundles."""

import os
from importlib.metadata import entry_points

import mlite_mlflow


def test_entry_points():
    got = {(e.group, e.name, e.value) for g in ("mlflow.tracking_store", "mlflow.model_registry_store", "mlflow.artifact_repository")
           for e in entry_points(group=g) if e.value.startswith("mlite_mlflow")}
    assert got == {
        ("mlflow.tracking_store", "mlite", "mlite_mlflow._stores:tracking_store"),
        ("mlflow.model_registry_store", "mlite", "mlite_mlflow._stores:registry_store"),
        ("mlflow.artifact_repository", "mlflow-artifacts", "mlite_mlflow._artifacts:MlflowArtifactsRepository"),
    }


def test_bundled_binary():
    # CI sets MLITE_BUNDLED_REQUIRED after `pip install ./python`: the
    # binary must be the wheel's own.
    binary = mlite_mlflow.find_binary()
    if os.environ.get("MLITE_BUNDLED_REQUIRED"):
        package = os.path.dirname(os.path.abspath(mlite_mlflow.__file__))
        assert binary == os.path.join(package, "bin", "mlite")
    assert os.access(binary, os.X_OK)
