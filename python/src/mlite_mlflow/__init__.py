"""mlite_mlflow: MLflow's tracking URI mlite: for mlite store files.

With this package installed, the unmodified mlflow client logs to and
reads from an mlite file with no server to run:

    import mlflow
    mlflow.set_tracking_uri("mlite:///path/to/credit.mlite")  # or mlite:credit.mlite

(or MLFLOW_TRACKING_URI=mlite:///path/to/credit.mlite). On first use the
package starts a private `mlite server` for the file (loopback, a free
port, a random token) that stops when the Python process exits. ui()
starts the viewer on the same file and returns its URL.
"""

from __future__ import annotations

from mlite_mlflow._errors import MliteError
from mlite_mlflow._server import find_binary, store_path

__all__ = ["MliteError", "find_binary", "server_url", "store_path", "ui"]
__version__ = "0.1.0"


def _resolve(uri_or_path: str | None) -> str:
    from mlite_mlflow import _server

    if uri_or_path is None:
        import mlflow

        uri_or_path = mlflow.get_tracking_uri()
        if not _server.is_mlite_uri(uri_or_path):
            raise MliteError(f"the tracking URI is {uri_or_path!r}, not an mlite: URI: name the store file")
    if _server.is_mlite_uri(uri_or_path):
        return _server.store_path(uri_or_path)
    import os

    return os.path.abspath(os.path.expanduser(uri_or_path))


def ui(uri_or_path: str | None = None) -> str:
    """Start the mlite viewer on a store and return its URL.

    uri_or_path is an mlite: URI or a file path; by default, the store of
    the current tracking URI. The viewer (read-only, loopback, a free
    port) stops when this process exits; a second call for the same file
    returns the same URL.
    """
    from mlite_mlflow import _server

    return _server.get(_resolve(uri_or_path), "ui").url + "/"


def server_url(uri_or_path: str | None = None) -> str:
    """The URL of this process's private MLflow server for a store
    (started if need be). It takes a bearer token: this is for
    diagnostics, MLflow clients use the mlite: URI."""
    from mlite_mlflow import _server

    return _server.get(_resolve(uri_or_path)).url + "/"
