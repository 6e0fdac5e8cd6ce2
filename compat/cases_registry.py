"""Model registry scenarios: registered models, versions, stages, aliases,
tags, searches and the order and paging of their answers (see harness.py)."""

from __future__ import annotations

import os
import tempfile
import time

from harness import Recorder, scenario


def _source_run(t: Recorder) -> str:
    exp = t.rest("create experiment", "POST", "experiments/create", {"name": t.prefix + "exp"})["experiment_id"]
    run = t.rest("create run", "POST", "runs/create",
                 {"experiment_id": exp, "run_name": "trainer", "start_time": 1})["run"]["info"]["run_id"]
    # mlite registers only what a run logged: give the source run a model.
    t.client("log model file", lambda c: c.log_text(run, "flavors: {}\n", "model/MLmodel"))
    return run


def _version(t: Recorder, name: str, model: str, run: str, **extra) -> dict:
    return t.rest(name, "POST", "model-versions/create",
                  {"name": model, "source": f"runs:/{run}/model", "run_id": run, **extra})["model_version"]


def _model(t: Recorder, versions: int = 0) -> tuple[str, str]:
    """A source run and the model <prefix>m with versions 1..versions of it
    (steps "create model", "create 1", ...); returns the run id and the
    model's name."""
    run = _source_run(t)
    m = t.prefix + "m"
    t.rest("create model", "POST", "registered-models/create", {"name": m})
    for i in range(versions):
        _version(t, f"create {i + 1}", m, run)
    return run, m


def _tick() -> None:
    # Timestamps are in milliseconds: keep changes in distinct ones so that
    # orders by time are defined on both servers.
    time.sleep(0.005)


@scenario
def registered_models(t: Recorder):
    run = _source_run(t)
    m = t.prefix + "m"
    t.rest("create", "POST", "registered-models/create", {"name": m})
    t.try_rest("create duplicate", "POST", "registered-models/create", {"name": m})
    t.try_rest("create empty", "POST", "registered-models/create", {"name": ""})
    t.try_rest("create no name", "POST", "registered-models/create", {})
    t.rest("create with tags", "POST", "registered-models/create",
           {"name": m + "-t", "tags": [{"key": "k", "value": "v"}], "description": "d"})
    t.rest("get", "GET", "registered-models/get", params={"name": m})
    t.try_rest("get missing", "GET", "registered-models/get", params={"name": m + "-none"})
    t.try_rest("get no name", "GET", "registered-models/get")
    t.rest("update description", "PATCH", "registered-models/update", {"name": m, "description": "hello"})
    t.rest("update empty description", "PATCH", "registered-models/update", {"name": m, "description": ""})
    t.try_rest("update no description", "PATCH", "registered-models/update", {"name": m})
    t.try_rest("update missing", "PATCH", "registered-models/update", {"name": m + "-none", "description": "x"})
    t.rest("get updated", "GET", "registered-models/get", params={"name": m})
    t.rest("set tag", "POST", "registered-models/set-tag", {"name": m, "key": "team", "value": "x"})
    t.try_rest("set tag missing", "POST", "registered-models/set-tag", {"name": m + "-none", "key": "k", "value": "v"})
    t.try_rest("set tag bad key", "POST", "registered-models/set-tag", {"name": m, "key": "a/../b", "value": "v"})
    t.try_rest("set tag long value", "POST", "registered-models/set-tag", {"name": m, "key": "long", "value": "v" * 6000})
    t.try_rest("set tag too long value", "POST", "registered-models/set-tag", {"name": m, "key": "long2", "value": "v" * 100001})
    t.rest("delete tag", "DELETE", "registered-models/delete-tag", {"name": m, "key": "team"})
    t.try_rest("delete tag again", "DELETE", "registered-models/delete-tag", {"name": m, "key": "team"})
    t.try_rest("delete tag missing model", "DELETE", "registered-models/delete-tag", {"name": m + "-none", "key": "team"})
    v1 = _version(t, "version 1", m, run)
    t.rest("get after version", "GET", "registered-models/get", params={"name": m})
    t.rest("rename", "POST", "registered-models/rename", {"name": m, "new_name": m + "-r"})
    t.try_rest("get old name", "GET", "registered-models/get", params={"name": m})
    t.rest("get new name", "GET", "registered-models/get", params={"name": m + "-r"})
    t.rest("get version after rename", "GET", "model-versions/get", params={"name": m + "-r", "version": v1["version"]})
    t.try_rest("rename to taken", "POST", "registered-models/rename", {"name": m + "-r", "new_name": m + "-t"})
    t.try_rest("rename missing", "POST", "registered-models/rename", {"name": m + "-none", "new_name": m + "-x"})
    t.try_rest("rename empty", "POST", "registered-models/rename", {"name": m + "-r", "new_name": ""})
    t.rest("delete", "DELETE", "registered-models/delete", {"name": m + "-r"})
    t.try_rest("delete again", "DELETE", "registered-models/delete", {"name": m + "-r"})
    t.try_rest("get deleted", "GET", "registered-models/get", params={"name": m + "-r"})
    t.rest("recreate", "POST", "registered-models/create", {"name": m + "-r"})
    t.client("client create", lambda c: c.create_registered_model(m + "-c", tags={"a": "b"}, description="desc"))
    t.client("client get", lambda c: c.get_registered_model(m + "-c"))
    t.client("client get missing", lambda c: c.get_registered_model(m + "-nope"))
    t.client("client update", lambda c: c.update_registered_model(m + "-c", description="new"))
    t.client("client set tag", lambda c: c.set_registered_model_tag(m + "-c", "x", "y"))
    t.client("client delete tag", lambda c: c.delete_registered_model_tag(m + "-c", "x"))
    t.client("client delete tag again", lambda c: c.delete_registered_model_tag(m + "-c", "x"))
    t.client("client rename", lambda c: c.rename_registered_model(m + "-c", m + "-c2"))
    t.client("client get renamed", lambda c: c.get_registered_model(m + "-c2"))
    t.client("client delete", lambda c: c.delete_registered_model(m + "-c2"))
    t.client("client delete again", lambda c: c.delete_registered_model(m + "-c2"))


