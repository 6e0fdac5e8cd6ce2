"""A pytest plugin for running MLflow's own REST tests (tests/tracking/
test_rest_tracking.py and tests/tracking/test_model_registry.py from MLflow's
repository) unchanged, against MLflow's server or against mlite server.

run.py loads it with `-p mlite_redirect`. It always provides what those files
take from MLflow's root conftest.py when that conftest is absent (a fresh,
migrated sqlite `db_uri` per test) and puts the client's global state back
after each test (active run, tracking and registry URIs).

With MLITE_BIN set to an mlite binary it also redirects the servers the tests
start: the tests ready MLflow's server with `initialize_backend_stores(...)`
and start it in-process with `ServerThread(app, port)` (or as a subprocess
with `_init_server(...)`); this plugin swaps these names, in every module
that imported them, for a no-op and for a context manager that starts
`mlite server` on a fresh store in a new temporary folder, on loopback and a
free port, and yields its URL. Everything else in the tests runs as MLflow
wrote it.

The artifact root the test gives MLflow's server (initialize_backend_stores'
default_artifact_root, or _init_server's root_artifact_uri) is given to mlite
server too, as --default-artifact-root: experiments created without a
location keep their artifacts there, as on MLflow's server."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from servers import start_mlite, stop  # noqa: E402

# The modules whose ServerThread and _init_server names are swapped.
_REDIRECTED = (
    "tests.tracking.integration_test_utils",
    "tests.tracking.test_rest_tracking",
    "tests.tracking.test_model_registry",
)


# The default artifact root the test last gave initialize_backend_stores,
# for the next server it starts.
_artifact_root: str | None = None


@contextlib.contextmanager
def _mlite_server(artifact_root: str | None = None) -> Iterator[str]:
    global _artifact_root
    binary = Path(os.environ["MLITE_BIN"])
    tmp = Path(tempfile.mkdtemp(prefix="mlite-mlflow-tests-"))
    root, _artifact_root = artifact_root or _artifact_root, None
    proc = None
    try:
        # The server's working folder is the test's, as for MLflow's in-process
        # server: a relative artifact location resolves against it.
        extra = ["--default-artifact-root", root] if root else []
        proc, url = start_mlite(binary, tmp / "store.mlite", tmp, "--quiet", *extra, cwd=Path.cwd())
        yield url
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


class MliteServerThread:
    """Stands in for tests.tracking.integration_test_utils.ServerThread: the
    app and port MLflow's fixture passes are not used."""

    def __init__(self, app=None, port=None):
        self._cm = _mlite_server()

    def __enter__(self) -> str:
        return self._cm.__enter__()

    def __exit__(self, *exc) -> None:
        self._cm.__exit__(*exc)


def mlite_init_server(backend_uri=None, root_artifact_uri=None, extra_env=None, app=None, server_type=None):
    """Stands in for tests.tracking.integration_test_utils._init_server."""
    return _mlite_server(root_artifact_uri)


def _no_backend_stores(backend_store_uri=None, registry_store_uri=None, default_artifact_root=None, *args, **kwargs) -> None:
    """Stands in for mlflow.server.handlers.initialize_backend_stores, which
    readies the stores of MLflow's in-process server and also points this
    process's tracking URI at its database (so that the CLI tests would
    write there directly, not through the server): it only keeps the
    default artifact root for the server the test starts next."""
    global _artifact_root
    _artifact_root = default_artifact_root


_SWAPS = {
    "ServerThread": MliteServerThread,
    "_init_server": mlite_init_server,
    "initialize_backend_stores": _no_backend_stores,
}


def _redirect() -> None:
    for name in _REDIRECTED:
        mod = sys.modules.get(name)
        if mod is None:
            continue
        for attr, swap in _SWAPS.items():
            if hasattr(mod, attr):
                setattr(mod, attr, swap)


def pytest_configure(config: pytest.Config) -> None:
    # MLflow's tests run every store fixture with a "file" backend too, which
    # 3.17 refuses unless told (MLflow's own test setup tells it).
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    # A call that fails fails at once, on either server, instead of being
    # retried with backoff for minutes; traces are sent as they end, not by
    # a background exporter that outlives the test's server.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    for mark in ("allow_infer_pip_requirements_fallback", "asyncio"):
        config.addinivalue_line("markers", f"{mark}: a mark MLflow's test suite registers")
    # The copy of test_rest_tracking.py nearest 3.17.2 that could be had imports
    # a flag of mlflow.utils.providers that 3.17.2 does not define (it gates
    # three gateway tests on litellm): define it as that copy does.
    import importlib.util

    import mlflow.utils.providers as providers

    if not hasattr(providers, "_PROVIDER_BACKEND_AVAILABLE"):
        providers._PROVIDER_BACKEND_AVAILABLE = importlib.util.find_spec("litellm") is not None


def pytest_collection_finish(session: pytest.Session) -> None:
    if os.environ.get("MLITE_BIN"):
        _redirect()


@pytest.fixture(scope="session")
def cached_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated MLflow sqlite database, made once (MLflow's own tests copy
    theirs the same way)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    folder = tmp_path_factory.mktemp("sqlite_db")
    path = folder / "mlflow.db"
    SqlAlchemyStore(f"sqlite:///{path}", (folder / "artifacts").as_uri()).engine.dispose()
    return path


@pytest.fixture
def db_uri(cached_db: Path, tmp_path: Path) -> str:
    """A fresh copy of the migrated database for one test."""
    path = tmp_path / "db" / "mlflow.db"
    path.parent.mkdir()
    shutil.copy2(cached_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _client_state() -> Iterator[None]:
    """Puts the client's global state back after each test, as MLflow's
    root conftest.py does: ends the run a test left active, forgets the
    URIs, the active experiment and the last logged or active model."""
    yield
    import mlflow
    import mlflow.tracking.fluent as fluent

    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
    fluent._active_experiment_id = None
    fluent._last_active_run_id.set(None)
    fluent._reset_last_logged_model_id()
    fluent.clear_active_model()
