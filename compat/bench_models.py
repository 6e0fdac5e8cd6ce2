"""Benchmark of mlflow.sklearn.log_model and load_model of a 10 MB
scikit-learn model through mlite server and through mlflow server, measured in
one run (not a test: pytest does not collect it). Run from compat/ with the
venv's python:

    python bench_models.py [--mb 10] [--repeat 5]

It builds mlite, starts mlite server on a fresh store and a fresh mlflow
server (sqlite backend, proxied artifacts, loopback), then, against each in
turn, logs the model `--repeat` times (each in a new run, as a logged model
with its files uploaded through the server) and loads each back by its
models:/m-<id> URI (files downloaded through the server), checking that the
loaded model predicts as the original. The model is a brute-force
KNeighborsRegressor, whose pickle holds its training matrix: --mb MB of
float64. pip_requirements is given, so that the client does not start a
process to infer them (the same cost for either server, and not the
server's). Prints the median seconds of each call per server and the ratio."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import mlflow
import mlflow.sklearn
import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import build_mlite, start_mlflow, start_mlite, stop  # noqa: E402

FEATURES = 100


def make_model(mb: int) -> tuple[KNeighborsRegressor, np.ndarray]:
    rows = mb * (1 << 20) // (8 * FEATURES)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, FEATURES))
    model = KNeighborsRegressor(n_neighbors=3, algorithm="brute").fit(x, x[:, 0])
    return model, x[:5]


def measure(url: str, model: KNeighborsRegressor, probe: np.ndarray, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of each log_model and each load_model against the server at url."""
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    mlflow.set_experiment("bench-models")
    want = model.predict(probe)
    logs, loads = [], []
    for _ in range(repeat):
        with mlflow.start_run():
            t = time.perf_counter()
            info = mlflow.sklearn.log_model(model, name="model", pip_requirements=[f"scikit-learn=={sklearn.__version__}"])
            logs.append(time.perf_counter() - t)
        t = time.perf_counter()
        loaded = mlflow.sklearn.load_model(info.model_uri)
        loads.append(time.perf_counter() - t)
        if not np.array_equal(loaded.predict(probe), want):
            raise SystemExit(f"{url}: the model loaded from {info.model_uri} predicts differently")
    return logs, loads


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    model, probe = make_model(a.mb)
    tmp = Path(tempfile.mkdtemp(prefix="mlite-bench-models-"))
    binary = build_mlite(tmp)
    results = {}
    for name in ("mlite", "mlflow"):
        proc, url = start_mlite(binary, tmp / "bench.mlite", tmp, "--quiet") if name == "mlite" else start_mlflow(tmp)
        try:
            results[name] = measure(url, model, probe, a.repeat)
        finally:
            stop(proc)
    for i, call in enumerate(("log_model", "load_model")):
        lite = statistics.median(results["mlite"][i])
        flow = statistics.median(results["mlflow"][i])
        print(f"{call} of a {a.mb} MB sklearn model (median of {a.repeat}): "
              f"mlite {lite:.3f}s, mlflow {flow:.3f}s, mlflow/mlite = {flow / lite:.2f}x")


if __name__ == "__main__":
    main()