@scenario
def model_versions(t: Recorder):
    run, m = _model(t)
    v1 = _version(t, "create 1", m, run)
    _tick()
    _version(t, "create 2 with description", m, run, description="second", tags=[{"key": "k", "value": "v"}])
    t.try_rest("create missing model", "POST", "model-versions/create",
               {"name": m + "-none", "source": f"runs:/{run}/model", "run_id": run})
    t.try_rest("create no source", "POST", "model-versions/create", {"name": m})
    t.try_rest("create missing run", "POST", "model-versions/create",
               {"name": m, "source": "runs:/" + "0" * 32 + "/model", "run_id": "0" * 32})
    t.rest("get 1", "GET", "model-versions/get", params={"name": m, "version": v1["version"]})
    t.try_rest("get missing", "GET", "model-versions/get", params={"name": m, "version": "99"})
    t.try_rest("get bad version", "GET", "model-versions/get", params={"name": m, "version": "x"})
    t.try_rest("get no version", "GET", "model-versions/get", params={"name": m})
    t.try_rest("get missing model", "GET", "model-versions/get", params={"name": m + "-none", "version": "1"})
    t.client("client get no description", lambda c: c.get_model_version(m, "1"))
    t.client("client get description", lambda c: c.get_model_version(m, "2"))
    _tick()
    t.rest("update", "PATCH", "model-versions/update", {"name": m, "version": "1", "description": "first"})
    t.try_rest("update missing", "PATCH", "model-versions/update", {"name": m, "version": "99", "description": "x"})
    t.rest("update empty", "PATCH", "model-versions/update", {"name": m, "version": "2", "description": ""})
    t.client("client get emptied", lambda c: c.get_model_version(m, "2"))
    t.rest("set tag", "POST", "model-versions/set-tag", {"name": m, "version": "1", "key": "k", "value": "v"})
    t.try_rest("set tag missing", "POST", "model-versions/set-tag", {"name": m, "version": "99", "key": "k", "value": "v"})
    t.rest("delete tag", "DELETE", "model-versions/delete-tag", {"name": m, "version": "1", "key": "k"})
    t.try_rest("delete tag again", "DELETE", "model-versions/delete-tag", {"name": m, "version": "1", "key": "k"})
    t.try_rest("delete tag missing version", "DELETE", "model-versions/delete-tag",
               {"name": m, "version": "99", "key": "k"})
    t.try_rest("download uri", "GET", "model-versions/get-download-uri", params={"name": m, "version": "1"})
    t.try_rest("download uri missing", "GET", "model-versions/get-download-uri", params={"name": m, "version": "99"})
    t.client("client download uri", lambda c: c.get_model_version_download_uri(m, "1"))
    for stage in ("Staging", "Production", "Archived", "None", "staging", "Bogus"):
        t.try_rest(f"transition {stage}", "POST", "model-versions/transition-stage",
                   {"name": m, "version": "1", "stage": stage, "archive_existing_versions": False})
    t.rest("transition 2 production archive", "POST", "model-versions/transition-stage",
           {"name": m, "version": "2", "stage": "Production", "archive_existing_versions": True})
    t.rest("transition 1 production", "POST", "model-versions/transition-stage",
           {"name": m, "version": "1", "stage": "Production", "archive_existing_versions": False})
    t.try_rest("transition missing", "POST", "model-versions/transition-stage",
               {"name": m, "version": "99", "stage": "Staging", "archive_existing_versions": False})
    t.rest("get model", "GET", "registered-models/get", params={"name": m})
    t.rest("delete 2", "DELETE", "model-versions/delete", {"name": m, "version": "2"})
    t.try_rest("delete 2 again", "DELETE", "model-versions/delete", {"name": m, "version": "2"})
    t.try_rest("get deleted", "GET", "model-versions/get", params={"name": m, "version": "2"})
    _version(t, "create 3 after delete", m, run)
    t.rest("get model after", "GET", "registered-models/get", params={"name": m})
    t.client("client create", lambda c: c.create_model_version(m, f"runs:/{run}/model", run_id=run))
    t.client("client update", lambda c: c.update_model_version(m, "4", description="via client"))
    t.client("client transition", lambda c: c.transition_model_version_stage(m, "4", "Staging"))
    t.client("client set tag", lambda c: c.set_model_version_tag(m, "4", "a", "b"))
    t.client("client delete tag missing", lambda c: c.delete_model_version_tag(m, "4", "never"))
    t.client("client delete", lambda c: c.delete_model_version(m, "4"))
    t.client("client delete again", lambda c: c.delete_model_version(m, "4"))


