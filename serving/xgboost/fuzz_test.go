package xgboost

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/mlite/mlite/serving/servingtest"
)

// FuzzLoad: any model file (JSON or UBJSON) loads or fails with an error,
// and a loaded model scores rows of zeros, NaNs and large values without
// panicking.
func FuzzLoad(f *testing.F) {
	for _, s := range []struct{ dir, file string }{
		{"binary-logistic", "model.json"}, {"multi-softprob", "model.ubj"}, {"forest", "model.ubj"},
	} {
		data, err := os.ReadFile("testdata/" + s.dir + "/" + s.file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, s.file == "model.ubj")
	}
	f.Fuzz(func(t *testing.T, data []byte, ubj bool) {
		name, format := "model.json", "json"
		if ubj {
			name, format = "model.ubj", "ubj"
		}
		files := fstest.MapFS{name: &fstest.MapFile{Data: data}}
		m, err := LoadFlavor(files, map[string]any{"data": name, "model_format": format, "model_class": "xgboost.sklearn.XGBClassifier"})
		if err != nil || m.nFeatures > 1<<12 {
			return
		}
		servingtest.ScoreEdgeRows(t, m.nFeatures, m.PredictMatrix)
	})
}
