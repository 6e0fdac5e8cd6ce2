"""MLflow's tracking and model registry stores for mlite: URIs.

Both are MLflow's own REST stores, pointed at the private server of the
URI's store file with its token; the entry points in pyproject.toml
register them for the scheme mlite. A write to a file that cannot be
written (the server opened it read-only) fails with MLflow's
PERMISSION_DENIED, its message naming the file.

The tracking store sends its calls over a keep-alive channel to the
private server (_http) rather than through MLflow's general HTTP client,
builds the bodies of log_metric and log_batch without protobuf, and
builds the runs of search_runs and get_run straight from the JSON answer
(_decode). Whatever those fast paths do not handle (an unusual value, a
workspace, a failed connection, a status MLflow retries) goes through
MLflow's own code, so the results and errors are MLflow's.
"""

from __future__ import annotations

import json
import math

from mlite_mlflow import _server


def _host_creds(store):
    from mlflow.utils.rest_utils import MlflowHostCreds

    def get_host_creds():
        server = store._server()
        server.check()
        return MlflowHostCreds(host=server.url, token=server.token)

    return get_host_creds


def _naming_read_only(rest_store_class):
    """A subclass of one of MLflow's REST stores whose refused writes to a
    read-only store name its file."""

    class Store(rest_store_class):
        def __init__(self, path: str):
            super().__init__(_host_creds(self))
            self._path = path
            self._mlite = _server.get(path)

        def _server(self) -> _server.Server:
            """The private server of the store's file: the one started with
            the store (it may still be starting; its url waits for it), or a
            new one if that one failed to start, as a store built again
            would try."""
            if self._mlite.failed_to_start:
                self._mlite = _server.get(self._path)
            return self._mlite

        def _named(self, e):
            """e, or the error naming the file if e refuses a write to a
            read-only store."""
            from mlflow.exceptions import MlflowException
            from mlflow.protos.databricks_pb2 import PERMISSION_DENIED

            if not self._mlite.read_only or e.error_code != "PERMISSION_DENIED":
                return e
            return MlflowException(
                f"{self._mlite.path} is read-only here (opened read-only: the file or its folder "
                f"cannot be written), so this write is refused: {e.message}",
                error_code=PERMISSION_DENIED,
            )

        def _call_endpoint(self, *args, **kwargs):
            from mlflow.exceptions import RestException

            try:
                return super()._call_endpoint(*args, **kwargs)
            except RestException as e:
                named = self._named(e)
                if named is e:
                    raise
                raise named from e

    Store.__name__ = Store.__qualname__ = "Mlite" + rest_store_class.__name__
    return Store


def _json_float(v: float):
    """A double as MLflow's protobuf JSON writes it."""
    if math.isfinite(v):
        return v
    if math.isnan(v):
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


def _is_int(v) -> bool:
    return type(v) is int


def _is_float(v) -> bool:
    return isinstance(v, float) or type(v) is int


def _is_str(v) -> bool:
    return isinstance(v, str)


def _metric_json(m, optional=("model_id", "dataset_name", "dataset_digest", "run_id"), sent=bool) -> dict | None:
    """A Metric as Metric.to_proto() then JSON writes it, or None when a
    value is of a type left to protobuf's own checks. sent(v) says
    whether an optional field of value v is written."""
    if not (_is_str(m.key) and _is_float(m.value) and _is_int(m.timestamp) and _is_int(m.step)):
        return None
    d = {"key": m.key, "value": _json_float(float(m.value)), "timestamp": m.timestamp, "step": m.step}
    for name in optional:
        v = getattr(m, name)
        if sent(v):
            if not _is_str(v):
                return None
            d[name] = v
    return d


def _log_metric_json(run_id, m) -> dict | None:
    """A LogMetric request as RestStore.log_metric's protobuf then JSON
    writes it (a model or dataset given, even empty, is sent), or None
    when a value is of a type left to protobuf's own checks."""
    if not _is_str(run_id):
        return None
    d = _metric_json(m, ("model_id", "dataset_name", "dataset_digest"), lambda v: v is not None)
    if d is not None:
        d["run_uuid"] = d["run_id"] = run_id
    return d


def _pairs_json(items) -> list | None:
    out = []
    for p in items:
        if not (_is_str(p.key) and _is_str(p.value)):
            return None
        out.append({"key": p.key, "value": p.value})
    return out


