"""Runs every scenario against MLflow's server and mlite's and fails on any
difference that docs/mlflow-differences.md does not list (and on any listing
that no longer matches a difference)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import cases_registry  # noqa: F401  (registers scenarios)
import cases_tracking  # noqa: F401
from harness import SCENARIOS, diff, run_scenario

DOC = Path(__file__).resolve().parent.parent / "docs" / "mlflow-differences.md"


def glob(pattern: str) -> re.Pattern:
    """A listing's glob as a regular expression: `*` is any text, `?` any
    one character, everything else literal (brackets included)."""
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern) + r"\Z",
                      re.DOTALL)


@dataclass
class Listing:
    """One row of the doc's table."""

    row: str
    calls: list[re.Pattern]
    fields: list[re.Pattern]
    scenarios: list[re.Pattern]

    def covers(self, call: str, path: str) -> bool:
        return any(c.match(call) for c in self.calls) and any(f.match(path) for f in self.fields)


def listed_differences() -> list[Listing]:
    """The rows of the doc's table: the backticked `scenario::call` globs of
    a row's first column, and the backticked answer paths of its second
    (`*`, the whole answer, when it has none)."""
    listed = []
    in_table = False
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            in_table = line.strip() == "## The differences"
            continue
        if in_table and line.startswith("|") and not set(line) <= set("|-: "):
            cols = line.split("|")
            calls = re.findall(r"`([^`]+::[^`]+)`", cols[1])
            if not calls:
                continue  # the header
            fields = re.findall(r"`([^`]+)`", cols[2]) or ["*"]
            listed.append(Listing(line[:120], [glob(c) for c in calls], [glob(f) for f in fields],
                                  [glob(c.split("::")[0]) for c in calls]))
    return listed


LISTED = listed_differences()
SEEN: set[int] = set()  # rows (by index) that matched a difference
RAN: set[str] = set()  # scenarios that ran
STATS = {"calls": 0, "differ": 0, "listed": 0}  # for conftest's summary


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(servers, name):
    mlflow, mlite = servers
    RAN.add(name)
    want = run_scenario(mlflow, name)
    got = run_scenario(mlite, name)
    unlisted = []
    for call in list(want) + [c for c in got if c not in want]:
        STATS["calls"] += 1
        if call not in want or call not in got:
            # After a scenario stopped on one server: its <stopped> entry
            # says where and why, the calls it did not make are not repeated.
            if "<stopped>" in want or "<stopped>" in got:
                continue
        lines = diff(want.get(call, "<not made>"), got.get(call, "<not made>"))
        if not lines:
            continue
        STATS["differ"] += 1
        cid = f"{name}::{call}"
        missed = []
        for line in lines:
            path = line.split(": ", 1)[0]
            hits = [i for i, row in enumerate(LISTED) if row.covers(cid, path)]
            SEEN.update(hits)
            if not hits:
                missed.append(line)
        if missed:
            unlisted.append(f"{cid}\n    " + "\n    ".join(missed))
        else:
            STATS["listed"] += 1
    if unlisted:
        pytest.fail(f"{len(unlisted)} differences not listed in {DOC.name}:\n" + "\n".join(unlisted))


def test_every_listing_still_differs(servers):
    """Runs last (pytest keeps file order): a listing whose scenario ran and
    that matched no difference is stale and must go."""
    stale = [row.row for i, row in enumerate(LISTED)
             if i not in SEEN and any(sc.match(n) for sc in row.scenarios for n in RAN)]
    assert not stale, f"listed in {DOC.name} but no longer different: {stale}"
