import os, sys, json, shutil, tempfile, datetime as dt, yaml
import numpy as np, pandas as pd
import mlflow
from mlflow.models import Model, infer_signature, ModelSignature
from mlflow.types.schema import Schema, ColSpec, TensorSpec, ParamSchema, ParamSpec, Array, Object, Property, Map, AnyType, DataType
out = sys.argv[1]

# 1. A real pyfunc model saved by MLflow 3 with an input example and params.
class CreditModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return np.zeros(len(model_input))
X = pd.DataFrame({
    "age": np.array([34, 51, 29], dtype=np.int64),
    "income": [52000.0, 87000.5, 31000.25],
    "credit_lines": np.array([3, 7, 1], dtype=np.int32),
    "utilization": np.array([0.31, 0.05, 0.92], dtype=np.float32),
    "employment": ["salaried", "self-employed", "salaried"],
    "has_mortgage": [True, False, False],
})
y = np.array([0.12, 0.03, 0.71])
sig = infer_signature(X, y, params={"threshold": 0.5, "max_rows": 1000, "explain": False})
d = tempfile.mkdtemp()
p = os.path.join(d, "model")
mlflow.pyfunc.save_model(p, python_model=CreditModel(), signature=sig, input_example=(X.head(2), {"threshold": 0.4}),
    metadata={"owner": "risk-team", "auc": 0.94, "features": ["age", "income"], "retrain": {"every_days": 30, "enabled": True}},
    pip_requirements=["lightgbm==4.3.0"])
shutil.copy(os.path.join(p, "MLmodel"), os.path.join(out, "pyfunc_mlflow3.MLmodel"))

# 2. An MLflow 2.x sklearn layout (no model_id, prompts or type-hint flags).
sig2 = infer_signature(X.drop(columns=["utilization"]), pd.Series([0, 1, 0], name="default"))
d2 = {
  "artifact_path": "model",
  "flavors": {
    "python_function": {"env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}, "loader_module": "mlflow.sklearn",
                        "model_path": "model.pkl", "predict_fn": "predict", "python_version": "3.10.12"},
    "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": "cloudpickle", "sklearn_version": "1.4.2"},
  },
  "mlflow_version": "2.12.2",
  "model_size_bytes": 48213,
  "model_uuid": "6f1c0e4b9a5d4e2f8b7a3c1d2e4f5a6b",
  "run_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
  "saved_input_example_info": {"artifact_path": "input_example.json", "pandas_orient": "split", "serving_input_path": "serving_input_example.json", "type": "dataframe"},
  "signature": sig2.to_dict(),
  "utc_time_created": "2024-05-17 23:15:28.764394",
}
open(os.path.join(out, "sklearn_mlflow2.MLmodel"), "w").write(yaml.safe_dump(d2, default_flow_style=False))

# 3. MLflow 1.x: no signature, env as a plain string.
d3 = {"flavors": {"python_function": {"env": "conda.yaml", "loader_module": "mlflow.sklearn", "model_path": "model.pkl", "python_version": "3.8.10"},
                  "sklearn": {"pickled_model": "model.pkl", "serialization_format": "cloudpickle", "sklearn_version": "0.24.2"}},
      "mlflow_version": "1.30.1", "model_uuid": "0f9e8d7c6b5a49382716a5b4c3d2e1f0", "run_id": "ffeeddccbbaa99887766554433221100",
      "utc_time_created": "2022-01-12 05:17:31"}
open(os.path.join(out, "mlflow1.MLmodel"), "w").write(yaml.safe_dump(d3, default_flow_style=False))

# 4. Nested types, unicode names, tensors, and many top-level keys, via Model.to_yaml.
inputs = Schema([
    ColSpec(Array(DataType.double), "embedding"),
    ColSpec(Object([Property("city", DataType.string), Property("zip", DataType.long, required=False)]), "address"),
    ColSpec(Map(DataType.double), "scores", required=False),
    ColSpec(AnyType(), "extra", required=False),
    ColSpec(DataType.datetime, "applied_at"),
    ColSpec(DataType.binary, "photo", required=False),
    ColSpec(DataType.double, "température"),
    ColSpec(DataType.string, "it's \"quoted\""),
])
outputs = Schema([TensorSpec(np.dtype("float32"), (-1, 2), "proba"), TensorSpec(np.dtype("int64"), (-1,), "label")])
params = ParamSchema([
    ParamSpec("cutoff", DataType.datetime, dt.datetime(2024, 1, 31, 12, 0)),
    ParamSpec("weights", DataType.double, [0.25, 0.75], (-1,)),
    ParamSpec("opts", Object([Property("k", DataType.long)]), {"k": 3}),
])
m4 = Model(artifact_path="mlflow-artifacts:/1/models/m-7d2f/artifacts", run_id="0123456789abcdef0123456789abcdef",
    utc_time_created="2025-03-04 05:06:07.089000", model_uuid="m-7d2f4e1a9c8b4d3e8f1a2b3c4d5e6f70", model_id="m-7d2f4e1a9c8b4d3e8f1a2b3c4d5e6f70",
    flavors={
      "lightgbm": {"code": None, "data": "model.lgb", "lgb_version": "4.3.0", "model_class": "lightgbm.basic.Booster"},
      "python_function": {"data": "model.lgb", "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}, "loader_module": "mlflow.lightgbm", "python_version": "3.11.7"},
      "go_mlite": {"model_file": "model.lgb", "model_type": "lightgbm_text", "go_version": "go1.26", "config": {"num_threads": 2}},
    },
    signature=ModelSignature(inputs, outputs, params),
    metadata={"float": 1e-05, "big": 10**20, "neg": -0.0, "inf": float("inf"), "str_num": "1.0", "yes": "yes", "date": "2024-01-01", "multi": "line one\nline two", "long": "word " * 30},
    model_size_bytes=123456789, env_vars=["OPENAI_API_KEY", "DATABRICKS_HOST"], prompts=["prompts:/summarize/3"],
    resources={"api_version": "1", "databricks": {"serving_endpoint": [{"name": "databricks-dbrx-instruct"}]}},
    auth_policy={"system_auth_policy": {"resources": {"api_version": "1"}}, "user_auth_policy": {"api_scopes": ["serving.serving-endpoints"]}},
    databricks_runtime="15.4")
open(os.path.join(out, "nested_mlflow3.MLmodel"), "w").write(m4.to_yaml())

# 5. What MLflow 3 writes for a model built in code: compared with Go's Encode of the same model.
sig5 = ModelSignature(Schema([ColSpec(DataType.double, "x1"), ColSpec(DataType.double, "x2")]), Schema([TensorSpec(np.dtype("float64"), (-1,))]))
m5 = Model(artifact_path="model", run_id="4f3e2d1c0b0a49887766554433221100", utc_time_created="2025-06-01 08:00:00.000001",
    model_uuid="9a8b7c6d5e4f40312a1b2c3d4e5f6a7b", flavors={"go_mlite": {"model_file": "model.json", "model_type": "linear", "mlite_version": "0.1.0"}},
    signature=sig5, mlflow_version="3.6.0")
open(os.path.join(out, "go_mlite_fresh.MLmodel"), "w").write(m5.to_yaml())
print(json.dumps(m5.get_tags_dict()))
print(json.dumps(m4.get_tags_dict()))
