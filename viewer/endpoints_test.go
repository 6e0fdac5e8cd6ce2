package viewer

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
