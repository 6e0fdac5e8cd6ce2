package mlflowapi

import (
	"encoding/json"
	"testing"

	"github.com/mlite/mlite/store"
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
	{"w_runs_create_missing_parent", "runs/create", `{"experiment_id": "3", "tags": [{"key": "mlflow.parentRunId", "value": "0123456789abcdef0123456789abcdef"}]}`, ""},
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
				var resp struct {
					Run struct {
						Info struct {
							RunID string `json:"run_id"`
						} `json:"info"`
					} `json:"run"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Run.Info.RunID == "" {
					t.Fatalf("%s: no run in %s (%v)", tc.name, rec.Body, err)
				}
				id, err := store.ParseRunID(resp.Run.Info.RunID)
				must(t, err)
				f.runs[tc.newRun] = id
			}
			golden(t, tc.name+".golden", render(t, rec, f.normalize(rec.Body.String())))
		})
	}
}
