package serving_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"testing"

	"github.com/mlite/mlite/serving"
	_ "github.com/mlite/mlite/serving/lightgbm"
	_ "github.com/mlite/mlite/serving/xgboost"
)

// matrixPredictor is what the tree flavors' predictors offer beside
// Predict: scoring a matrix of rows without a Frame.
type matrixPredictor interface {
	PredictMatrix(ctx context.Context, x []float64, rows int) ([]float64, error)
}

// BenchmarkPredictMatrix measures the tree flavors' row loop alone (no
// HTTP, no decoding) on one row and on 1,000 rows of random features.
func BenchmarkPredictMatrix(b *testing.B) {
	for _, dir := range []string{benchModel, "xgboost/testdata/binary-logistic", "xgboost/testdata/multi-softprob"} {
		m, err := serving.LoadFS(os.DirFS(dir))
		if err != nil {
			b.Fatal(err)
		}
		p, ok := m.Predictor.(matrixPredictor)
		if !ok {
			b.Fatalf("%s: a %T has no PredictMatrix", dir, m.Predictor)
		}
		n := len(m.Inputs.Cols)
		r := rand.New(rand.NewPCG(1, 2))
		for _, rows := range []int{1, 1000} {
			x := make([]float64, rows*n)
			for i := range x {
				x[i] = r.NormFloat64()
			}
			b.Run(fmt.Sprintf("%s/rows=%d", path.Base(dir), rows), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					if _, err := p.PredictMatrix(context.Background(), x, rows); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
