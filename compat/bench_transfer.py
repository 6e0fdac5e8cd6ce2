"""Benchmarks of mlite push and import, measured in one run (not a test:
pytest does not collect it). Run from compat/ with the venv's python:

    python bench_transfer.py [--points 200000] [--mb 64]

It builds mlite, starts a fresh mlflow server (sqlite backend, proxied
artifacts, loopback, mlflow's default of 4 workers unless --workers says
otherwise), fills an mlite store with metric points (runs of
10,000 points) and, in other runs, artifact bytes, then measures:

- push: `mlite push` of the points and of the artifacts, in points/s and MB/s;
- baseline: the mlflow client doing the same copy in a loop (read each
  run's histories from the store through mlite server, log_batch them to
  the server 1,000 at a time; download the artifacts, log_artifacts them);
- import: `mlite import` from an mlruns/ folder and from an mlflow.db that
  the mlflow client wrote with the same points.

Prints one line per figure."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import build_mlite, start_mlflow, start_mlite, stop  # noqa: E402

PER_RUN = 10_000


def fill(client: MlflowClient, exp: str, points: int, mb: int, tmp: Path) -> None:
    now = int(time.time() * 1000)
    for r in range(points // PER_RUN):
        run = client.create_run(exp, run_name=f"points-{r}")
        ms = [Metric("loss", 1.0 / (i + 1), now + i, i) for i in range(PER_RUN)]
        for i in range(0, len(ms), 1000):
            client.log_batch(run.info.run_id, metrics=ms[i:i + 1000])
        client.set_terminated(run.info.run_id)
    if mb:
        d = tmp / "blobs"
        d.mkdir(parents=True)
        for i in range(mb // 8):
            (d / f"part-{i}.bin").write_bytes(os.urandom(8 << 20))
        run = client.create_run(exp, run_name="artifacts")
        client.log_artifacts(run.info.run_id, str(d), "data")
        client.set_terminated(run.info.run_id)


def timed(args: list[str]) -> float:
    t = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


def baseline(src: MlflowClient, dst: MlflowClient, src_exp: str, dst_name: str, tmp: Path) -> tuple[float, float]:
    """The mlflow client copying the runs: (seconds for points, seconds for artifacts)."""
    exp = dst.create_experiment(dst_name)
    t_points = t_art = 0.0
    for r in src.search_runs([src_exp], max_results=1000):
        t = time.monotonic()
        new = dst.create_run(exp, run_name=r.info.run_name, start_time=r.info.start_time)
        for k in r.data.metrics:
            ms = [Metric(m.key, m.value, m.timestamp, m.step) for m in src.get_metric_history(r.info.run_id, k)]
            for i in range(0, len(ms), 1000):
                dst.log_batch(new.info.run_id, metrics=ms[i:i + 1000])
        if r.info.run_name == "artifacts":
            t_points += time.monotonic() - t
            t = time.monotonic()
            d = tmp / ("dl-" + r.info.run_id)
            d.mkdir()
            local = src.download_artifacts(r.info.run_id, "", str(d))
            dst.log_artifacts(new.info.run_id, local)
            t_art += time.monotonic() - t
        else:
            t_points += time.monotonic() - t
    return t_points, t_art


LOG = r"""
import sys, time, mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
mlflow.set_tracking_uri(sys.argv[1])
c = MlflowClient()
exp = c.create_experiment("bench")
now = int(time.time() * 1000)
for r in range(int(sys.argv[2]) // 10000):
    run = c.create_run(exp, run_name=f"points-{r}")
    ms = [Metric("loss", 1.0 / (i + 1), now + i, i) for i in range(10000)]
    for i in range(0, len(ms), 1000):
        c.log_batch(run.info.run_id, metrics=ms[i:i + 1000])
    c.set_terminated(run.info.run_id)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--mb", type=int, default=64)
    ap.add_argument("--workers", type=int, default=4,
                    help="the mlflow server's worker processes (4 is mlflow server's own default; "
                         "the client loop uses one at a time, push as many as it has writers)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mlite-bench-"))
    binary = build_mlite(tmp)
    mlflow_proc, url = start_mlflow(tmp, a.workers)
    procs = [mlflow_proc]
    try:
        points_db, art_db = tmp / "points.mlite", tmp / "art.mlite"
        for db, pts, mb in ((points_db, a.points, 0), (art_db, 0, a.mb)):
            p, lurl = start_mlite(binary, db, tmp)
            try:
                c = MlflowClient(lurl, lurl)
                fill(c, c.create_experiment("bench-" + db.stem), pts, mb, tmp / db.stem)
            finally:
                stop(p)

        t = timed([str(binary), "push", "--db", str(points_db), "--to", url])
        print(f"push points: {a.points} in {t:.2f}s = {a.points / t:,.0f} points/s")
        t = timed([str(binary), "push", "--db", str(art_db), "--to", url])
        print(f"push artifacts: {a.mb} MB in {t:.2f}s = {a.mb / t:.1f} MB/s")

        dst = MlflowClient(url, url)
        for db, name in ((points_db, "points"), (art_db, "art")):
            p, lurl = start_mlite(binary, db, tmp, "--read-only")
            procs.append(p)
            src = MlflowClient(lurl, lurl)
            src_exp = src.get_experiment_by_name("bench-" + db.stem).experiment_id
            tp, ta = baseline(src, dst, src_exp, "baseline-" + name, tmp)
            stop(p)
            if name == "points":
                print(f"mlflow client loop, points: {a.points} in {tp:.2f}s = {a.points / tp:,.0f} points/s")
            else:
                print(f"mlflow client loop, artifacts: {a.mb} MB in {ta:.2f}s = {a.mb / ta:.1f} MB/s")

        for kind in ("mlruns", "mlflow.db"):
            path = tmp / ("bench-" + kind)  # not the server's own mlflow.db
            uri = path.as_uri() if kind == "mlruns" else f"sqlite:///{path}"
            subprocess.run([sys.executable, "-c", LOG, uri, str(a.points)], check=True, cwd=tmp,
                           env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t = timed([str(binary), "import", "--from", str(path), "--db", str(tmp / f"imp-{kind}.mlite")])
            print(f"import {kind}: {a.points} points in {t:.2f}s = {a.points / t:,.0f} points/s")
    finally:
        for p in procs:
            stop(p)


if __name__ == "__main__":
    main()
