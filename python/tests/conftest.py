"""Shared helpers of mlite-mlflow's tests: subprocesses of this Python,
the mlite CLI, and the processes left on a store file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# MLflow's telemetry would only add network attempts to every test.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def run_python(code_or_file: str, cwd, env: dict | None = None, timeout: float = 300, check: bool = True):
    """Run this Python on a script file or source text in cwd; returns the
    CompletedProcess. check: fail the test, with its output, on a nonzero
    exit."""
    args = [sys.executable, code_or_file] if code_or_file.endswith(".py") else [sys.executable, "-c", code_or_file]
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        pytest.fail(f"{args[-1][:60]!r} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def mlite(*args: str):
    """Run the mlite CLI this package runs; returns its --json output."""
    from mlite_mlflow import find_binary

    p = subprocess.run([find_binary(), *args, "--json"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        pytest.fail(f"mlite {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return json.loads(p.stdout)


def mlite_processes(path: str) -> list[int]:
    """The pids of mlite processes serving the store at path."""
    if not os.path.isdir("/proc"):
        pytest.skip("no /proc to list processes")
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 3 and os.path.basename(argv[0]).startswith(b"mlite") and os.fsencode(path) in argv:
            pids.append(int(entry))
    return pids


def wait_no_mlite(path: str, timeout: float = 15.0) -> None:
    """Fail unless every mlite process on path is gone within timeout."""
    deadline = time.monotonic() + timeout
    while (left := mlite_processes(path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"mlite processes still serving {path}: {left}"


@pytest.fixture
def store(tmp_path):
    """The path of a store file, not yet created, in a temporary folder;
    the test fails if an mlite process still serves it afterwards."""
    path = str(tmp_path / "t.mlite")
    yield path
    from mlite_mlflow import _server

    _server.stop_all()
    wait_no_mlite(path)
