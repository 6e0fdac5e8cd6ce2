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
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from harness import Target
from servers import build_mlite, start_mlflow, start_mlite, stop


@pytest.fixture(scope="session")
def mlite_binary(tmp_path_factory) -> Path:
    """mlite, built once per session from this checkout."""
    if shutil.which("go") is None:
        pytest.fail("go is not on PATH: the compat tests build mlite from this checkout")
    return build_mlite(tmp_path_factory.mktemp("bin"))


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
            stop(p)


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
