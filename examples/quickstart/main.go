// Command quickstart logs a small, real hyperparameter sweep into an mlite
// store and prints what it stored: the seed scenario of a credit-default
// model on a heavily imbalanced data set, trained for real with logistic
// regression in pure Go.
//
//	go run ./examples/quickstart [-db quickstart.mlite]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

func main() {
	path := flag.String("db", "quickstart.mlite", "the store file to write")
	flag.Parse()
	if err := quickstart(context.Background(), *path, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// sample is one loan: features and whether it defaulted.
type sample struct {
	x []float64
	y float64
}

// makeData generates an imbalanced credit-default set (about 8% defaults)
// whose label depends on a few of its features.
func makeData(rng *rand.Rand, n int) []sample {
	data := make([]sample, n)
	for i := range data {
		x := make([]float64, 6)
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		z := -3.2 + 1.4*x[0] - 0.9*x[1] + 0.6*x[2]*x[3] + 0.3*rng.NormFloat64()
		y := 0.0
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		data[i] = sample{x, y}
	}
	return data
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func predict(w []float64, x []float64) float64 {
	z := w[len(w)-1]
	for j, v := range x {
		z += w[j] * v
	}
	return sigmoid(z)
}

// auc is the area under the ROC curve: the chance a random default scores
// above a random non-default.
func auc(w []float64, data []sample) float64 {
	type scored struct{ p, y float64 }
	s := make([]scored, len(data))
	for i, d := range data {
		s[i] = scored{predict(w, d.x), d.y}
	}
	slices.SortFunc(s, func(a, b scored) int {
		if a.p < b.p {
			return -1
		}
		if a.p > b.p {
			return 1
		}
		return 0
	})
	var pos, neg, rankSum float64
	for i, v := range s {
		if v.y == 1 {
			pos++
			rankSum += float64(i + 1)
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// train fits logistic regression by batch gradient descent, logging the
// training loss and validation AUC every epoch.
func train(r *run.Run, train, valid []sample, lr, l2, posWeight float64, epochs int) ([]float64, error) {
	w := make([]float64, len(train[0].x)+1)
	grad := make([]float64, len(w))
	for epoch := range epochs {
		clear(grad)
		loss := 0.0
		for _, d := range train {
			p := predict(w, d.x)
			wt := 1.0
			if d.y == 1 {
				wt = posWeight
			}
			loss -= wt * (d.y*math.Log(p+1e-12) + (1-d.y)*math.Log(1-p+1e-12))
			for j, v := range d.x {
				grad[j] += wt * (p - d.y) * v
			}
			grad[len(w)-1] += wt * (p - d.y)
		}
		n := float64(len(train))
		for j := range w {
			w[j] -= lr * (grad[j]/n + l2*w[j])
		}
		step := run.Step(int64(epoch))
		if err := r.LogMetrics(map[string]float64{"train_loss": loss / n, "val_auc": auc(w, valid)}, step); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func quickstart(ctx context.Context, path string, out io.Writer) error {
	db, err := mlite.Open(path, nil)
	if err != nil {
		return err
	}
	defer db.Close()

	exp, err := db.SetExperiment(ctx, "credit_default_prediction")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(42, 7))
	data := makeData(rng, 4000)
	trainSet, validSet := data[:3000], data[3000:]

	parent, err := db.StartRun(ctx, exp.ID, mlite.RunName("logreg_sweep"))
	if err != nil {
		return err
	}
	if err := parent.LogParams(map[string]any{"model": "logistic_regression", "n_train": len(trainSet), "n_valid": len(validSet)}); err != nil {
		return err
	}
	best, bestAUC := "", 0.0
	for _, lr := range []float64{0.05, 0.2, 0.8} {
		for _, l2 := range []float64{0, 0.01} {
			for _, strategy := range []string{"none", "class_weight"} {
				posWeight := 1.0
				if strategy == "class_weight" {
					posWeight = 10
				}
				child, err := db.StartRun(ctx, exp.ID, mlite.Parent(parent.ID()),
					mlite.RunName(fmt.Sprintf("lr%g_l2%g_%s", lr, l2, strategy)))
				if err != nil {
					return err
				}
				if err := child.LogParams(map[string]any{"learning_rate": lr, "l2": l2, "resampling": strategy, "epochs": 60}); err != nil {
					return err
				}
				w, err := train(child, trainSet, validSet, lr, l2, posWeight, 60)
				if err != nil {
					return err
				}
				a := auc(w, validSet)
				if err := child.LogMetric("auc", a); err != nil {
					return err
				}
				if err := child.LogDict(ctx, map[string]any{"weights": w, "features": len(w) - 1}, "model/weights.json"); err != nil {
					return err
				}
				if err := child.End(ctx); err != nil {
					return err
				}
				if a > bestAUC {
					best, bestAUC = child.ID().String(), a
				}
			}
		}
	}
	if err := parent.LogMetric("best_auc", bestAUC); err != nil {
		return err
	}
	if err := parent.SetTag("best_run", best); err != nil {
		return err
	}
	if err := parent.End(ctx); err != nil {
		return err
	}

	children, err := db.Children(ctx, parent.ID())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Stored in %s, experiment %q (id %s):\n\n", db.Path(), exp.Name, exp.ID)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTATUS\tLEARNING_RATE\tL2\tRESAMPLING\tAUC\tEPOCHS LOGGED")
	slices.SortFunc(children, func(a, b *run.Record) int {
		return -cmpFloat(a.Metrics["auc"].Latest.Value, b.Metrics["auc"].Latest.Value)
	})
	for _, c := range children {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.4f\t%d\n", c.Name, c.Status, c.Params["learning_rate"], c.Params["l2"],
			c.Params["resampling"], c.Metrics["auc"].Latest.Value, c.Metrics["val_auc"].Count)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nBest run %s (AUC %.4f) is tagged on the parent run %q (%s).\n", best, bestAUC, parent.Name(), parent.ID())
	return nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
