package creditdemo

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// fitData is what a trainer fits: rows, labels and sample weights (nil: 1).
type fitData struct {
	X [][]float64
	Y []uint8
	W []float64
}

func (d fitData) weight(i int) float64 {
	if d.W == nil {
		return 1
	}
	return d.W[i]
}

// resample returns the data a strategy fits on: the rows as they are
// ("none"), with positives weighted by the negative-to-positive ratio
// ("class_weight"), or with positives drawn with replacement until the
// classes are the same size ("oversample").
func resample(d *Dataset, strategy string, rng *rand.Rand) fitData {
	pos := d.Positives()
	neg := d.Len() - pos
	switch strategy {
	case "class_weight":
		w := make([]float64, d.Len())
		ratio := float64(neg) / float64(max(pos, 1))
		for i, y := range d.Y {
			w[i] = 1
			if y == 1 {
				w[i] = ratio
			}
		}
		return fitData{X: d.X, Y: d.Y, W: w}
	case "oversample":
		var posIdx []int
		for i, y := range d.Y {
			if y == 1 {
				posIdx = append(posIdx, i)
			}
		}
		x := slices.Clone(d.X)
		y := slices.Clone(d.Y)
		for range neg - pos {
			if len(posIdx) == 0 {
				break
			}
			k := posIdx[rng.IntN(len(posIdx))]
			x = append(x, d.X[k])
			y = append(y, 1)
		}
		return fitData{X: x, Y: y}
	}
	return fitData{X: d.X, Y: d.Y}
}

// stepFunc is called after each epoch or boosting round with the training
// loss and the validation probabilities of the model so far; an error stops
// training.
type stepFunc func(step int, trainLoss float64, valProb []float64) error

// logRegParams are logistic regression's hyperparameters.
type logRegParams struct {
	LearningRate float64
	L2           float64
	Epochs       int
	BatchSize    int
}

// fitLogReg fits logistic regression on standardized features by mini-batch
// gradient descent with an L2 penalty.
func fitLogReg(ctx context.Context, d fitData, valX [][]float64, p logRegParams, rng *rand.Rand, step stepFunc) (*Model, error) {
	nf := len(FeatureNames)
	m := &Model{Type: LogisticRegression, Features: slices.Clone(FeatureNames),
		Mean: make([]float64, nf), Scale: make([]float64, nf), Weights: make([]float64, nf)}
	n := len(d.X)
	for _, x := range d.X {
		for j, v := range x {
			m.Mean[j] += v
		}
	}
	for j := range m.Mean {
		m.Mean[j] /= float64(n)
	}
	for _, x := range d.X {
		for j, v := range x {
			m.Scale[j] += (v - m.Mean[j]) * (v - m.Mean[j])
		}
	}
	for j := range m.Scale {
		m.Scale[j] = math.Sqrt(m.Scale[j] / float64(n))
		if m.Scale[j] == 0 {
			m.Scale[j] = 1
		}
	}
	z := make([][]float64, n) // standardized rows
	for i, x := range d.X {
		z[i] = make([]float64, nf)
		for j, v := range x {
			z[i][j] = (v - m.Mean[j]) / m.Scale[j]
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	grad := make([]float64, nf)
	margin := make([]float64, n)
	prob := make([]float64, n)
	for epoch := range p.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < n; start += p.BatchSize {
			batch := order[start:min(start+p.BatchSize, n)]
			clear(grad)
			gb, ws := 0.0, 0.0
			for _, i := range batch {
				zi := m.Bias
				for j, v := range z[i] {
					zi += m.Weights[j] * v
				}
				w := d.weight(i)
				r := w * (sigmoid(zi) - float64(d.Y[i]))
				for j, v := range z[i] {
					grad[j] += r * v
				}
				gb += r
				ws += w
			}
			for j := range grad {
				m.Weights[j] -= p.LearningRate * (grad[j]/ws + p.L2*m.Weights[j])
			}
			m.Bias -= p.LearningRate * gb / ws
		}
		for i := range z {
			zi := m.Bias
			for j, v := range z[i] {
				zi += m.Weights[j] * v
			}
			margin[i] = zi
			prob[i] = sigmoid(zi)
		}
		if err := step(epoch, LogLoss(prob, d.Y, d.W), m.PredictAll(valX)); err != nil {
			return nil, err
		}
	}
	m.Importance = make([]float64, nf)
	for j, w := range m.Weights {
		m.Importance[j] = math.Abs(w)
	}
	normalize(m.Importance)
	return m, nil
}

// gbdtParams are the boosted trees' hyperparameters.
type gbdtParams struct {
	Estimators   int
	LearningRate float64
	MaxDepth     int
	Lambda       float64 // L2 penalty on leaf values
	MinHessian   float64 // smallest hessian sum a child may have
	Bins         int     // at most 255
	Subsample    float64 // share of rows each tree is grown on; 0 or 1: all
}

// fitGBDT fits gradient-boosted trees for the logistic loss: each round fits
// a tree of depth at most MaxDepth to the gradients by Newton steps, splitting
// on histogram bins of the features (quantiles of the fitted rows), each on a
// random share Subsample of the rows (stochastic gradient boosting).
func fitGBDT(ctx context.Context, d fitData, valX [][]float64, p gbdtParams, rng *rand.Rand, step stepFunc) (*Model, error) {
	nf := len(FeatureNames)
	n := len(d.X)
	m := &Model{Type: BoostedTrees, Features: slices.Clone(FeatureNames)}

	edges := make([][]float64, nf)
	bins := make([][]uint8, nf)
	col := make([]float64, n)
	for f := range nf {
		for i, x := range d.X {
			col[i] = x[f]
		}
		edges[f] = binEdges(col, p.Bins)
		bins[f] = make([]uint8, n)
		for i, v := range col {
			b, _ := slices.BinarySearch(edges[f], v) // first edge >= v
			bins[f][i] = uint8(b)
		}
	}

	var sp, sn float64
	for i, y := range d.Y {
		if y == 1 {
			sp += d.weight(i)
		} else {
			sn += d.weight(i)
		}
	}
	m.BaseScore = math.Log(max(sp, 1e-9) / max(sn, 1e-9))
	margin := make([]float64, n)
	prob := make([]float64, n)
	for i := range margin {
		margin[i] = m.BaseScore
		prob[i] = sigmoid(m.BaseScore)
	}
	valMargin := make([]float64, len(valX))
	for i := range valMargin {
		valMargin[i] = m.BaseScore
	}
	valProb := make([]float64, len(valX))
	g := make([]float64, n)
	h := make([]float64, n)
	gain := make([]float64, nf)
	rows := make([]int, 0, n)
	b := &treeBuilder{p: p, bins: bins, edges: edges, g: g, h: h, gain: gain}
	for round := range p.Estimators {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, pi := range prob {
			w := d.weight(i)
			g[i] = w * (pi - float64(d.Y[i]))
			h[i] = w * max(pi*(1-pi), 1e-12)
		}
		rows = rows[:0]
		for i := range n {
			if p.Subsample <= 0 || p.Subsample >= 1 || rng.Float64() < p.Subsample {
				rows = append(rows, i)
			}
		}
		t := Tree{}
		b.grow(&t, rows, 0)
		m.Trees = append(m.Trees, t)
		for i, x := range d.X {
			margin[i] += t.eval(x)
			prob[i] = sigmoid(margin[i])
		}
		for i, x := range valX {
			valMargin[i] += t.eval(x)
			valProb[i] = sigmoid(valMargin[i])
		}
		if err := step(round, LogLoss(prob, d.Y, d.W), valProb); err != nil {
			return nil, err
		}
	}
	m.Importance = gain
	normalize(m.Importance)
	return m, nil
}

// binEdges returns up to nbins-1 increasing split points: quantiles of v,
// or every distinct value but the largest when there are few.
func binEdges(v []float64, nbins int) []float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if u := slices.Compact(slices.Clone(s)); len(u) <= nbins {
		if len(u) > 0 {
			u = u[:len(u)-1] // the largest value splits nothing off
		}
		return u
	}
	var e []float64
	for k := 1; k < nbins; k++ {
		q := s[k*len(s)/nbins]
		if q < s[len(s)-1] && (len(e) == 0 || q > e[len(e)-1]) {
			e = append(e, q)
		}
	}
	return e
}

