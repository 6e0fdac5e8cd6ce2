package xgboost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/ubjson"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/serving"
)

// Flavor is the MLflow flavor this package serves.
const Flavor = "xgboost"

// ErrModel is wrapped by every error about a model file this package
// cannot read or serve.
var ErrModel = errors.New("xgboost: bad model")

func init() {
	serving.RegisterFlavor(Flavor, serving.Loader(LoadFlavor))
}

// LoadFlavor loads the model of an xgboost flavor whose config is flavor
// from a model directory.
func LoadFlavor(files fs.FS, flavor map[string]any) (*Model, error) {
	data, _ := flavor["data"].(string)
	format, _ := flavor["model_format"].(string)
	if format == "" {
		format = strings.TrimPrefix(path.Ext(data), ".")
	}
	class, _ := flavor["model_class"].(string)
	if class == "" {
		class = "xgboost.core.Booster"
	}
	if format != "json" && format != "ubj" {
		return nil, fmt.Errorf("%w: model_format %q: only json and ubj models are served in Go (save the model with model_format=\"ubj\")", ErrModel, format)
	}
	raw, err := serving.ReadFlavorFile(files, flavor, "data", ErrModel)
	if err != nil {
		return nil, err
	}
	var doc any
	switch format {
	case "json":
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err = d.Decode(&doc); err == nil {
			if _, e := d.Token(); e != io.EOF {
				err = errors.New("data after the JSON value")
			}
		}
	case "ubj":
		doc, err = ubjson.Decode(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrModel, data, err)
	}
	return build(doc, class)
}

// Model is an XGBoost tree model.
type Model struct {
	trees     []tree
	group     []int     // the output group of each tree
	margin    []float32 // base margin per group
	groups    int
	nFeatures int
	features  []string
	objective string
	class     string
	transform func(margin []float32, out []float64)
	width     int
}

// Objective is the model's objective name (binary:logistic, ...).
func (m *Model) Objective() string { return m.objective }

// Features returns the model's feature names, in order (nil if it has
// none).
func (m *Model) Features() []string { return m.features }

// Width is the number of answers per row: the classes of multi:softprob,
// 0 for one number per row.
func (m *Model) Width() int { return m.width }

// Predict scores the rows of f, whose columns are the model's features in
// order.
func (m *Model) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	return serving.PredictFrame(ctx, f, m.nFeatures, m.PredictMatrix)
}

// PredictMatrix scores rows rows of features, row after row.
func (m *Model) PredictMatrix(ctx context.Context, x []float64, rows int) ([]float64, error) {
	row32 := make([]float32, m.nFeatures)
	sum := make([]float32, m.groups)
	return serving.ScoreRows(ctx, x, rows, m.nFeatures, m.width, func(row, out []float64) {
		for j, v := range row {
			row32[j] = float32(v) // XGBoost's DMatrix holds float32
		}
		copy(sum, m.margin)
		for t := range m.trees {
			sum[m.group[t]] += m.trees[t].predict(row32)
		}
		m.transform(sum, out)
	})
}

// tree is one regression tree; a node whose left child is -1 is a leaf
// whose value is its split condition.
type tree struct {
	left, right []int32
	feature     []int32
	cond        []float32
	defLeft     []bool
}

func (t *tree) predict(row []float32) float32 {
	n := int32(0)
	for t.left[n] != -1 {
		v := row[t.feature[n]]
		switch {
		case v != v: // NaN: missing
			if t.defLeft[n] {
				n = t.left[n]
			} else {
				n = t.right[n]
			}
		case v < t.cond[n]:
			n = t.left[n]
		default:
			n = t.right[n]
		}
	}
	return t.cond[n]
}

// sigmoid is XGBoost's, in float32.
func sigmoid(x float32) float32 {
	return 1 / (expf(min(-x, 88.7)) + 1)
}

// expf is exp in float32, rounded from float64.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }

