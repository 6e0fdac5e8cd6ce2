"""Runs MLflow's own REST tests twice, against MLflow's server as the tests
start it and against mlite server, and compares the outcomes per area.

    MLFLOW_TESTS_DIR=/path/to/mlflow-tests python compat/mlflow_tests/run.py [-k EXPR] [--json OUT]

MLFLOW_TESTS_DIR is a folder laid out as MLflow's repository, holding at least
tests/tracking/test_rest_tracking.py, tests/tracking/test_model_registry.py
and what they import (see README.md). Without it the run is skipped (exit 0).
Prints a table (area, tests, outcomes on each server), then every test outside
the GenAI areas that passes against MLflow and does not against mlite: listed
in KNOWN below with the reason, or new. Exits 1 when there is a new one."""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from servers import build_mlite  # noqa: E402

FILES = ("tests/tracking/test_rest_tracking.py", "tests/tracking/test_model_registry.py")

# (area, GenAI?, pattern on the test function's name), first match wins; a
# test of test_model_registry.py that matches none is "model registry", one
# of test_rest_tracking.py "runs".
AREAS = [
    ("gateway", True, r"gateway|secret|endpoint|model_definition|provider|list_models"),
    ("prompts", True, r"prompt"),
    ("scorers", True, r"scorer"),
    ("evaluation datasets", True,
     r"evaluation_dataset|dataset_to_experiments|dataset_from_experiments|add_multiple_experiments"
     r"|dataset_experiment_association|idempotent_(add|remove)_experiments|add_remove_experiments"),
    ("traces", True, r"trace|span|assessment|otel"),
    ("MLflow server internals", False, r"calls_optimized_impl|validation_regex"),
    ("GraphQL", False, r"graphql"),
    ("model versions", False, r"create_model_version"),
    ("logged models", False, r"logged_model|log_outputs|log_model|logging_model|log_metric_model|log_inputs_model"),
    ("datasets", False, r"log_input|dataset"),
    ("metric history", False, r"metric_history"),
    ("artifacts", False, r"artifact|path_validation"),
    ("experiments", False, r"experiment"),
]

# Tests outside the GenAI areas that pass against MLflow's server and not
# against mlite, on purpose: a glob on the test id without its parameters
# (file::name), and why.
_RT = "tests/tracking/test_rest_tracking.py::"
KNOWN: dict[str, str] = {
}


def area_of(test_id: str) -> tuple[str, bool]:
    """The area of a test id (file::name[params]) and whether it is GenAI."""
    file, _, name = test_id.partition("::")
    func = name.split("[", 1)[0]
    for area, genai, pattern in AREAS:
        if re.search(pattern, func):
            return area, genai
    return ("model registry" if file.endswith("test_model_registry.py") else "runs"), False


def outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    """test id -> (outcome, first line of the failure) from a JUnit XML."""
    out = {}
    for case in ET.parse(junit).iter("testcase"):
        module = case.get("classname", "")
        file = module.replace(".", "/") + ".py"
        test_id = f"{file}::{case.get('name')}"
        outcome, why = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, why = "failed", (child.get("message") or "").strip().splitlines()[:1]
                why = why[0] if why else ""
                break
            if child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        out[test_id] = (outcome, why)
    return out


