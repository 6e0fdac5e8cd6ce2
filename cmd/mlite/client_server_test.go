package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlite/mlite/internal/pyclient"
)

// serverScript exercises, with the mlflow client and plain HTTP, what
// mlite server does beyond MLflow's protos: artifact locations, unknown
// API paths, the UI's upload-artifact route and error messages. It prints
// one JSON object.
const serverScript = `
import json, sys
import mlflow, requests
from mlflow.tracking import MlflowClient

uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient()
out = {}

def refused(fn):
    try:
        fn()
        return None
    except mlflow.exceptions.MlflowException as e:
        return [e.error_code, e.message]

out["runs_location"] = refused(lambda: client.create_experiment("a", artifact_location="runs:/abc/x"))
out["s3_location"] = client.get_experiment(client.create_experiment("b", artifact_location="s3://bucket/x")).artifact_location
out["default_delete"] = refused(lambda: client.delete_experiment("0"))

unknown = {}
for method, path in [("GET", "/api/3.0/mlflow/no-such"), ("POST", "/api/3.0/mlflow/traces/x"),
                     ("POST", "/ajax-api/3.0/mlflow/x"), ("DELETE", "/api/2.0/mlflow/no-such"),
                     ("GET", "/api/nope"), ("PATCH", "/ajax-api/2.0/nope")]:
    r = requests.request(method, uri + path, json={})
    unknown[method + " " + path] = [r.status_code, r.headers.get("Content-Type"), r.json().get("error_code")]
out["unknown"] = unknown

exp = client.create_experiment("uploads")
run = client.create_run(exp)
rid = run.info.run_id
r = requests.post(uri + "/ajax-api/2.0/mlflow/upload-artifact", params={"run_uuid": rid, "path": "ui/note.txt"},
                  data=b"from the UI", headers={"Content-Type": "application/octet-stream"})
out["upload"] = [r.status_code, r.text]
with open(client.download_artifacts(rid, "ui/note.txt")) as f:
    out["uploaded"] = f.read()
r = requests.post(uri + "/ajax-api/2.0/mlflow/upload-artifact", params={"run_uuid": rid, "path": "../x"}, data=b"x")
out["upload_climbs"] = [r.status_code, r.json()]

print("MLITE-RESULT " + json.dumps(out, sort_keys=True))
`

// TestServerWithMLflowClient runs serverScript against mlite server.
func TestServerWithMLflowClient(t *testing.T) {
	py := pyclient.Need(t)
	url := trackingServer(t, filepath.Join(t.TempDir(), "s.mlite"), "--quiet")
	stdout, stderr, err := pyclient.Run(py, serverScript, pyclient.Env(), url)
	if err != nil {
		t.Fatalf("client: %v\n%s", err, stderr)
	}
	_, res, ok := strings.Cut(stdout, "MLITE-RESULT ")
	var out map[string]any
	if !ok || json.Unmarshal([]byte(res), &out) != nil {
		t.Fatalf("client printed no result: %s\n%s", stdout, stderr)
	}
	for _, c := range []struct {
		key  string
		want any
	}{
		// MLflow's own refusal of a runs:/ location; a remote location
		// is recorded as given, as MLflow's server records it.
		{"runs_location", []any{"INVALID_PARAMETER_VALUE", "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/x'"}},
		{"s3_location", "s3://bucket/x"},
		{"upload", []any{200.0, ""}},
		{"uploaded", "from the UI"},
		{"upload_climbs", []any{400.0, map[string]any{"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}}},
	} {
		if got := out[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("client %s: got %v, want %v", c.key, got, c.want)
		}
	}
	unknown, _ := out["unknown"].(map[string]any)
	if len(unknown) != 6 {
		t.Errorf("unknown paths: got %v, want 6 answers", unknown)
	}
	for req, got := range unknown {
		if want := []any{404.0, "application/json", "ENDPOINT_NOT_FOUND"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", req, got, want)
		}
	}
	// The message says what was wrong once, without the sentinel's text.
	if d, _ := out["default_delete"].([]any); len(d) != 2 || strings.Contains(d[1].(string), "invalid argument") {
		t.Errorf("deleting the Default experiment: got %v, want a refusal without \"invalid argument\"", out["default_delete"])
	}
}
