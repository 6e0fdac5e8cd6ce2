"""MLflow's tracking and model registry stores for mlite: URIs.

Both are MLflow's own REST stores, pointed at the private server of the
URI's store file with its token; the entry points in pyproject.toml
register them for the scheme mlite. A write to a file that cannot be
written (the server opened it read-only) fails with MLflow's
PERMISSION_DENIED, its message naming the file.
"""

from __future__ import annotations

from mlite_mlflow import _server


def _host_creds(server: _server.Server):
    from mlflow.utils.rest_utils import MlflowHostCreds

    def get_host_creds():
        server.check()
        return MlflowHostCreds(host=server.url, token=server.token)

    return get_host_creds


def _naming_read_only(rest_store_class):
    """A subclass of one of MLflow's REST stores whose refused writes to a
    read-only store name its file."""

    class Store(rest_store_class):
        def __init__(self, server: _server.Server):
            super().__init__(_host_creds(server))
            self._mlite = server

        def _call_endpoint(self, *args, **kwargs):
            from mlflow.exceptions import MlflowException, RestException
            from mlflow.protos.databricks_pb2 import PERMISSION_DENIED

            try:
                return super()._call_endpoint(*args, **kwargs)
            except RestException as e:
                if not self._mlite.read_only or e.error_code != "PERMISSION_DENIED":
                    raise
                raise MlflowException(
                    f"{self._mlite.path} is read-only here (opened read-only: the file or its folder "
                    f"cannot be written), so this write is refused: {e.message}",
                    error_code=PERMISSION_DENIED,
                ) from e

    Store.__name__ = Store.__qualname__ = "Mlite" + rest_store_class.__name__
    return Store


_tracking_class = None
_registry_class = None


def tracking_store(store_uri: str, artifact_uri: str | None = None, **_):
    """MLflow's tracking store builder for mlite: URIs (entry point
    mlflow.tracking_store)."""
    global _tracking_class
    if _tracking_class is None:
        from mlflow.store.tracking.rest_store import RestStore

        _tracking_class = _naming_read_only(RestStore)
    return _tracking_class(_server.for_uri(store_uri))


def registry_store(store_uri: str, tracking_uri: str | None = None, **_):
    """MLflow's model registry store builder for mlite: URIs (entry point
    mlflow.model_registry_store)."""
    global _registry_class
    if _registry_class is None:
        from mlflow.store.model_registry.rest_store import RestStore

        _registry_class = _naming_read_only(RestStore)
    return _registry_class(_server.for_uri(store_uri))
