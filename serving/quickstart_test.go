package serving_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/examples/creditdemo"
	"github.com/mlite/mlite/serving"
)

// TestQuickstartChampion builds the quickstart store, serves its champion
// and scores the model's own input example: the probabilities must be the
// ones demo's model computes for those loans.
func TestQuickstartChampion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the quickstart store")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.mlite")
	if _, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 4}); err != nil {
		t.Fatal(err)
	}
	db, err := mlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	uri := "models:/" + creditdemo.ModelName + "@champion"
	m, err := serving.Load(ctx, db.Registry(), uri)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version == nil || m.ModelType == "" {
		t.Fatalf("Load(%s): got version %v, type %q", uri, m.Version, m.ModelType)
	}

	// The example and the model as a user reads them from the registry.
	read := func(name string) []byte {
		t.Helper()
		rc, err := db.Registry().OpenFile(ctx, creditdemo.ModelName, m.Version.Version, name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var raw json.RawMessage
		if err := json.NewDecoder(rc).Decode(&raw); err != nil {
			t.Fatal(err)
		}
		return raw
	}
	if m.MLmodel.SavedInputExample == nil {
		t.Fatal("the champion has no input example")
	}
	example := read(m.MLmodel.SavedInputExample.ArtifactPath)
	file, _ := m.MLmodel.Flavors["go_mlite"]["model_file"].(string)
	model, err := creditdemo.ReadModel(strings.NewReader(string(read(file))))
	if err != nil {
		t.Fatal(err)
	}
	var split struct {
		Columns []string
		Data    [][]any
	}
	if err := json.Unmarshal(example, &split); err != nil {
		t.Fatal(err)
	}
	var want []float64
	for _, row := range split.Data {
		rec := map[string]any{}
		for j, c := range split.Columns {
			rec[c] = row[j]
		}
		b, _ := json.Marshal(rec)
		var l creditdemo.Loan
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		want = append(want, model.PredictLoan(l))
	}

	h := serving.New(m, nil)
	for _, ctype := range []string{"application/json", "text/csv"} {
		body := `{"dataframe_split": ` + string(example) + `}`
		if ctype == "text/csv" {
			var sb strings.Builder
			sb.WriteString(strings.Join(split.Columns, ",") + "\n")
			for _, row := range split.Data {
				for j, v := range row {
					if j > 0 {
						sb.WriteByte(',')
					}
					fmt.Fprint(&sb, v)
				}
				sb.WriteByte('\n')
			}
			body = sb.String()
		}
		req := httptest.NewRequest("POST", "/invocations", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: got %d %s, want 200", ctype, rec.Code, rec.Body)
		}
		var got struct{ Predictions []float64 }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Predictions) != len(want) || len(want) == 0 {
			t.Fatalf("%s: got %d predictions, want %d", ctype, len(got.Predictions), len(want))
		}
		for i, p := range got.Predictions {
			if p < 0 || p > 1 || math.Abs(p-want[i]) > 1e-12 {
				t.Errorf("%s: row %d: got %v, want %v in [0, 1]", ctype, i, p, want[i])
			}
		}
	}

	// A loan with a text age is refused naming the column.
	req := httptest.NewRequest("POST", "/invocations", strings.NewReader(`{"dataframe_records": [{"income": 1, "debt_to_income": 0.1, "credit_utilization": 0.5, "age": "old", "late_payments_12m": 0, "open_accounts": 1, "loan_amount": 1000, "employment_years": 2}]}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "age") {
		t.Errorf("text age: got %d %s, want 400 naming age", rec.Code, rec.Body)
	}

	// The same model through its source run.
	byRun, err := serving.Load(ctx, db.Registry(), m.Version.Source)
	if err != nil {
		t.Fatalf("Load(%s): %v", m.Version.Source, err)
	}
	if byRun.Version != nil || byRun.ModelType != m.ModelType {
		t.Errorf("Load(%s): got version %v, type %q; want no version, type %q", m.Version.Source, byRun.Version, byRun.ModelType, m.ModelType)
	}

	if _, err := serving.Load(ctx, db.Registry(), "models:/NoSuchModel/1"); err == nil {
		t.Error("Load of a missing model: got nil error")
	}
}