// softmax is XGBoost's: float32 exp of each margin less the largest, over
// their sum taken in float64 and rounded to float32.
func softmax(m []float32, out []float64) {
	top := m[0]
	for _, x := range m {
		top = max(top, x)
	}
	var sum float64
	for i, x := range m {
		e := expf(x - top)
		out[i] = float64(e)
		sum += float64(e)
	}
	s := float32(sum)
	for i := range out {
		out[i] = float64(float32(out[i]) / s)
	}
}

// argmax is the first index of the largest value.
func argmax(p []float32) int {
	best := 0
	for i, x := range p {
		if x > p[best] {
			best = i
		}
	}
	return best
}

// link is how an objective maps a margin to its output, and the base
// score to a margin.
type link int

const (
	identity link = iota
	logistic
	exponential
)

// objectives lists the objectives served and their links.
var objectives = map[string]link{
	"binary:logistic": logistic, "reg:logistic": logistic, "binary:logitraw": identity,
	"reg:squarederror": identity, "reg:absoluteerror": identity, "reg:pseudohubererror": identity,
	"reg:squaredlogerror": identity, "reg:quantileerror": identity, "reg:linear": identity,
	"rank:pairwise": identity, "rank:ndcg": identity, "rank:map": identity,
	"count:poisson": exponential, "reg:gamma": exponential, "reg:tweedie": exponential, "survival:cox": exponential,
	"multi:softprob": identity, "multi:softmax": identity, "binary:hinge": identity,
}

// build makes a Model of a decoded model document.
func build(doc any, class string) (*Model, error) {
	learner := obj(obj(doc)["learner"])
	if learner == nil {
		return nil, fmt.Errorf("%w: no learner object", ErrModel)
	}
	m := &Model{class: class}
	param := obj(learner["learner_model_param"])
	m.objective, _ = obj(learner["objective"])["name"].(string)
	lk, ok := objectives[m.objective]
	if !ok {
		return nil, fmt.Errorf("%w: objective %q is not served in Go", ErrModel, m.objective)
	}
	var err error
	if m.nFeatures, err = intParam(param, "num_feature"); err != nil || m.nFeatures < 1 || m.nFeatures > 1<<24 {
		return nil, fmt.Errorf("%w: num_feature %v", ErrModel, param["num_feature"])
	}
	classes, err := intParam(param, "num_class")
	if err != nil || classes < 0 || classes > 1<<16 {
		return nil, fmt.Errorf("%w: num_class %v", ErrModel, param["num_class"])
	}
	if t, err := intParam(param, "num_target"); err == nil && t > 1 {
		return nil, fmt.Errorf("%w: a model with %d targets is not served in Go", ErrModel, t)
	}
	m.groups = max(classes, 1)
	for _, n := range list(learner["feature_names"]) {
		s, _ := n.(string)
		m.features = append(m.features, s)
	}
	if len(m.features) != m.nFeatures {
		m.features = nil
	}
	for _, ft := range list(learner["feature_types"]) {
		if ft == "c" {
			return nil, fmt.Errorf("%w: categorical features are not served in Go", ErrModel)
		}
	}
	if err := m.setMargin(param["base_score"], lk); err != nil {
		return nil, err
	}
	gb := obj(learner["gradient_booster"])
	switch name, _ := gb["name"].(string); name {
	case "gbtree":
	default:
		return nil, fmt.Errorf("%w: booster %q is not served in Go (gbtree is)", ErrModel, name)
	}
	model := obj(gb["model"])
	trees := list(model["trees"])
	info := list(model["tree_info"])
	if len(info) != len(trees) {
		return nil, fmt.Errorf("%w: %d trees and %d tree_info entries", ErrModel, len(trees), len(info))
	}
	limit := len(trees)
	if strings.HasPrefix(class, "xgboost.sklearn.") {
		if limit, err = bestIteration(learner, model, len(trees)); err != nil {
			return nil, err
		}
	}
	for i, tv := range trees[:limit] {
		t, err := buildTree(obj(tv), m.nFeatures)
		if err != nil {
			return nil, fmt.Errorf("%w: tree %d: %w", ErrModel, i, err)
		}
		g, err := toInt(info[i])
		if err != nil || g < 0 || g >= m.groups {
			return nil, fmt.Errorf("%w: tree %d is in group %v of %d", ErrModel, i, info[i], m.groups)
		}
		m.trees = append(m.trees, t)
		m.group = append(m.group, g)
	}
	return m, m.setTransform(lk)
}

