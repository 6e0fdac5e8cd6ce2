"""Tracking scenarios: experiments, runs, params, metrics, tags, searches.

Each function is one scenario (see harness.py): it makes named calls through
t.rest (raw REST) and t.client (MlflowClient), and both servers must answer
each call alike. Names the scenario creates start with t.prefix so that
scenarios do not see each other's experiments.
"""

from __future__ import annotations

import math

from mlflow.entities import Metric, Param, RunTag

from harness import ApiError, Recorder, scenario


def _exp(t: Recorder, name: str) -> str:
    return t.rest(f"create {name}", "POST", "experiments/create", {"name": t.prefix + name})["experiment_id"]


def _run(t: Recorder, exp: str, name: str, **extra) -> str:
    body = {"experiment_id": exp, "run_name": name, "start_time": 1_700_000_000_000, **extra}
    return t.rest(f"create run {name}", "POST", "runs/create", body)["run"]["info"]["run_id"]


@scenario
def experiments_lifecycle(t: Recorder):
    exp = _exp(t, "e")
    t.rest("get", "GET", "experiments/get", params={"experiment_id": exp})
    t.try_rest("get bad id", "GET", "experiments/get", params={"experiment_id": "abc"})
    t.try_rest("get missing", "GET", "experiments/get", params={"experiment_id": "987654321"})
    t.try_rest("get no id", "GET", "experiments/get")
    t.rest("get by name", "GET", "experiments/get-by-name", params={"experiment_name": t.prefix + "e"})
    t.try_rest("get by name missing", "GET", "experiments/get-by-name", params={"experiment_name": t.prefix + "nope"})
    t.try_rest("create duplicate", "POST", "experiments/create", {"name": t.prefix + "e"})
    t.try_rest("create empty name", "POST", "experiments/create", {"name": ""})
    t.try_rest("create no name", "POST", "experiments/create", {})
    t.try_rest("create tags", "POST", "experiments/create",
               {"name": t.prefix + "tagged", "tags": [{"key": "team", "value": "a"}]})
    _exp(t, "other")
    t.rest("rename", "POST", "experiments/update", {"experiment_id": exp, "new_name": t.prefix + "e2"})
    t.rest("get renamed", "GET", "experiments/get", params={"experiment_id": exp})
    t.try_rest("rename to taken", "POST", "experiments/update", {"experiment_id": exp, "new_name": t.prefix + "other"})
    t.try_rest("rename missing", "POST", "experiments/update", {"experiment_id": "987654321", "new_name": "x"})
    t.try_rest("rename empty", "POST", "experiments/update", {"experiment_id": exp, "new_name": ""})
    t.rest("set tag", "POST", "experiments/set-experiment-tag", {"experiment_id": exp, "key": "k", "value": "v"})
    t.rest("set tag again", "POST", "experiments/set-experiment-tag", {"experiment_id": exp, "key": "k", "value": "w"})
    t.rest("set description", "POST", "experiments/set-experiment-tag",
           {"experiment_id": exp, "key": "mlflow.note.content", "value": "notes"})
    t.rest("get tagged", "GET", "experiments/get", params={"experiment_id": exp})
    t.try_rest("delete tag", "POST", "experiments/delete-experiment-tag", {"experiment_id": exp, "key": "k"})
    t.try_rest("delete tag again", "POST", "experiments/delete-experiment-tag", {"experiment_id": exp, "key": "k"})
    t.try_rest("set tag missing exp", "POST", "experiments/set-experiment-tag",
               {"experiment_id": "987654321", "key": "k", "value": "v"})
    t.rest("delete", "POST", "experiments/delete", {"experiment_id": exp})
    t.rest("get deleted", "GET", "experiments/get", params={"experiment_id": exp})
    t.try_rest("delete again", "POST", "experiments/delete", {"experiment_id": exp})
    t.try_rest("set tag deleted", "POST", "experiments/set-experiment-tag", {"experiment_id": exp, "key": "k", "value": "v"})
    t.try_rest("create run in deleted", "POST", "runs/create", {"experiment_id": exp})
    t.try_rest("create same name as deleted", "POST", "experiments/create", {"name": t.prefix + "e2"})
    t.rest("restore", "POST", "experiments/restore", {"experiment_id": exp})
    t.try_rest("restore again", "POST", "experiments/restore", {"experiment_id": exp})
    t.try_rest("delete missing", "POST", "experiments/delete", {"experiment_id": "987654321"})
    t.try_rest("restore missing", "POST", "experiments/restore", {"experiment_id": "987654321"})
    t.try_rest("delete default", "POST", "experiments/delete", {"experiment_id": "0"})
    t.client("client get", lambda c: c.get_experiment(exp))
    t.client("client get by name", lambda c: c.get_experiment_by_name(t.prefix + "e2"))
    t.client("client get by name missing", lambda c: c.get_experiment_by_name(t.prefix + "none"))
    t.client("client set tag", lambda c: c.set_experiment_tag(exp, "x", "y"))
    t.client("client delete tag missing", lambda c: c.delete_experiment_tag(exp, "never"))
    t.client("client rename", lambda c: c.rename_experiment(exp, t.prefix + "e3"))
    t.client("client delete", lambda c: c.delete_experiment(exp))
    t.client("client delete again", lambda c: c.delete_experiment(exp))
    t.client("client restore", lambda c: c.restore_experiment(exp))
    t.client("client restore again", lambda c: c.restore_experiment(exp))


