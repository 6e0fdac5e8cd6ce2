"""Bad input: each a clear exception naming the problem, never a hang."""

import os
import shutil
import stat
import subprocess
import time

import mlflow
import pytest
from mlflow.exceptions import MlflowException

from mlite_mlflow import MliteError
from conftest import wait_no_mlite


def client(path):
    return mlflow.MlflowClient(tracking_uri=f"mlite://{path}")


def test_not_a_store(tmp_path):
    path = tmp_path / "notes.mlite"
    path.write_text("these are my notes, not a store\n")
    with pytest.raises(MliteError, match=rf"{path}.*not an mlite store"):
        client(path).search_experiments()
    assert path.read_text() == "these are my notes, not a store\n"
    wait_no_mlite(str(path))


def test_start_again_after_a_failed_start(tmp_path):
    # The store of a URI outlives a server that could not start: once the
    # problem is gone, the next call starts a new server.
    path = tmp_path / "later.mlite"
    path.write_text("not a store yet\n")
    c = client(path)
    with pytest.raises(MliteError, match="not an mlite store"):
        c.search_experiments()
    path.unlink()
    assert [e.name for e in c.search_experiments()] == ["Default"]


def test_folder_missing(tmp_path):
    path = tmp_path / "no-such-folder" / "x.mlite"
    with pytest.raises(MliteError, match=rf"mlite could not serve {path}.*no such file or directory"):
        client(path).search_experiments()


def test_missing_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("MLITE_BIN", str(tmp_path / "no-mlite-here"))
    with pytest.raises(MliteError, match=rf"MLITE_BIN={tmp_path}/no-mlite-here: no executable mlite binary"):
        client(tmp_path / "x.mlite").search_experiments()
    assert not (tmp_path / "x.mlite").exists()


def test_binary_that_never_serves(tmp_path, monkeypatch):
    # A binary that neither serves nor exits: the start-up wait is bounded.
    fake = tmp_path / "mlite"
    fake.write_text("#!/bin/sh\nexec sleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("MLITE_BIN", str(fake))
    monkeypatch.setenv("MLITE_START_TIMEOUT", "2")
    start = time.monotonic()
    with pytest.raises(MliteError, match=rf"mlite server on {tmp_path}/x.mlite did not start within 2s"):
        client(tmp_path / "x.mlite").search_experiments()
    assert time.monotonic() - start < 10
    wait_no_mlite(str(tmp_path / "x.mlite"))


def make_unwritable(path):
    """Make path a file that cannot be written: chmod for a user, the
    immutable attribute for root (whom modes do not stop)."""
    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP)
        return lambda: path.chmod(0o644)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
        pytest.fail("running as root, and chattr +i cannot make a read-only file here")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_file(tmp_path):
    path = tmp_path / "shared.mlite"
    # A store with one run, written by another process.
    code = (
        "import mlflow\n"
        f"mlflow.set_tracking_uri('mlite://{path}')\n"
        "with mlflow.start_run(run_name='kept'):\n"
        "    mlflow.log_metric('auc', 0.9)\n"
    )
    from conftest import run_python

    run_python(code, cwd=tmp_path)
    restore = make_unwritable(path)
    try:
        c = client(path)
        # Reads work.
        runs = c.search_runs(["0"])
        assert [r.info.run_name for r in runs] == ["kept"]
        # A write is refused, naming the file and the reason.
        with pytest.raises(MlflowException, match=rf"^{path} is read-only here .*experiments/create") as e:
            c.create_experiment("new")
        assert e.value.error_code == "PERMISSION_DENIED"
        with pytest.raises(MlflowException, match=rf"^{path} is read-only here"):
            c.set_tag(runs[0].info.run_id, "k", "v")
        with pytest.raises(MlflowException, match=rf"^{path} is read-only here"):
            c.create_registered_model("M")
    finally:
        from mlite_mlflow import _server

        _server.stop_all()
        restore()
    wait_no_mlite(str(path))
