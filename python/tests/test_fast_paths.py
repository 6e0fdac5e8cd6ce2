"""The tracking store's fast paths give what MLflow's own REST store gives.

The mlite: store sends its calls over its own keep-alive channel, writes
log_metric and log_batch bodies without protobuf and builds search_runs
and get_run answers straight from JSON. Here the same server is read both
ways, MLflow's RestStore against the private server and the mlite: store,
and every field of every entity must match, types included; and writes
through the fast paths must read back as MLflow's path writes them.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModelInput, LoggedModelOutput
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.protos.service_pb2 import SearchRuns
from mlflow.store.tracking.rest_store import RestStore
from mlflow.tracking import MlflowClient
from mlflow.tracking._tracking_service.utils import _get_store
from mlflow.utils.proto_json_utils import parse_dict
from mlflow.utils.rest_utils import MlflowHostCreds

from mlite_mlflow import _decode, _server


def same(got, want, where="value"):
    """Fail unless got and want are equal and of the same type, compared
    through every attribute of MLflow's entities (NaN equals NaN)."""
    assert type(got) is type(want), f"{where}: got type {type(got).__name__}, want {type(want).__name__}"
    if isinstance(want, float):
        assert got == want or (math.isnan(got) and math.isnan(want)), f"{where}: got {got!r}, want {want!r}"
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: got {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{where}[{i}]")
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{where}: got keys {list(got)}, want {list(want)}"
        for k in want:
            same(got[k], want[k], f"{where}[{k!r}]")
    elif hasattr(want, "__dict__") and type(want).__module__.startswith("mlflow.entities"):
        same(vars(got), vars(want), f"{where}.{type(want).__name__}")
    else:
        assert got == want, f"{where}: got {got!r}, want {want!r}"


@pytest.fixture
def stores(store):
    """(client, the mlite: tracking store, MLflow's RestStore on the same
    private server) for a new store file."""
    uri = f"mlite://{store}"
    fast = _get_store(uri)
    server = _server.for_uri(uri)
    plain = RestStore(lambda: MlflowHostCreds(host=server.url, token=server.token))
    return MlflowClient(tracking_uri=uri), fast, plain


def fill(client: MlflowClient) -> str:
    """An experiment of runs of every shape; returns its id."""
    exp = client.create_experiment("shapes")
    other = client.create_experiment("other")
    model = client.create_logged_model(exp, name="m")
    statuses = ["FINISHED", "FAILED", "KILLED", None]
    specials = [float("nan"), float("inf"), float("-inf"), 0.0, -1.5, 1e300, 5]
    for i in range(12):
        r = client.create_run(exp, run_name=f"run-{i}" if i % 5 else None, tags={"team": "risk", "é": "ü"})
        rid = r.info.run_id
        client.log_batch(
            rid,
            metrics=[Metric("auc", specials[i % len(specials)], 1_700_000_000_000 + i, i * 1000),
                     Metric("loss", 1 / (i + 1), 1_700_000_000_001, 0)] if i % 4 else [],
            params=[Param("model", ("rf", "lgbm", "logreg")[i % 3]), Param("long", "x" * 300)] if i % 3 else [],
            tags=[RunTag("note", f"line\n{i}")],
        )
        if i % 2:
            client.log_metric(rid, "acc", 0.5 + i / 100, step=i, dataset_name="train", dataset_digest="abc")
        if i % 3 == 0:
            client.log_inputs(rid, datasets=[
                DatasetInput(Dataset("train", "d1", "local", '{"uri": "/x"}'), [InputTag("mlflow.data.context", "train")]),
                DatasetInput(Dataset("eval", "d2", "local", '{"uri": "/y"}', schema='{"a": 1}', profile='{"rows": 3}')),
            ])
        if i % 4 == 1:
            client.log_inputs(rid, models=[LoggedModelInput(model.model_id)])
            client.log_outputs(rid, [LoggedModelOutput(model.model_id, step=i)])
        if i == 7:
            client.create_run(exp, tags={"mlflow.parentRunId": rid}, run_name="child")
        if statuses[i % 4]:
            client.set_terminated(rid, statuses[i % 4], end_time=1_700_000_100_000 + i)
        if i == 11:
            client.delete_run(rid)
    client.create_run(other, run_name="elsewhere")
    return exp


def test_search_runs_matches_rest_store(stores):
    client, fast, plain = stores
    exp = fill(client)
    other = client.get_experiment_by_name("other").experiment_id
    searches = [
        dict(experiment_ids=[exp], filter_string="", run_view_type=ViewType.ACTIVE_ONLY),
        dict(experiment_ids=[exp, other], filter_string="", run_view_type=ViewType.ALL),
        dict(experiment_ids=[exp], filter_string="", run_view_type=ViewType.DELETED_ONLY),
        dict(experiment_ids=[exp], filter_string="params.model = 'rf'", run_view_type=ViewType.ALL,
             order_by=["metrics.loss DESC", "attributes.run_name"]),
        dict(experiment_ids=[exp], filter_string="metrics.auc > 0", run_view_type=ViewType.ACTIVE_ONLY),
    ]
    for s in searches:
        for max_results in (1000, 5):
            token, pages = None, 0
            while True:
                got = fast.search_runs(**s, max_results=max_results, page_token=token)
                want = plain.search_runs(**s, max_results=max_results, page_token=token)
                same(list(got), list(want), f"search {s} page {pages}")
                same(got.token, want.token, "next page token")
                token, pages = want.token, pages + 1
                if not token:
                    break
    runs = fast.search_runs([exp, other], "", ViewType.ALL, max_results=1000)
    assert len(runs) == 14
    for r in runs:
        same(fast.get_run(r.info.run_id), plain.get_run(r.info.run_id), f"get_run {r.info.run_name}")


def test_errors_match_rest_store(stores):
    client, fast, plain = stores
    exp = client.create_experiment("e")
    rid = client.create_run(exp).info.run_id
    fast.log_batch(rid, [], [Param("p", "1")], [])
    calls = [
        lambda s: s.get_run("0" * 32),
        lambda s: s.log_batch(rid, [], [Param("p", "2")], []),
        lambda s: s.log_metric("f" * 32, Metric("m", 1.0, 1, 0)),
        lambda s: s.search_runs([exp], "metrics.auc >>> 1", ViewType.ALL),
    ]
    for call in calls:
        errors = []
        for s in (fast, plain):
            with pytest.raises(MlflowException) as e:
                call(s)
            errors.append(e.value)
        got, want = errors
        same(type(got), type(want))
        same(got.error_code, want.error_code)
        same(got.message, want.message)


def test_writes_read_back_as_rest_store_writes(stores):
    client, fast, plain = stores
    exp = client.create_experiment("w")
    a, b = client.create_run(exp).info.run_id, client.create_run(exp).info.run_id
    model = client.create_logged_model(exp, name="m").model_id
    values = [0.25, float("nan"), float("inf"), float("-inf"), 3, np.float64(0.125), True, np.float32(0.5), -0.0]
    for rid, s in ((a, fast), (b, plain)):
        for i, v in enumerate(values):
            m = Metric("v", v, 1_700_000_000_000 + i, i)
            s.log_metric(rid, m)
        s.log_metric(rid, Metric("numpy_step", 1.0, 1, np.int64(3)))
        s.log_metric(rid, Metric("tied", 2.0, 5, 0, model_id="", dataset_name="d", dataset_digest="x"))
        s.log_batch(rid, metrics=[Metric("batch", v, 7, i, model_id=model if i else None) for i, v in enumerate(values)],
                    params=[Param("p", "ü"), Param("q", "")], tags=[RunTag("t", "v"), RunTag("mlflow.note.content", "n")])
        s.log_batch(rid, [], [], [])
    for key in ("v", "numpy_step", "tied", "batch"):
        same([vars(m) for m in plain.get_metric_history(a, key)], [vars(m) for m in plain.get_metric_history(b, key)],
             f"history of {key}")
    ra, rb = plain.get_run(a), plain.get_run(b)
    same(ra.data.params, rb.data.params)
    logged = ("t", "mlflow.note.content")
    same({k: ra.data.tags[k] for k in logged}, {k: rb.data.tags[k] for k in logged})


def test_threads_share_nothing(stores):
    client, fast, plain = stores
    rid = client.create_run(client.create_experiment("t")).info.run_id

    def log(k):
        for i in range(50):
            fast.log_metric(rid, Metric(f"m{k}", float(i), 1, i))

    threads = [threading.Thread(target=log, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert [m.step for m in plain.get_metric_history(rid, f"m{k}")] == list(range(50))


# Answers the decoder takes and answers it leaves to MLflow's parser.
DECODED = [
    {},
    {"info": {"run_id": "r", "run_name": "n", "experiment_id": "1", "user_id": "u", "status": "KILLED",
              "start_time": 1, "end_time": 2, "lifecycle_stage": "deleted", "artifact_uri": "a", "run_uuid": "r"}},
    {"info": {}, "data": {}, "inputs": {}, "outputs": {}},
    {"info": {"run_id": "r", "status": "FAILED", "start_time": 5, "end_time": 0, "run_name": None},
     "data": {"metrics": [{"key": "k"}, {"key": "k", "value": "NaN", "timestamp": 1, "step": -2}],
              "params": [{"key": "a"}, {"key": "a", "value": "b"}], "tags": None}},
    {"data": {"metrics": [{"key": "m", "value": 1, "model_id": "", "dataset_name": "n", "dataset_digest": "d"}]},
     "inputs": {"dataset_inputs": [{"dataset": {"schema": ""}}, {"tags": [{"key": "x", "value": "y"}]}],
                "model_inputs": [{}]},
     "outputs": {"model_outputs": [{"model_id": "m", "step": 3}]},
     "unknown": [1, 2]},
]
LEFT_TO_MLFLOW = [
    {"info": {"start_time": "5"}},
    {"info": {"status": 3}},
    {"info": {"status": []}},
    {"info": {"run_id": "r", "run_name": "n", "experiment_id": "1", "user_id": "u", "status": "KILLED",
              "start_time": 1, "end_time": "2", "lifecycle_stage": "deleted", "artifact_uri": "a"}},
    {"data": {"metrics": [{"value": "1.5"}]}},
    {"data": {"params": [{"key": 1}]}},
    {"info": []},
]


@pytest.mark.parametrize("answer", DECODED)
def test_decoder_matches_protobuf(answer):
    from mlflow.entities import Run

    proto = SearchRuns.Response()
    parse_dict({"runs": [answer]}, proto)
    same(_decode.run(answer), Run.from_proto(proto.runs[0]))


@pytest.mark.parametrize("answer", LEFT_TO_MLFLOW)
def test_decoder_leaves_other_types_to_mlflow(answer):
    with pytest.raises(_decode.Unexpected):
        _decode.run(answer)


def test_fast_paths_skip_mlflow_http(stores, monkeypatch):
    import mlflow.utils.rest_utils as rest_utils

    client, fast, plain = stores
    exp = client.create_experiment("x")
    rid = client.create_run(exp).info.run_id

    def no_http(*args, **kwargs):
        raise AssertionError("the call went through MLflow's HTTP client")

    monkeypatch.setattr(rest_utils, "http_request", no_http)
    fast.log_metric(rid, Metric("m", 1.0, 1, 0))
    fast.log_batch(rid, [Metric("n", 2.0, 1, 0)], [Param("p", "v")], [RunTag("t", "v")])
    fast.set_tag(rid, RunTag("u", "w"))
    assert fast.get_run(rid).data.metrics == {"m": 1.0, "n": 2.0}
    [r] = fast.search_runs([exp], "", ViewType.ALL)
    assert r.data.params == {"p": "v"} and r.data.tags["u"] == "w"
