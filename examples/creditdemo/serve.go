package creditdemo

import (
	"context"
	"fmt"
	"io/fs"
	"path"

	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/serving"
)

// init registers the demo's model types with serving, so that `mlite
// serve models:/CreditDefaultModel@champion` can score loans.
func init() {
	serving.Register(LogisticRegression, loadPredictor)
	serving.Register(BoostedTrees, loadPredictor)
}

// loadPredictor reads the flavor's model_file with ReadModel.
func loadPredictor(files fs.FS, flavor map[string]any) (serving.Predictor, error) {
	name, _ := flavor["model_file"].(string)
	if name == "" {
		name = ModelFile
	}
	f, err := files.Open(path.Clean(name))
	if err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		return nil, err
	}
	if t, _ := flavor["model_type"].(string); t != "" && t != m.Type {
		return nil, fmt.Errorf("%w: model_type %q in MLmodel, %q in %s", ErrModel, t, m.Type, name)
	}
	return predictor{m}, nil
}

// predictor scores frames with a Model, taking its features by column name.
type predictor struct{ m *Model }

// Predict returns the default probability of each row of f.
func (p predictor) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	cols := make([]*mlmodel.Column, len(p.m.Features))
	for j, name := range p.m.Features {
		c, ok := f.Column(name)
		if !ok {
			return nil, fmt.Errorf("creditdemo: input has no column %q", name)
		}
		if c.Floats == nil && c.Ints == nil {
			return nil, fmt.Errorf("creditdemo: column %q is %s, want a number", name, c.Type)
		}
		cols[j] = c
	}
	out := make([]float64, f.Rows)
	x := make([]float64, len(cols))
	for i := range out {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for j, c := range cols {
			if c.IsNull(i) {
				return nil, fmt.Errorf("creditdemo: column %q is null in row %d", p.m.Features[j], i)
			}
			if c.Floats != nil {
				x[j] = c.Floats[i]
			} else {
				x[j] = float64(c.Ints[i])
			}
		}
		out[i] = p.m.Predict(x)
	}
	return out, nil
}
