package mlflowapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
)

// writeCases are write requests run in order over one fixture, each with
// its whole answer kept in testdata/<name>.golden. A case with newRun
// names the run its answer creates, so later cases can say {run:NAME}.
var writeCases = []struct {
	name, target, body, newRun string
}{
	// Experiments.
	{"w_experiments_create", "experiments/create", `{"name": "fresh", "tags": [{"key": "team", "value": "ml"}]}`, ""},
	{"w_experiments_create_duplicate", "experiments/create", `{"name": "credit"}`, ""},
	{"w_experiments_create_deleted_name", "experiments/create", `{"name": "abandoned"}`, ""},
	{"w_experiments_create_no_name", "experiments/create", `{}`, ""},
	{"w_experiments_create_bad_tags", "experiments/create", `{"name": "x", "tags": [{"value": "v"}]}`, ""},
	{"w_experiments_create_location", "experiments/create", `{"name": "elsewhere", "artifact_location": "s3://bucket/x"}`, ""},
	{"w_experiments_create_runs_location", "experiments/create", `{"name": "elsewhere", "artifact_location": "runs:/abc/x"}`, ""},
	{"w_experiments_create_host_location", "experiments/create", `{"name": "elsewhere", "artifact_location": "https://host/x"}`, ""},
	{"w_experiments_create_location_bad_tags", "experiments/create", `{"name": "x", "artifact_location": "my_location", "tags": "5"}`, ""},
	{"w_experiments_create_location_dotdot", "experiments/create", `{"name": "x", "artifact_location": "file:///etc/.."}`, ""},
	{"w_experiments_create_location_relative_dotdot", "experiments/create", `{"name": "x", "artifact_location": "a/../../b"}`, ""},
	{"w_experiments_create_location_other_host", "experiments/create", `{"name": "x", "artifact_location": "file://otherhost/x"}`, ""},
	{"w_experiments_create_location_own_namespace", "experiments/create", `{"name": "x", "artifact_location": "mlflow-artifacts:/x"}`, ""},
	{"w_experiments_create_location_type", "experiments/create", `{"name": "x", "artifact_location": 5}`, ""},
	{"w_experiments_get_location", "experiments/get-by-name?experiment_name=elsewhere", "", ""},
	{"w_experiments_update", "experiments/update", `{"experiment_id": "3", "new_name": "fresher"}`, ""},
	{"w_experiments_update_taken", "experiments/update", `{"experiment_id": "3", "new_name": "credit"}`, ""},
	{"w_experiments_update_missing", "experiments/update", `{"experiment_id": "99", "new_name": "x"}`, ""},
	{"w_experiments_set_tag", "experiments/set-experiment-tag", `{"experiment_id": "3", "key": "owner", "value": "bob"}`, ""},
	{"w_experiments_delete_tag", "experiments/delete-experiment-tag", `{"experiment_id": "3", "key": "owner"}`, ""},
	{"w_experiments_delete_tag_missing", "experiments/delete-experiment-tag", `{"experiment_id": "3", "key": "owner"}`, ""},
	{"w_experiments_get_after", "experiments/get?experiment_id=3", "", ""},
	{"w_experiments_delete", "experiments/delete", `{"experiment_id": "3"}`, ""},
	{"w_experiments_delete_missing", "experiments/delete", `{"experiment_id": "99"}`, ""},
	{"w_experiments_restore", "experiments/restore", `{"experiment_id": 3}`, ""},

	// Runs.
	{"w_runs_create", "runs/create", `{"experiment_id": "3", "run_name": "r1", "start_time": 1700000500000, "user_id": "bob", "tags": [{"key": "mlflow.source.name", "value": "train.py"}]}`, "r1"},
	{"w_runs_create_nested", "runs/create", `{"experiment_id": "3", "start_time": 1700000600000, "tags": [{"key": "mlflow.runName", "value": "kid"}, {"key": "mlflow.parentRunId", "value": "{run:r1}"}, {"key": "mlflow.user", "value": "carol"}]}`, "kid"},
	{"w_runs_create_name_clash", "runs/create", `{"experiment_id": "3", "run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]}`, ""},
	{"w_runs_create_missing_experiment", "runs/create", `{"experiment_id": "99"}`, ""},
	{"w_runs_create_deleted_experiment", "runs/create", `{"experiment_id": "2"}`, ""},
	{"w_runs_create_missing_parent", "runs/create", `{"experiment_id": "3", "run_name": "orphan", "tags": [{"key": "mlflow.parentRunId", "value": "0123456789abcdef0123456789abcdef"}]}`, "orphan"},
	{"w_log_metric", "runs/log-metric", `{"run_id": "{run:r1}", "key": "loss", "value": 0.5, "timestamp": 1700000500001, "step": 1}`, ""},
	{"w_log_metric_nan", "runs/log-metric", `{"run_id": "{run:r1}", "key": "loss", "value": "NaN", "timestamp": 1700000500002, "step": 2}`, ""},
	{"w_log_metric_no_value", "runs/log-metric", `{"run_id": "{run:r1}", "key": "loss", "timestamp": 1}`, ""},
	{"w_log_metric_bad_value", "runs/log-metric", `{"run_id": "{run:r1}", "key": "loss", "value": true, "timestamp": 1}`, ""},
	{"w_log_metric_bad_key", "runs/log-metric", `{"run_id": "{run:r1}", "key": "../x", "value": 1, "timestamp": 1}`, ""},
	{"w_log_metric_missing_run", "runs/log-metric", `{"run_id": "0123456789abcdef0123456789abcdef", "key": "loss", "value": 1, "timestamp": 1}`, ""},
	{"w_log_param", "runs/log-parameter", `{"run_id": "{run:r1}", "key": "lr", "value": "0.1"}`, ""},
	{"w_log_param_same", "runs/log-parameter", `{"run_uuid": "{run:r1}", "key": "lr", "value": "0.1"}`, ""},
	{"w_log_param_changed", "runs/log-parameter", `{"run_id": "{run:r1}", "key": "lr", "value": "0.2"}`, ""},
	{"w_set_tag", "runs/set-tag", `{"run_id": "{run:r1}", "key": "note", "value": "hello"}`, ""},
	{"w_delete_tag", "runs/delete-tag", `{"run_id": "{run:r1}", "key": "note"}`, ""},
	{"w_delete_tag_missing", "runs/delete-tag", `{"run_id": "{run:r1}", "key": "note"}`, ""},
	{"w_log_batch", "runs/log-batch", `{"run_id": "{run:r1}", "metrics": [{"key": "acc", "value": 0.9, "timestamp": 1700000500003, "step": 0}, {"key": "acc", "value": "Infinity", "timestamp": 1700000500004, "step": 1}], "params": [{"key": "depth", "value": "3"}], "tags": [{"key": "t", "value": "a"}, {"key": "t", "value": "b"}]}`, ""},
	{"w_log_batch_changed", "runs/log-batch", `{"run_id": "{run:r1}", "params": [{"key": "depth", "value": "4"}, {"key": "lr", "value": "0.1"}]}`, ""},
	{"w_log_batch_dupes", "runs/log-batch", `{"run_id": "{run:r1}", "params": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}`, ""},
	{"w_log_batch_metric_no_timestamp", "runs/log-batch", `{"run_id": "{run:r1}", "metrics": [{"key": "acc", "value": 1}]}`, ""},
	{"w_log_batch_no_run", "runs/log-batch", `{"metrics": []}`, ""},
	{"w_log_inputs", "runs/log-inputs", `{"run_id": "{run:r1}", "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": {"name": "iris", "digest": "d1", "source_type": "local", "source": "{\"uri\": \"iris.csv\"}"}}]}`, ""},
	{"w_log_inputs_no_dataset", "runs/log-inputs", `{"run_id": "{run:r1}", "datasets": [{"tags": []}]}`, ""},
	{"w_runs_update", "runs/update", `{"run_id": "{run:r1}", "status": "FINISHED", "end_time": 1700000509000, "run_name": "r1-done"}`, ""},
	{"w_runs_update_bad_status", "runs/update", `{"run_id": "{run:r1}", "status": "DONE"}`, ""},
	{"w_runs_get_after", "runs/get?run_id={run:r1}", "", ""},
	{"w_runs_update_resume", "runs/update", `{"run_id": "{run:r1}", "status": "RUNNING"}`, ""},
	{"w_runs_delete", "runs/delete", `{"run_id": "{run:kid}"}`, ""},
	{"w_log_param_deleted", "runs/log-parameter", `{"run_id": "{run:kid}", "key": "x", "value": "1"}`, ""},
	{"w_set_tag_deleted", "runs/set-tag", `{"run_id": "{run:kid}", "key": "x", "value": "1"}`, ""},
	{"w_runs_update_deleted", "runs/update", `{"run_id": "{run:kid}", "status": "FAILED"}`, ""},
	{"w_runs_restore", "runs/restore", `{"run_id": "{run:kid}"}`, ""},
	{"w_runs_delete_missing", "runs/delete", `{"run_id": "0123456789abcdef0123456789abcdef"}`, ""},
	{"w_runs_create_get", "runs/create?experiment_id=3", "", ""},
}

