"""Process hygiene: however the Python process ends, its private servers
end with it; two processes logging into one file at once lose nothing."""

import json
import os
import subprocess
import sys

import mlflow
import pytest

from conftest import mlite, mlite_processes, run_python, wait_no_mlite

def running(pid: int) -> bool:
    """Whether pid is a live process: not gone, nor a zombie that waits
    for its (new) parent to reap it, as an orphan may in a container."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


LOG_ONE = """
import json, os, signal, sys
import mlflow
from mlite_mlflow import _server
mlflow.set_tracking_uri({uri!r})
with mlflow.start_run(run_name="r") as run:
    mlflow.log_metric("m", 1.0)
    print(json.dumps({{"pid": _server.for_uri({uri!r}).proc.pid, "run": run.info.run_id}}), flush=True)
    ending = {ending!r}
    if ending == "exception":
        raise RuntimeError("the training failed")
    if ending == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("ending, code", [("normal", 0), ("exception", 1), ("sigkill", -9)])
def test_server_ends_with_process(store, tmp_path, ending, code):
    p = run_python(LOG_ONE.format(uri=f"mlite://{store}", ending=ending), cwd=tmp_path, check=False)
    assert p.returncode == code, p.stderr
    if ending == "exception":
        assert "the training failed" in p.stderr
    out = json.loads(next(line for line in p.stdout.splitlines() if line.startswith("{")))
    wait_no_mlite(store)
    assert not running(out["pid"]), f"the server, pid {out['pid']}, still runs"
    # What it logged before it ended is in the file.
    runs = mlite("runs", "ls", "--db", store)
    assert [r["run_id"] for r in runs] == [out["run"]]
    assert runs[0]["metrics"] == {"m": 1.0}
    want = {"normal": "FINISHED", "exception": "FAILED", "sigkill": "RUNNING"}[ending]
    assert runs[0]["status"] == want


def test_server_survives_ctrl_c_in_the_terminal(store, tmp_path):
    # The server runs in its own session: a SIGINT to the process group
    # of a script that catches KeyboardInterrupt does not stop it.
    code = f"""
import os, signal, mlflow
mlflow.set_tracking_uri("mlite://{store}")
mlflow.log_metric("before", 1)
try:
    os.killpg(os.getpgrp(), signal.SIGINT)
    import time; time.sleep(1)
except KeyboardInterrupt:
    pass
mlflow.log_metric("after", 2)
mlflow.end_run()
"""
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, timeout=300, start_new_session=True)
    runs = mlite("runs", "ls", "--db", store)
    assert runs[0]["metrics"] == {"before": 1.0, "after": 2.0}


LOG_MANY = """
import sys, time
import mlflow
from mlflow.entities import Metric, Param
mlflow.set_tracking_uri({uri!r})
mlflow.set_experiment("shared")
who = sys.argv[1] if len(sys.argv) > 1 else {who!r}
# Start together: wait for the start file.
while not __import__("os").path.exists({go!r}):
    time.sleep(0.01)
client = mlflow.MlflowClient()
for i in range({runs}):
    with mlflow.start_run(run_name=f"{{who}}-{{i}}") as run:
        mlflow.log_param("who", who)
        for step in range({steps}):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        now = int(time.time() * 1000)
        client.log_batch(run.info.run_id, metrics=[Metric("acc", step / {steps}, now, step) for step in range({steps})])
"""


def test_two_processes_one_file(store, tmp_path):
    runs, steps = 10, 40
    go = str(tmp_path / "go")
    procs = []
    env = dict(os.environ)
    # The experiment exists before the processes start: mlflow 3.17.2's
    # set_experiment, when it loses the race to create one, returns without
    # making it active, and that process would log into Default.
    mlite("experiments", "create", "shared", "--db", store)
    for who in ("a", "b"):
        code = LOG_MANY.format(uri=f"mlite://{store}", who=who, go=go, runs=runs, steps=steps)
        procs.append(subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    # Both have started their own server before either logs.
    import time

    deadline = time.monotonic() + 120
    while len(mlite_processes(store)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(mlite_processes(store)) == 2
    open(go, "w").close()
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    wait_no_mlite(store)

    got = mlite("runs", "ls", "--db", store, "--experiment", "shared", "-n", "1000")
    assert sorted(r["run_name"] for r in got) == sorted(f"{w}-{i}" for w in "ab" for i in range(runs))
    c = mlflow.MlflowClient(tracking_uri=f"mlite://{store}")
    for r in got:
        assert r["status"] == "FINISHED"
        assert r["params"] == {"who": r["run_name"][0]}
        loss = c.get_metric_history(r["run_id"], "loss")
        assert sorted((m.step, m.value) for m in loss) == [(s, 1.0 / (s + 1)) for s in range(steps)]
        acc = c.get_metric_history(r["run_id"], "acc")
        assert sorted(m.step for m in acc) == list(range(steps))
