package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
)

// TestArtifactLocation checks the refusal of each kind of location; the
// messages of the kinds MLflow refuses are those MLflow 3.17.2's
// _validate_storage_location_uri raises for the same input.
func TestArtifactLocation(t *testing.T) {
	host := func(s string) string {
		return "'artifact_location' cannot use the '" + s + "' scheme: the '" + s + "' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it."
	}
	const fragments = "'artifact_location' URL can't include fragments or params."
	long := "s3://b/" + strings.Repeat("x", 2100)
	for _, tc := range []struct{ loc, code, want string }{
		{"s3://bucket/x#frag", codeInvalidParameter, fragments},
		{"/tmp/a;b", codeInvalidParameter, fragments},
		{"http://h/a;b", codeInvalidParameter, fragments},
		{"s3://b/x?a=..", codeInvalidParameter, "Invalid query string"},
		{"s3://b/x?a=%252e%252e", codeInvalidParameter, "Invalid query string"},
		{"https://host/x", codeInvalidParameter, host("https")},
		{"ftp:///x", codeInvalidParameter, host("ftp")},
		{"HDFS://nn/x", codeInvalidParameter, host("hdfs")},
		{"viewfs://x/y", codeInvalidParameter, host("viewfs")},
		{"b2://bucket@host/x", codeInvalidParameter, host("b2")},
		{"abfss://fs@acct.dfs.core.windows.net/x", codeInvalidParameter, host("abfss")},
		{"mlflow-artifacts://host:5000/x", codeInvalidParameter, host("mlflow-artifacts")},
		{"runs:/abc/x", codeInvalidParameter, "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/x'"},
		{long, codeInvalidParameter, "Invalid artifact path length. The length of the artifact path cannot be greater than 2048 characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable."},
		// MLflow's store fails on a file: URI naming another host
		// (is_local_uri), which its server answers INTERNAL_ERROR.
		{"file://otherhost/x", codeInternal, "file://otherhost/x is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>)."},
	} {
		err := checkArtifactLocation(tc.loc)
		if err == nil || err.code != tc.code || err.msg != tc.want {
			t.Errorf("artifact_location %.60q: got %v, want %s %q", tc.loc, err, tc.code, tc.want)
		}
	}
	// What MLflow accepts: the tracker records it (or refuses what mlite
	// refuses beyond, run.ResolveArtifactLocation).
	for _, loc := range []string{"s3://bucket/x#", "s3://b/x;p", "mlflow-artifacts:/x", "RUNS:/abc", "file:///tmp/x", "file://localhost/tmp/x", "/tmp/x", "my_location", "wasbs://c@a.blob.core.windows.net/x", "1abc://h/x"} {
		if err := checkArtifactLocation(loc); err != nil {
			t.Errorf("artifact_location %q: got %v, want it accepted", loc, err)
		}
	}
}

