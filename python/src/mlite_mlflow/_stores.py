"""MLflow's tracking and model registry stores for mlite: URIs.

Both are MLflow's own REST stores, pointed at the private server of the
URI's store file with its token; the entry points in pyproject.toml
register them for the scheme mlite.
"""

from __future__ import annotations

from mlite_mlflow import _server


def _host_creds(server: _server.Server):
    from mlflow.utils.rest_utils import MlflowHostCreds

    def get_host_creds():
        server.check()
        return MlflowHostCreds(host=server.url, token=server.token)

    return get_host_creds


def tracking_store(store_uri: str, artifact_uri: str | None = None, **_):
    """MLflow's tracking store builder for mlite: URIs (entry point
    mlflow.tracking_store)."""
    from mlflow.store.tracking.rest_store import RestStore

    return RestStore(_host_creds(_server.for_uri(store_uri)))


def registry_store(store_uri: str, tracking_uri: str | None = None, **_):
    """MLflow's model registry store builder for mlite: URIs (entry point
    mlflow.model_registry_store)."""
    from mlflow.store.model_registry.rest_store import RestStore

    return RestStore(_host_creds(_server.for_uri(store_uri)))
