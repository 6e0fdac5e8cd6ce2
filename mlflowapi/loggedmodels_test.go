package mlflowapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
)

// loggedModelCases are MLflow 3 logged-model requests run in order over
// one fixture, each with its whole answer in testdata/<name>.golden. A
// case with newModel names the logged model its answer creates, so later
// cases can say {model:NAME}; bad input gets MLflow's code and status.
var loggedModelCases = []struct {
	name, method, target, body, newModel string
}{
	{"lm_create", "POST", "logged-models", `{"experiment_id": "1", "name": "model", "model_type": "sklearn", "source_run_id": "{run:rf}", "params": [{"key": "C", "value": "1.0"}], "tags": [{"key": "mlflow.user", "value": "ana"}]}`, "model"},
	{"lm_create_generated_name", "POST", "logged-models", `{"experiment_id": "1"}`, "other"},
	{"lm_create_no_experiment", "POST", "logged-models", `{"name": "x"}`, ""},
	{"lm_create_unknown_experiment", "POST", "logged-models", `{"experiment_id": "987"}`, ""},
	{"lm_create_deleted_experiment", "POST", "logged-models", `{"experiment_id": "2"}`, ""},
	{"lm_create_int_experiment", "POST", "logged-models", `{"experiment_id": 1}`, ""},
	{"lm_create_bad_name", "POST", "logged-models", `{"experiment_id": "1", "name": "a/b"}`, ""},
	{"lm_create_empty_name", "POST", "logged-models", `{"experiment_id": "1", "name": ""}`, ""},
	{"lm_create_params_not_list", "POST", "logged-models", `{"experiment_id": "1", "params": "x"}`, ""},
	{"lm_create_malformed", "POST", "logged-models", `{"experiment_id": `, ""},
	{"lm_get", "GET", "logged-models/{model:model}", "", ""},
	{"lm_get_unknown", "GET", "logged-models/m-0123456789abcdef0123456789abcdef", "", ""},
	{"lm_get_malformed_id", "GET", "logged-models/nope", "", ""},
	{"lm_log_params", "POST", "logged-models/{model:model}/params", `{"model_id": "{model:model}", "params": [{"key": "penalty", "value": "l2"}, {"key": "C", "value": "1.0"}]}`, ""},
	{"lm_log_params_changed", "POST", "logged-models/{model:model}/params", `{"model_id": "{model:model}", "params": [{"key": "C", "value": "2.0"}]}`, ""},
	{"lm_log_params_no_model_id", "POST", "logged-models/{model:model}/params", `{"params": []}`, ""},
	{"lm_set_tags", "PATCH", "logged-models/{model:model}/tags", `{"tags": [{"key": "team", "value": "risk"}, {"key": "tmp", "value": "x"}]}`, ""},
	{"lm_set_tags_not_list", "PATCH", "logged-models/{model:model}/tags", `{"tags": "x"}`, ""},
	{"lm_set_tags_unknown", "PATCH", "logged-models/m-0123456789abcdef0123456789abcdef/tags", `{"tags": [{"key": "a", "value": "b"}]}`, ""},
	{"lm_delete_tag", "DELETE", "logged-models/{model:model}/tags/tmp", "", ""},
	{"lm_delete_tag_missing", "DELETE", "logged-models/{model:model}/tags/tmp", "", ""},
	{"lm_log_metric", "POST", "runs/log-metric", `{"run_id": "{run:rf}", "key": "val_auc", "value": 0.875, "timestamp": 1700000000500, "step": 3, "model_id": "{model:model}", "dataset_name": "val", "dataset_digest": "d1"}`, ""},
	{"lm_log_batch", "POST", "runs/log-batch", `{"run_id": "{run:rf}", "metrics": [{"key": "val_auc", "value": 0.9, "timestamp": 1700000000600, "step": 4, "model_id": "{model:model}", "dataset_name": "test"}]}`, ""},
	{"lm_log_metric_unknown_model", "POST", "runs/log-metric", `{"run_id": "{run:rf}", "key": "x", "value": 1, "timestamp": 1, "model_id": "m-0123456789abcdef0123456789abcdef"}`, ""},
	{"lm_log_metric_malformed_model", "POST", "runs/log-metric", `{"run_id": "{run:rf}", "key": "x", "value": 1, "timestamp": 1, "model_id": "m-1"}`, ""},
	{"lm_outputs", "POST", "runs/outputs", `{"run_id": "{run:rf}", "models": [{"model_id": "{model:model}", "step": 4}]}`, ""},
	{"lm_outputs_no_run", "POST", "runs/outputs", `{"models": []}`, ""},
	{"lm_outputs_no_models", "POST", "runs/outputs", `{"run_id": "{run:rf}"}`, ""},
	{"lm_outputs_unknown_run", "POST", "runs/outputs", `{"run_id": "0123456789abcdef0123456789abcdef", "models": [{"model_id": "m-1", "step": 0}]}`, ""},
	{"lm_outputs_malformed_model", "POST", "runs/outputs", `{"run_id": "{run:rf}", "models": [{"model_id": "m-1", "step": 0}]}`, ""},
	{"lm_outputs_unknown_model", "POST", "runs/outputs", `{"run_id": "{run:lgbm}", "models": [{"model_id": "m-0123456789abcdef0123456789abcdef", "step": 1}]}`, ""},
	{"lm_inputs", "POST", "runs/log-inputs", `{"run_id": "{run:lgbm}", "models": [{"model_id": "{model:model}"}]}`, ""},
	{"lm_run_after", "GET", "runs/get?run_id={run:rf}", "", ""},
	{"lm_search_runs_after", "POST", "runs/search", `{"experiment_ids": ["1"], "filter": "attributes.run_id IN ('{run:rf}', '{run:lgbm}')", "order_by": ["attributes.run_name"]}`, ""},
	{"lm_finalize", "PATCH", "logged-models/{model:model}", `{"model_id": "{model:model}", "status": "LOGGED_MODEL_READY"}`, ""},
	{"lm_finalize_no_status", "PATCH", "logged-models/{model:model}", `{"model_id": "{model:model}"}`, ""},
	{"lm_finalize_no_model_id", "PATCH", "logged-models/{model:model}", `{"status": 2}`, ""},
	{"lm_finalize_bad_status", "PATCH", "logged-models/{model:model}", `{"model_id": "{model:model}", "status": "DONE"}`, ""},
	{"lm_search", "POST", "logged-models/search", `{"experiment_ids": ["1"]}`, ""},
	{"lm_search_filter", "POST", "logged-models/search", `{"experiment_ids": ["1"], "filter": "name = 'model' AND metrics.val_auc > 0.8 AND params.C = '1.0'", "datasets": [{"dataset_name": "val"}]}`, ""},
	{"lm_search_order", "POST", "logged-models/search", `{"experiment_ids": ["1"], "order_by": [{"field_name": "creation_timestamp", "ascending": true}], "max_results": 1}`, ""},
	{"lm_search_no_experiments", "POST", "logged-models/search", `{}`, ""},
	{"lm_search_bad_filter", "POST", "logged-models/search", `{"experiment_ids": ["1"], "filter": "foo = 1"}`, ""},
	{"lm_search_order_by_param", "POST", "logged-models/search", `{"experiment_ids": ["1"], "order_by": [{"field_name": "params.C"}]}`, ""},
	{"lm_search_bad_token", "POST", "logged-models/search", `{"experiment_ids": ["1"], "page_token": "garbage"}`, ""},
	{"lm_search_bad_max", "POST", "logged-models/search", `{"experiment_ids": ["1"], "max_results": "x"}`, ""},
	{"lm_search_dataset_no_name", "POST", "logged-models/search", `{"experiment_ids": ["1"], "datasets": [{"dataset_digest": "x"}]}`, ""},
	{"lm_artifacts_upload", "PUT", "/api/2.0/mlflow-artifacts/artifacts/1/models/{model:model}/artifacts/MLmodel", "flavors: {}\n", ""},
	{"lm_artifacts_list", "GET", "logged-models/{model:model}/artifacts/directories", "", ""},
	{"lm_artifacts_proxy_list", "GET", "/api/2.0/mlflow-artifacts/artifacts?path=1/models/{model:model}/artifacts", "", ""},
	{"lm_artifacts_proxy_get", "GET", "/api/2.0/mlflow-artifacts/artifacts/1/models/{model:model}/artifacts/MLmodel", "", ""},
	{"lm_artifacts_proxy_wrong_experiment", "GET", "/api/2.0/mlflow-artifacts/artifacts/0/models/{model:model}/artifacts/MLmodel", "", ""},
	{"lm_artifacts_file", "GET", "/ajax-api/2.0/mlflow/logged-models/{model:model}/artifacts/files?artifact_file_path=MLmodel", "", ""},
	{"lm_artifacts_file_no_path", "GET", "/ajax-api/2.0/mlflow/logged-models/{model:model}/artifacts/files", "", ""},
	{"lm_register", "POST", "registered-models/create", `{"name": "Logged"}`, ""},
	{"lm_version", "POST", "model-versions/create", `{"name": "Logged", "source": "models:/{model:model}", "model_id": "{model:model}"}`, ""},
	{"lm_version_other_model_id", "POST", "model-versions/create", `{"name": "Logged", "source": "runs:/{run:rf}/model", "model_id": "{model:model}"}`, ""},
	{"lm_version_unknown_model", "POST", "model-versions/create", `{"name": "Logged", "source": "models:/m-0123456789abcdef0123456789abcdef"}`, ""},
	{"lm_version_download_uri", "GET", "model-versions/get-download-uri?name=Logged&version=1", "", ""},
	{"lm_get_after", "GET", "logged-models/{model:model}", "", ""},
	{"lm_delete", "DELETE", "logged-models/{model:other}", "", ""},
	{"lm_get_deleted", "GET", "logged-models/{model:other}", "", ""},
	{"lm_get_deleted_allowed", "GET", "logged-models/{model:other}?allow_deleted=true", "", ""},
	{"lm_delete_again", "DELETE", "logged-models/{model:other}", "", ""},
	{"lm_search_after_delete", "POST", "logged-models/search", `{"experiment_ids": ["1"]}`, ""},
	{"lm_wrong_method", "PUT", "logged-models/{model:model}", `{}`, ""},
}