@scenario
def aliases(t: Recorder):
    _, m = _model(t, 3)
    t.rest("set champion", "POST", "registered-models/alias", {"name": m, "alias": "champion", "version": "1"})
    t.rest("move champion", "POST", "registered-models/alias", {"name": m, "alias": "champion", "version": "2"})
    t.rest("set challenger", "POST", "registered-models/alias", {"name": m, "alias": "challenger", "version": "3"})
    t.try_rest("set on missing version", "POST", "registered-models/alias", {"name": m, "alias": "x", "version": "99"})
    t.try_rest("set latest", "POST", "registered-models/alias", {"name": m, "alias": "latest", "version": "1"})
    t.try_rest("set v1", "POST", "registered-models/alias", {"name": m, "alias": "v1", "version": "1"})
    t.try_rest("set bad alias", "POST", "registered-models/alias", {"name": m, "alias": "a/b", "version": "1"})
    t.try_rest("set upper alias", "POST", "registered-models/alias", {"name": m, "alias": "Upper", "version": "1"})
    t.rest("get by alias", "GET", "registered-models/alias", params={"name": m, "alias": "champion"})
    t.try_rest("get by upper alias", "GET", "registered-models/alias", params={"name": m, "alias": "CHAMPION"})
    t.try_rest("get by missing alias", "GET", "registered-models/alias", params={"name": m, "alias": "nope"})
    t.rest("get model", "GET", "registered-models/get", params={"name": m})
    t.rest("get version 2", "GET", "model-versions/get", params={"name": m, "version": "2"})
    t.rest("delete alias", "DELETE", "registered-models/alias", {"name": m, "alias": "champion"})
    t.try_rest("delete alias again", "DELETE", "registered-models/alias", {"name": m, "alias": "champion"})
    t.try_rest("delete alias missing model", "DELETE", "registered-models/alias", {"name": m + "-none", "alias": "champion"})
    t.rest("delete version 3", "DELETE", "model-versions/delete", {"name": m, "version": "3"})
    t.rest("get model after", "GET", "registered-models/get", params={"name": m})
    t.client("client set", lambda c: c.set_registered_model_alias(m, "prod", "1"))
    t.client("client get", lambda c: c.get_model_version_by_alias(m, "prod"))
    t.client("client delete", lambda c: c.delete_registered_model_alias(m, "prod"))
    t.client("client delete again", lambda c: c.delete_registered_model_alias(m, "prod"))