@scenario
def experiments_search(t: Recorder):
    ids = {}
    for i, n in enumerate(["alpha", "beta", "gamma", "delta", "Alpha2"]):
        ids[n] = t.rest(f"create {n}", "POST", "experiments/create",
                        {"name": t.prefix + n, "tags": [{"key": "i", "value": str(i)},
                                                         {"key": "kind", "value": "even" if i % 2 == 0 else "odd"}]}
                        )["experiment_id"]
    t.rest("delete delta", "POST", "experiments/delete", {"experiment_id": ids["delta"]})
    p = t.prefix
    filters = [
        "name = '{p}alpha'",
        "name != '{p}alpha' AND name LIKE '{p}%'",
        "name LIKE '{p}a%'",
        "name ILIKE '{p}a%'",
        "name LIKE '{p}%a'",
        "name LIKE '{p}%' AND tags.kind = 'even'",
        "name LIKE '{p}%' AND tags.kind != 'even'",
        "name LIKE '{p}%' AND tags.i LIKE '%1%'",
        "name LIKE '{p}%' AND tags.kind ILIKE 'EV%'",
        "name LIKE '{p}%' AND tags.missing IS NULL",
        "name LIKE '{p}%' AND tags.kind IS NOT NULL",
        "name LIKE '{p}%' AND creation_time > 0",
        "name LIKE '{p}%' AND last_update_time >= 0",
        "experiment_id = '{beta}'",
        "experiment_id = {beta}",
        "experiment_id IN ('{beta}', '{gamma}')",
        "experiment_id != '{beta}' AND name LIKE '{p}%'",
        "attribute.name = '{p}gamma'",
        "`name` = '{p}gamma'",
        'name = "{p}gamma"',
        "name IN ('{p}alpha', '{p}beta')",
        "name = ",
        "name LIKE 5",
        "tags.kind > 'a'",
        "bogus = 'x'",
        "name = '{p}alpha' OR name = '{p}beta'",
        "creation_time = 'abc'",
    ]
    for tmpl in filters:
        f = tmpl.format(p=p, beta=ids["beta"], gamma=ids["gamma"])
        for view in ("ACTIVE_ONLY", "ALL"):
            t.try_rest(f"filter {tmpl} {view}", "POST", "experiments/search",
                       {"filter": f, "view_type": view, "max_results": 50})
    orders = [[], ["name"], ["name DESC"], ["creation_time DESC"], ["last_update_time"], ["experiment_id DESC"],
              ["name ASC", "creation_time"], ["bogus"], ["tags.i"]]
    for o in orders:
        t.try_rest(f"order {o}", "POST", "experiments/search",
                   {"filter": f"name LIKE '{p}%'", "order_by": o, "view_type": "ALL", "max_results": 100})
    t.try_rest("no max_results", "POST", "experiments/search", {"filter": f"name LIKE '{p}%'"})
    for view in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL", "BOGUS"):
        t.try_rest(f"view {view}", "GET", "experiments/search",
                   params={"filter": f"name LIKE '{p}%'", "view_type": view, "max_results": 10})
    # Paging through by two.
    t.pages("page ", "POST", "experiments/search",
            {"filter": f"name LIKE '{p}%'", "max_results": 2, "order_by": ["name"], "view_type": "ALL"}, 4)
    for mr in (0, -1, 50000, 50001, "x"):
        t.try_rest(f"max_results {mr}", "POST", "experiments/search", {"max_results": mr, "filter": f"name LIKE '{p}%'"})
    t.try_rest("bad token", "POST", "experiments/search", {"page_token": "garbage"})
    t.client("client search", lambda c: c.search_experiments(filter_string=f"name LIKE '{p}%'", order_by=["name"]))
    t.client("client search deleted", lambda c: c.search_experiments(view_type=2, filter_string=f"name LIKE '{p}%'"))