// TestWriteGolden runs writeCases in order; GET cases read back.
func TestWriteGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range writeCases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.body == "" {
				method = "GET"
			}
			rec := f.do(t, method, api+tc.target, tc.body)
			if tc.newRun != "" {
				id, err := run.ParseID(createdInfo(t, rec, "run", "run_id")["run_id"])
				must(t, err)
				f.runs[tc.newRun] = id
			}
			golden(t, tc.name+".golden", render(t, rec, f.normalize(rec.Body.String())))
		})
	}
}

// registryWriteCases are registry writes run in order over one fixture,
// with their answers in testdata/<name>.golden.
var registryWriteCases = []struct {
	name, method, target, body string
}{
	{"w_rm_create", "POST", "registered-models/create", `{"name": "Fresh", "tags": [{"key": "team", "value": "ml"}], "description": "new"}`},
	{"w_rm_create_duplicate", "POST", "registered-models/create", `{"name": "CreditModel"}`},
	{"w_rm_create_no_name", "POST", "registered-models/create", `{}`},
	{"w_rm_set_tag", "POST", "registered-models/set-tag", `{"name": "Fresh", "key": "owner", "value": "bob"}`},
	{"w_rm_delete_tag", "DELETE", "registered-models/delete-tag", `{"name": "Fresh", "key": "team"}`},
	{"w_rm_delete_tag_missing", "DELETE", "registered-models/delete-tag", `{"name": "Fresh", "key": "team"}`},
	{"w_rm_update", "PATCH", "registered-models/update", `{"name": "Fresh", "description": "newer"}`},
	{"w_rm_update_missing", "PATCH", "registered-models/update", `{"name": "Nope", "description": "x"}`},
	{"w_rm_update_post", "POST", "registered-models/update", `{"name": "Fresh"}`},
	{"w_mv_create", "POST", "model-versions/create", `{"name": "Fresh", "source": "runs:/{run:rf}/model", "run_id": "{run:rf}", "tags": [{"key": "k", "value": "v"}], "description": "first"}`},
	{"w_mv_create_proxy_source", "POST", "model-versions/create", `{"name": "Fresh", "source": "mlflow-artifacts:/1/{run:rf}/artifacts/model"}`},
	{"w_mv_create_missing_model", "POST", "model-versions/create", `{"name": "Nope", "source": "runs:/{run:rf}/model"}`},
	{"w_mv_create_bad_source", "POST", "model-versions/create", `{"name": "Fresh", "source": "s3://bucket/model"}`},
	{"w_mv_create_empty_source", "POST", "model-versions/create", `{"name": "Fresh", "source": "runs:/{run:rf}/nothing"}`},
	{"w_mv_create_unknown_run_unvouched", "POST", "model-versions/create", `{"name": "Fresh", "source": "runs:/0123456789abcdef0123456789abcdef/model"}`},
	{"w_mv_create_foreign_run", "POST", "model-versions/create", `{"name": "Fresh", "source": "runs:/run_id/model", "run_id": "run_id"}`},
	{"w_mv_create_foreign_run_mismatch", "POST", "model-versions/create", `{"name": "Fresh", "source": "runs:/run_id/model", "run_id": "run_id_1"}`},
	{"w_mv_transition", "POST", "model-versions/transition-stage", `{"name": "Fresh", "version": "1", "stage": "staging", "archive_existing_versions": false}`},
	{"w_mv_transition_archive", "POST", "model-versions/transition-stage", `{"name": "Fresh", "version": "2", "stage": "Staging", "archive_existing_versions": true}`},
	{"w_mv_transition_bad_stage", "POST", "model-versions/transition-stage", `{"name": "Fresh", "version": "1", "stage": "Live"}`},
	{"w_mv_transition_missing", "POST", "model-versions/transition-stage", `{"name": "Fresh", "version": "9", "stage": "Production"}`},
	{"w_mv_set_tag", "POST", "model-versions/set-tag", `{"name": "Fresh", "version": "2", "key": "ok", "value": "yes"}`},
	{"w_mv_delete_tag", "DELETE", "model-versions/delete-tag", `{"name": "Fresh", "version": "1", "key": "k"}`},
	{"w_mv_delete_tag_missing", "DELETE", "model-versions/delete-tag", `{"name": "Fresh", "version": "1", "key": "k"}`},
	{"w_mv_update", "PATCH", "model-versions/update", `{"name": "Fresh", "version": "2", "description": "second"}`},
	{"w_alias_set", "POST", "registered-models/alias", `{"name": "Fresh", "alias": "champion", "version": "2"}`},
	{"w_alias_set_reserved", "POST", "registered-models/alias", `{"name": "Fresh", "alias": "latest", "version": "2"}`},
	{"w_alias_set_missing_version", "POST", "registered-models/alias", `{"name": "Fresh", "alias": "x", "version": "9"}`},
	{"w_rm_get_after", "GET", "registered-models/get?name=Fresh", ""},
	{"w_alias_delete", "DELETE", "registered-models/alias", `{"name": "Fresh", "alias": "champion"}`},
	{"w_alias_delete_again", "DELETE", "registered-models/alias", `{"name": "Fresh", "alias": "champion"}`},
	{"w_mv_delete", "DELETE", "model-versions/delete", `{"name": "Fresh", "version": "1"}`},
	{"w_mv_delete_missing", "DELETE", "model-versions/delete", `{"name": "Fresh", "version": "1"}`},
	{"w_rm_rename", "POST", "registered-models/rename", `{"name": "Fresh", "new_name": "Fresher"}`},
	{"w_rm_rename_taken", "POST", "registered-models/rename", `{"name": "Fresher", "new_name": "CreditModel"}`},
	{"w_rm_delete", "DELETE", "registered-models/delete", `{"name": "Fresher"}`},
	{"w_rm_delete_missing", "DELETE", "registered-models/delete", `{"name": "Fresher"}`},
}

func TestRegistryWriteGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range registryWriteCases {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, tc.method, api+tc.target, tc.body)
			golden(t, tc.name+".golden", render(t, rec, f.normalize(rec.Body.String())))
		})
	}
}

// TestLogBatchLimits checks MLflow's batch limits and their messages.
func TestLogBatchLimits(t *testing.T) {
	f := newFixture(t)
	items := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	metric := `{"key": "m%d", "value": 1, "timestamp": 1}`
	param := `{"key": "p%d", "value": "v"}`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"metrics", `{"run_id": "{run:rf}", "metrics": [` + items(1001, metric) + `]}`,
			"A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again."},
		{"params", `{"run_id": "{run:rf}", "params": [` + items(101, param) + `]}`,
			"A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again."},
		{"tags", `{"run_id": "{run:rf}", "tags": [` + items(101, param) + `]}`,
			"A batch logging request can contain at most 100 tags. Got 101 tags. Please split up tags across multiple requests and try again."},
		{"total", `{"run_id": "{run:rf}", "metrics": [` + items(950, metric) + `], "params": [` + items(51, param) + `]}`,
			"A batch logging request can contain at most 1000 metrics, params, and tags. Got 1001 metrics, params, and tags. Please split up metrics, params, and tags across multiple requests and try again."},
		{"bytes", `{"run_id": "{run:rf}", "tags": [{"key": "big", "value": "` + strings.Repeat("x", 1000000) + `"}]}`,
			"Batched logging API requests must be at most 1000000 bytes, got a request of size 1000085."},
	} {
		rec := f.do(t, "POST", api+"runs/log-batch", tc.body)
		var e struct {
			Code    string `json:"error_code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != 400 || e.Code != codeInvalidParameter || e.Message != tc.want {
			t.Errorf("%s: got %d %s, want 400 %s %q", tc.name, rec.Code, rec.Body, codeInvalidParameter, tc.want)
		}
	}
	// At the limits, the batch lands.
	rec := f.do(t, "POST", api+"runs/log-batch", `{"run_id": "{run:lgbm}", "metrics": [`+items(900, metric)+`], "params": [`+items(100, param)+`]}`)
	if rec.Code != 200 {
		t.Fatalf("batch at the limits: got %d %s, want 200", rec.Code, rec.Body)
	}
	got, err := f.tr.GetRun(context.Background(), f.runs["lgbm"])
	must(t, err)
	if len(got.Params) != 101 || len(got.Metrics) != 901 {
		t.Errorf("after the batch: got %d params and %d metrics, want 101 and 901", len(got.Params), len(got.Metrics))
	}
}

// TestFloatParam checks the double decoder on proto JSON's forms.
func TestFloatParam(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // fmt %v of the value, or "error"
	}{
		{`{"v": 1.5}`, "1.5"},
		{`{"v": -2}`, "-2"},
		{`{"v": "3.25"}`, "3.25"},
		{`{"v": "NaN"}`, "NaN"},
		{`{"v": "Infinity"}`, "+Inf"},
		{`{"v": "-Infinity"}`, "-Inf"},
		{`{"v": 1e400}`, "+Inf"},
		{`{"v": "inf"}`, "error"},
		{`{"v": "0x10"}`, "error"},
		{`{"v": true}`, "error"},
		{`{"v": [1]}`, "error"},
	} {
		p, err := decodeRequest("POST", "application/json", "", []byte(tc.body))
		must(t, err)
		v, _, err := p.float("v")
		got := fmt.Sprint(v)
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("float of %s: got %s (%v), want %s", tc.body, got, err, tc.want)
		}
	}
}

// TestReadOnly checks that Options.ReadOnly refuses every write, the
// artifact proxy's uploads and deletes included, and serves every read.
func TestReadOnly(t *testing.T) {
	f := newFixture(t)
	f.h = newHandler(f.tr, f.reg, &Options{Logger: discardLogger(), ReadOnly: true})
	for _, e := range apiEndpoints {
		for _, m := range e.methods {
			rec := f.do(t, m, api+e.path, `{}`)
			refused := rec.Code == 403 && strings.Contains(rec.Body.String(), `"PERMISSION_DENIED"`)
			if want := e.writes && m != "GET"; refused != want {
				t.Errorf("read-only %s %s: got %d %s, want refused %v", m, e.path, rec.Code, rec.Body, want)
			}
		}
	}
	for _, m := range []string{"PUT", "DELETE"} {
		rec := f.do(t, m, proxy+"/1/{run:rf}/artifacts/notes.txt", "x")
		if rec.Code != 403 {
			t.Errorf("read-only %s proxy: got %d %s, want 403", m, rec.Code, rec.Body)
		}
	}
	rec := f.do(t, "GET", proxy+"/1/{run:rf}/artifacts/notes.txt", "")
	if rec.Code != 200 || rec.Body.String() != "all good\n" {
		t.Errorf("read-only GET proxy: got %d %q, want 200 \"all good\\n\"", rec.Code, rec.Body)
	}
	files, err := f.tr.ListArtifacts(context.Background(), f.runs["rf"], "", true)
	must(t, err)
	if len(files) != 5 {
		t.Errorf("after refused writes: got %d artifacts, want the fixture's 5", len(files))
	}
}
