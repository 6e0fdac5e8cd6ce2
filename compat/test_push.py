"""mlite push against a real mlflow server (3.17.2, sqlite backend, proxied
artifacts, loopback): push the quickstart store with a kill midway and push
again, then read both sides back with the mlflow client (the store through
mlite server) and compare every run, param, tag, metric point, input,
artifact byte, model version, stage and alias; push again and count zero
requests; log more and push: only the new data goes; and a server that is
down, refuses the credentials or answers garbage midway leaves the store as
it was, and the next push resumes."""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, ViewType

from servers import free_port, start_mlflow, start_mlite, stop


@pytest.fixture(scope="module")
def team(tmp_path_factory, mlite_binary):
    """A fresh mlflow server and a quickstart store."""
    tmp = tmp_path_factory.mktemp("push")
    store = tmp / "q.mlite"
    subprocess.run([str(mlite_binary), "quickstart", "--db", str(store)], check=True,
                   stdout=subprocess.DEVNULL, cwd=tmp)
    proc, url = start_mlflow(tmp)
    # The mlflow calls that take no tracking URI (artifact downloads) would
    # otherwise create MLflow 3's default sqlite:///mlflow.db here.
    mlflow.set_tracking_uri(url)
    try:
        yield SimpleNamespace(url=url, tmp=tmp, store=store, bin=mlite_binary)
    finally:
        mlflow.set_tracking_uri(None)
        stop(proc)