def _fast_tracking(base):
    """base (MLflow's tracking RestStore, read-only naming) with the fast
    paths the module's doc describes."""
    from mlflow.entities import Run
    from mlflow.exceptions import RestException
    from mlflow.protos import service_pb2 as pb
    from mlflow.protos.service_pb2 import GetRun, LogBatch, LogMetric, SearchRuns
    from mlflow.utils.proto_json_utils import message_to_json, parse_dict
    from mlflow.utils.workspace_context import get_request_workspace

    from mlite_mlflow import _decode, _http

    # The calls of the REST API 2.0 a training script makes, sent over the
    # channel; the others (traces, gateway, logged-model searches...) keep
    # MLflow's own code.
    fast_apis = frozenset((
        pb.CreateExperiment, pb.GetExperiment, pb.GetExperimentByName, pb.SearchExperiments,
        pb.SetExperimentTag, pb.CreateRun, pb.GetRun, pb.UpdateRun, pb.DeleteRun, pb.RestoreRun,
        pb.LogMetric, pb.LogParam, pb.SetTag, pb.DeleteTag, pb.LogBatch, pb.LogInputs, pb.LogOutputs,
        pb.SearchRuns, pb.GetMetricHistory,
    ))

    class Store(base):
        def __init__(self, path: str):
            super().__init__(path)
            self._channel = _http.Channel(self._server)

        def _fast(self, api, body: dict | None, endpoint: str | None = None) -> dict | None:
            """The JSON answer of a call, or None when it must go through
            MLflow's own code. A refused call raises MLflow's
            RestException, as MLflow's code would."""
            if api not in fast_apis or get_request_workspace() is not None:
                return None
            info = self._V3_METHOD_TO_INFO if api in self._V3_APIS else self._METHOD_TO_INFO
            path, method = info[api]
            got = self._channel.request(method, endpoint or path, body)
            if got is None:
                return None
            status, answer = got
            if status != 200:
                e = RestException(answer)
                raise self._named(e)
            return answer

        def _call_endpoint(self, api, json_body=None, endpoint=None, retry_timeout_seconds=None, response_proto=None):
            answer = None
            if json_body is None or isinstance(json_body, str):
                answer = self._fast(api, None if json_body is None else json.loads(json_body), endpoint)
            if answer is None:
                return super()._call_endpoint(
                    api,
                    json_body,
                    endpoint=endpoint,
                    retry_timeout_seconds=retry_timeout_seconds,
                    response_proto=response_proto,
                )
            response_proto = response_proto or api.Response()
            parse_dict(answer, response_proto)
            return response_proto

        def _search_runs(self, experiment_ids, filter_string, run_view_type, max_results, order_by, page_token):
            from mlflow.entities import ViewType

            request = SearchRuns(
                experiment_ids=[str(e) for e in experiment_ids],
                filter=filter_string,
                run_view_type=ViewType.to_proto(run_view_type),
                max_results=max_results,
                order_by=order_by,
                page_token=page_token,
            )
            with _decode.paused_gc():
                answer = self._fast(SearchRuns, json.loads(message_to_json(request)))
                if answer is not None:
                    try:
                        runs = [_decode.run(r) for r in _decode.list_of(answer, "runs")]
                        token = _decode.string(answer, "next_page_token")
                    except _decode.Unexpected:
                        proto = SearchRuns.Response()
                        parse_dict(answer, proto)
                        runs = [Run.from_proto(r) for r in proto.runs]
                        token = proto.next_page_token
            if answer is None:
                return super()._search_runs(
                    experiment_ids, filter_string, run_view_type, max_results, order_by, page_token
                )
            return runs, token or None

        def get_run(self, run_id):
            answer = self._fast(GetRun, {"run_uuid": run_id, "run_id": run_id}) if _is_str(run_id) else None
            if answer is None:
                return super().get_run(run_id)
            try:
                return _decode.run(_decode.obj(answer, "run"))
            except _decode.Unexpected:
                proto = GetRun.Response()
                parse_dict(answer, proto)
                return Run.from_proto(proto.run)

        def log_metric(self, run_id, metric):
            body = _log_metric_json(run_id, metric)
            if body is None or self._fast(LogMetric, body) is None:
                super().log_metric(run_id, metric)

        def log_batch(self, run_id, metrics, params, tags):
            metric_list = [_metric_json(m) for m in metrics]
            param_list = _pairs_json(params)
            tag_list = _pairs_json(tags)
            if not _is_str(run_id) or None in metric_list or param_list is None or tag_list is None:
                return super().log_batch(run_id, metrics, params, tags)
            body = {"run_id": run_id}
            # Protobuf's JSON leaves an empty repeated field out.
            for name, items in (("metrics", metric_list), ("params", param_list), ("tags", tag_list)):
                if items:
                    body[name] = items
            if self._fast(LogBatch, body) is None:
                super().log_batch(run_id, metrics, params, tags)

    Store.__name__ = Store.__qualname__ = "MliteRestStore"
    return Store


_tracking_class = None
_registry_class = None


def tracking_store(store_uri: str, artifact_uri: str | None = None, **_):
    """MLflow's tracking store builder for mlite: URIs (entry point
    mlflow.tracking_store)."""
    global _tracking_class
    if _tracking_class is None:
        from mlflow.store.tracking.rest_store import RestStore

        _tracking_class = _fast_tracking(_naming_read_only(RestStore))
    return _tracking_class(_server.store_path(store_uri))


def registry_store(store_uri: str, tracking_uri: str | None = None, **_):
    """MLflow's model registry store builder for mlite: URIs (entry point
    mlflow.model_registry_store)."""
    global _registry_class
    if _registry_class is None:
        from mlflow.store.model_registry.rest_store import RestStore

        _registry_class = _naming_read_only(RestStore)
    return _registry_class(_server.store_path(store_uri))
