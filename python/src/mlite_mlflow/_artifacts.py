"""The mlflow-artifacts: repository, resolved against a private server
when the tracking URI is mlite:.

mlite stores a run's artifact URI as mlflow-artifacts:/<experiment>/<run>/
artifacts (and a logged model's likewise), with no host or port: MLflow's
client resolves such a URI against the tracking URI, which must be
http(s). This subclass of MLflow's repository, registered for the scheme
mlflow-artifacts through the entry point mlflow.artifact_repository,
resolves it against the private server's current address when the
tracking URI is mlite:, and is MLflow's own repository otherwise. So the
port of a private server is never stored: it exists only in this
process's memory.

MLflow's HTTP artifact code reads credentials from the environment
(get_default_host_creds) in some calls; the wrapper installed here adds a
private server's token to requests to that server's address only, and
changes nothing for any other address.
"""

from __future__ import annotations

import mlflow.store.artifact.http_artifact_repo as _http_repo
import mlflow.store.artifact.mlflow_artifacts_repo as _mlflow_artifacts_repo
from mlflow.tracking._tracking_service.utils import get_tracking_uri

from mlite_mlflow import _server


class MlflowArtifactsRepository(_mlflow_artifacts_repo.MlflowArtifactsRepository):
    """MLflow's mlflow-artifacts: repository, which also resolves against
    an mlite: tracking URI."""

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None) -> None:
        effective = tracking_uri or get_tracking_uri()
        if _server.is_mlite_uri(effective):
            tracking_uri = _server.for_uri(effective).url
        super().__init__(artifact_uri, tracking_uri=tracking_uri, registry_uri=registry_uri)


def _with_private_token(get_default_host_creds):
    def host_creds(uri):
        server = _server.by_url(uri)
        if server is None or not server.token:
            return get_default_host_creds(uri)
        from mlflow.utils.rest_utils import MlflowHostCreds

        server.check()
        return MlflowHostCreds(host=uri, token=server.token)

    host_creds.__wrapped__ = get_default_host_creds
    return host_creds


for _module in (_http_repo, _mlflow_artifacts_repo):
    if not hasattr(_module.get_default_host_creds, "__wrapped__"):
        _module.get_default_host_creds = _with_private_token(_module.get_default_host_creds)