@scenario
def latest_versions(t: Recorder):
    _, m = _model(t, 5)
    for v, stage in (("1", "Production"), ("2", "Staging"), ("3", "Production"), ("4", "Archived")):
        t.rest(f"transition {v} {stage}", "POST", "model-versions/transition-stage",
               {"name": m, "version": v, "stage": stage, "archive_existing_versions": False})
    for stages in ([], ["Production"], ["Staging", "Production"], ["None"], ["Archived", "None"], ["production"], ["Bogus"]):
        t.try_rest(f"latest {stages}", "POST", "registered-models/get-latest-versions", {"name": m, "stages": stages})
    t.try_rest("latest missing", "POST", "registered-models/get-latest-versions", {"name": m + "-none"})
    t.try_rest("latest get", "GET", "registered-models/get-latest-versions", params={"name": m})
    t.client("client latest", lambda c: c.get_latest_versions(m))
    t.client("client latest stages", lambda c: c.get_latest_versions(m, stages=["Production", "Staging"]))
    t.rest("get model", "GET", "registered-models/get", params={"name": m})


@scenario
def last_updated(t: Recorder):
    """Which changes bump a registered model's and a version's
    last_updated_timestamp."""
    run = _source_run(t)
    m = t.prefix + "m"

    def model_ts():
        return t.c.get_registered_model(m).last_updated_timestamp

    def version_ts(v="1"):
        return t.c.get_model_version(m, v).last_updated_timestamp

    t.rest("create model", "POST", "registered-models/create", {"name": m})
    changes = [
        ("create version", lambda: _version(t, "v1", m, run)),
        ("update model", lambda: t.rest("upd", "PATCH", "registered-models/update", {"name": m, "description": "d"})),
        ("set model tag", lambda: t.rest("smt", "POST", "registered-models/set-tag", {"name": m, "key": "k", "value": "v"})),
        ("delete model tag", lambda: t.rest("dmt", "DELETE", "registered-models/delete-tag", {"name": m, "key": "k"})),
        ("set alias", lambda: t.rest("sa", "POST", "registered-models/alias", {"name": m, "alias": "a", "version": "1"})),
        ("delete alias", lambda: t.rest("da", "DELETE", "registered-models/alias", {"name": m, "alias": "a"})),
        ("update version", lambda: t.rest("uv", "PATCH", "model-versions/update", {"name": m, "version": "1", "description": "x"})),
        ("set version tag", lambda: t.rest("svt", "POST", "model-versions/set-tag", {"name": m, "version": "1", "key": "k", "value": "v"})),
        ("delete version tag", lambda: t.rest("dvt", "DELETE", "model-versions/delete-tag", {"name": m, "version": "1", "key": "k"})),
        ("transition", lambda: t.rest("tr", "POST", "model-versions/transition-stage",
                                      {"name": m, "version": "1", "stage": "Staging", "archive_existing_versions": False})),
        ("create version 2", lambda: _version(t, "v2", m, run)),
        ("delete version 2", lambda: t.rest("dv", "DELETE", "model-versions/delete", {"name": m, "version": "2"})),
        ("rename", lambda: t.rest("rn", "POST", "registered-models/rename", {"name": m, "new_name": m})),
    ]
    for label, change in changes:
        before_m = model_ts()
        before_v = version_ts() if label != "create version" else None
        time.sleep(0.01)
        try:
            change()
        except Exception as e:  # recorded by the call itself
            t.record(f"{label}: failed", type(e).__name__)
            continue
        t.record(f"{label}: bumps model", model_ts() > before_m)
        if before_v is not None:
            t.record(f"{label}: bumps version", version_ts() > before_v)


