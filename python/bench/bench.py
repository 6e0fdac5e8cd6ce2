"""Benchmarks of the mlite: tracking URI against MLflow's own sqlite:///
URI, on this machine, one run each (issue 16):

  startup      time from `import mlflow` to the first logged metric, on a
               new store (MLflow's sqlite first use runs its migrations);
               also shown without the import itself, which is the same
               for both and about a second
  log_metric   10,000 mlflow.log_metric calls in one run
  log_batch    1,000 MlflowClient.log_batch calls of 100 metrics each
  search_runs  mlflow.search_runs over an experiment of 10,000 runs (the
               runs are logged first, untimed); also shown: the same search
               by MlflowClient.search_runs, the list of Run entities the
               store returns, without mlflow.search_runs's DataFrame (which
               MLflow builds the same way for every store)

Each row comes from a fresh Python process on a fresh store in a
temporary folder, after one untimed `import mlflow` that warms the
operating system's file cache for both. Usage:
python bench/bench.py [--runs N] [--rows a,b] [--schemes sqlite,mlite].
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROWS = ["startup", "log_metric", "log_batch", "search_runs"]


def one(row: str, uri: str, runs: int) -> dict:
    """Run one row in this process on uri; return its figures in seconds,
    by row name."""
    if row == "startup":
        t0 = time.perf_counter()
        import mlflow

        t1 = time.perf_counter()
        mlflow.set_tracking_uri(uri)
        with mlflow.start_run():
            mlflow.log_metric("m", 1.0)
            t2 = time.perf_counter()
            return {"startup": t2 - t0, "startup after import mlflow": t2 - t1}
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
            return {row: time.perf_counter() - t0}
    if row == "log_batch":
        run = client.create_run(exp)
        client.log_batch(run.info.run_id, metrics=[Metric("warm", 0.0, 0, 0)])
        now = int(time.time() * 1000)
        t0 = time.perf_counter()
        for i in range(1_000):
            client.log_batch(run.info.run_id, metrics=[Metric(f"m{j}", i * j / 1e5, now, i) for j in range(100)])
        return {row: time.perf_counter() - t0}
    if row == "search_runs":
        now = int(time.time() * 1000)
        for i in range(runs):
            r = client.create_run(exp, run_name=f"run-{i}")
            client.log_batch(r.info.run_id, metrics=[Metric("auc", (i % 997) / 997, now, 0)],
                             params=[Param("model", ("rf", "lgbm", "logreg")[i % 3])])
        t0 = time.perf_counter()
        df = mlflow.search_runs(experiment_ids=[exp])
        t1 = time.perf_counter()
        found = client.search_runs([exp], max_results=runs)
        t2 = time.perf_counter()
        assert len(df) == runs, len(df)
        assert len(found) == runs, len(found)
        return {row: t1 - t0, "search_runs (MlflowClient, no DataFrame)": t2 - t1}
    raise SystemExit(f"unknown row {row}")


def measure(row: str, scheme: str, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        uri = f"mlite://{d}/bench.mlite" if scheme == "mlite" else f"sqlite:///{d}/bench.db"
        env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true")
        p = subprocess.run([sys.executable, __file__, "--one", row, uri, "--runs", str(runs)],
                           capture_output=True, text=True, env=env, cwd=d)
        if p.returncode != 0:
            raise SystemExit(f"{row} on {scheme} failed:\n{p.stderr}")
        return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--one", nargs=2, metavar=("ROW", "URI"))
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--schemes", default="sqlite,mlite", help="the URIs to measure: sqlite, mlite or both")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], a.one[1], a.runs)))
        return
    schemes = a.schemes.split(",")
    both = schemes == ["sqlite", "mlite"]
    # One untimed import first: the first process to import mlflow after a
    # while reads it from disk, and whichever URI went first would pay it.
    subprocess.run([sys.executable, "-c", "import mlflow"], check=True,
                   env=dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true"))
    print("| row | " + " | ".join({"sqlite": "sqlite:///", "mlite": "mlite:"}[s] for s in schemes)
          + (" | mlite faster by |" if both else " |"))
    print("|---" * (len(schemes) + 1 + both) + "|")
    for row in a.rows.split(","):
        figures = [measure(row, s, a.runs) for s in schemes]
        for name in figures[0]:
            cells = [f"{f[name]:.3f} s" for f in figures]
            if both:
                cells.append(f"{figures[0][name] / figures[1][name]:.1f}x")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
