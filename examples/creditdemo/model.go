package creditdemo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Model types, the model_type of the go_mlite flavor.
const (
	LogisticRegression = "logistic_regression"
	BoostedTrees       = "gradient_boosted_trees"
)

// ModelFile is the name of a model's JSON file in its model directory.
const ModelFile = "model.json"

// Limits ReadModel enforces on a model file.
const (
	maxModelBytes = 16 << 20
	maxTrees      = 10_000
	maxNodes      = 1 << 16
)

// ErrModel is wrapped by every error about a malformed model file.
var ErrModel = errors.New("creditdemo: invalid model file")

// Model is a trained model as its JSON file holds it: enough to score loans
// from Go with no other input.
type Model struct {
	// Type is LogisticRegression or BoostedTrees.
	Type string `json:"model_type"`
	// Features names the inputs in the order Predict takes them.
	Features []string `json:"features"`
	// Threshold is the probability at or above which a loan is predicted
	// to default (chosen on the training set to maximize F1).
	Threshold float64 `json:"threshold"`
	// Importance is each feature's importance, summing to 1.
	Importance []float64 `json:"feature_importance"`

	// Logistic regression: p = sigmoid(Bias + Σ Weights[j]·(x[j]-Mean[j])/Scale[j]).
	Mean    []float64 `json:"mean,omitempty"`
	Scale   []float64 `json:"scale,omitempty"`
	Weights []float64 `json:"weights,omitempty"`
	Bias    float64   `json:"bias,omitempty"`

	// Boosted trees: p = sigmoid(BaseScore + Σ tree(x)); leaf values are
	// already scaled by the learning rate.
	BaseScore float64 `json:"base_score,omitempty"`
	Trees     []Tree  `json:"trees,omitempty"`
}

// Tree is a binary decision tree stored as a node array; node 0 is the root.
type Tree struct {
	Nodes []Node `json:"nodes"`
}

// Node is a split (Feature >= 0: x[Feature] <= Threshold goes Left, else
// Right) or a leaf (Feature = -1) with its Value.
type Node struct {
	Feature   int     `json:"feature"`
	Threshold float64 `json:"threshold,omitempty"`
	Left      int     `json:"left,omitempty"`
	Right     int     `json:"right,omitempty"`
	Value     float64 `json:"value,omitempty"`
}

// Margin returns the model's log-odds for the feature vector x.
func (m *Model) Margin(x []float64) float64 {
	switch m.Type {
	case LogisticRegression:
		z := m.Bias
		for j, w := range m.Weights {
			z += w * (x[j] - m.Mean[j]) / m.Scale[j]
		}
		return z
	case BoostedTrees:
		z := m.BaseScore
		for i := range m.Trees {
			z += m.Trees[i].eval(x)
		}
		return z
	}
	return math.NaN()
}

// Predict returns the probability that the loan with features x (in the
// order of Features; x must have at least that many values) defaults.
func (m *Model) Predict(x []float64) float64 { return sigmoid(m.Margin(x)) }

// PredictLoan returns the probability that l defaults.
func (m *Model) PredictLoan(l Loan) float64 { return m.Predict(l.Vector()) }

// PredictAll returns the probabilities of every row of xs.
func (m *Model) PredictAll(xs [][]float64) []float64 {
	p := make([]float64, len(xs))
	for i, x := range xs {
		p[i] = m.Predict(x)
	}
	return p
}

func (t *Tree) eval(x []float64) float64 {
	n := &t.Nodes[0]
	for n.Feature >= 0 {
		if x[n.Feature] <= n.Threshold {
			n = &t.Nodes[n.Left]
		} else {
			n = &t.Nodes[n.Right]
		}
	}
	return n.Value
}

// Marshal returns the model's JSON file (compact: a tree model has
// thousands of nodes).
func (m *Model) Marshal() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("creditdemo: encode model: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadModel reads a model's JSON file (at most 16 MiB) and checks that it
// can be evaluated: known type, consistent lengths, tree children in range
// and after their parent (so evaluation ends). Errors wrap ErrModel.
func ReadModel(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("creditdemo: read model: %w", err)
	}
	if len(b) > maxModelBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrModel, maxModelBytes)
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Model) validate() error {
	nf := len(m.Features)
	if nf == 0 {
		return fmt.Errorf("%w: no features", ErrModel)
	}
	switch m.Type {
	case LogisticRegression:
		if len(m.Weights) != nf || len(m.Mean) != nf || len(m.Scale) != nf {
			return fmt.Errorf("%w: %d features but %d weights, %d means, %d scales",
				ErrModel, nf, len(m.Weights), len(m.Mean), len(m.Scale))
		}
		for j, s := range m.Scale {
			if !(s > 0) {
				return fmt.Errorf("%w: scale of feature %q is %v, not positive", ErrModel, m.Features[j], s)
			}
		}
	case BoostedTrees:
		if len(m.Trees) > maxTrees {
			return fmt.Errorf("%w: %d trees, more than %d", ErrModel, len(m.Trees), maxTrees)
		}
		for ti, t := range m.Trees {
			if len(t.Nodes) == 0 || len(t.Nodes) > maxNodes {
				return fmt.Errorf("%w: tree %d has %d nodes", ErrModel, ti, len(t.Nodes))
			}
			for ni, n := range t.Nodes {
				if n.Feature < 0 {
					if n.Feature != -1 {
						return fmt.Errorf("%w: tree %d node %d: feature %d", ErrModel, ti, ni, n.Feature)
					}
					continue
				}
				if n.Feature >= nf {
					return fmt.Errorf("%w: tree %d node %d: feature %d of %d", ErrModel, ti, ni, n.Feature, nf)
				}
				if n.Left <= ni || n.Right <= ni || n.Left >= len(t.Nodes) || n.Right >= len(t.Nodes) {
					return fmt.Errorf("%w: tree %d node %d: children %d and %d out of order or range",
						ErrModel, ti, ni, n.Left, n.Right)
				}
			}
		}
	default:
		return fmt.Errorf("%w: unknown model_type %q", ErrModel, m.Type)
	}
	return nil
}
