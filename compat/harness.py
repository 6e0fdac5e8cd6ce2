"""The differential harness: record a scenario's calls against one server,
normalise the answers, and compare two recordings.

A scenario is a plain function ``scenario(t)`` that makes calls through the
recorder ``t``; it runs once against MLflow's server and once against mlite's,
each time with its own recorder, so ids a call returns feed the next calls of
the same server. Every call has a name unique within its scenario; its
normalised outcome (answer or error code, HTTP status for REST) is what is
compared, call by call.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import requests
from mlflow.exceptions import MlflowException
from mlflow.store.entities.paged_list import PagedList


@dataclass
class Target:
    """One server under test."""

    name: str  # "mlflow" or "mlite"
    url: str
    client: Any  # mlflow.MlflowClient bound to url


class ApiError(Exception):
    """What a recorded call answered when it failed; scenarios may test it."""

    def __init__(self, outcome: dict):
        super().__init__(outcome)
        self.outcome = outcome


@dataclass
class Recorder:
    """Records one scenario's calls against one target."""

    target: Target
    prefix: str  # unique per scenario: put it in every name the scenario creates
    calls: dict[str, Any] = field(default_factory=dict)
    _norm: "Normaliser" = field(default_factory=lambda: Normaliser())

    @property
    def c(self):
        """The mlflow.MlflowClient of the target."""
        return self.target.client

    def _add(self, name: str, outcome: Any) -> None:
        if name in self.calls:
            raise ValueError(f"call name {name!r} used twice in one scenario")
        self.calls[name] = self._norm.normalise(outcome)

    def rest(self, name: str, method: str, path: str, body: Any = None, params: Any = None,
             raw: str | None = None) -> Any:
        """Sends one request to /api/2.0/mlflow/<path> (or path if it starts with
        /) and records {"status": ..., "body": ...}; returns the decoded body, or
        raises ApiError when the status is not 200."""
        url = self.target.url + (path if path.startswith("/") else "/api/2.0/mlflow/" + path)
        headers = {"Content-Type": "application/json"}
        if raw is not None:
            r = requests.request(method, url, data=raw, params=params, headers=headers, timeout=30)
        elif body is None:
            r = requests.request(method, url, params=params, timeout=30)
        else:
            r = requests.request(method, url, json=body, params=params, headers=headers, timeout=30)
        try:
            decoded = r.json()
        except ValueError:
            decoded = "<not JSON>"
        if isinstance(decoded, dict) and "error_code" in decoded:
            # Messages, and MLflow 3's sqlstate and error_class, are prose
            # and classes beside the code: the code is what clients test.
            decoded = {"error_code": decoded["error_code"]}
        outcome = {"status": r.status_code, "body": decoded}
        self._add(name, outcome)
        if r.status_code != 200:
            raise ApiError(outcome)
        return decoded

    def try_rest(self, name: str, method: str, path: str, body: Any = None, params: Any = None,
                 raw: str | None = None) -> Any:
        """rest, returning the ApiError instead of raising it."""
        try:
            return self.rest(name, method, path, body, params, raw)
        except ApiError as e:
            return e

    def pages(self, name: str, method: str, path: str, request: dict, most: int) -> None:
        """Pages through a search with rest: calls named f"{name}{n}" for n
        from 0, at most most of them, each sending request (the JSON body of
        a POST, the query of a GET) with the previous answer's
        next_page_token, until an answer has none."""
        token = None
        for n in range(most):
            req = {**request, "page_token": token} if token else request
            if method == "GET":
                r = self.rest(f"{name}{n}", method, path, params=req)
            else:
                r = self.rest(f"{name}{n}", method, path, req)
            token = r.get("next_page_token")
            if not token:
                return

    def client(self, name: str, fn: Callable[[Any], Any]) -> Any:
        """Calls fn(MlflowClient) and records its converted result or error;
        returns the raw result, or the ApiError."""
        try:
            result = fn(self.c)
        except MlflowException as e:
            err = ApiError({"error": e.error_code, "status": e.get_http_status_code()})
            self._add(name, err.outcome)
            return err
        self._add(name, to_plain(result))
        return result

    def record(self, name: str, value: Any) -> None:
        """Records a value the scenario derived (a comparison, a count)."""
        self._add(name, value)