// bestIteration is how many trees the scikit-learn wrapper predicts
// with: those up to its best_iteration attribute, when it has one.
func bestIteration(learner, model map[string]any, n int) (int, error) {
	s, ok := obj(learner["attributes"])["best_iteration"].(string)
	if !ok {
		return n, nil
	}
	best, err := strconv.Atoi(s)
	indptr := list(model["iteration_indptr"])
	if err != nil || best < 0 || best+1 >= len(indptr) {
		return 0, fmt.Errorf("%w: best_iteration %q of %d iterations", ErrModel, s, len(indptr)-1)
	}
	end, err := toInt(indptr[best+1])
	if err != nil || end < 0 || end > n {
		return 0, fmt.Errorf("%w: iteration_indptr %v", ErrModel, indptr[best+1])
	}
	return end, nil
}

// setMargin reads base_score ("0.5", or "[5E-1]" and "[a,b,c]" as
// XGBoost 3 writes it) into a margin per group.
func (m *Model) setMargin(v any, lk link) error {
	s, _ := v.(string)
	s = strings.TrimSpace(s)
	var parts []string
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		parts = strings.Split(s[1:len(s)-1], ",")
	} else {
		parts = []string{s}
	}
	if len(parts) != 1 && len(parts) != m.groups {
		return fmt.Errorf("%w: base_score %q for %d groups", ErrModel, s, m.groups)
	}
	m.margin = make([]float32, m.groups)
	for g := range m.margin {
		p := parts[min(g, len(parts)-1)]
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return fmt.Errorf("%w: base_score %q", ErrModel, s)
		}
		b := float32(f)
		switch {
		case m.objective == "multi:softprob" || m.objective == "multi:softmax":
			// XGBoost keeps a multi-class intercept as margins already.
		case lk == logistic:
			if !(b > 0 && b < 1) {
				return fmt.Errorf("%w: base_score %v is not a probability", ErrModel, b)
			}
			b = float32(-math.Log(float64(1/b - 1)))
		case lk == exponential:
			if !(b > 0) {
				return fmt.Errorf("%w: base_score %v is not positive", ErrModel, b)
			}
			b = float32(math.Log(float64(b)))
		}
		m.margin[g] = b
	}
	return nil
}

// setTransform sets how margins become pyfunc's answer.
func (m *Model) setTransform(lk link) error {
	sklearnClassifier := strings.HasPrefix(m.class, "xgboost.sklearn.") && strings.HasSuffix(m.class, "Classifier")
	switch {
	case m.objective == "multi:softprob" || m.objective == "multi:softmax":
		if m.groups < 2 {
			return fmt.Errorf("%w: %s with num_class %d", ErrModel, m.objective, m.groups)
		}
		if m.objective == "multi:softmax" || sklearnClassifier {
			m.transform = func(mg []float32, out []float64) { out[0] = float64(argmax(mg)) }
			return nil
		}
		m.width = m.groups
		m.transform = softmax
		return nil
	case m.groups != 1:
		return fmt.Errorf("%w: %s with num_class %d", ErrModel, m.objective, m.groups)
	case m.objective == "binary:hinge":
		m.transform = func(mg []float32, out []float64) {
			out[0] = 0
			if mg[0] > 0 {
				out[0] = 1
			}
		}
	case lk == logistic && sklearnClassifier:
		m.transform = func(mg []float32, out []float64) {
			out[0] = 0
			if sigmoid(mg[0]) > 0.5 {
				out[0] = 1
			}
		}
	case lk == logistic:
		m.transform = func(mg []float32, out []float64) { out[0] = float64(sigmoid(mg[0])) }
	case lk == exponential:
		m.transform = func(mg []float32, out []float64) { out[0] = float64(expf(mg[0])) }
	default:
		m.transform = func(mg []float32, out []float64) { out[0] = float64(mg[0]) }
	}
	return nil
}
