package lightgbm

import (
	"os"
	"testing"

	"github.com/mlite/mlite/serving/servingtest"
)

// FuzzParse: any model text parses or fails with ErrModel, and a parsed
// model scores rows of zeros, NaNs and large values without panicking.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"binary", "multiclass", "categorical", "rf"} {
		data, err := os.ReadFile("testdata/" + name + "/model.lgb")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil || m.nFeatures > 1<<12 {
			return
		}
		servingtest.ScoreEdgeRows(t, m.nFeatures, m.PredictMatrix)
	})
}