// treeBuilder grows one tree on the current gradients.
type treeBuilder struct {
	p     gbdtParams
	bins  [][]uint8
	edges [][]float64
	g, h  []float64
	gain  []float64 // accumulated split gain per feature
	hg    [256]float64
	hh    [256]float64
}

// grow adds the node for rows at depth to t and returns its index.
func (b *treeBuilder) grow(t *Tree, rows []int, depth int) int {
	var G, H float64
	for _, i := range rows {
		G += b.g[i]
		H += b.h[i]
	}
	idx := len(t.Nodes)
	t.Nodes = append(t.Nodes, Node{Feature: -1, Value: -G / (H + b.p.Lambda) * b.p.LearningRate})
	if depth >= b.p.MaxDepth || H < 2*b.p.MinHessian {
		return idx
	}
	parent := G * G / (H + b.p.Lambda)
	bestGain, bestF, bestBin := 1e-9, -1, 0
	for f, fb := range b.bins {
		nb := len(b.edges[f]) + 1
		clear(b.hg[:nb])
		clear(b.hh[:nb])
		for _, i := range rows {
			b.hg[fb[i]] += b.g[i]
			b.hh[fb[i]] += b.h[i]
		}
		var gl, hl float64
		for k := 0; k < nb-1; k++ {
			gl += b.hg[k]
			hl += b.hh[k]
			gr, hr := G-gl, H-hl
			if hl < b.p.MinHessian || hr < b.p.MinHessian {
				continue
			}
			gain := gl*gl/(hl+b.p.Lambda) + gr*gr/(hr+b.p.Lambda) - parent
			if gain > bestGain {
				bestGain, bestF, bestBin = gain, f, k
			}
		}
	}
	if bestF < 0 {
		return idx
	}
	b.gain[bestF] += bestGain
	// Partition rows in place: bin <= bestBin first.
	fb := b.bins[bestF]
	lo := 0
	for k, i := range rows {
		if int(fb[i]) <= bestBin {
			rows[lo], rows[k] = rows[k], rows[lo]
			lo++
		}
	}
	left := b.grow(t, rows[:lo], depth+1)
	right := b.grow(t, rows[lo:], depth+1)
	t.Nodes[idx] = Node{Feature: bestF, Threshold: b.edges[bestF][bestBin], Left: left, Right: right}
	return idx
}

func normalize(v []float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	if s == 0 {
		return
	}
	for i := range v {
		v[i] /= s
	}
}
