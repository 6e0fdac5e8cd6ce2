package lightgbm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/serving"
)

// Flavor is the MLflow flavor this package serves.
const Flavor = "lightgbm"

// ErrModel is wrapped by every error about a model file this package
// cannot read or serve.
var ErrModel = errors.New("lightgbm: bad model")

func init() {
	serving.RegisterFlavor(Flavor, serving.Loader(LoadFlavor))
}

// boosterClass is the model_class of a model saved in LightGBM's own
// format; the flavor pickles any other class.
const boosterClass = "lightgbm.basic.Booster"

// LoadFlavor loads the model of a lightgbm flavor whose config is flavor
// from a model directory.
func LoadFlavor(files fs.FS, flavor map[string]any) (*Model, error) {
	data, _ := flavor["data"].(string)
	class, _ := flavor["model_class"].(string)
	if class == "" {
		class = boosterClass
	}
	if class != boosterClass || !strings.HasSuffix(data, ".lgb") {
		format, _ := flavor["serialization_format"].(string)
		return nil, fmt.Errorf("%w: the lightgbm flavor holds a %s saved with %s in %s; only a LightGBM Booster (model.lgb) is served in Go",
			serving.ErrNeedsPython, class, format, data)
	}
	raw, err := serving.ReadFlavorFile(files, flavor, "data", ErrModel)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Model is a LightGBM Booster read from its text format.
type Model struct {
	trees     []tree
	average   bool // random forest: the mean of the iterations, not the sum
	features  []string
	nFeatures int
	groups    int // raw scores per row
	objective string
	transform func(raw, out []float64)
	width     int // 0: one number per row
}

// Parse reads a LightGBM text model (Booster.save_model's format).
func Parse(raw []byte) (m *Model, err error) {
	hdr, err := header(raw)
	if err != nil {
		return nil, err
	}
	m = &Model{}
	if m.nFeatures, err = strconv.Atoi(hdr["max_feature_idx"]); err != nil || m.nFeatures < 0 || m.nFeatures >= 1<<24 {
		return nil, fmt.Errorf("%w: max_feature_idx %q is not a feature index", ErrModel, hdr["max_feature_idx"])
	}
	m.nFeatures++
	if names := strings.Fields(hdr["feature_names"]); len(names) == m.nFeatures {
		m.features = names
	}
	m.groups = 1
	if s, ok := hdr["num_tree_per_iteration"]; ok {
		if m.groups, err = strconv.Atoi(s); err != nil || m.groups < 1 || m.groups > 1<<16 {
			return nil, fmt.Errorf("%w: num_tree_per_iteration %q", ErrModel, s)
		}
	}
	if bytes.Contains(raw, []byte("\nis_linear=1\n")) {
		return nil, fmt.Errorf("%w: the model has linear trees (linear_tree=true), which are not served in Go", ErrModel)
	}
	m.objective = hdr["objective"]
	if err := m.setTransform(m.objective); err != nil {
		return nil, err
	}
	if _, m.average = hdr["average_output"]; m.average {
		m.average = true
	}
	if m.trees, err = parseTrees(raw, m.nFeatures); err != nil {
		return nil, err
	}
	if len(m.trees) == 0 || len(m.trees)%m.groups != 0 {
		return nil, fmt.Errorf("%w: %d trees for %d trees per iteration", ErrModel, len(m.trees), m.groups)
	}
	return m, nil
}

// header reads the key=value lines before the first tree.
func header(raw []byte) (map[string]string, error) {
	hdr := map[string]string{}
	first := true
	for line := range bytes.Lines(raw) {
		line = bytes.TrimRight(line, "\r\n")
		if first {
			if string(line) != "tree" {
				return nil, fmt.Errorf("%w: not a LightGBM text model (the first line is not \"tree\")", ErrModel)
			}
			first = false
			continue
		}
		if bytes.HasPrefix(line, []byte("Tree=")) || bytes.HasPrefix(line, []byte("end of trees")) {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			hdr[string(k)] = string(v)
		} else if len(line) > 0 {
			hdr[string(line)] = "" // a flag such as average_output
		}
	}
	if first {
		return nil, fmt.Errorf("%w: empty model file", ErrModel)
	}
	if _, ok := hdr["max_feature_idx"]; !ok {
		return nil, fmt.Errorf("%w: no max_feature_idx in the header", ErrModel)
	}
	return hdr, nil
}

// setTransform sets how raw scores become pyfunc's answer for objective
// (its name, then key:value parameters or flags, as LightGBM writes it).
func (m *Model) setTransform(objective string) error {
	fields := strings.Fields(objective)
	if len(fields) == 0 {
		fields = []string{"custom"}
	}
	params := map[string]float64{}
	flags := map[string]bool{}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			flags[f] = true
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%w: objective %q: parameter %s is not a number", ErrModel, objective, f)
		}
		params[k] = x
	}
	sigmoid := func(def float64) float64 {
		if s, ok := params["sigmoid"]; ok {
			return s
		}
		return def
	}
	one := func(f func(float64) float64) func(raw, out []float64) {
		return func(raw, out []float64) { out[0] = f(raw[0]) }
	}
	name := fields[0]
	perClass := name == "multiclass" || name == "multiclassova"
	if perClass != (m.groups > 1) {
		return fmt.Errorf("%w: objective %q with %d trees per iteration", ErrModel, objective, m.groups)
	}
	switch name {
	case "binary":
		s := sigmoid(1)
		m.transform = one(func(x float64) float64 { return 1 / (1 + math.Exp(-s*x)) })
	case "cross_entropy", "xentropy":
		m.transform = one(func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
	case "cross_entropy_lambda", "xentlambda":
		m.transform = one(func(x float64) float64 { return math.Log1p(math.Exp(x)) })
	case "poisson", "gamma", "tweedie":
		m.transform = one(math.Exp)
	case "regression", "regression_l2", "l2", "mean_squared_error", "mse", "l2_root", "root_mean_squared_error", "rmse",
		"regression_l1", "l1", "mean_absolute_error", "mae", "huber", "fair", "quantile", "mape", "mean_absolute_percentage_error",
		"lambdarank", "rank_xendcg", "custom":
		if flags["sqrt"] {
			m.transform = one(func(x float64) float64 { return math.Copysign(x*x, x) })
		} else {
			m.transform = one(func(x float64) float64 { return x })
		}
	case "multiclass":
		m.width = m.groups
		m.transform = softmax
	case "multiclassova":
		m.width = m.groups
		s := sigmoid(1)
		m.transform = func(raw, out []float64) {
			for i, x := range raw {
				out[i] = 1 / (1 + math.Exp(-s*x))
			}
		}
	default:
		return fmt.Errorf("%w: objective %q is not served in Go", ErrModel, objective)
	}
	return nil
}

