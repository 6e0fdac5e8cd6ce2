package creditdemo

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// separable returns n rows whose label is income > 64000 (about 12%
// positives), the other features noise: linearly separable data.
func separable(seed uint64, n int) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{}
	for range n {
		l := Loan{Income: 20000 + 50000*rng.Float64(), DebtToIncome: rng.Float64(), CreditUtilization: rng.Float64(),
			Age: int64(21 + rng.IntN(50)), LatePayments12m: int64(rng.IntN(4)), OpenAccounts: int64(rng.IntN(10)),
			LoanAmount: 1000 + 9000*rng.Float64(), EmploymentYears: int64(rng.IntN(3))}
		var y uint8
		if l.Income > 64000 {
			y = 1
		}
		d.Rows, d.X, d.Y = append(d.Rows, l), append(d.X, l.Vector()), append(d.Y, y)
	}
	return d
}

func TestTrainersSeparable(t *testing.T) {
	tr, va := separable(1, 3000), separable(2, 1000)
	if r := tr.PositiveRate(); r < 0.05 || r > 0.3 {
		t.Fatalf("separable data: positive rate %v", r)
	}
	for _, strategy := range strategies {
		for _, c := range []Config{
			{Model: LogisticRegression, LearningRate: 0.2, L2: 0, Epochs: 10, BatchSize: 64},
			{Model: BoostedTrees, LearningRate: 0.3, Estimators: 20, MaxDepth: 2, Subsample: 0.8},
		} {
			c.Resampling, c.Seed = strategy, 1
			rng := rand.New(rand.NewPCG(1, 1))
			fit := resample(tr, strategy, rng)
			var steps int
			var last float64
			step := func(s int, loss float64, p []float64) error {
				if s != steps {
					t.Errorf("%s: step %d, want %d", c.Name(), s, steps)
				}
				if math.IsNaN(loss) || loss <= 0 {
					t.Errorf("%s: step %d: train loss %v", c.Name(), s, loss)
				}
				steps++
				last = AUC(p, va.Y)
				return nil
			}
			var m *Model
			var err error
			if c.Model == LogisticRegression {
				m, err = fitLogReg(context.Background(), fit, va.X, logRegParams{c.LearningRate, c.L2, c.Epochs, c.BatchSize}, rng, step)
			} else {
				m, err = fitGBDT(context.Background(), fit, va.X, gbdtParams{c.Estimators, c.LearningRate, c.MaxDepth, 1, 1, 32, c.Subsample}, rng, step)
			}
			if err != nil {
				t.Fatalf("%s: %v", c.Name(), err)
			}
			got := AUC(m.PredictAll(va.X), va.Y)
			if got != last {
				t.Errorf("%s: final AUC %v, the last step's %v", c.Name(), got, last)
			}
			want := 0.95 // both must find the threshold on income; chance is 0.5
			if got <= want {
				t.Errorf("%s: validation AUC %.4f, want > %v", c.Name(), got, want)
			}
			if wantSteps := max(c.Epochs, c.Estimators); steps != wantSteps {
				t.Errorf("%s: %d steps, want %d", c.Name(), steps, wantSteps)
			}
			// Income matters most.
			top := 0
			for j, v := range m.Importance {
				if v > m.Importance[top] {
					top = j
				}
			}
			if FeatureNames[top] != "income" {
				t.Errorf("%s: most important feature %s (%v), want income", c.Name(), FeatureNames[top], m.Importance)
			}
		}
	}
}

func TestTrainerStops(t *testing.T) {
	d := separable(1, 500)
	stop := errors.New("stop")
	calls := 0
	step := func(int, float64, []float64) error { calls++; return stop }
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := fitLogReg(context.Background(), fitData{X: d.X, Y: d.Y}, d.X, logRegParams{0.1, 0, 5, 32}, rng, step); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("logistic regression: err %v after %d calls, want stop after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fitGBDT(ctx, fitData{X: d.X, Y: d.Y}, d.X, gbdtParams{5, 0.1, 2, 1, 1, 16, 1}, rng, step); !errors.Is(err, context.Canceled) {
		t.Errorf("boosted trees with a cancelled context: err %v, want context.Canceled", err)
	}
}

func TestResample(t *testing.T) {
	d := separable(3, 1000)
	pos := d.Positives()
	neg := d.Len() - pos
	rng := rand.New(rand.NewPCG(1, 1))
	if f := resample(d, "none", rng); len(f.X) != d.Len() || f.W != nil {
		t.Errorf("none: %d rows, weights %v; want %d rows, no weights", len(f.X), f.W != nil, d.Len())
	}
	f := resample(d, "class_weight", rng)
	var wp, wn float64
	for i, y := range f.Y {
		if y == 1 {
			wp += f.W[i]
		} else {
			wn += f.W[i]
		}
	}
	if math.Abs(wp-wn) > 1e-9 {
		t.Errorf("class_weight: positive weight %v, negative %v, want equal", wp, wn)
	}
	f = resample(d, "oversample", rng)
	fp := 0
	for _, y := range f.Y {
		fp += int(y)
	}
	if fp != neg || len(f.X) != 2*neg {
		t.Errorf("oversample: %d positives of %d rows, want %d of %d", fp, len(f.X), neg, 2*neg)
	}
}

