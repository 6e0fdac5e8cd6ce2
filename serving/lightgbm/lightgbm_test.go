package lightgbm_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mlite/mlite/serving"
	"github.com/mlite/mlite/serving/lightgbm"
	"github.com/mlite/mlite/serving/servingtest"
)

// TestGolden serves each model under testdata (objectives binary, with a
// sigmoid of 2, multiclass, multiclassova, regression, l1, huber, poisson,
// cross_entropy, a random forest, a categorical feature and zeros as
// missing values) and compares its answer with pyfunc's, within 1e-9.
func TestGolden(t *testing.T) {
	models := servingtest.Golden(t, "testdata", false, "sklearn-classifier")
	for _, m := range models {
		if m.Flavor != lightgbm.Flavor || m.ModelType != "lightgbm.basic.Booster" {
			t.Errorf("got flavor %q, model type %q; want lightgbm, lightgbm.basic.Booster", m.Flavor, m.ModelType)
		}
	}
}

// TestSklearnNeedsPython: a scikit-learn estimator the flavor serialized
// (skops or pickle) is refused with ErrNeedsPython, naming what it is.
func TestSklearnNeedsPython(t *testing.T) {
	_, err := serving.LoadFS(os.DirFS("testdata/sklearn-classifier"))
	if !errors.Is(err, serving.ErrNeedsPython) {
		t.Fatalf("got %v, want ErrNeedsPython", err)
	}
	for _, want := range []string{"lightgbm.sklearn.LGBMClassifier", "model.skops"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to name %s", err, want)
		}
	}
}