// softmax is LightGBM's: exp of each score less the largest, over their sum.
func softmax(raw, out []float64) {
	top := raw[0]
	for _, x := range raw {
		top = max(top, x)
	}
	sum := 0.0
	for i, x := range raw {
		out[i] = math.Exp(x - top)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
}

// Features returns the model's feature names, in order (nil if the file
// does not name them).
func (m *Model) Features() []string { return m.features }

// Width is the number of answers per row: the classes of a multiclass
// model, 0 for one number per row.
func (m *Model) Width() int { return m.width }

// Objective is the objective line of the model's header.
func (m *Model) Objective() string { return m.objective }

// Predict scores the rows of f, whose columns are the model's features in
// order.
func (m *Model) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	return serving.PredictFrame(ctx, f, m.nFeatures, m.PredictMatrix)
}

// PredictMatrix scores rows rows of features, row after row. Its row loop
// is its own, not serving.ScoreRows: through ScoreRows' per-row call a
// 100-tree model scored 1,000 rows about 6% slower.
func (m *Model) PredictMatrix(ctx context.Context, x []float64, rows int) ([]float64, error) {
	if len(x) != rows*m.nFeatures {
		return nil, fmt.Errorf("lightgbm: %d numbers for %d rows of %d features", len(x), rows, m.nFeatures)
	}
	out := make([]float64, rows*max(m.width, 1))
	raw := make([]float64, m.groups)
	w := len(out) / max(rows, 1)
	iterations := float64(len(m.trees) / m.groups)
	for i := range rows {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row := x[i*m.nFeatures : (i+1)*m.nFeatures]
		clear(raw)
		for t := range m.trees {
			raw[t%m.groups] += m.trees[t].predict(row)
		}
		if m.average {
			for k := range raw {
				raw[k] /= iterations
			}
		}
		m.transform(raw, out[i*w:(i+1)*w])
	}
	return out, nil
}