func TestGrid(t *testing.T) {
	g := Grid(DefaultChildren, 1)
	names := map[string]bool{}
	families := map[string]int{}
	for _, c := range g {
		if names[c.Name()] {
			t.Errorf("Grid(%d): %s twice", DefaultChildren, c.Name())
		}
		names[c.Name()] = true
		families[c.Model+" "+c.Resampling]++
	}
	for _, m := range []string{LogisticRegression, BoostedTrees} {
		for _, s := range strategies {
			if families[m+" "+s] != 6 {
				t.Errorf("Grid(%d): %d configurations of %s with %s, want 6", DefaultChildren, families[m+" "+s], m, s)
			}
		}
	}
	if g := Grid(2, 1); g[0].Model == g[1].Model {
		t.Errorf("Grid(2): both %s, want one of each family", g[0].Model)
	}
	if g := Grid(40, 1); g[36].Name() != g[0].Name() || g[36].Seed == g[0].Seed {
		t.Errorf("Grid(40): configuration 36 %s seed %d, want %s with another seed than %d", g[36].Name(), g[36].Seed, g[0].Name(), g[0].Seed)
	}
}

func TestReadModel(t *testing.T) {
	d := separable(1, 800)
	rng := rand.New(rand.NewPCG(1, 1))
	nop := func(int, float64, []float64) error { return nil }
	lr, _ := fitLogReg(context.Background(), fitData{X: d.X, Y: d.Y}, d.X, logRegParams{0.1, 0, 3, 32}, rng, nop)
	gb, _ := fitGBDT(context.Background(), fitData{X: d.X, Y: d.Y}, d.X, gbdtParams{5, 0.3, 3, 1, 1, 16, 1}, rng, nop)
	for _, m := range []*Model{lr, gb} {
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadModel(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: ReadModel of its own file: %v", m.Type, err)
		}
		for i, x := range d.X {
			if p, q := m.Predict(x), got.Predict(x); p != q {
				t.Fatalf("%s row %d: Predict %v after reading, %v before", m.Type, i, q, p)
			}
		}
		if p := got.PredictLoan(d.Rows[0]); p != m.Predict(d.X[0]) {
			t.Fatalf("%s: PredictLoan %v, Predict %v", m.Type, p, m.Predict(d.X[0]))
		}
	}
	bad := []string{
		``, `{}`, `[]`, `{"model_type": "svm", "features": ["a"]}`,
		`{"model_type": "logistic_regression", "features": ["a"], "weights": [1]}`,
		`{"model_type": "logistic_regression", "features": ["a"], "weights": [1], "mean": [0], "scale": [0]}`,
		`{"model_type": "gradient_boosted_trees", "features": ["a"], "trees": [{"nodes": []}]}`,
		`{"model_type": "gradient_boosted_trees", "features": ["a"], "trees": [{"nodes": [{"feature": 0, "left": 0, "right": 0}]}]}`,
		`{"model_type": "gradient_boosted_trees", "features": ["a"], "trees": [{"nodes": [{"feature": 1, "left": 1, "right": 2}, {"feature": -1}, {"feature": -1}]}]}`,
		`{"model_type": "gradient_boosted_trees", "features": ["a"], "trees": [{"nodes": [{"feature": 0, "left": 1, "right": 3}, {"feature": -1}, {"feature": -1}]}]}`,
		`{"model_type": "gradient_boosted_trees", "features": ["a"], "trees": [{"nodes": [{"feature": -2}]}]}`,
		strings.Repeat(" ", maxModelBytes+1),
	}
	for _, s := range bad {
		if _, err := ReadModel(strings.NewReader(s)); !errors.Is(err, ErrModel) {
			short := s
			if len(short) > 80 {
				short = short[:80] + "..."
			}
			t.Errorf("ReadModel(%q): err %v, want ErrModel", short, err)
		}
	}
}

func FuzzReadModel(f *testing.F) {
	f.Add(`{"model_type": "logistic_regression", "features": ["a"], "weights": [1], "mean": [0], "scale": [1]}`)
	f.Add(`{"model_type": "gradient_boosted_trees", "features": ["a", "b"], "trees": [{"nodes": [{"feature": 1, "threshold": 0.5, "left": 1, "right": 2}, {"feature": -1, "value": -1}, {"feature": -1, "value": 1}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ReadModel(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrModel) {
				t.Fatalf("ReadModel: %v does not wrap ErrModel", err)
			}
			return
		}
		// A model that reads must score any vector of its width.
		x := make([]float64, len(m.Features))
		m.Predict(x)
	})
}

func TestBinEdges(t *testing.T) {
	tests := []struct {
		v     []float64
		nbins int
		want  []float64
	}{
		{[]float64{3, 1, 2, 2}, 8, []float64{1, 2}},
		{[]float64{5, 5, 5}, 8, []float64{}},
		{nil, 8, nil},
		// Quantiles of the 16 rows (rows 4, 8 and 12 of the sorted
		// values), not of the 9 distinct values (which would give 2, 4, 6).
		{[]float64{0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 4, []float64{0, 1, 5}},
	}
	for _, tt := range tests {
		got := binEdges(tt.v, tt.nbins)
		if len(got) != len(tt.want) || (len(got) > 0 && !slices.Equal(got, tt.want)) {
			t.Errorf("binEdges(%v, %d) = %v, want %v", tt.v, tt.nbins, got, tt.want)
		}
	}
}
