"""Starts the two servers the differential test compares, once per session:
mlite server (built from this checkout) on a fresh store, and a real
mlflow server with a sqlite backend and proxied artifacts, both on loopback.
Both are stopped at the end, whatever happens."""

from __future__ import annotations

import os

# Before mlflow is imported: one attempt per call (a retried call would be
# recorded as one call on one server and two on the other), short timeouts.
os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "30"
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("MLFLOW_REGISTRY_URI", None)

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from mlflow import MlflowClient

from harness import Target

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            r = requests.get(url + "/api/2.0/mlflow/experiments/get", params={"experiment_id": "0"}, timeout=2)
            if r.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    # Each server runs in its own process group (uvicorn starts workers).
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def mlite_binary(tmp_path_factory) -> Path:
    """mlite, built once per session from this checkout."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("go is not on PATH: the compat tests build mlite from this checkout")
    binary = tmp_path_factory.mktemp("bin") / "mlite"
    subprocess.run([go, "build", "-o", str(binary), "./cmd/mlite"], cwd=REPO, check=True)
    return binary


def start_mlflow(tmp: Path) -> tuple[subprocess.Popen, str]:
    """Starts a real mlflow server on a fresh sqlite database with proxied
    artifacts under tmp, on loopback; returns it once ready (the caller
    stops it with stop)."""
    port, log = _free_port(), tmp / "mlflow.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server",
         "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
         "--artifacts-destination", str(tmp / "mlflow-artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=tmp, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, log, 180)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def start_mlite(binary: Path, db: Path, tmp: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Starts mlite server on db, on loopback; returns it once ready."""
    port, log = _free_port(), tmp / f"mlite-{db.stem}.log"
    proc = subprocess.Popen(
        [str(binary), "server", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--no-browser", *extra],
        stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=tmp, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, log, 30)
    except BaseException:
        stop(proc)
        raise
    return proc, url


stop = _stop


@pytest.fixture(scope="session")
def servers(tmp_path_factory, mlite_binary):
    """(mlflow, mlite): the two Targets, started and ready."""
    tmp = tmp_path_factory.mktemp("servers")
    procs = []
    try:
        mlite_proc, mlite_url = start_mlite(mlite_binary, tmp / "compat.mlite", tmp)
        procs.append(mlite_proc)
        mlflow_proc, mlflow_url = start_mlflow(tmp)
        procs.append(mlflow_proc)
        yield (
            Target("mlflow", mlflow_url, MlflowClient(tracking_uri=mlflow_url, registry_uri=mlflow_url)),
            Target("mlite", mlite_url, MlflowClient(tracking_uri=mlite_url, registry_uri=mlite_url)),
        )
    finally:
        for p in procs:
            _stop(p)


def pytest_terminal_summary(terminalreporter):
    """How many calls ran and how many differ, for the CI log."""
    mod = sys.modules.get("test_parity")
    if mod is None or not mod.STATS["calls"]:
        return
    s = mod.STATS
    terminalreporter.write_line(
        f"compat: {s['calls']} calls compared, {s['differ']} differ, "
        f"{s['listed']} of them listed in docs/mlflow-differences.md")


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """The differential test never skips: a skip fails the session."""
    if _SKIPPED and session.exitstatus == 0:
        session.exitstatus = 1
        print(f"\ncompat: these tests skipped, which this suite never does: {_SKIPPED}")
