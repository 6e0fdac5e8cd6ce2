package mlflowapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

const proxy = "/api/2.0/mlflow-artifacts/artifacts"

// proxyCases are requests to the artifact proxy, run in order over one
// fixture, with their answers in testdata/<name>.golden.
var proxyCases = []goldenCase{
	{"proxy_upload", "PUT", proxy + "/1/{run:lgbm}/artifacts/eval/report.txt", "fine\n"},
	{"proxy_upload_again", "PUT", proxy + "/1/{run:lgbm}/artifacts/eval/report.txt", "finer\n"},
	{"proxy_upload_root", "PUT", proxy + "/1/{run:lgbm}/artifacts", "x"},
	{"proxy_upload_escape", "PUT", ajax[:len(ajax)-len("mlflow/")] + "mlflow-artifacts/artifacts/1/{run:lgbm}/artifacts/a/../../x", "x"},
	{"proxy_upload_wrong_experiment", "PUT", proxy + "/7/{run:lgbm}/artifacts/x.txt", "x"},
	{"proxy_upload_unknown_run", "PUT", proxy + "/1/0123456789abcdef0123456789abcdef/artifacts/x.txt", "x"},
	{"proxy_upload_not_a_run", "PUT", proxy + "/1/models/m-123/artifacts/x.txt", "x"},
	{"proxy_upload_deleted_run", "PUT", proxy + "/1/{run:svm}/artifacts/x.txt", "x"},
	{"proxy_list", "GET", proxy + "?path=1/{run:lgbm}/artifacts", ""},
	{"proxy_list_dir", "GET", proxy + "?path=1/{run:lgbm}/artifacts/eval", ""},
	{"proxy_list_missing", "GET", proxy + "?path=1/{run:lgbm}/artifacts/nope", ""},
	{"proxy_list_no_path", "GET", proxy, ""},
	{"proxy_download_missing", "GET", proxy + "/1/{run:lgbm}/artifacts/nope.txt", ""},
	{"proxy_delete", "DELETE", proxy + "/1/{run:lgbm}/artifacts/eval", ""},
	{"proxy_delete_missing", "DELETE", proxy + "/1/{run:lgbm}/artifacts/eval", ""},
	{"proxy_post", "POST", proxy + "/1/{run:lgbm}/artifacts/x.txt", "{}"},
}

func TestProxyGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range proxyCases {
		t.Run(tc.name, func(t *testing.T) {
			f.check(t, tc)
		})
		if tc.name == "proxy_upload_again" {
			// The file reads back as last uploaded.
			rec := f.do(t, "GET", proxy+"/1/{run:lgbm}/artifacts/eval/report.txt", "")
			if rec.Code != http.StatusOK || rec.Body.String() != "finer\n" {
				t.Errorf("download after upload: got %d %q, want 200 \"finer\\n\"", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("download Content-Type: got %q, want text/plain; charset=utf-8", ct)
			}
		}
	}
	// The run's listing through MLflow's tracking API sees the proxy's
	// writes and deletes.
	rec := f.do(t, "GET", api+"artifacts/list?run_id={run:lgbm}", "")
	var got struct {
		Files []struct{ Path string } `json:"files"`
	}
	must(t, json.Unmarshal(rec.Body.Bytes(), &got))
	if len(got.Files) != 0 {
		t.Errorf("artifacts/list after delete: got %s, want no files", rec.Body)
	}
}
