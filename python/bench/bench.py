"""Benchmarks of the mlite: tracking URI against MLflow's own sqlite:///
URI, on this machine, one run each (issue 16):

  startup      time from `import mlflow` to the first logged metric, on a
               new store (MLflow's sqlite first use runs its migrations)
  log_metric   10,000 mlflow.log_metric calls in one run
  log_batch    1,000 MlflowClient.log_batch calls of 100 metrics each
  search_runs  mlflow.search_runs over an experiment of 10,000 runs (the
               runs are logged first, untimed)

Each figure comes from a fresh Python process on a fresh store in a
temporary folder. Usage: python bench/bench.py [--runs N] [--rows a,b].
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROWS = ["startup", "log_metric", "log_batch", "search_runs"]


def one(row: str, uri: str, runs: int) -> float:
    """Run one row in this process on uri; return seconds."""
    if row == "startup":
        t0 = time.perf_counter()
        import mlflow

        mlflow.set_tracking_uri(uri)
        with mlflow.start_run():
            mlflow.log_metric("m", 1.0)
            return time.perf_counter() - t0
    import mlflow
    from mlflow.entities import Metric, Param

    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient()
    exp = client.create_experiment("bench")
    if row == "log_metric":
        with mlflow.start_run(experiment_id=exp):
            mlflow.log_metric("warm", 0.0)
            t0 = time.perf_counter()
            for i in range(10_000):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
            return time.perf_counter() - t0
    if row == "log_batch":
        run = client.create_run(exp)
        client.log_batch(run.info.run_id, metrics=[Metric("warm", 0.0, 0, 0)])
        now = int(time.time() * 1000)
        t0 = time.perf_counter()
        for i in range(1_000):
            client.log_batch(run.info.run_id, metrics=[Metric(f"m{j}", i * j / 1e5, now, i) for j in range(100)])
        return time.perf_counter() - t0
    if row == "search_runs":
        now = int(time.time() * 1000)
        for i in range(runs):
            r = client.create_run(exp, run_name=f"run-{i}")
            client.log_batch(r.info.run_id, metrics=[Metric("auc", (i % 997) / 997, now, 0)],
                             params=[Param("model", ("rf", "lgbm", "logreg")[i % 3])])
        t0 = time.perf_counter()
        df = mlflow.search_runs(experiment_ids=[exp])
        took = time.perf_counter() - t0
        assert len(df) == runs, len(df)
        return took
    raise SystemExit(f"unknown row {row}")


def measure(row: str, scheme: str, runs: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        uri = f"mlite://{d}/bench.mlite" if scheme == "mlite" else f"sqlite:///{d}/bench.db"
        env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true")
        p = subprocess.run([sys.executable, __file__, "--one", row, uri, "--runs", str(runs)],
                           capture_output=True, text=True, env=env, cwd=d)
        if p.returncode != 0:
            raise SystemExit(f"{row} on {scheme} failed:\n{p.stderr}")
        return json.loads(p.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=2, metavar=("ROW", "URI"))
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--rows", default=",".join(ROWS))
    a = ap.parse_args()
    if a.one:
        print(json.dumps({"seconds": one(a.one[0], a.one[1], a.runs)}))
        return
    print("| row | sqlite:/// | mlite: | mlite faster by |")
    print("|---|---|---|---|")
    for row in a.rows.split(","):
        s = measure(row, "sqlite", a.runs)
        m = measure(row, "mlite", a.runs)
        print(f"| {row} | {s:.3f} s | {m:.3f} s | {s / m:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