@scenario
def registry_search(t: Recorder):
    run = _source_run(t)
    run2 = t.rest("create run 2", "POST", "runs/create",
                  {"experiment_id": t.c.get_experiment_by_name(t.prefix + "exp").experiment_id,
                   "start_time": 2})["run"]["info"]["run_id"]
    t.client("log model file 2", lambda c: c.log_text(run2, "flavors: {}\n", "model/MLmodel"))
    p = t.prefix
    names = ["apple", "banana", "cherry", "Apricot", "date"]
    for i, n in enumerate(names):
        t.rest(f"create {n}", "POST", "registered-models/create",
               {"name": p + n, "tags": [{"key": "fruit", "value": "yes"}, {"key": "i", "value": str(i)}]})
        _tick()
    for i in range(3):
        _version(t, f"apple v{i + 1}", p + "apple", run if i < 2 else run2, tags=[{"key": "n", "value": str(i)}])
        _tick()
    _version(t, "banana v1", p + "banana", run2)
    _tick()
    _version(t, "cherry v1", p + "cherry", run)
    _tick()
    t.rest("touch banana", "PATCH", "registered-models/update", {"name": p + "banana", "description": "touched"})
    _tick()
    t.rest("apple v1 staging", "POST", "model-versions/transition-stage",
           {"name": p + "apple", "version": "1", "stage": "Staging", "archive_existing_versions": False})
    rm_filters = [
        "name = '{p}apple'", "name LIKE '{p}%'", "name ILIKE '{p}a%'", "name LIKE '{p}a%'",
        "name != '{p}apple' AND name LIKE '{p}%'", "name IN ('{p}apple', '{p}banana')",
        "tags.fruit = 'yes' AND name LIKE '{p}%'", "tags.i = '2' AND name LIKE '{p}%'",
        "tags.i != '2' AND name LIKE '{p}%'", "tags.i LIKE '%1%' AND name LIKE '{p}%'",
        "tags.missing IS NULL AND name LIKE '{p}%'", "name = \"{p}date\"", "`name` = '{p}date'",
        "name = '{p}apple' OR name = '{p}date'", "bogus = 1", "name > 'a'", "name =",
    ]
    for tmpl in rm_filters:
        t.try_rest(f"models filter {tmpl}", "GET", "registered-models/search",
                   params={"filter": tmpl.format(p=p), "max_results": 100})
    for o in ([], ["name"], ["name DESC"], ["last_updated_timestamp"], ["last_updated_timestamp DESC"],
              ["creation_timestamp DESC"], ["timestamp"], ["bogus"], ["name", "last_updated_timestamp"]):
        t.try_rest(f"models order {o}", "GET", "registered-models/search",
                   params={"filter": f"name LIKE '{p}%'", "order_by": o, "max_results": 100})
    t.pages("models page ", "GET", "registered-models/search", {"filter": f"name LIKE '{p}%'", "max_results": 2}, 5)
    for mr in (0, 1000, 1001, -1):
        t.try_rest(f"models max_results {mr}", "GET", "registered-models/search",
                   params={"filter": f"name LIKE '{p}%'", "max_results": mr})
    mv_filters = [
        "name = '{p}apple'", "name LIKE '{p}%'", "name IN ('{p}apple', '{p}banana')",
        "name = '{p}apple' AND version_number = 2", "name = '{p}apple' AND version_number = '2'",
        "name = '{p}apple' AND version_number > 1", "name = '{p}apple' AND version_number IN (1, 3)",
        "run_id = '{run}'", "run_id = '{run2}' AND name LIKE '{p}%'", "run_id IN ('{run}', '{run2}')",
        "name = '{p}apple' AND tags.n = '1'", "name = '{p}apple' AND tags.n != '1'",
        "name = '{p}apple' AND tags.missing IS NULL",
        "name = '{p}apple' AND source_path = 'x'", "name = '{p}apple' AND current_stage = 'Staging'",
        "name = '{p}apple' AND version = 1", "bogus = 1", "name ILIKE '{p}APPLE'",
    ]
    for tmpl in mv_filters:
        t.try_rest(f"versions filter {tmpl}", "GET", "model-versions/search",
                   params={"filter": tmpl.format(p=p, run=run, run2=run2), "max_results": 100})
    for o in ([], ["version_number"], ["version_number DESC"], ["name", "version_number DESC"],
              ["last_updated_timestamp DESC"], ["creation_timestamp"], ["run_id"], ["bogus"]):
        t.try_rest(f"versions order {o}", "GET", "model-versions/search",
                   params={"filter": f"name LIKE '{p}%'", "order_by": o, "max_results": 100})
    t.pages("versions page ", "GET", "model-versions/search", {"filter": f"name LIKE '{p}%'", "max_results": 2}, 6)
    for mr in (0, 1, 200000, 200001, -1):
        t.try_rest(f"versions max_results {mr}", "GET", "model-versions/search",
                   params={"filter": f"name LIKE '{p}%'", "max_results": mr})
    t.client("client search models", lambda c: c.search_registered_models(f"name LIKE '{p}%'"))
    t.client("client search models order", lambda c: c.search_registered_models(
        f"name LIKE '{p}%'", order_by=["last_updated_timestamp DESC"]))
    t.client("client search versions", lambda c: c.search_model_versions(f"name = '{p}apple'"))
    t.client("client search versions run", lambda c: c.search_model_versions(f"run_id = '{run}'"))


