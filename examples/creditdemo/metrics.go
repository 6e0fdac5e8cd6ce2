package creditdemo

import (
	"math"
	"slices"
)

// AUC returns the area under the ROC curve of scores against labels (1 is
// positive): the probability that a random positive scores above a random
// negative, ties counting one half (the Mann-Whitney statistic). It returns
// NaN when either class is absent or the lengths differ. Scores must not be
// NaN.
func AUC(scores []float64, labels []uint8) float64 {
	var a aucBuffers
	return a.auc(scores, labels)
}

// aucBuffers keeps AUC's sorted copies between calls of one goroutine, so a
// training loop that scores every step does not allocate them each time.
type aucBuffers struct{ pos, neg []float64 }

func (a *aucBuffers) auc(scores []float64, labels []uint8) float64 {
	if len(scores) != len(labels) {
		return math.NaN()
	}
	pos, neg := a.pos[:0], a.neg[:0]
	defer func() { a.pos, a.neg = pos, neg }()
	for i, s := range scores {
		if labels[i] == 1 {
			pos = append(pos, s)
		} else {
			neg = append(neg, s)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN()
	}
	slices.Sort(pos)
	slices.Sort(neg)
	// For each run of equal positive scores, count the negatives below
	// (lo) and equal to (eq - lo) it in one merge walk.
	var wins float64
	lo, eq := 0, 0
	for i := 0; i < len(pos); {
		s, j := pos[i], i
		for j < len(pos) && pos[j] == s {
			j++
		}
		for lo < len(neg) && neg[lo] < s {
			lo++
		}
		eq = max(eq, lo)
		for eq < len(neg) && neg[eq] == s {
			eq++
		}
		wins += float64(j-i) * (float64(lo) + 0.5*float64(eq-lo))
		i = j
	}
	return wins / (float64(len(pos)) * float64(len(neg)))
}

// LogLoss returns the mean binary cross-entropy of probabilities p against
// labels, each weighted by w (nil: all 1), with p clipped to [1e-15, 1-1e-15].
func LogLoss(p []float64, labels []uint8, w []float64) float64 {
	var sum, ws float64
	for i, pi := range p {
		pi = clamp(pi, 1e-15, 1-1e-15)
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if labels[i] == 1 {
			sum -= wi * math.Log(pi)
		} else {
			sum -= wi * math.Log(1-pi)
		}
		ws += wi
	}
	if ws == 0 {
		return math.NaN()
	}
	return sum / ws
}

// Confusion counts predictions at a threshold: a score at or above it is a
// predicted default.
type Confusion struct {
	TP, FP, TN, FN int
}

// Confuse returns the confusion counts of scores against labels at threshold.
func Confuse(scores []float64, labels []uint8, threshold float64) Confusion {
	var c Confusion
	for i, s := range scores {
		switch pred := s >= threshold; {
		case pred && labels[i] == 1:
			c.TP++
		case pred:
			c.FP++
		case labels[i] == 1:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Precision is TP/(TP+FP), 0 when nothing is predicted positive.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when there are no positives.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 0 when both are 0.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// BestF1Threshold returns the threshold among the scores that maximizes F1
// on (scores, labels), the highest such score on ties; 0.5 when there are no
// positives.
func BestF1Threshold(scores []float64, labels []uint8) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	// Descending score: lowering the threshold past each distinct score
	// turns that score's rows into predicted positives.
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(scores[b], scores[a]) })
	pos := 0
	for _, y := range labels {
		pos += int(y)
	}
	if pos == 0 {
		return 0.5
	}
	best, bestF1, tp, fp := 0.5, -1.0, 0, 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			if labels[idx[j]] == 1 {
				tp++
			} else {
				fp++
			}
			j++
		}
		f1 := float64(2*tp) / float64(tp+fp+pos)
		if f1 > bestF1 {
			best, bestF1 = scores[idx[i]], f1
		}
		i = j
	}
	return best
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
