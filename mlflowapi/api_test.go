package mlflowapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mlite/mlite/mlitetest"
)

const (
	api  = "/api/2.0/mlflow/"
	ajax = "/ajax-api/2.0/mlflow/"
)

// apiCases are requests whose whole answer (status, content type, body) is
// kept in testdata/<name>.golden.
var apiCases = []goldenCase{
	// Experiments.
	{"experiments_get", "GET", api + "experiments/get?experiment_id=1", ""},
	{"experiments_get_default_ajax", "GET", ajax + "experiments/get?experiment_id=0", ""},
	{"experiments_get_deleted", "GET", api + "experiments/get?experiment_id=2", ""},
	{"experiments_get_json_body", "GET", api + "experiments/get", `{"experiment_id": 1}`},
	{"experiments_get_missing", "GET", api + "experiments/get?experiment_id=99", ""},
	{"experiments_get_bad_id", "GET", api + "experiments/get?experiment_id=abc", ""},
	{"experiments_get_no_param", "GET", api + "experiments/get", ""},
	{"experiments_get_by_name", "GET", api + "experiments/get-by-name?experiment_name=credit", ""},
	{"experiments_get_by_name_missing", "GET", api + "experiments/get-by-name?experiment_name=nope", ""},
	{"experiments_search_get", "GET", api + "experiments/search?max_results=10", ""},
	{"experiments_search_all", "POST", api + "experiments/search", `{"view_type": "ALL", "order_by": ["name ASC"]}`},
	{"experiments_search_page", "POST", api + "experiments/search", `{"view_type": 3, "max_results": 1}`},
	{"experiments_search_filter", "POST", api + "experiments/search", `{"filter": "name LIKE 'cr%' AND tags.team = 'risk'"}`},
	{"experiments_search_huge_max_results", "POST", api + "experiments/search", `{"max_results": 50001}`},
	{"experiments_search_bad_filter", "POST", api + "experiments/search", `{"filter": "name = "}`},
	{"experiments_search_bad_view", "POST", api + "experiments/search", `{"view_type": "SOME"}`},

	// Runs.
	{"runs_get", "GET", api + "runs/get?run_id={run:rf}", ""},
	{"runs_get_uuid", "GET", api + "runs/get?run_uuid={run:lgbm}", ""},
	{"runs_get_empty", "GET", ajax + "runs/get?run_id={run:empty}", ""},
	{"runs_get_missing", "GET", api + "runs/get?run_id=0123456789abcdef0123456789abcdef", ""},
	{"runs_get_malformed", "GET", api + "runs/get?run_id=nope", ""},
	{"runs_get_no_param", "GET", api + "runs/get", ""},
	{"runs_search", "POST", api + "runs/search", `{"experiment_ids": ["1"]}`},
	{"runs_search_filter", "POST", api + "runs/search", `{"experiment_ids": [1], "filter": "metrics.auc > 0.85", "order_by": ["metrics.auc DESC"]}`},
	{"runs_search_deleted", "POST", api + "runs/search", `{"experiment_ids": ["1"], "run_view_type": "DELETED_ONLY"}`},
	{"runs_search_get", "GET", api + "runs/search?experiment_ids=1&experiment_ids=7&filter=params.criterion+%3D+%27gini%27", ""},
	{"runs_search_page", "POST", api + "runs/search", `{"experiment_ids": ["1"], "max_results": 1, "order_by": ["attributes.run_name"]}`},
	{"runs_search_no_experiments", "POST", api + "runs/search", `{}`},
	{"runs_search_double_encoded", "POST", api + "runs/search", `"{\"experiment_ids\": [\"1\"], \"filter\": \"params.lr = '0.05'\"}"`},
	{"runs_search_unknown_fields", "POST", api + "runs/search", `{"experiment_ids": ["1"], "filter": "tags.model = 'random_forest'", "whatever": {"x": [1]}}`},
	{"runs_search_bad_filter", "POST", api + "runs/search", `{"experiment_ids": ["1"], "filter": "metrics.auc => 1"}`},
	{"runs_search_bad_filter_no_experiments", "POST", api + "runs/search", `{"filter": "metrics.auc OR"}`},
	{"runs_search_bad_order", "POST", api + "runs/search", `{"experiment_ids": ["1"], "order_by": ["metrics.auc SIDEWAYS"]}`},
	{"runs_search_huge_max_results", "POST", api + "runs/search", `{"experiment_ids": ["1"], "max_results": 50001}`},
	{"runs_search_huge_max_results_get", "GET", api + "runs/search?experiment_ids=1&max_results=100000", ""},
	{"runs_search_zero_max_results", "POST", api + "runs/search", `{"experiment_ids": ["1"], "max_results": 0}`},
	{"runs_search_string_max_results", "POST", api + "runs/search", `{"experiment_ids": ["1"], "max_results": "abc"}`},
	{"runs_search_bad_token", "POST", api + "runs/search", `{"experiment_ids": ["1"], "page_token": "garbage"}`},
	{"runs_search_bad_list", "POST", api + "runs/search", `{"experiment_ids": "1"}`},
	{"runs_search_malformed_json", "POST", api + "runs/search", `{"experiment_ids": [`},
	{"runs_search_array_body", "POST", api + "runs/search", `[1, 2]`},

	// Metric histories.
	{"metrics_history", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=auc", ""},
	{"metrics_history_nan", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=loss", ""},
	{"metrics_history_inf", "GET", api + "metrics/get-history?run_uuid={run:rf}&metric_key=big", ""},
	{"metrics_history_page", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=auc&max_results=2", ""},
	{"metrics_history_page2", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=auc&max_results=2&page_token=eyJvZmZzZXQiOiAyfQ==", ""},
	{"metrics_history_unknown_key", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=nope", ""},
	{"metrics_history_no_key", "GET", api + "metrics/get-history?run_id={run:rf}", ""},
	{"metrics_history_bad_token", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=auc&page_token=%21%21", ""},
	{"metrics_history_missing_run", "GET", api + "metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=auc", ""},
	{"bulk_interval", "GET", api + "metrics/get-history-bulk-interval?run_ids={run:rf}&run_ids={run:lgbm}&metric_key=auc", ""},
	{"bulk_interval_range", "GET", ajax + "metrics/get-history-bulk-interval?run_ids={run:rf}&metric_key=auc&start_step=1&end_step=2", ""},
	{"bulk_interval_sampled", "GET", api + "metrics/get-history-bulk-interval?run_ids={run:rf}&metric_key=auc&max_results=1", ""},
	{"bulk_interval_half_range", "GET", api + "metrics/get-history-bulk-interval?run_ids={run:rf}&metric_key=auc&start_step=1", ""},
	{"bulk_interval_bad_max", "GET", api + "metrics/get-history-bulk-interval?run_ids={run:rf}&metric_key=auc&max_results=2501", ""},
	{"bulk_interval_no_runs", "GET", api + "metrics/get-history-bulk-interval?metric_key=auc", ""},
	{"bulk", "GET", ajax + "metrics/get-history-bulk?run_id={run:rf}&metric_key=auc&max_results=2", ""},
	{"bulk_not_on_api_prefix", "GET", api + "metrics/get-history-bulk?run_id={run:rf}&metric_key=auc", ""},

	// The UI's dataset summaries.
	{"search_datasets", "POST", ajax + "experiments/search-datasets", `{"experiment_ids": ["1", "99", "1"]}`},
	{"search_datasets_none", "POST", ajax + "experiments/search-datasets", `{}`},
	{"search_datasets_empty_list", "POST", ajax + "experiments/search-datasets", `{"experiment_ids": []}`},
	{"search_datasets_not_strings", "POST", ajax + "experiments/search-datasets", `{"experiment_ids": [1]}`},
	{"search_datasets_too_many", "POST", ajax + "experiments/search-datasets", `{"experiment_ids": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"]}`},
	{"search_datasets_bad_id", "POST", ajax + "experiments/search-datasets", `{"experiment_ids": ["1", "abc"]}`},
	{"search_datasets_get", "GET", ajax + "experiments/search-datasets?experiment_ids=1", ""},
	{"search_datasets_not_on_api_prefix", "POST", api + "experiments/search-datasets", `{"experiment_ids": ["1"]}`},

	// Artifacts.
	{"artifacts_list", "GET", api + "artifacts/list?run_id={run:rf}", ""},
	{"artifacts_list_dir", "GET", api + "artifacts/list?run_id={run:rf}&path=model", ""},
	{"artifacts_list_file", "GET", api + "artifacts/list?run_id={run:rf}&path=notes.txt", ""},
	{"artifacts_list_escape", "GET", api + "artifacts/list?run_id={run:rf}&path=../x", ""},
	{"artifacts_list_missing_run", "GET", api + "artifacts/list?run_id=0123456789abcdef0123456789abcdef", ""},

	// Registry.
	{"registered_models_get", "GET", api + "registered-models/get?name=CreditModel", ""},
	{"registered_models_get_missing", "GET", api + "registered-models/get?name=Nope", ""},
	{"latest_versions", "GET", api + "registered-models/get-latest-versions?name=CreditModel", ""},
	{"latest_versions_stages", "POST", api + "registered-models/get-latest-versions", `{"name": "CreditModel", "stages": ["production", "None"]}`},
	{"latest_versions_bad_stage", "POST", api + "registered-models/get-latest-versions", `{"name": "CreditModel", "stages": ["Bogus"]}`},
	{"latest_versions_missing", "GET", api + "registered-models/get-latest-versions?name=Nope", ""},
	{"alias", "GET", api + "registered-models/alias?name=CreditModel&alias=champion", ""},
	{"alias_unknown", "GET", api + "registered-models/alias?name=CreditModel&alias=nope", ""},
	{"model_versions_get", "GET", api + "model-versions/get?name=CreditModel&version=1", ""},
	{"model_versions_get_number", "GET", api + "model-versions/get", `{"name": "CreditModel", "version": 2}`},
	{"model_versions_get_missing", "GET", api + "model-versions/get?name=CreditModel&version=9", ""},
	{"model_versions_get_bad_version", "GET", api + "model-versions/get?name=CreditModel&version=x", ""},
	{"model_versions_get_no_version", "GET", api + "model-versions/get?name=CreditModel", ""},
	{"registered_models_search", "GET", api + "registered-models/search", ""},
	{"registered_models_search_post", "POST", api + "registered-models/search", `{"filter": "name LIKE 'Cred%'", "order_by": ["name DESC"]}`},
	{"registered_models_search_page", "GET", api + "registered-models/search?max_results=1", ""},
	{"registered_models_search_tag", "GET", api + "registered-models/search?filter=tags.owner+%3D+%27risk%27", ""},
	{"registered_models_search_bad_filter", "GET", api + "registered-models/search?filter=metrics.x+%3E+1", ""},
	{"registered_models_search_huge_max_results", "POST", api + "registered-models/search", `{"max_results": 1001}`},
	{"registered_models_search_bad_token", "GET", api + "registered-models/search?page_token=zzz", ""},
	{"model_versions_search", "GET", api + "model-versions/search?filter=name+%3D+%27CreditModel%27", ""},
	{"model_versions_search_run", "POST", api + "model-versions/search", `{"filter": "run_id = '{run:rf}' AND version_number >= 2", "order_by": ["version_number ASC"]}`},
	{"model_versions_search_page", "GET", api + "model-versions/search?max_results=2&order_by=name&order_by=version_number", ""},
	{"model_versions_search_bad_filter", "GET", api + "model-versions/search?filter=version_number+%3D+%27x%27", ""},
	{"model_versions_search_huge_max_results", "GET", api + "model-versions/search?max_results=200001", ""},
	{"download_uri", "GET", api + "model-versions/get-download-uri?name=CreditModel&version=1", ""},

	// Routing.
	{"unknown_endpoint", "GET", api + "nope", ""},
	{"unknown_path", "GET", "/elsewhere", ""},
	{"wrong_method", "POST", api + "runs/get", `{}`},
	{"wrong_method_delete", "DELETE", api + "runs/search", ""},
}

func TestAPIGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range apiCases {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.check(t, tc)
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s %s: got Content-Type %q, want application/json", tc.method, tc.target, ct)
			}
		})
	}
}

// TestNew checks the front door over an mlite.DB.
func TestNew(t *testing.T) {
	db := mlitetest.New(t)
	h := New(db, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", api+"experiments/get-by-name?experiment_name=Default", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"experiment_id":"0"`) {
		t.Errorf("get Default: got %d %s, want 200 with experiment 0", rec.Code, rec.Body)
	}
}

func TestContentTypeRequired(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ ct, want string }{
		{"", `{"error_code":"INVALID_PARAMETER_VALUE","message":"Bad Request. Content-Type header is missing."}`},
		{"text/plain", `{"error_code":"INVALID_PARAMETER_VALUE","message":"Bad Request. Content-Type must be one of ['application/json']."}`},
		{"application/json; charset=utf-8", ""},
	} {
		req := httptest.NewRequest("POST", api+"runs/search", strings.NewReader(`{"experiment_ids": ["1"]}`))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if tc.want == "" {
			if rec.Code != http.StatusOK {
				t.Errorf("Content-Type %q: got %d %s, want 200", tc.ct, rec.Code, rec.Body)
			}
			continue
		}
		if rec.Code != http.StatusBadRequest || rec.Body.String() != tc.want {
			t.Errorf("Content-Type %q: got %d %s, want 400 %s", tc.ct, rec.Code, rec.Body, tc.want)
		}
	}
}