// TestExternalArtifactLocation: an experiment created with a local
// artifact location gives its runs artifact URIs under it, the server's
// artifact routes read that folder, and model versions take local sources
// inside a run's folder by MLflow's rules; a remote location is recorded
// and its artifacts are refused with a clear error.
func TestExternalArtifactLocation(t *testing.T) {
	f := newFixture(t)
	dir := filepath.ToSlash(t.TempDir())
	id := createdID(t, f.do(t, "POST", api+"experiments/create", `{"name": "ext", "artifact_location": "file://`+dir+`"}`))
	rec := f.do(t, "POST", api+"runs/create", `{"experiment_id": "`+id+`"}`)
	info := createdInfo(t, rec, "run", "run_id")
	runID, uri := info["run_id"], info["artifact_uri"]
	if want := "file://" + dir + "/" + runID + "/artifacts"; uri != want {
		t.Fatalf("artifact_uri: got %q, want %q", uri, want)
	}
	folder := filepath.Join(dir, runID, "artifacts")
	must(t, os.MkdirAll(filepath.Join(folder, "model"), 0o755))
	must(t, os.WriteFile(filepath.Join(folder, "model", "MLmodel"), []byte("flavors: {}\n"), 0o644))

	list := f.do(t, "GET", api+"artifacts/list?run_id="+runID, "")
	if want := `{"root_uri":"` + uri + `","files":[{"path":"model","is_dir":true}]}`; compact(t, list.Body.String()) != want {
		t.Errorf("artifacts/list: got %s, want %s", list.Body.String(), want)
	}
	got := f.do(t, "GET", "/get-artifact?run_id="+runID+"&path=model/MLmodel", "")
	if got.Code != 200 || got.Body.String() != "flavors: {}\n" {
		t.Errorf("get-artifact: got %d %q, want the file", got.Code, got.Body.String())
	}

	_, err := f.reg.CreateModel(context.Background(), "M", nil, "")
	must(t, err)
	xid, err := run.ParseExperimentID(id)
	must(t, err)
	lm, err := f.tr.CreateLoggedModel(context.Background(), xid, run.LoggedModelOptions{Name: "lm"})
	must(t, err)
	mid := lm.ID.String()
	localMsg := func(src, kind string) string {
		return "Invalid model version source: '" + src + "'. To use a local path as a model version source, the " + kind + " request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the " + kind + "."
	}
	for _, tc := range []struct {
		name, body string
		status     int
		code, msg  string
	}{
		{"path", `{"name": "M", "source": "` + folder + `", "run_id": "` + runID + `"}`, 200, "", ""},
		{"file URI", `{"name": "M", "source": "` + uri + `/model", "run_id": "` + runID + `"}`, 200, "", ""},
		{"dot", `{"name": "M", "source": "` + uri + `/.", "run_id": "` + runID + `"}`, 200, "", ""},
		{"dot dot back in", `{"name": "M", "source": "` + uri + `/model/..", "run_id": "` + runID + `"}`, 200, "", ""},
		{"no run id", `{"name": "M", "source": "` + uri + `"}`, 400, codeInvalidParameter, localMsg(uri, "run_id")},
		{"outside", `{"name": "M", "source": "/tmp", "run_id": "` + runID + `"}`, 400, codeInvalidParameter, localMsg("/tmp", "run_id")},
		{"escape", `{"name": "M", "source": "` + folder + `/../../../etc", "run_id": "` + runID + `"}`, 400, codeInvalidParameter, localMsg(filepath.Clean(folder+"/../../../etc"), "run_id")},
		{"unknown run", `{"name": "M", "source": "/tmp", "run_id": "0123456789abcdef0123456789abcdef"}`, 400, codeInvalidParameter, "Invalid model version source: '/tmp'. The run_id request parameter must identify the resource that contains the source."},
		{"other host", `{"name": "M", "source": "file://123.456.789.123/path/to/source", "run_id": "` + runID + `"}`, 500, codeInternal, "file://123.456.789.123/path/to/source is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>)."},
		{"store run", `{"name": "M", "source": "/tmp/x", "run_id": "{run:rf}"}`, 400, codeInvalidParameter, localMsg("/tmp/x", "run_id")},
		{"logged model's folder", `{"name": "M", "source": "` + lm.ArtifactLocation + `", "model_id": "` + mid + `"}`, 200, "", ""},
		{"outside the logged model", `{"name": "M", "source": "/tmp", "model_id": "` + mid + `"}`, 400, codeInvalidParameter, localMsg("/tmp", "model_id")},
		{"unknown logged model", `{"name": "M", "source": "/tmp", "model_id": "m-0123456789abcdef0123456789abcdef"}`, 400, codeInvalidParameter, "Invalid model version source: '/tmp'. The model_id request parameter must identify the resource that contains the source."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, "POST", api+"model-versions/create", tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status: got %d (%s), want %d", rec.Code, rec.Body.String(), tc.status)
			}
			if tc.code == "" {
				return
			}
			var e struct{ ErrorCode, Message string }
			must(t, json.Unmarshal(rec.Body.Bytes(), &struct {
				ErrorCode *string `json:"error_code"`
				Message   *string `json:"message"`
			}{&e.ErrorCode, &e.Message}))
			if e.ErrorCode != tc.code || e.Message != tc.msg {
				t.Errorf("got %s %q, want %s %q", e.ErrorCode, e.Message, tc.code, tc.msg)
			}
		})
	}

	lm, err = f.tr.GetLoggedModel(context.Background(), lm.ID)
	must(t, err)
	if want := `[{"name": "M", "version": 5}]`; lm.Tags["mlflow.modelVersions"] != want {
		t.Errorf("the logged model's versions: got %q, want %q", lm.Tags["mlflow.modelVersions"], want)
	}

	rid := createdID(t, f.do(t, "POST", api+"experiments/create", `{"name": "remote", "artifact_location": "s3://bucket/p"}`))
	remote := createdInfo(t, f.do(t, "POST", api+"runs/create", `{"experiment_id": "`+rid+`"}`), "run", "run_id")
	rl := f.do(t, "GET", api+"artifacts/list?run_id="+remote["run_id"], "")
	if rl.Code != 400 || !strings.Contains(rl.Body.String(), "INVALID_PARAMETER_VALUE") || !strings.Contains(rl.Body.String(), remote["artifact_uri"]) {
		t.Errorf("artifacts/list of a remote run: got %d %s, want INVALID_PARAMETER_VALUE naming %s", rl.Code, rl.Body.String(), remote["artifact_uri"])
	}
}

// createdID is the experiment_id of an experiments/create answer.
func createdID(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var out struct {
		ID string `json:"experiment_id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.ID == "" {
		t.Fatalf("experiments/create: got %d %s", rec.Code, rec.Body.String())
	}
	return out.ID
}

// compact is a JSON body without white space.
func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	must(t, json.Compact(&b, []byte(s)))
	return b.String()
}