def to_plain(v: Any) -> Any:
    """Turns the mlflow client's entities, paged lists and enums into plain
    data, keeping None apart from "" (proto JSON would not)."""
    if isinstance(v, PagedList):
        return {"items": [to_plain(x) for x in v], "token": v.token}
    if isinstance(v, dict):
        return {str(k): to_plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "_properties"):  # mlflow.entities._mlflow_object._MlflowObject
        return {p: to_plain(getattr(v, p)) for p in v._properties()}
    if hasattr(v, "to_dictionary"):
        return to_plain(v.to_dictionary())
    return repr(v)


_RUN_NAME = re.compile(r"^[a-z]+-[a-z]+-\d+$")
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_EXP_IN_URI = re.compile(r"(mlflow-artifacts:/)([^/]+)")
_TIME_KEY = re.compile(r"time", re.IGNORECASE)
_TOKEN_KEYS = {"next_page_token", "token", "page_token"}
_EXP_KEYS = {"experiment_id", "experiment_ids"}


class Normaliser:
    """Replaces what legitimately differs between two servers: experiment and
    run ids (by order of first appearance), wall-clock times, generated run
    names and page tokens."""

    def __init__(self) -> None:
        self.exp: dict[str, str] = {"0": "0"}
        self.run: dict[str, str] = {}

    def _exp(self, v: str) -> str:
        if v not in self.exp:
            self.exp[v] = f"<exp{len(self.exp)}>"
        return self.exp[v]

    def _str(self, s: str) -> str:
        def run_id(m: re.Match) -> str:
            if m.group(0) not in self.run:
                self.run[m.group(0)] = f"<run{len(self.run) + 1}>"
            return self.run[m.group(0)]

        s = _HEX_ID.sub(run_id, s)
        s = _EXP_IN_URI.sub(lambda m: m.group(1) + self._exp(m.group(2)), s)
        if _RUN_NAME.match(s):
            return "<name>"
        return s

    def normalise(self, v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            return {k: self.normalise(x, k) for k, x in v.items()}
        if isinstance(v, list):
            out = [self.normalise(x, key) for x in v]
            # A run's tags, params and latest metrics, a model's tags: one
            # entry per key, in whatever order the store keeps them.
            if len(out) > 1 and _keyed(out):
                out.sort(key=lambda x: x["key"])
            return out
        if isinstance(v, str):
            if key in _EXP_KEYS:
                return self._exp(v)
            if key in _TOKEN_KEYS and v:
                return "<token>"
            return self._str(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if _TIME_KEY.search(key) and isinstance(v, int) and v > 10**12:
                return "<ts>"
            if isinstance(v, float) and math.isnan(v):
                return "NaN"
        return v


def diff(a: Any, b: Any, path: str = "") -> list[str]:
    """The places where two normalised outcomes differ, as short lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a:
                out.append(f"{path}.{k}: mlflow has none, mlite {b[k]!r}")
            elif k not in b:
                out.append(f"{path}.{k}: mlflow {a[k]!r}, mlite has none")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and _keyed(a) and _keyed(b) and len(a) != len(b):
        return diff({x["key"]: x for x in a}, {x["key"]: x for x in b}, path)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}.{i}")
        return out
    if a != b:
        return [f"{path or '.'}: mlflow {_short(a)}, mlite {_short(b)}"]
    return []


def _keyed(v: list) -> bool:
    keys = [x.get("key") for x in v if isinstance(x, dict)]
    return len(keys) == len(v) and None not in keys and len(set(keys)) == len(keys)


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) < 300 else s[:300] + "..."


SCENARIOS: dict[str, Callable[[Recorder], None]] = {}


def scenario(fn: Callable[[Recorder], None]) -> Callable[[Recorder], None]:
    """Registers fn as a scenario named after it; test_parity runs each one."""
    if fn.__name__ in SCENARIOS:
        raise ValueError(f"scenario {fn.__name__} defined twice")
    SCENARIOS[fn.__name__] = fn
    return fn


def run_scenario(target: Target, name: str) -> dict[str, Any]:
    """Runs one scenario against one target; the calls it recorded, by name.
    A scenario that stops on an unexpected answer records where it stopped."""
    t = Recorder(target, prefix=f"{name}-")
    try:
        SCENARIOS[name](t)
    except ApiError as e:
        t.calls["<stopped>"] = {"after": list(t.calls)[-1], "unexpected": e.outcome}
    except Exception as e:  # a KeyError on an answer of another shape, ...
        last = list(t.calls)[-1] if t.calls else None
        t.calls["<stopped>"] = {"after": last, "exception": f"{type(e).__name__}: {e}"}
    return t.calls