func TestLoggedModelGolden(t *testing.T) {
	f := newFixture(t)
	models := map[string]run.ModelID{}
	generated := map[string]string{} // model -> the name the server made up
	expand := func(s string) string {
		for name, id := range models {
			s = strings.ReplaceAll(s, "{model:"+name+"}", id.String())
		}
		return s
	}
	for _, tc := range loggedModelCases {
		t.Run(tc.name, func(t *testing.T) {
			target := expand(tc.target)
			if !strings.HasPrefix(target, "/") {
				target = api + target
			}
			rec := f.do(t, tc.method, target, expand(tc.body))
			if rec.Code >= 500 {
				t.Errorf("%s %s: status %d, want no server error", tc.method, target, rec.Code)
			}
			if tc.newModel != "" {
				info := createdInfo(t, rec, "model", "model_id")
				id, err := run.ParseModelID(info["model_id"])
				must(t, err)
				models[tc.newModel] = id
				if !strings.Contains(tc.body, `"name"`) {
					generated[tc.newModel] = info["name"]
				}
			}
			body := rec.Body.String()
			for name, id := range models {
				body = strings.ReplaceAll(body, id.String(), "{model:"+name+"}")
			}
			for name, made := range generated {
				body = strings.ReplaceAll(body, `"`+made+`"`, `"{name:`+name+`}"`)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				// A file: its bytes, not a golden JSON answer.
				if rec.Code != http.StatusOK || body != "flavors: {}\n" {
					t.Errorf("%s: got %d %q, want 200 and the file's bytes", tc.name, rec.Code, body)
				}
				return
			}
			golden(t, tc.name+".golden", render(t, rec, f.normalize(body)))
		})
	}
}