def run_pytest(tests_dir: Path, junit: Path, mlite_bin: Path | None, extra: list[str]) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tests_dir), str(HERE), env.get("PYTHONPATH", "")])
    env.pop("MLITE_BIN", None)
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("MLFLOW_REGISTRY_URI", None)
    if mlite_bin is not None:
        env["MLITE_BIN"] = str(mlite_bin)
    # pytest-timeout ends a test that hangs (it counts as failed).
    cmd = [sys.executable, "-m", "pytest", "-p", "mlite_redirect", "-p", "no:cacheprovider",
           "--timeout", "300", "-q", "-o", "addopts=", "-o", "asyncio_default_fixture_loop_scope=function",
           "--rootdir", str(tests_dir), f"--junitxml={junit}", *FILES, *extra]
    # pytest's own exit code says only that some test failed: the comparison
    # below is the verdict.
    subprocess.run(cmd, cwd=tests_dir, env=env, check=False)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-k", help="run only the tests pytest's -k selects")
    p.add_argument("--json", type=Path, help="also write the outcomes per test here")
    a = p.parse_args()

    tests_dir = Path(os.environ.get("MLFLOW_TESTS_DIR", ""))
    if not os.environ.get("MLFLOW_TESTS_DIR") or not all((tests_dir / f).is_file() for f in FILES):
        print("mlflow_tests: skipped: set MLFLOW_TESTS_DIR to a folder holding MLflow's " + " and ".join(FILES))
        return 0
    if importlib.util.find_spec("pytest_timeout") is None:
        print("mlflow_tests: needs pytest-timeout in this Python (pip install pytest-timeout)")
        return 2
    extra = ["-k", a.k] if a.k else []

    with tempfile.TemporaryDirectory(prefix="mlflow-tests-run-") as tmp:
        tmp = Path(tmp)
        binary = build_mlite(tmp)
        results = {}
        for target, mlite_bin in (("mlflow", None), ("mlite", binary)):
            print(f"== {target}: {' '.join(FILES)}", flush=True)
            run_pytest(tests_dir, tmp / f"{target}.xml", mlite_bin, extra)
            results[target] = outcomes(tmp / f"{target}.xml")

    ids = sorted(set(results["mlflow"]) | set(results["mlite"]))
    table: dict[tuple[str, bool], dict[str, Counter]] = defaultdict(lambda: {"mlflow": Counter(), "mlite": Counter()})
    regressions, known = [], []
    for test_id in ids:
        area = area_of(test_id)
        for target in ("mlflow", "mlite"):
            table[area][target][results[target].get(test_id, ("missing", ""))[0]] += 1
        on_mlflow = results["mlflow"].get(test_id, ("missing", ""))[0]
        on_mlite, why = results["mlite"].get(test_id, ("missing", ""))
        if area[1] or on_mlflow != "passed" or on_mlite == "passed":
            continue
        bare = test_id.split("[", 1)[0]
        reason = next((r for g, r in KNOWN.items() if fnmatch.fnmatchcase(bare, g)), None)
        (known if reason else regressions).append((test_id, on_mlite, reason or why))

    def cell(c: Counter) -> str:
        rest = ", ".join(f"{c[k]} {k}" for k in ("failed", "skipped", "xfailed", "missing") if c[k])
        return f"{c['passed']}" + (f" ({rest})" if rest else "")

    print("\n| area | GenAI | tests | passed on MLflow | passed on mlite |")
    print("|---|---|---|---|---|")
    totals = {False: [0, Counter(), Counter()], True: [0, Counter(), Counter()]}
    for (area, genai), c in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        n = sum(c["mlflow"].values())
        print(f"| {area} | {'yes' if genai else 'no'} | {n} | {cell(c['mlflow'])} | {cell(c['mlite'])} |")
        totals[genai][0] += n
        totals[genai][1] += c["mlflow"]
        totals[genai][2] += c["mlite"]
    for genai in (False, True):
        n, m1, m2 = totals[genai]
        print(f"| **all {'GenAI' if genai else 'other'}** | {'yes' if genai else 'no'} | {n} | {cell(m1)} | {cell(m2)} |")

    if known:
        print("\nPass against MLflow, not against mlite, on purpose (KNOWN in run.py):")
        for test_id, outcome, reason in known:
            print(f"- {test_id}: {outcome}: {reason}")
    if regressions:
        print("\nPass against MLflow, not against mlite, and not in KNOWN:")
        for test_id, outcome, why in regressions:
            print(f"- {test_id}: {outcome}: {why}")
    if a.json:
        a.json.write_text(json.dumps({t: {k: results[k].get(t) for k in results} for t in ids}, indent=1))
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
