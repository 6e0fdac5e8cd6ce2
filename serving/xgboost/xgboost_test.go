package xgboost_test

import (
	"strings"
	"testing"

	"github.com/mlite/mlite/serving/servingtest"
	"github.com/mlite/mlite/serving/xgboost"
)

// TestGolden serves each model under testdata (Boosters of binary:logistic,
// logitraw and hinge, multi:softprob and softmax, reg:squarederror and
// absoluteerror, count:poisson, reg:gamma and a forest; scikit-learn
// classifiers, a regressor and an early-stopped regressor; JSON and UBJSON
// files) and compares its answer with pyfunc's, within 1e-9 (one float32
// step allowed in up to 1% of rows, for the C library's expf).
func TestGolden(t *testing.T) {
	models := servingtest.Golden(t, "testdata", true)
	for _, m := range models {
		if m.Flavor != xgboost.Flavor || !strings.HasPrefix(m.ModelType, "xgboost.") {
			t.Errorf("got flavor %q, model type %q", m.Flavor, m.ModelType)
		}
	}
}
