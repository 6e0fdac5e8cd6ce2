"""Writes mlflow_verdicts.json: inputs, one a line, and whether MLflow's rules accept them.

The rules are restated from mlflow/utils/validation.py (MLflow 3.x) and run
with CPython's own `re` and `posixpath`, so the Go tests compare mlite's
hand-written checks with the real regular expression and path semantics.
Run with: python3 mlflow_verdicts.py > mlflow_verdicts.json
"""
import json
import posixpath
import random
import re
import sys

KEY = re.compile(r"^[/\w.\- :]*$")  # POSIX form; Windows drops ':'
ALIAS = re.compile(r"^[\w\-]*$")
ALIAS_VERSION = re.compile(r"^[vV]\d+$")
RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
EXPERIMENT_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,63}$")


def key_ok(k):
    if not KEY.match(k):
        return False
    norm = posixpath.normpath(k)
    if norm != k or norm == "." or norm.startswith("..") or norm.startswith("/"):
        return False
    return len(k) <= 250


def alias_ok(a):
    if a == "" or not ALIAS.match(a) or len(a) > 255:
        return False
    return a.lower() != "latest" and not ALIAS_VERSION.match(a)


CHECKS = {
    "key": key_ok,
    "alias": alias_ok,
    "run_id": lambda s: RUN_ID.match(s) is not None,
    "experiment_id": lambda s: EXPERIMENT_ID.match(s) is not None,
}

PIECES = ["a", "Z", "0", "9", "_", "-", ".", "..", " ", "/", ":", "!", "\n", "\t",
          "\u00e9", "\u00df", "\u65e5", "\u0663", "\u0301", "\u00a0", "\u2026",
          "\u00bd", "\u216b", "\U0001F642", "\\", "v", "V", "latest", "LaTeSt",
          "\u017f", "\u0130", "\u212a", "$", "*", "+", "%"]

FIXED = ["", ".", "..", "/", "//", "a", "a/", "/a", "a//b", "a/./b", "a/../b", "./a",
         "../a", "..a", ".a", "a.", "a..b", "a/..b", "a/.b/c", "a b/c d", "lr rate!",
         "x:y", "\u65e5\u672c", "a\u0301", "loss\n", "\nloss", "v1", "V12", "v", "v1a",
         "v\u0663", "latest", "LATEST", "lat\u017fest", "latest\n", "-a", "_a", "a-",
         "a" * 250, "a" * 251, "\u00e9" * 250, "\u00e9" * 251, "a" * 255, "a" * 256,
         "a" * 64, "a" * 65, "\U0001F642", "a\tb", "a\\b", "a\u00a0b"]


def main():
    rng = random.Random(20240601)
    inputs = list(FIXED)
    for _ in range(2000):
        inputs.append("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))))
    seen = set()
    out = []
    for s in inputs:
        if s in seen:
            continue
        seen.add(s)
        out.append([s] + [bool(f(s)) for f in CHECKS.values()])
    # One case a line: [input, key ok, alias ok, run id ok, experiment id ok].
    sys.stdout.write('{"python": %s, "columns": %s, "cases": [\n' % (
        json.dumps(sys.version.split()[0]), json.dumps(["input"] + list(CHECKS))))
    sys.stdout.write(",\n".join(json.dumps(c) for c in out))
    sys.stdout.write("\n]}\n")


main()
