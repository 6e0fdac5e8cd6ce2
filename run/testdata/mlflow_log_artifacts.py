"""Measures MLflow's log_artifacts of a folder of small files into a local
sqlite:/// store, for BenchmarkLogArtifactsSmallFiles to compare with.

Usage: python mlflow_log_artifacts.py WORKDIR FILES SIZE

Writes FILES files of SIZE bytes under WORKDIR/src, logs them with
mlflow.log_artifacts into a store at WORKDIR (sqlite:///WORKDIR/mlflow.db,
artifacts under WORKDIR/artifacts) and prints one line:
"files/s <rate>", timing the log_artifacts call only. Prints
"skip <reason>" and exits 0 when mlflow cannot be imported.
"""

import os
import sys
import time


def main():
    work, files, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        import mlflow
    except ImportError as e:
        print("skip mlflow is not installed here (%s)" % e)
        return
    src = os.path.join(work, "src")
    for i in range(files):
        d = os.path.join(src, "d%d" % (i % 7))
        os.makedirs(d, exist_ok=True)
        row = ("row %d,0.%d\n" % (i, i * 7)).encode()
        body = ("%06d\n" % i).encode() + row * (size // len(row))
        with open(os.path.join(d, "f%d.txt" % i), "wb") as f:
            f.write(body[:size])
    mlflow.set_tracking_uri("sqlite:///" + os.path.join(work, "mlflow.db"))
    exp = mlflow.create_experiment("bench", artifact_location="file://" + os.path.join(work, "artifacts"))
    with mlflow.start_run(experiment_id=exp):
        start = time.perf_counter()
        mlflow.log_artifacts(src, "batch")
        took = time.perf_counter() - start
    print("files/s %.1f" % (files / took))


if __name__ == "__main__":
    main()
