package viewer

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/mlite/mlite/mlitetest"
)

// TestUnknownAPIPaths checks that every path under /api/ and /ajax-api/
// that nothing serves answers MLflow's JSON ENDPOINT_NOT_FOUND with 404,
// whatever the method and whether MLflow's API is mounted: never the
// viewer's 404 page or a 405.
func TestUnknownAPIPaths(t *testing.T) {
	db := mlitetest.New(t)
	for _, noAPI := range []bool{false, true} {
		v, err := New(db, &Options{NoMLflowAPI: noAPI, MLflowWrites: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			"/api/3.0/mlflow/logged-models/nope", "/api/3.0/mlflow/traces", "/api/2.0/mlflow/nope",
			"/api/2.0/preview/mlflow/x", "/api/nope", "/api/", "/ajax-api/3.0/mlflow/x", "/ajax-api/2.0/nope",
			"/ajax-api/", "/api/mlite/nothing", "/api/mlite/experiments/x/y/z",
		} {
			for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
				rec := httptest.NewRecorder()
				v.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
				var e struct {
					Code string `json:"error_code"`
				}
				err := json.Unmarshal(rec.Body.Bytes(), &e)
				if rec.Code != http.StatusNotFound || err != nil || e.Code != "ENDPOINT_NOT_FOUND" || rec.Header().Get("Content-Type") != "application/json" {
					t.Errorf("no API %v: %s %s: got %d %s %q, want 404 JSON ENDPOINT_NOT_FOUND", noAPI, method, path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
				}
			}
		}
	}
}

// TestGraphQLMounted checks that MLflow's /graphql reaches package
// mlflowapi, in a read-only viewer too (every field only reads), and is
// the 404 page when MLflow's API is not mounted.
func TestGraphQLMounted(t *testing.T) {
	db := mlitetest.New(t)
	for _, tc := range []struct {
		opts Options
		want int
	}{
		{Options{}, http.StatusOK},
		{Options{MLflowWrites: true}, http.StatusOK},
		{Options{NoMLflowAPI: true}, http.StatusNotFound},
	} {
		v, err := New(db, &tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		v.ServeHTTP(rec, httptest.NewRequest("GET", "/graphql?query="+url.QueryEscape(`{ test(inputString: "abc") { output } }`), nil))
		if rec.Code != tc.want {
			t.Errorf("%+v: got %d %s, want %d", tc.opts, rec.Code, rec.Body, tc.want)
		}
		if tc.want == http.StatusOK && rec.Body.String() != `{"data":{"test":{"output":"abc"}},"errors":null}` {
			t.Errorf("%+v: got %s", tc.opts, rec.Body)
		}
	}
}
