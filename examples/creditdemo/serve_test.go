package creditdemo

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/serving"
)

// testLogReg is a hand-made logistic regression over the eight features.
func testLogReg() *Model {
	n := len(FeatureNames)
	m := &Model{Type: LogisticRegression, Features: FeatureNames, Threshold: 0.5,
		Mean: make([]float64, n), Scale: make([]float64, n), Weights: make([]float64, n), Importance: make([]float64, n)}
	for j := range n {
		m.Scale[j], m.Weights[j], m.Importance[j] = 1, 0.001*float64(j+1), 1/float64(n)
	}
	m.Bias = -3
	return m
}

func TestServePredictor(t *testing.T) {
	m := testLogReg()
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{ModelFile: {Data: data}}
	if !slices.Equal(serving.ModelTypes(), []string{BoostedTrees, LogisticRegression}) {
		t.Fatalf("serving.ModelTypes() = %v, want %s and %s", serving.ModelTypes(), BoostedTrees, LogisticRegression)
	}
	p, err := loadPredictor(files, map[string]any{"model_file": ModelFile, "model_type": LogisticRegression})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := mlmodel.InferSchema([]Loan{})
	if err != nil {
		t.Fatal(err)
	}
	loans := Generate(1, 5).Rows
	raw, _ := json.Marshal(loans)
	var rows []map[string]any
	json.Unmarshal(raw, &rows)
	f, err := schema.Enforce(rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Predict(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range loans {
		if want := m.PredictLoan(l); got[i] != want {
			t.Errorf("row %d: got %v, want %v", i, got[i], want)
		}
	}

	// A frame without a feature, and a feature of the wrong type.
	short := &mlmodel.Frame{Rows: f.Rows, Columns: f.Columns[1:]}
	if _, err := p.Predict(context.Background(), short); err == nil || !strings.Contains(err.Error(), FeatureNames[0]) {
		t.Errorf("missing %s: got %v, want an error naming it", FeatureNames[0], err)
	}
	text := &mlmodel.Frame{Rows: 1, Columns: []mlmodel.Column{{Name: "income", Type: mlmodel.Type{Kind: mlmodel.String}, Strings: []string{"x"}}}}
	if _, err := p.Predict(context.Background(), text); err == nil || !strings.Contains(err.Error(), "income") {
		t.Errorf("text income: got %v, want an error naming income", err)
	}

	// Loader errors.
	for _, tt := range []struct {
		files  fstest.MapFS
		flavor map[string]any
	}{
		{fstest.MapFS{}, map[string]any{"model_file": ModelFile}},
		{fstest.MapFS{ModelFile: {Data: []byte(`{}`)}}, map[string]any{"model_file": ModelFile}},
		{files, map[string]any{"model_file": ModelFile, "model_type": BoostedTrees}},
	} {
		if _, err := loadPredictor(tt.files, tt.flavor); err == nil {
			t.Errorf("loadPredictor(%v): got nil error", tt.flavor)
		}
	}
}