def env() -> dict:
    """This process's environment without the tracking and registry URIs
    and credentials that other tests' mlflow.set_*_uri calls leave in it."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("MLFLOW_TRACKING_") and k != "MLFLOW_REGISTRY_URI"}


def push(team, *args, to=None, check=True) -> tuple[subprocess.CompletedProcess, dict | None]:
    p = subprocess.run([str(team.bin), "push", "--db", str(team.store), "--to", to or team.url, "--json", *args],
                       capture_output=True, text=True, env=env(), timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"mlite push exited {p.returncode}:\n{p.stderr}\n{p.stdout}")
    rep = json.loads(p.stdout) if p.stdout.strip() else None
    return p, rep


def store_digest(team) -> str:
    return hashlib.sha256(team.store.read_bytes()).hexdigest()


def key(run) -> tuple:
    return (run.info.run_name, run.info.start_time)


def history(c: MlflowClient, run_id: str, k: str) -> list:
    pts = [(m.step, m.timestamp, "nan" if math.isnan(m.value) else repr(m.value)) for m in c.get_metric_history(run_id, k)]
    return sorted(pts)


def tree(c: MlflowClient, run_id: str, tmp: Path) -> dict:
    """Every artifact of a run: path -> sha256 of its bytes."""
    out = {}
    if not c.list_artifacts(run_id):
        return out
    d = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="", dst_path=str(tmp),
                                                 tracking_uri=c._tracking_client.tracking_uri))
    for f in sorted(d.rglob("*")):
        if f.is_file():
            out[str(f.relative_to(d))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def compare(team, tmp: Path, store: Path | None = None, remote: str | None = None) -> int:
    """Reads a store (through mlite server; default the team's) and an
    MLflow tracking URI (default the team's server) with the mlflow client
    and asserts they hold the same; returns how many metric points were
    compared."""
    store = store or team.store
    remote = remote or team.url
    proc, local_url = start_mlite(team.bin, store, team.tmp, "--read-only")
    try:
        lc, rc = MlflowClient(local_url, local_url), MlflowClient(remote, remote)
        points = 0
        local_ids, remote_ids = {}, {}
        pending_parents = []
        for lx in lc.search_experiments():
            lruns = lc.search_runs([lx.experiment_id], max_results=5000, run_view_type=ViewType.ACTIVE_ONLY)
            if lx.name == "Default" and not lruns:
                continue
            rx = rc.get_experiment_by_name(lx.name)
            assert rx is not None, f"experiment {lx.name!r} is not on the server"
            for k, v in lx.tags.items():
                assert rx.tags.get(k) == v, f"experiment {lx.name!r} tag {k}: got {rx.tags.get(k)!r}, want {v!r}"
            rruns = rc.search_runs([rx.experiment_id], max_results=5000, run_view_type=ViewType.ALL)
            rby = {}
            for r in rruns:
                assert key(r) not in rby, f"run {key(r)} is on the server twice"
                rby[key(r)] = r
            assert len(rruns) == len(lruns), f"experiment {lx.name!r}: got {len(rruns)} runs on the server, want {len(lruns)}"
            for lr in lruns:
                rr = rby.get(key(lr))
                assert rr is not None, f"run {key(lr)} is not on the server"
                local_ids[lr.info.run_id], remote_ids[rr.info.run_id] = key(lr), key(rr)
                what = f"run {lr.info.run_name}"
                for f in ("status", "start_time", "end_time", "user_id", "run_name", "lifecycle_stage"):
                    assert getattr(rr.info, f) == getattr(lr.info, f), f"{what}: {f}: got {getattr(rr.info, f)!r}, want {getattr(lr.info, f)!r}"
                assert rr.data.params == lr.data.params, f"{what}: params differ"
                ltags, rtags = dict(lr.data.tags), dict(rr.data.tags)
                lp, rp = ltags.pop("mlflow.parentRunId", None), rtags.pop("mlflow.parentRunId", None)
                pending_parents.append((what, lp, rp))
                assert rtags == ltags, f"{what}: tags: got {sorted(set(rtags.items()) ^ set(ltags.items()))} different"
                assert sorted(rr.data.metrics) == sorted(lr.data.metrics), f"{what}: metric keys differ"
                for k in lr.data.metrics:
                    lh, rh = history(lc, lr.info.run_id, k), history(rc, rr.info.run_id, k)
                    assert rh == lh, f"{what}: metric {k}: got {len(rh)} points, want {len(lh)} (first difference at {next((i for i, (a, b) in enumerate(zip(rh, lh)) if a != b), None)})"
                    points += len(lh)
                lin = sorted((i.dataset.name, i.dataset.digest, i.dataset.source) for i in lr.inputs.dataset_inputs)
                rin = sorted((i.dataset.name, i.dataset.digest, i.dataset.source) for i in rr.inputs.dataset_inputs)
                assert rin == lin, f"{what}: inputs: got {rin}, want {lin}"
                lt = tree(lc, lr.info.run_id, tmp / "l" / lr.info.run_id)
                rt = tree(rc, rr.info.run_id, tmp / "r" / rr.info.run_id)
                assert rt == lt, f"{what}: artifacts: got {rt}, want {lt}"
        for what, lp, rp in pending_parents:
            assert (lp is None) == (rp is None), f"{what}: parent: got {rp}, want {lp}"
            if lp is not None:
                assert remote_ids.get(rp) == local_ids.get(lp), f"{what}: parent on the server is {remote_ids.get(rp)}, want {local_ids.get(lp)}"
        versions = 0
        # mlite server's registered-models/search answers the mlflow
        # client's prompt filter with nothing: list the names with the CLI.
        names = [m["name"] for m in json.loads(subprocess.run(
            [str(team.bin), "models", "ls", "--db", str(store), "--read-only", "--json"],
            check=True, capture_output=True, text=True).stdout)]
        assert sorted(m.name for m in rc.search_registered_models()) == sorted(names)
        for name in names:
            lm, rm = lc.get_registered_model(name), rc.get_registered_model(name)
            assert rm.description == lm.description and rm.tags == lm.tags, f"model {lm.name}: description or tags differ"
            lvs = sorted(lc.search_model_versions(f"name = '{lm.name}'"), key=lambda v: int(v.version))
            rvs = sorted(rc.search_model_versions(f"name = '{lm.name}'"), key=lambda v: int(v.version))
            assert len(rvs) == len(lvs), f"model {lm.name}: got {len(rvs)} versions, want {len(lvs)}"
            number = {}
            for lv, rv in zip(lvs, rvs):
                number[str(lv.version)] = rv.version
                what = f"model {lm.name} version {lv.version}"
                for f in ("current_stage", "description", "tags", "status"):
                    assert getattr(rv, f) == getattr(lv, f), f"{what}: {f}: got {getattr(rv, f)!r}, want {getattr(lv, f)!r}"
                assert remote_ids.get(rv.run_id) == local_ids.get(lv.run_id), f"{what}: source run differs"
                assert rv.source.split("/", 3)[-1] == lv.source.split("/", 3)[-1], f"{what}: source: got {rv.source}, want {lv.source}"
                versions += 1
            # (the file store spells version numbers as ints, the servers as strings)
            want = {a: str(number[str(v)]) for a, v in lm.aliases.items()}
            got = {a: str(v) for a, v in rm.aliases.items()}
            assert got == want, f"model {lm.name}: aliases: got {got}, want {want}"
        assert versions > 0, "the quickstart store has model versions"
        return points
    finally:
        stop(proc)


def test_push_kill_resume_compare_idempotent_incremental(team, tmp_path):
    # A push killed midway...
    p = subprocess.Popen([str(team.bin), "push", "--db", str(team.store), "--to", team.url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    deadline = time.monotonic() + 120
    log = team.tmp / "mlflow.log"
    while time.monotonic() < deadline and log.read_text().count("log-batch") < 30 and p.poll() is None:
        time.sleep(0.05)
    assert p.poll() is None, f"the push ended before it could be killed: {p.communicate()}"
    p.send_signal(signal.SIGKILL)
    p.wait()
    # ...then completed by the next one: equal, no duplicates.
    _, rep = push(team)
    assert rep["runs_created"] < 37, rep
    points = compare(team, tmp_path / "first")
    assert points > 5000, points

    # A second push sends nothing: one read (the server's id) and not one
    # write, through the same URL or another one of the same server.
    for url in (team.url, team.url.replace("127.0.0.1", "localhost")):
        _, rep = push(team, to=url)
        assert (rep["reads"], rep["writes"]) == (1, 0), (url, rep)
    _, rep = push(team, "--dry-run")
    assert rep["metric_points"] == 0 and rep["runs_created"] == 0 and rep["artifacts"] == 0, rep

    # Log more (through mlite server, as the mlflow client would) and push:
    # only the new data goes.
    proc, local_url = start_mlite(team.bin, team.store, team.tmp)
    try:
        lc = MlflowClient(local_url, local_url)
        x = next(e for e in lc.search_experiments() if lc.search_runs([e.experiment_id], max_results=1))
        old = lc.search_runs([x.experiment_id], max_results=1)[0]
        now = int(time.time() * 1000)
        extra = [Metric("extra_loss", 1.0 / (i + 1), now + i, i) for i in range(2500)]
        for i in range(0, len(extra), 1000):
            lc.log_batch(old.info.run_id, metrics=extra[i:i + 1000])
        new = lc.create_run(x.experiment_id, run_name="after-push")
        lc.log_batch(new.info.run_id, metrics=[Metric("m", float(i), now, i) for i in range(10)], params=[Param("p", "1")])
        lc.log_text(new.info.run_id, "new bytes", "notes/new.txt")
        lc.set_terminated(new.info.run_id)
        # A tag deleted here after the push is deleted there by the next.
        gone = next(k for k in old.data.tags if not k.startswith("mlflow."))
        lc.delete_tag(old.info.run_id, gone)
    finally:
        stop(proc)
    _, rep = push(team)
    assert rep["deleted"] == 1, rep
    assert rep["metric_points"] == 2510, rep
    assert rep["runs_created"] == 1 and rep["artifacts"] == 1 and rep["params"] == 1, rep
    assert rep["versions_created"] == 0 and rep["models_created"] == 0, rep
    compare(team, tmp_path / "second")

    # Round trip: the server imported into a new store holds the same (and
    # so what the original store holds); importing again writes nothing.
    back = team.tmp / "back.mlite"
    rep = mlite_import(team, team.url, back)
    assert rep["runs_created"] == 38 and rep["versions_created"] > 0, rep
    compare(team, tmp_path / "back", store=back)
    rep = mlite_import(team, team.url, back)
    assert rep["runs_created"] + rep["runs_updated"] + rep["metric_points"] + rep["artifacts"] + rep["versions_created"] + rep["registry_changes"] == 0, rep


def mlite_import(team, src: str, db: Path) -> dict:
    p = subprocess.run([str(team.bin), "import", "--from", src, "--db", str(db), "--json"],
                       capture_output=True, text=True, env=env(), timeout=600)
    assert p.returncode == 0, f"mlite import exited {p.returncode}:\n{p.stderr}\n{p.stdout}"
    return json.loads(p.stdout)


# What the mlflow client logs for the import tests: an experiment with
# tags, a parent and a child run, params, tags, long and odd metric
# histories, a dataset input, text and binary artifacts, and a registered
# model with two versions, a stage, an alias, tags and descriptions.
LOG_SCRIPT = r"""
import math, sys
import mlflow, pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment("imported")
mlflow.set_experiment_tag("team", "risk")
c = MlflowClient()
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("grid", "small")
    mlflow.log_text("a,b\n1,2\n", "data/sample.csv")
    runs = []
    for i in range(2):
        with mlflow.start_run(run_name=f"child-{i}", nested=True) as r:
            mlflow.log_params({"lr": 0.1 * (i + 1), "depth": i})
            mlflow.set_tag("kind", f"c{i}")
            c.log_batch(r.info.run_id, metrics=[Metric("loss", 1 / (s + 1), 1000 + s, s) for s in range(1500)])
            for v in (float("nan"), float("inf"), float("-inf"), -0.0):
                mlflow.log_metric("odd", v, step=7)
            ds = mlflow.data.from_pandas(pd.DataFrame({"x": [1, 2, i]}), source="file:///data.csv", name="train")
            mlflow.log_input(ds, context="training")
            mlflow.log_text("weights " * 1000, "model/weights.txt")
            mlflow.log_dict({"i": i}, "model/conf.json")
            runs.append(r.info.run_id)
c.create_registered_model("Credit", tags={"owner": "risk"}, description="scores loans")
for rid in runs:
    c.create_model_version("Credit", f"runs:/{rid}/model", rid, description=f"from {rid}")
c.transition_model_version_stage("Credit", "2", "Production")
c.set_registered_model_alias("Credit", "champion", "2")
c.set_model_version_tag("Credit", "1", "checked", "yes")
"""


@pytest.mark.parametrize("kind", ["mlruns", "mlflow.db"])
def test_import_what_the_mlflow_client_wrote(team, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    if kind == "mlruns":
        path = tmp_path / "mlruns"
        uri = path.as_uri()
    else:
        path = tmp_path / "mlflow.db"
        uri = f"sqlite:///{path}"
    e = env()
    e["MLFLOW_ALLOW_FILE_STORE"] = "true"
    subprocess.run([sys.executable, "-c", LOG_SCRIPT, uri], check=True, env=e, cwd=tmp_path, timeout=600)
    db = tmp_path / "imported.mlite"
    rep = mlite_import(team, str(path), db)
    assert rep["runs_created"] == 3 and rep["metric_points"] == 2 * 1504 and rep["versions_created"] == 2, rep
    assert rep["artifacts"] == 5, rep
    compare(team, tmp_path / "cmp", store=db, remote=uri)
    rep = mlite_import(team, str(path), db)
    assert rep["runs_created"] + rep["runs_updated"] + rep["metric_points"] + rep["artifacts"] + rep["versions_created"] + rep["registry_changes"] == 0, rep


class _Fake(BaseHTTPRequestHandler):
    """Answers every request with the server's status and body."""

    status, body = 401, b'{"error_code": "UNAUTHENTICATED", "message": "You are not authenticated."}'

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, *args):
        pass


class _GarbageAfter(BaseHTTPRequestHandler):
    """Forwards to the real server, then answers garbage from the n-th
    request on."""

    upstream, left = "", 0
    lock = threading.Lock()

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        with self.lock:
            type(self).left -= 1
            garbage = type(self).left < 0
        if garbage:
            body = b"<html>502 upstream confused</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        r = requests.request(self.command, self.upstream + self.path, data=data,
                             headers={k: v for k, v in self.headers.items() if k.lower() in ("content-type",)})
        self.send_response(r.status_code)
        self.send_header("Content-Length", str(len(r.content)))
        self.send_header("Content-Type", r.headers.get("Content-Type", "application/json"))
        self.end_headers()
        self.wfile.write(r.content)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, *args):
        pass