@scenario
def artifact_locations(t: Recorder):
    """Experiments with an artifact location of their own, and versions from
    local sources inside a run's artifact folder (MLflow's local-source rules)."""
    loc = os.path.join(tempfile.gettempdir(), f"mlite-compat-{t.prefix}loc")
    exp = t.rest("create at path", "POST", "experiments/create",
                 {"name": t.prefix + "local", "artifact_location": loc})["experiment_id"]
    t.rest("get at path", "GET", "experiments/get", params={"experiment_id": exp})
    t.rest("create at file uri", "POST", "experiments/create",
           {"name": t.prefix + "uri", "artifact_location": "file://" + loc + "-uri"})
    t.rest("create at s3", "POST", "experiments/create", {"name": t.prefix + "s3", "artifact_location": "s3://bucket/p"})
    t.try_rest("create at other host", "POST", "experiments/create",
               {"name": t.prefix + "host", "artifact_location": "file://otherhost/x"})
    run = t.rest("create run", "POST", "runs/create",
                 {"experiment_id": exp, "run_name": "trainer", "start_time": 1})["run"]["info"]
    art = run["artifact_uri"]
    m = t.prefix + "m"
    t.rest("create model", "POST", "registered-models/create", {"name": m})
    for name, source, run_id in [
        ("version from its folder", art, run["run_id"]),
        ("version from a file in it", art + "/model", run["run_id"]),
        ("version from file uri", "file://" + art + "/model/..", run["run_id"]),
        ("version without run_id", art, None),
        ("version outside", "/tmp", run["run_id"]),
        ("version from other host", "file://123.456.789.123/path", run["run_id"]),
    ]:
        body = {"name": m, "source": source, **({"run_id": run_id} if run_id else {})}
        t.try_rest(name, "POST", "model-versions/create", body)
