import os, sys, json, glob
from mlflow.models import Model
out = {}
for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.MLmodel"))):
    import yaml; m = Model.from_dict(yaml.safe_load(open(p)))
    out[os.path.basename(p)] = json.dumps(m.get_tags_dict())
json.dump(out, open(os.path.join(sys.argv[1], "history.json"), "w"), indent=1, sort_keys=True)
# MLflow's file store appends entries: json.dumps(existing + [new])
prev = json.loads(out["mlflow1.MLmodel"])
m = Model.from_dict(__import__("yaml").safe_load(open(os.path.join(sys.argv[1], "go_mlite_fresh.MLmodel"))))
out["append"] = json.dumps([prev, m.get_tags_dict()])
json.dump(out, open(os.path.join(sys.argv[1], "history.json"), "w"), indent=1, sort_keys=True)
# Round trip through MLflow itself: load and save again.
for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.MLmodel"))):
    m = Model.from_dict(__import__("yaml").safe_load(open(p)))
    again = m.to_yaml()
    print(os.path.basename(p), "mlflow round trip identical:", again == open(p).read())
