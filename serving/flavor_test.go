package serving_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/serving"
	"github.com/mlite/mlite/serving/lightgbm"
)

// TestNeedsPythonCommand: a registered scikit-learn model is refused with
// ErrNeedsPython and the mlflow models serve command that serves it from
// mlite server, naming its URI.
func TestNeedsPythonCommand(t *testing.T) {
	ctx := context.Background()
	db := mlitetest.New(t)
	r, err := db.StartRun(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.pkl"), []byte("\x80\x04K\x01."), 0o644); err != nil {
		t.Fatal(err)
	}
	flavors := map[string]map[string]any{
		"python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl"},
		"sklearn":         {"pickled_model": "model.pkl", "serialization_format": "cloudpickle"},
	}
	if _, _, err := db.Registry().LogModel(ctx, r.ID(), dir, &registry.LogModelOptions{Flavors: flavors, RegisteredModelName: "CreditDefaultModel"}); err != nil {
		t.Fatal(err)
	}
	_, err = serving.Load(ctx, db.Registry(), "models:/CreditDefaultModel/1")
	if !errors.Is(err, serving.ErrNeedsPython) {
		t.Fatalf("got %v, want ErrNeedsPython", err)
	}
	for _, want := range []string{
		"its flavors are python_function, sklearn",
		"mlite serves go_mlite, lightgbm",
		`mlflow models serve -m "models:/CreditDefaultModel/1"`,
		"MLFLOW_TRACKING_URI=http://127.0.0.1:5000",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
}

// lightgbmModel is the lightgbm package's golden binary model with its
// MLmodel replaced by mlmodelText (unchanged when "").
func lightgbmModel(t *testing.T, mlmodelText string) fstest.MapFS {
	t.Helper()
	files := fstest.MapFS{}
	for _, name := range []string{"MLmodel", "model.lgb"} {
		data, err := os.ReadFile(filepath.Join("lightgbm", "testdata", "binary", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: data}
	}
	if mlmodelText != "" {
		files["MLmodel"] = &fstest.MapFile{Data: []byte(mlmodelText)}
	}
	return files
}

// TestFlavorBadInput: wrong columns or types sent to a LightGBM model get
// MLflow's 400 error body, never a 500 or an answer.
func TestFlavorBadInput(t *testing.T) {
	m, err := serving.LoadFS(lightgbmModel(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	h := serving.New(m, nil)
	for _, tt := range []struct {
		name, body, want string
	}{
		{"missing column", `{"dataframe_split": {"columns": ["income", "debt_ratio", "utilisation"], "data": [[1.0, 0.5, 0.2]]}}`, "age"},
		{"string for a double", `{"dataframe_split": {"columns": ["income", "debt_ratio", "age", "utilisation"], "data": [["much", 0.5, 30, 0.2]]}}`, "income"},
		{"float for a long", `{"dataframe_records": [{"income": 1.0, "debt_ratio": 0.5, "age": 30.5, "utilisation": 0.2}]}`, "age"},
		{"object for a number", `{"instances": [{"income": {"a": 1}, "debt_ratio": 0.5, "age": 30, "utilisation": 0.2}]}`, "income"},
		{"no input field", `{"rows": [[1, 2, 3, 4]]}`, "dataframe_split"},
		{"not JSON", `{"dataframe_split": `, "Invalid input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/invocations", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var body struct {
				ErrorCode string `json:"error_code"`
				Message   string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != 400 || body.ErrorCode != "BAD_REQUEST" || !strings.HasPrefix(body.Message, "Invalid input.") || !strings.Contains(body.Message, tt.want) {
				t.Errorf("got %d %+v, want 400 BAD_REQUEST with an Invalid input message naming %q", rec.Code, body, tt.want)
			}
		})
	}
}

// TestFlavorSignatureMismatch: a signature whose columns do not fit the
// model's features, or are not numbers, is refused at load, not on every
// request.
func TestFlavorSignatureMismatch(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("lightgbm", "testdata", "binary", "MLmodel"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{"a column too few", `{"type": "double", "name": "income", "required": true}, `, "", "3 input columns and the lightgbm model 4 features"},
		{"a string column", `{"type": "double", "name": "income"`, `{"type": "string", "name": "income"`, `"income" is string`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(good), tt.from, tt.to, 1)
			if text == string(good) {
				t.Fatalf("the MLmodel has no %q", tt.from)
			}
			_, err := serving.LoadFS(lightgbmModel(t, text))
			if !errors.Is(err, serving.ErrNotServable) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrNotServable saying %q", err, tt.want)
			}
		})
	}
	// Without a signature, the model's feature names check requests.
	var noSig []string
	inSig := false
	for _, line := range strings.Split(string(good), "\n") {
		if !strings.HasPrefix(line, " ") {
			inSig = strings.HasPrefix(line, "signature:")
		}
		if !inSig {
			noSig = append(noSig, line)
		}
	}
	m, err := serving.LoadFS(lightgbmModel(t, strings.Join(noSig, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Inputs.Names(); strings.Join(got, ",") != "income,debt_ratio,age,utilisation" || m.Flavor != lightgbm.Flavor {
		t.Errorf("got inputs %v, flavor %s; want the model's features", got, m.Flavor)
	}
}
