package lightgbm

import (
	"context"
	"math"
	"os"
	"testing"
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
		x := make([]float64, 3*m.nFeatures)
		for j := range m.nFeatures {
			x[m.nFeatures+j] = math.NaN()
			x[2*m.nFeatures+j] = 1e300
		}
		if _, err := m.PredictMatrix(context.Background(), x, 3); err != nil {
			t.Fatal(err)
		}
	})
}