@scenario
def runs_lifecycle(t: Recorder):
    exp = _exp(t, "e")
    run = _run(t, exp, "r1", tags=[{"key": "t", "value": "v"}])
    t.rest("get", "GET", "runs/get", params={"run_id": run})
    t.try_rest("get missing", "GET", "runs/get", params={"run_id": "0" * 32})
    t.try_rest("get malformed", "GET", "runs/get", params={"run_id": "not-a-run"})
    t.try_rest("get empty", "GET", "runs/get", params={"run_id": ""})
    t.try_rest("get none", "GET", "runs/get")
    t.rest("get by uuid", "GET", "runs/get", params={"run_uuid": run})
    t.try_rest("create missing exp", "POST", "runs/create", {"experiment_id": "987654321"})
    t.try_rest("create bad exp", "POST", "runs/create", {"experiment_id": "abc"})
    t.rest("create no name", "POST", "runs/create", {"experiment_id": exp, "start_time": 1})
    t.rest("create name tag", "POST", "runs/create",
           {"experiment_id": exp, "tags": [{"key": "mlflow.runName", "value": "tagged"}]})
    t.try_rest("create name clash", "POST", "runs/create",
               {"experiment_id": exp, "run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]})
    t.try_rest("create missing parent", "POST", "runs/create",
               {"experiment_id": exp, "tags": [{"key": "mlflow.parentRunId", "value": "f" * 32}]})
    t.rest("update finished", "POST", "runs/update", {"run_id": run, "status": "FINISHED", "end_time": 1_700_000_001_000})
    t.rest("get finished", "GET", "runs/get", params={"run_id": run})
    t.rest("update running", "POST", "runs/update", {"run_id": run, "status": "RUNNING"})
    t.rest("get resumed", "GET", "runs/get", params={"run_id": run})
    t.rest("update name", "POST", "runs/update", {"run_id": run, "run_name": "renamed"})
    t.rest("get renamed", "GET", "runs/get", params={"run_id": run})
    t.try_rest("update bad status", "POST", "runs/update", {"run_id": run, "status": "DONE"})
    t.try_rest("update missing", "POST", "runs/update", {"run_id": "0" * 32, "status": "FINISHED"})
    for status in ("FAILED", "KILLED", "SCHEDULED", "FINISHED"):
        r = _run(t, exp, f"s-{status}")
        t.rest(f"update {status} no end", "POST", "runs/update", {"run_id": r, "status": status})
        got = t.rest(f"get {status}", "GET", "runs/get", params={"run_id": r})
        t.record(f"{status} has end_time", "end_time" in got["run"]["info"])
    t.rest("delete", "POST", "runs/delete", {"run_id": run})
    t.rest("get deleted", "GET", "runs/get", params={"run_id": run})
    t.try_rest("delete again", "POST", "runs/delete", {"run_id": run})
    t.try_rest("update deleted", "POST", "runs/update", {"run_id": run, "status": "FINISHED"})
    t.try_rest("set tag deleted", "POST", "runs/set-tag", {"run_id": run, "key": "k", "value": "v"})
    t.try_rest("log param deleted", "POST", "runs/log-parameter", {"run_id": run, "key": "k", "value": "v"})
    t.try_rest("log metric deleted", "POST", "runs/log-metric", {"run_id": run, "key": "k", "value": 1, "timestamp": 1})
    t.rest("restore", "POST", "runs/restore", {"run_id": run})
    t.try_rest("restore again", "POST", "runs/restore", {"run_id": run})
    t.try_rest("delete missing", "POST", "runs/delete", {"run_id": "0" * 32})
    t.try_rest("restore missing", "POST", "runs/restore", {"run_id": "0" * 32})
    c = t.client("client create", lambda c: c.create_run(exp, run_name="via-client", start_time=1_700_000_000_000))
    rid = c.info.run_id
    t.client("client get", lambda c: c.get_run(rid))
    t.client("client terminate", lambda c: c.set_terminated(rid, "FAILED", end_time=1_700_000_002_000))
    t.client("client get terminated", lambda c: c.get_run(rid))
    t.client("client update name", lambda c: c.update_run(rid, name="new-name"))
    t.client("client update failed", lambda c: c.update_run(rid, status="FAILED"))
    t.client("client delete", lambda c: c.delete_run(rid))
    t.client("client delete again", lambda c: c.delete_run(rid))
    t.client("client restore", lambda c: c.restore_run(rid))
    t.client("client restore again", lambda c: c.restore_run(rid))
    t.client("client get missing", lambda c: c.get_run("0" * 32))
    t.client("client delete missing", lambda c: c.delete_run("0" * 32))


@scenario
def params_and_tags(t: Recorder):
    exp = _exp(t, "e")
    run = _run(t, exp, "r")
    t.rest("log param", "POST", "runs/log-parameter", {"run_id": run, "key": "lr", "value": "0.1"})
    t.rest("log param same", "POST", "runs/log-parameter", {"run_id": run, "key": "lr", "value": "0.1"})
    t.try_rest("log param changed", "POST", "runs/log-parameter", {"run_id": run, "key": "lr", "value": "0.2"})
    t.try_rest("log param no value", "POST", "runs/log-parameter", {"run_id": run, "key": "nv"})
    t.try_rest("log param empty value", "POST", "runs/log-parameter", {"run_id": run, "key": "ev", "value": ""})
    t.try_rest("log param no key", "POST", "runs/log-parameter", {"run_id": run, "value": "x"})
    t.try_rest("log param missing run", "POST", "runs/log-parameter", {"run_id": "0" * 32, "key": "k", "value": "v"})
    for n in (250, 251, 500, 1000):
        t.try_rest(f"param key {n}", "POST", "runs/log-parameter", {"run_id": run, "key": "k" * n, "value": "v"})
    for n in (6000, 6001, 8000, 8001, 100000):
        r = t.try_rest(f"param value {n}", "POST", "runs/log-parameter", {"run_id": run, "key": f"long{n}", "value": "v" * n})
    got = t.rest("get params", "GET", "runs/get", params={"run_id": run})
    t.record("param value lengths",
             sorted((p["key"][:8], len(p["value"])) for p in got["run"]["data"].get("params", [])))
    for key in ("a/b", "a.b-c_d e", "a//b", "/a", "a/../b", "..", "a\\b", "ä", "a:b", "", " ", "a\nb"):
        t.try_rest(f"param key {key!r}", "POST", "runs/log-parameter", {"run_id": run, "key": key, "value": "v"})
        t.try_rest(f"tag key {key!r}", "POST", "runs/set-tag", {"run_id": run, "key": key, "value": "v"})
        t.try_rest(f"metric key {key!r}", "POST", "runs/log-metric",
                   {"run_id": run, "key": key, "value": 1.0, "timestamp": 5, "step": 0})
    t.rest("set tag", "POST", "runs/set-tag", {"run_id": run, "key": "t", "value": "v"})
    t.rest("set tag again", "POST", "runs/set-tag", {"run_id": run, "key": "t", "value": "w"})
    t.rest("set tag empty", "POST", "runs/set-tag", {"run_id": run, "key": "empty", "value": ""})
    t.rest("set tag uuid", "POST", "runs/set-tag", {"run_uuid": run, "key": "u", "value": "v"})
    for n in (5000, 8000, 8001, 10000, 100000):
        t.try_rest(f"tag value {n}", "POST", "runs/set-tag", {"run_id": run, "key": f"tv{n}", "value": "v" * n})
    got = t.rest("get tags", "GET", "runs/get", params={"run_id": run})
    t.record("tag value lengths",
             sorted((x["key"], len(x["value"])) for x in got["run"]["data"].get("tags", []) if x["key"].startswith("tv")))
    t.rest("delete tag", "POST", "runs/delete-tag", {"run_id": run, "key": "t"})
    t.try_rest("delete tag again", "POST", "runs/delete-tag", {"run_id": run, "key": "t"})
    t.try_rest("delete tag missing run", "POST", "runs/delete-tag", {"run_id": "0" * 32, "key": "t"})
    t.rest("set run name tag", "POST", "runs/set-tag", {"run_id": run, "key": "mlflow.runName", "value": "via-tag"})
    t.rest("get after", "GET", "runs/get", params={"run_id": run})
    t.client("client log param", lambda c: c.log_param(run, "p2", 3))
    t.client("client log param changed", lambda c: c.log_param(run, "p2", 4))
    t.client("client set tag", lambda c: c.set_tag(run, "ct", "x" * 9000))
    t.client("client delete tag missing", lambda c: c.delete_tag(run, "never"))
    t.client("client get", lambda c: c.get_run(run))


@scenario
def metrics(t: Recorder):
    exp = _exp(t, "e")
    run = _run(t, exp, "r")
    values = [0.5, 1, -1, 0, 1e-5, 1e300, -1e-300, 123456789.123, "NaN", "Infinity", "-Infinity", "nan", "inf", 2.5]
    for i, v in enumerate(values):
        t.try_rest(f"log value {v!r}", "POST", "runs/log-metric",
                   {"run_id": run, "key": f"m{i}", "value": v, "timestamp": 1000 + i, "step": i})
    for s in (0, -1, 2**31, 2**53, -(2**40), "3", 1.5):
        t.try_rest(f"log step {s!r}", "POST", "runs/log-metric",
                   {"run_id": run, "key": "steps", "value": 1.0, "timestamp": 1, "step": s})
    t.try_rest("log no timestamp", "POST", "runs/log-metric", {"run_id": run, "key": "nt", "value": 1.0})
    t.try_rest("log no value", "POST", "runs/log-metric", {"run_id": run, "key": "nv", "timestamp": 1})
    t.try_rest("log bad value", "POST", "runs/log-metric", {"run_id": run, "key": "bv", "value": "abc", "timestamp": 1})
    t.try_rest("log missing run", "POST", "runs/log-metric", {"run_id": "0" * 32, "key": "k", "value": 1, "timestamp": 1})
    # Exact repeats collapse; a point differing in any field is kept.
    for i, (v, ts, step) in enumerate([(1.0, 10, 0), (1.0, 10, 0), (1.0, 11, 0), (2.0, 10, 0), (1.0, 10, 1),
                                       (1.0, 10, 1), (1.0, 10, 0)]):
        t.rest(f"repeat {i}", "POST", "runs/log-metric",
               {"run_id": run, "key": "rep", "value": v, "timestamp": ts, "step": step})
    t.rest("history rep", "GET", "metrics/get-history", params={"run_id": run, "metric_key": "rep"})
    for i in range(5):
        t.rest(f"train {i}", "POST", "runs/log-metric",
               {"run_id": run, "key": "loss", "value": 1 / (i + 1), "timestamp": 100 + i, "step": i})
    t.rest("retry step 2", "POST", "runs/log-metric",
           {"run_id": run, "key": "loss", "value": 1 / 3, "timestamp": 102, "step": 2})
    t.rest("history loss", "GET", "metrics/get-history", params={"run_id": run, "metric_key": "loss"})
    for mr in (1, 2, 3, 25000, 25001, 0, -1):
        t.try_rest(f"history max_results {mr}", "GET", "metrics/get-history",
                   params={"run_id": run, "metric_key": "loss", "max_results": mr})
    t.try_rest("history unknown key", "GET", "metrics/get-history", params={"run_id": run, "metric_key": "nope"})
    t.try_rest("history unknown run", "GET", "metrics/get-history", params={"run_id": "0" * 32, "metric_key": "loss"})
    t.try_rest("history no key", "GET", "metrics/get-history", params={"run_id": run})
    t.try_rest("history bad token", "GET", "metrics/get-history",
               params={"run_id": run, "metric_key": "loss", "page_token": "zz"})
    t.rest("get", "GET", "runs/get", params={"run_id": run})
    t.try_rest("bulk", "GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk",
               params={"run_id": [run], "metric_key": "loss"})
    t.try_rest("bulk interval", "GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
               params={"run_ids": [run], "metric_key": "loss", "max_results": 3})
    t.client("client log", lambda c: c.log_metric(run, "c", 3.0, timestamp=50, step=1))
    t.client("client log again", lambda c: c.log_metric(run, "c", 3.0, timestamp=50, step=1))
    t.client("client history", lambda c: c.get_metric_history(run, "c"))
    t.client("client history unknown run", lambda c: c.get_metric_history("0" * 32, "c"))
    t.client("client history unknown key", lambda c: c.get_metric_history(run, "never"))


@scenario
def log_batch(t: Recorder):
    exp = _exp(t, "e")
    run = _run(t, exp, "r")

    def batch(name, **body):
        return t.try_rest(name, "POST", "runs/log-batch", {"run_id": run, **body})

    m = lambda k, v=1.0, ts=1, s=0: {"key": k, "value": v, "timestamp": ts, "step": s}  # noqa: E731
    batch("empty")
    batch("one of each", metrics=[m("a")], params=[{"key": "p", "value": "1"}], tags=[{"key": "t", "value": "x"}])
    batch("repeat metrics", metrics=[m("b", 1, 1, 0), m("b", 1, 1, 0), m("b", 2, 1, 0)])
    batch("resend", metrics=[m("b", 1, 1, 0), m("b", 2, 1, 0)])
    t.rest("history b", "GET", "metrics/get-history", params={"run_id": run, "metric_key": "b"})
    big = [m(f"k{i % 10}", float(i), 1000 + i, i // 10) for i in range(1000)]
    batch("1000 metrics", metrics=big)
    batch("1000 metrics again", metrics=big)
    t.rest("history k3", "GET", "metrics/get-history", params={"run_id": run, "metric_key": "k3"})
    batch("1001 metrics", metrics=[m("x", float(i), i) for i in range(1001)])
    batch("100 params", params=[{"key": f"p{i}", "value": "v"} for i in range(100)])
    batch("101 params", params=[{"key": f"q{i}", "value": "v"} for i in range(101)])
    batch("100 tags", tags=[{"key": f"t{i}", "value": "v"} for i in range(100)])
    batch("101 tags", tags=[{"key": f"u{i}", "value": "v"} for i in range(101)])
    batch("duplicate param keys same", params=[{"key": "dup", "value": "1"}, {"key": "dup", "value": "1"}])
    batch("duplicate param keys differ", params=[{"key": "dup2", "value": "1"}, {"key": "dup2", "value": "2"}])
    batch("param changed", params=[{"key": "p", "value": "2"}])
    batch("duplicate tag keys", tags=[{"key": "dt", "value": "1"}, {"key": "dt", "value": "2"}])
    batch("long param", params=[{"key": "lp", "value": "x" * 6001}])
    batch("very long param", params=[{"key": "vlp", "value": "x" * 8001}])
    batch("long tag", tags=[{"key": "lt", "value": "x" * 8001}])
    batch("bad metric key", metrics=[m("a/../b")])
    batch("metric no timestamp", metrics=[{"key": "nt", "value": 1.0}])
    batch("metric no value", metrics=[{"key": "nv", "timestamp": 1}])
    batch("metric nan", metrics=[{"key": "nan", "value": "NaN", "timestamp": 1}])
    batch("no run", metrics=[m("a")], run_id="")
    t.try_rest("missing run", "POST", "runs/log-batch", {"run_id": "0" * 32, "metrics": [m("a")]})
    batch("not a list", metrics={"key": "a"})
    got = t.rest("get", "GET", "runs/get", params={"run_id": run})
    data = got["run"]["data"]
    t.record("counts", {k: len(data.get(k, [])) for k in ("metrics", "params", "tags")})
    t.client("client log_batch", lambda c: c.log_batch(
        run, metrics=[Metric("cb", 1.0, 5, 0)] * 3, params=[Param("cp", "1")], tags=[RunTag("ct", "1")]))
    t.client("client history", lambda c: c.get_metric_history(run, "cb"))
    t.client("client log_batch long", lambda c: c.log_batch(run, params=[Param("cl", "y" * 7000)]))
    t.client("client get", lambda c: c.get_run(run))


@scenario
def runs_search(t: Recorder):
    exp = _exp(t, "e")
    exp2 = _exp(t, "f")
    runs = []
    for i in range(8):
        r = _run(t, exp if i < 6 else exp2, f"run{i}", start_time=1_700_000_000_000 + i * 1000,
                 tags=[{"key": "group", "value": "a" if i % 2 else "b"}])
        runs.append(r)
        body = {"run_id": r, "params": [{"key": "lr", "value": str(0.1 * (i % 3))}, {"key": "depth", "value": str(i)}],
                "metrics": [{"key": "auc", "value": v, "timestamp": 10, "step": 0}
                            for v in ([0.5 + i / 20] if i != 3 else ["NaN"])] +
                           [{"key": "loss", "value": 1.0 / (i + 1), "timestamp": 10, "step": 0}]}
        if i == 5:
            body["metrics"].append({"key": "inf", "value": "Infinity", "timestamp": 1, "step": 0})
        if i == 4:
            body["metrics"].append({"key": "inf", "value": "-Infinity", "timestamp": 1, "step": 0})
        t.rest(f"log {i}", "POST", "runs/log-batch", body)
    t.rest("finish 1", "POST", "runs/update", {"run_id": runs[1], "status": "FINISHED", "end_time": 1_700_000_100_000})
    t.rest("fail 2", "POST", "runs/update", {"run_id": runs[2], "status": "FAILED", "end_time": 1_700_000_100_000})
    t.rest("delete 5", "POST", "runs/delete", {"run_id": runs[5]})
    filters = [
        "", "metrics.auc > 0.6", "metrics.auc >= 0.6", "metrics.auc < 0.6", "metrics.auc = 0.55",
        "metrics.auc != 0.55", "metrics.loss <= 0.25", "params.lr = '0.1'", "params.lr != '0.1'",
        "params.depth LIKE '%1%'", "params.depth ILIKE '1'", "params.lr IN ('0.0', '0.2')",
        "params.lr NOT IN ('0.0')", "tags.group = 'a'", "tags.group != 'a'", "tags.group LIKE 'A'",
        "tags.group ILIKE 'A'", "tags.missing IS NULL", "tags.group IS NOT NULL", "params.nope IS NULL",
        "attributes.status = 'FINISHED'", "attributes.status != 'RUNNING'", "status = 'FAILED'",
        "attributes.run_name = 'run3'", "run_name LIKE 'run%'", "run_name ILIKE 'RUN1'", "attributes.run_name IN ('run1', 'run2')",
        "attributes.start_time > 1700000002000", "attributes.end_time > 0", "attributes.end_time IS NULL",
        "attributes.created > 0", "attribute.run_id = '{r0}'", "attributes.run_id IN ('{r0}', '{r1}')",
        "metrics.inf > 0", "metrics.inf < 0", "metrics.auc > 0 AND params.lr = '0.1'",
        "tags.`group` = 'a'", "`tags`.group = 'a'", 'tags."group" = "a"', "tags.group = \"a\"",
        "tag.group = 'a'", "metric.auc > 0.6", "param.lr = '0.1'", "attr.status = 'RUNNING'",
        "datasets.name = 'x'", "metrics.auc > 'a'", "params.lr > 0", "metrics.auc", "auc > 0",
        "metrics.auc > 0.6 OR params.lr = '0.1'", "(metrics.auc > 0.6)", "metrics.auc > 0.6 and params.lr = '0.1'",
        "attributes.bogus = 1", "tags.group IN ('a')", "metrics.auc IN (0.55)",
    ]
    for tmpl in filters:
        f = tmpl.replace("{r0}", runs[0]).replace("{r1}", runs[1])
        for view in ("ACTIVE_ONLY", "ALL"):
            t.try_rest(f"filter {tmpl!r} {view}", "POST", "runs/search",
                       {"experiment_ids": [exp, exp2], "filter": f, "run_view_type": view,
                        "order_by": ["attributes.start_time ASC"]})
    orders = [[], ["metrics.auc"], ["metrics.auc DESC"], ["metrics.inf"], ["metrics.inf DESC"], ["params.lr", "attributes.start_time DESC"],
              ["params.depth DESC"], ["tags.group", "run_name"], ["attributes.run_name DESC"], ["attributes.status"],
              ["attributes.end_time"], ["attributes.start_time"], ["start_time DESC"], ["metrics.missing"],
              ["metrics.`auc` ASC"], ["bogus"], ["metrics.auc sideways"],
              ["attributes.created DESC"], ["attribute.duration"]]
    for o in orders:
        t.try_rest(f"order {o}", "POST", "runs/search",
                   {"experiment_ids": [exp, exp2], "order_by": o, "run_view_type": "ALL"})
    t.pages("page ", "POST", "runs/search",
            {"experiment_ids": [exp, exp2], "max_results": 3, "order_by": ["metrics.auc DESC"], "run_view_type": "ALL"}, 6)
    for mr in (0, 1, 50000, 50001, -5):
        t.try_rest(f"max_results {mr}", "POST", "runs/search", {"experiment_ids": [exp], "max_results": mr})
    t.try_rest("no experiments", "POST", "runs/search", {})
    t.try_rest("missing experiment", "POST", "runs/search", {"experiment_ids": ["987654321"]})
    t.try_rest("bad experiment id", "POST", "runs/search", {"experiment_ids": ["abc"]})
    t.try_rest("bad view", "POST", "runs/search", {"experiment_ids": [exp], "run_view_type": "NOPE"})
    t.try_rest("bad token", "POST", "runs/search", {"experiment_ids": [exp], "page_token": "nope"})
    t.try_rest("get search", "GET", "runs/search", params={"experiment_ids": [exp], "filter": "tags.group = 'a'"})
    t.client("client search", lambda c: c.search_runs([exp, exp2], "metrics.auc > 0.5", order_by=["metrics.auc DESC"]))
    t.client("client search deleted", lambda c: c.search_runs([exp], run_view_type=2))
    t.client("client search max", lambda c: c.search_runs([exp], max_results=2))