def serve(handler) -> tuple[ThreadingHTTPServer, str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def test_push_bad_servers_leave_the_store_and_resume(team, tmp_path):
    # A store of its own (the peer a push keeps marks for is the URL it
    # was given, and the proxy below has its own URL): one run of 5,000
    # points.
    store = team.tmp / "bad.mlite"
    bad = SimpleNamespace(**{**vars(team), "store": store})
    proc, local_url = start_mlite(team.bin, store, team.tmp)
    try:
        lc = MlflowClient(local_url, local_url)
        x = lc.create_experiment("bad-servers")
        r = lc.create_run(x, run_name="bad-servers")
        now = int(time.time() * 1000)
        for i in range(0, 5000, 1000):
            lc.log_batch(r.info.run_id, metrics=[Metric("loss", float(j), now + j, j) for j in range(i, i + 1000)])
        lc.set_terminated(r.info.run_id)
    finally:
        stop(proc)

    before = store_digest(bad)
    # Down: nothing listens on the port.
    p, _ = push(bad, to=f"http://127.0.0.1:{free_port()}", check=False)
    assert p.returncode != 0 and "connection refused" in p.stderr, p.stderr
    assert store_digest(bad) == before, "a push to a server that is down changed the store"
    # Refusing the credentials.
    srv, url = serve(_Fake)
    try:
        p, _ = push(bad, to=url, check=False)
    finally:
        srv.shutdown()
    assert p.returncode != 0 and "credentials" in p.stderr and "401" in p.stderr, p.stderr
    assert store_digest(bad) == before, "a push refused by the server changed the store"
    # Garbage midway (after the probe, two experiment lookups, the
    # experiment, the run, its tags and two batches of points): what arrived
    # is marked, the next push sends the rest.
    _GarbageAfter.upstream, _GarbageAfter.left = team.url, 8
    srv, url = serve(_GarbageAfter)
    try:
        p, rep = push(bad, to=url, check=False)
        assert p.returncode != 0 and "not the JSON the API promises" in p.stderr, p.stderr
        assert 0 < rep["metric_points"] < 5000, rep
        sent = rep["metric_points"]
        _GarbageAfter.left = 10**9
        _, rep = push(bad, to=url)
    finally:
        srv.shutdown()
    assert rep["runs_created"] == 0 and sent + rep["metric_points"] == 5000, rep
    # The server holds each point once.
    rc = MlflowClient(team.url, team.url)
    rx = rc.get_experiment_by_name("bad-servers")
    runs = rc.search_runs([rx.experiment_id])
    assert len(runs) == 1, runs
    steps = sorted(m.step for m in rc.get_metric_history(runs[0].info.run_id, "loss"))
    assert steps == list(range(5000)), f"got {len(steps)} points on the server, want 5000 distinct steps"


def logged_models(c: MlflowClient, exp_name: str, tmp: Path) -> dict:
    """The logged models of an experiment, by name: params, tags (without
    mlflow.modelVersions, which each server keeps from its own versions),
    status, type, metric values, file digests and the runs linking them
    (by run name); and the registered versions made from them."""
    x = c.get_experiment_by_name(exp_name)
    assert x is not None, f"experiment {exp_name!r} is missing"
    out = {}
    names = {}
    for m in c.search_logged_models([x.experiment_id]):
        names[m.model_id] = m.name
        d = Path(mlflow.artifacts.download_artifacts(artifact_uri=m.artifact_location, dst_path=str(tmp / m.model_id),
                                                     tracking_uri=c._tracking_client.tracking_uri))
        files = {str(f.relative_to(d)): hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(d.rglob("*")) if f.is_file()}
        out[m.name] = {
            "params": m.params, "tags": {k: v for k, v in m.tags.items() if k != "mlflow.modelVersions"},
            "status": str(m.status), "type": m.model_type, "files": files,
            "metrics": sorted((v.key, repr(v.value), v.timestamp, v.step, v.dataset_name or "", v.dataset_digest or "") for v in m.metrics or []),
        }
    for r in c.search_runs([x.experiment_id]):
        r = c.get_run(r.info.run_id)  # (MLflow's search_runs leaves model inputs out)
        for i in r.inputs.model_inputs:
            out[names[i.model_id]].setdefault("links", []).append((r.info.run_name, "input"))
        for o in r.outputs.model_outputs:
            out[names[o.model_id]].setdefault("links", []).append((r.info.run_name, "output", o.step))
    for v in c.search_model_versions("name = 'ClfLM'"):
        # (the client's ModelVersion leaves out the model_id the servers send)
        mid = v.model_id or v.source.removeprefix("models:/")
        out[names[mid]].setdefault("versions", []).append((str(v.version), v.source == f"models:/{mid}"))
    return out


def test_push_and_import_logged_models(team, tmp_path):
    """MLflow 3 logged models and run-model links: pushed to the server,
    compared with the mlflow client, pushed again with no write, and
    imported back."""
    store = team.tmp / "lm.mlite"
    lm = SimpleNamespace(**{**vars(team), "store": store})
    proc, local_url = start_mlite(team.bin, store, team.tmp)
    try:
        subprocess.run([sys.executable, "-c", LOG_LM_SCRIPT, local_url, str(tmp_path / "model"), "lm-push"],
                       check=True, env=env(), cwd=tmp_path, timeout=600)
        lc = MlflowClient(local_url, local_url)
        model_id = lc.search_logged_models([lc.get_experiment_by_name("lm-push").experiment_id])[0].model_id
        want = logged_models(lc, "lm-push", tmp_path / "want")
    finally:
        stop(proc)
    assert want["clf"]["links"] and want["clf"]["versions"], want

    _, rep = push(lm)
    assert rep["logged_models_created"] == 1 and rep["versions_created"] == 1, rep
    rc = MlflowClient(team.url, team.url)
    got = logged_models(rc, "lm-push", tmp_path / "got")
    assert got == want, f"on the server: got {got}, want {want}"
    _, rep = push(lm)
    assert rep["writes"] == 0, rep

    # A tag deleted here is deleted there.
    proc, local_url = start_mlite(team.bin, store, team.tmp)
    try:
        MlflowClient(local_url, local_url).delete_logged_model_tag(model_id, "tmp")
    finally:
        stop(proc)
    _, rep = push(lm)
    assert rep["deleted"] == 1 and rep["logged_models_updated"] == 1, rep
    del want["clf"]["tags"]["tmp"]
    assert logged_models(rc, "lm-push", tmp_path / "got2") == want

    # Imported back from the server into a new store: the same.
    back = team.tmp / "lm-back.mlite"
    rep = mlite_import(team, team.url, back)
    assert rep["logged_models_created"] >= 1, rep
    proc, back_url = start_mlite(team.bin, back, team.tmp, "--read-only")
    try:
        bc = MlflowClient(back_url, back_url)
        got = logged_models(bc, "lm-push", tmp_path / "back")
    finally:
        stop(proc)
    assert got == want, f"imported back: got {got}, want {want}"
    rep = mlite_import(team, team.url, back)
    assert rep["logged_models_created"] + rep["logged_models_updated"] + rep["versions_created"] == 0, rep


# What the mlflow client logs for the logged model tests (argv: tracking
# URI, a folder to write the model's files in, the experiment): a run that
# logs a logged model (params, tags, files, metric values on datasets,
# linked as its output, READY, registered), and a run that uses it.
LOG_LM_SCRIPT = r"""
import os, sys, time
from pathlib import Path
import mlflow
from mlflow import MlflowClient
from mlflow.entities import LoggedModelInput, LoggedModelOutput, LoggedModelStatus, Metric
mlflow.set_tracking_uri(sys.argv[1])
c = MlflowClient(sys.argv[1], sys.argv[1])
x = c.create_experiment(sys.argv[3])
r = c.create_run(x, run_name="trainer")
m = c.create_logged_model(x, name="clf", source_run_id=r.info.run_id, params={"C": "1.0"}, tags={"team": "risk", "tmp": "x"}, model_type="sklearn")
d = Path(sys.argv[2])
d.mkdir()
(d / "MLmodel").write_text("flavors: {}\n")
(d / "model.pkl").write_bytes(os.urandom(20_000))
c.log_model_artifacts(m.model_id, str(d))
now = int(time.time() * 1000)
c.log_batch(r.info.run_id, metrics=[Metric("auc", 0.9, now, 1, model_id=m.model_id, dataset_name="val", dataset_digest="d1"),
                                    Metric("auc", 0.8, now + 1, 1, model_id=m.model_id, dataset_name="train", dataset_digest="d2")])
c.log_outputs(r.info.run_id, [LoggedModelOutput(m.model_id, 3)])
c.finalize_logged_model(m.model_id, LoggedModelStatus.READY)
c.set_terminated(r.info.run_id)
u = c.create_run(x, run_name="scorer")
c.log_inputs(u.info.run_id, models=[LoggedModelInput(m.model_id)])
c.set_terminated(u.info.run_id)
c.create_registered_model("ClfLM")
c.create_model_version("ClfLM", f"models:/{m.model_id}", r.info.run_id, model_id=m.model_id)
"""


@pytest.mark.parametrize("kind", ["mlruns", "mlflow.db"])
def test_import_logged_models(team, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    path = tmp_path / kind
    uri = path.as_uri() if kind == "mlruns" else f"sqlite:///{path}"
    e = env()
    e["MLFLOW_ALLOW_FILE_STORE"] = "true"
    subprocess.run([sys.executable, "-c", LOG_LM_SCRIPT, uri, str(tmp_path / "model"), "lm-import"], check=True, env=e, cwd=tmp_path, timeout=600)
    want = logged_models(MlflowClient(uri, uri), "lm-import", tmp_path / "want")
    db = tmp_path / "imported.mlite"
    rep = mlite_import(team, str(path), db)
    assert rep["logged_models_created"] == 1 and rep["versions_created"] == 1, rep
    proc, url = start_mlite(team.bin, db, team.tmp, "--read-only")
    try:
        got = logged_models(MlflowClient(url, url), "lm-import", tmp_path / "got")
    finally:
        stop(proc)
    assert got == want, f"got {got}, want {want}"
    rep = mlite_import(team, str(path), db)
    assert rep["logged_models_created"] + rep["logged_models_updated"] + rep["runs_updated"] == 0, rep
