package creditdemo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mlite/mlite/run"
)

// Resampling strategies for the class imbalance.
var strategies = []string{"none", "class_weight", "oversample"}

// Config is one point of the sweep's grid.
type Config struct {
	// Model is LogisticRegression or BoostedTrees.
	Model string
	// Resampling is "none", "class_weight" or "oversample".
	Resampling string
	// Seed drives shuffling, bagging and oversampling.
	Seed int64

	// Logistic regression.
	LearningRate float64
	L2           float64
	Epochs       int
	BatchSize    int

	// Boosted trees (LearningRate is their shrinkage).
	Estimators int
	MaxDepth   int
	Subsample  float64
}

// Name is the run name of the configuration.
func (c Config) Name() string {
	if c.Model == LogisticRegression {
		return fmt.Sprintf("logreg-lr%g-l2_%g-%s", c.LearningRate, c.L2, c.Resampling)
	}
	return fmt.Sprintf("gbdt-d%d-n%d-lr%g-%s", c.MaxDepth, c.Estimators, c.LearningRate, c.Resampling)
}

// Params are the run params of the configuration.
func (c Config) Params() map[string]any {
	p := map[string]any{"model": c.Model, "resampling": c.Resampling, "seed": c.Seed, "learning_rate": c.LearningRate}
	if c.Model == LogisticRegression {
		p["l2"], p["epochs"], p["batch_size"] = c.L2, c.Epochs, c.BatchSize
	} else {
		p["n_estimators"], p["max_depth"], p["subsample"] = c.Estimators, c.MaxDepth, c.Subsample
		p["lambda"], p["min_child_hessian"], p["max_bins"] = treeLambda, treeMinHessian, treeBins
	}
	return p
}

// Fixed tree settings, logged as params.
const (
	treeLambda     = 1.0
	treeMinHessian = 5.0
	treeBins       = 32
)

// Grid returns n configurations: the base grid of 18 logistic regressions
// (learning rate × L2 × resampling) and 18 boosted-tree models (depth ×
// (estimators, learning rate) × resampling), the two families alternating,
// repeated with new seeds when n is larger than 36.
func Grid(n int, seed int64) []Config {
	var lr, gb []Config
	for _, rate := range []float64{0.01, 0.05, 0.2} {
		for _, l2 := range []float64{0, 0.01} {
			for _, s := range strategies {
				lr = append(lr, Config{Model: LogisticRegression, Resampling: s, LearningRate: rate, L2: l2, Epochs: 15, BatchSize: 256})
			}
		}
	}
	for _, depth := range []int{1, 2, 3} {
		for _, ne := range []struct {
			n    int
			rate float64
		}{{60, 0.3}, {120, 0.1}} {
			for _, s := range strategies {
				gb = append(gb, Config{Model: BoostedTrees, Resampling: s, LearningRate: ne.rate, Estimators: ne.n, MaxDepth: depth, Subsample: 0.8})
			}
		}
	}
	base := make([]Config, 0, len(lr)+len(gb))
	for i := range lr {
		base = append(base, lr[i], gb[i])
	}
	out := make([]Config, n)
	for i := range out {
		c := base[i%len(base)]
		c.Seed = seed + int64(i)
		out[i] = c
	}
	return out
}

// trial is a configuration trained and evaluated.
type trial struct {
	Config  Config
	RunID   run.ID
	Name    string
	Model   *Model
	ValAUC  float64
	ValLoss float64
	Matrix  Confusion
	Elapsed time.Duration
}

// train fits c on train, logging its learning curves, final metrics, plots and
// model file to r, and evaluates it on valid.
func train(ctx context.Context, r *run.Run, c Config, tr, valid *Dataset) (*trial, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 0x737765657073)) // "sweeps"
	fit := resample(tr, c.Resampling, rng)
	if err := r.LogParams(c.Params()); err != nil {
		return nil, err
	}
	if err := r.LogParams(map[string]any{"n_fit_rows": len(fit.X)}); err != nil {
		return nil, err
	}
	var ab aucBuffers
	step := func(s int, trainLoss float64, valProb []float64) error {
		return r.LogMetrics(map[string]float64{
			"train_loss":  trainLoss,
			"val_auc":     ab.auc(valProb, valid.Y),
			"val_logloss": LogLoss(valProb, valid.Y, nil),
		}, run.Step(int64(s)))
	}
	var m *Model
	var err error
	if c.Model == LogisticRegression {
		m, err = fitLogReg(ctx, fit, valid.X, logRegParams{LearningRate: c.LearningRate, L2: c.L2, Epochs: c.Epochs, BatchSize: c.BatchSize}, rng, step)
	} else {
		m, err = fitGBDT(ctx, fit, valid.X, gbdtParams{Estimators: c.Estimators, LearningRate: c.LearningRate, MaxDepth: c.MaxDepth,
			Lambda: treeLambda, MinHessian: treeMinHessian, Bins: treeBins, Subsample: c.Subsample}, rng, step)
	}
	if err != nil {
		return nil, err
	}
	// val_auc and val_logloss are already logged: their last step is the
	// final model. The decision threshold is chosen on the (unresampled) training rows,
	// never on the validation rows it is judged on.
	m.Threshold = BestF1Threshold(m.PredictAll(tr.X), tr.Y)
	valProb := m.PredictAll(valid.X)
	t := &trial{Config: c, RunID: r.ID(), Name: c.Name(), Model: m,
		ValAUC: AUC(valProb, valid.Y), ValLoss: LogLoss(valProb, valid.Y, nil),
		Matrix: Confuse(valProb, valid.Y, m.Threshold)}
	trainAUC := AUC(m.PredictAll(tr.X), tr.Y)
	if err := r.LogMetrics(map[string]float64{
		"train_auc": trainAUC, "threshold": m.Threshold,
		"precision": t.Matrix.Precision(), "recall": t.Matrix.Recall(), "f1": t.Matrix.F1(),
		"tp": float64(t.Matrix.TP), "fp": float64(t.Matrix.FP), "tn": float64(t.Matrix.TN), "fn": float64(t.Matrix.FN),
	}, run.Step(int64(max(c.Epochs, c.Estimators)-1))); err != nil {
		return nil, err
	}
	if err := r.LogImage(ctx, importancePlot("Feature importance: "+t.Name, m.Features, m.Importance), "plots/feature_importance.png"); err != nil {
		return nil, err
	}
	if err := r.LogImage(ctx, confusionPlot("Validation confusion matrix", t.Matrix, m.Threshold), "plots/confusion_matrix.png"); err != nil {
		return nil, err
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := r.LogBytes(ctx, b, "model/"+ModelFile); err != nil {
		return nil, err
	}
	t.Elapsed = time.Since(start)
	return t, nil
}
