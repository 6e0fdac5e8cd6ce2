"""Starts and stops the servers the compat tests and benchmarks compare: mlite
server (built from this checkout) and a real mlflow server, each on loopback
on a free port, in its own process group. Importing it changes nothing (no
environment variable is set), so any test runner may use it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port no one listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_mlite(folder: Path) -> Path:
    """Builds mlite from this checkout into folder; returns the binary."""
    binary = folder / "mlite"
    subprocess.run(["go", "build", "-o", str(binary), "./cmd/mlite"], cwd=REPO, check=True)
    return binary


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
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text()[-4000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stops a server started here (SIGTERM, then SIGKILL after 15 s)."""
    if proc.poll() is not None:
        return
    # Each server runs in its own process group (uvicorn starts workers).
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _start(args: list[str], url: str, log: Path, cwd: Path, timeout: float) -> subprocess.Popen:
    proc = subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
    try:
        _wait_ready(proc, url, log, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc


def start_mlflow(tmp: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """Starts a real mlflow server on a fresh sqlite database with proxied
    artifacts under tmp, on loopback, with that many worker processes (the
    tests take one; mlflow server's own default is 4); returns it once
    ready (the caller stops it with stop)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(
        [sys.executable, "-m", "mlflow", "server",
         "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
         "--artifacts-destination", str(tmp / "mlflow-artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        url, tmp / "mlflow.log", tmp, 180)
    return proc, url


def start_mlite(binary: Path, db: Path, tmp: Path, *extra: str, cwd: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Starts mlite server on db, on loopback, in cwd (default tmp); returns
    it once ready (the caller stops it with stop)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(
        [str(binary), "server", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--no-browser", *extra],
        url, tmp / f"mlite-{db.stem}.log", cwd or tmp, 30)
    return proc, url
