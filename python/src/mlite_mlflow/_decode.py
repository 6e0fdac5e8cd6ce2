"""MLflow's run entities straight from a server's JSON answer.

MLflow's REST store parses an answer into protobuf messages
(google.protobuf.json_format, field by field in Python) and then turns the
messages into entities: for a search of 10,000 runs that is most of the
client's time. run() builds the same entities from the decoded JSON in one
pass, with the same defaults as the protobuf path (a missing string is "",
a missing end time None, a missing status RUNNING, null is absent).

It only accepts what the proto parser accepts without conversion: a value
of another JSON type (an int64 sent as a string, an enum as a number)
raises Unexpected, and the caller decodes that answer MLflow's way. The
tests compare both paths field by field.
"""

from __future__ import annotations

import contextlib
import gc

from mlflow.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
    RunStatus,
    RunTag,
)

_STATUSES = frozenset(RunStatus.to_string(s) for s in RunStatus.all_status())
_FLOAT_WORDS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


@contextlib.contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector while a large answer is
    decoded. Decoding allocates many small objects and no cycles, yet each
    allocation threshold crossed starts a collection that walks all of
    them again: for 10,000 runs that was 70% of the decoding time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Unexpected(Exception):
    """The answer holds a value this decoder leaves to MLflow's parser."""


def _typed(d: dict, key: str, t: type, default):
    """d[key], of JSON type t; default when it is missing or null."""
    v = d.get(key)
    if v is None:
        return default
    if type(v) is not t:
        raise Unexpected(key)
    return v


def obj(d: dict, key: str) -> dict:
    """The object d[key] ({} if missing)."""
    return _typed(d, key, dict, {})


def list_of(d: dict, key: str) -> list:
    """The array d[key] ([] if missing)."""
    return _typed(d, key, list, [])


def string(d: dict, key: str, default="") -> str | None:
    """The string d[key] (default if missing)."""
    return _typed(d, key, str, default)


def _int(d: dict, key: str) -> int:
    return _typed(d, key, int, 0)


def _float(d: dict, key: str) -> float:
    v = d.get(key)
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if v is None:
        return 0.0
    if t is str and v in _FLOAT_WORDS:
        return _FLOAT_WORDS[v]
    raise Unexpected(key)


def _pairs(items: list, cls) -> list:
    out = []
    for kv in items:
        if type(kv) is not dict:
            raise Unexpected("key-value")
        k, v = kv.get("key"), kv.get("value")
        if type(k) is not str or type(v) is not str:
            k, v = string(kv, "key"), string(kv, "value")
        out.append(cls(k, v))
    return out


def metric(m: dict) -> Metric:
    """A Metric from a Metric message's JSON."""
    if type(m) is not dict:
        raise Unexpected("metric")
    if len(m) == 4:
        # The common answer: key, value, timestamp and step, no more.
        k, v, ts, step = m.get("key"), m.get("value"), m.get("timestamp"), m.get("step")
        if type(v) is int:
            v = float(v)
        if type(k) is str and type(v) is float and type(ts) is int and type(step) is int:
            return Metric(k, v, ts, step)
    return Metric(
        string(m, "key"),
        _float(m, "value"),
        _int(m, "timestamp"),
        _int(m, "step"),
        model_id=string(m, "model_id", None) or None,
        dataset_name=string(m, "dataset_name", None) or None,
        dataset_digest=string(m, "dataset_digest", None) or None,
        run_id=string(m, "run_id", None) or None,
    )


def run_info(i: dict) -> RunInfo:
    """A RunInfo from a RunInfo message's JSON."""
    g = i.get
    run_id, run_name, experiment_id = g("run_id"), g("run_name"), g("experiment_id")
    user_id, lifecycle_stage, artifact_uri = g("user_id"), g("lifecycle_stage"), g("artifact_uri")
    status, start, end = g("status"), g("start_time"), g("end_time")
    if not (
        type(run_id) is str
        and type(run_name) is str
        and type(experiment_id) is str
        and type(user_id) is str
        and type(lifecycle_stage) is str
        and type(artifact_uri) is str
        and type(start) is int
        and (end is None or type(end) is int)
        and type(status) is str
        and status in _STATUSES
    ):
        # Not the common answer: a field missing, null or of another type.
        run_id, run_name, experiment_id, user_id, lifecycle_stage, artifact_uri = (
            string(i, k) for k in ("run_id", "run_name", "experiment_id", "user_id", "lifecycle_stage", "artifact_uri")
        )
        start, end = _int(i, "start_time"), _int(i, "end_time")
        if status is None:
            status = "RUNNING"
        elif type(status) is not str or status not in _STATUSES:
            raise Unexpected("status")
    return RunInfo(
        run_id=run_id,
        run_name=run_name,
        experiment_id=experiment_id,
        user_id=user_id,
        status=status,
        start_time=start,
        end_time=end or None,
        lifecycle_stage=lifecycle_stage,
        artifact_uri=artifact_uri,
    )


def _dataset_input(d: dict) -> DatasetInput:
    if type(d) is not dict:
        raise Unexpected("dataset_input")
    ds = obj(d, "dataset")
    dataset = Dataset(
        string(ds, "name"),
        string(ds, "digest"),
        string(ds, "source_type"),
        string(ds, "source"),
        string(ds, "schema", None),
        string(ds, "profile", None),
    )
    return DatasetInput(dataset, _pairs(list_of(d, "tags"), InputTag))


def _model_input(d: dict) -> LoggedModelInput:
    if type(d) is not dict:
        raise Unexpected("model_input")
    return LoggedModelInput(string(d, "model_id"))


def _model_output(d: dict) -> LoggedModelOutput:
    if type(d) is not dict:
        raise Unexpected("model_output")
    return LoggedModelOutput(string(d, "model_id"), _int(d, "step"))


def _empty(v) -> bool:
    """Whether v, a message field's JSON, is missing, null or {}."""
    return v is None or v == {}


def run(r: dict) -> Run:
    """A Run from a Run message's JSON, as Run.from_proto builds it."""
    if type(r) is not dict:
        raise Unexpected("run")
    data = obj(r, "data")
    inputs, outputs = r.get("inputs"), r.get("outputs")
    if _empty(inputs) and _empty(outputs):
        # The common answer: a run with no inputs or outputs.
        run_inputs, run_outputs = RunInputs([], []), RunOutputs([])
    else:
        inputs, outputs = obj(r, "inputs"), obj(r, "outputs")
        run_inputs = RunInputs(
            [_dataset_input(d) for d in list_of(inputs, "dataset_inputs")],
            [_model_input(d) for d in list_of(inputs, "model_inputs")],
        )
        run_outputs = RunOutputs([_model_output(d) for d in list_of(outputs, "model_outputs")])
    return Run(
        run_info(obj(r, "info")),
        RunData(
            [metric(m) for m in list_of(data, "metrics")],
            _pairs(list_of(data, "params"), Param),
            _pairs(list_of(data, "tags"), RunTag),
        ),
        run_inputs,
        run_outputs,
    )
