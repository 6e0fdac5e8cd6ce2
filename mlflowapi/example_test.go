package mlflowapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/mlflowapi"
)

// Serve an mlite file to MLflow's client and UI.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "mlflowapi-example")
	defer os.RemoveAll(dir)
	db, err := mlite.Open(filepath.Join(dir, "mlruns.mlite"), &mlite.Options{NoCapture: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	srv := httptest.NewServer(mlflowapi.New(db, nil)) // or http.ListenAndServe("127.0.0.1:5000", ...)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default")
	if err != nil {
		fmt.Println(err)
		return
	}
	var got struct {
		Experiment struct {
			ExperimentID   string `json:"experiment_id"`
			Name           string `json:"name"`
			LifecycleStage string `json:"lifecycle_stage"`
		} `json:"experiment"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, got.Experiment.ExperimentID, got.Experiment.Name, got.Experiment.LifecycleStage)

	resp, err = http.Get(srv.URL + "/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 200 0 Default active
	// 404 {"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=0123456789abcdef0123456789abcdef not found"}
}
