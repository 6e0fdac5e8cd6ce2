package creditdemo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []uint8
		want   float64
	}{
		{"textbook", []float64{0.1, 0.4, 0.35, 0.8}, []uint8{0, 0, 1, 1}, 0.75},
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []uint8{0, 0, 1, 1}, 1},
		{"inverted", []float64{0.9, 0.8, 0.2, 0.1}, []uint8{0, 0, 1, 1}, 0},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []uint8{0, 1, 0, 1}, 0.5},
		// Pairs (pos, neg): (0.5, 0.2) 1, (0.5, 0.5) 1/2, (0.9, 0.2) 1, (0.9, 0.5) 1: 3.5 of 4.
		{"tie across classes", []float64{0.2, 0.5, 0.5, 0.9}, []uint8{0, 0, 1, 1}, 0.875},
		// One positive at 0.3 against 0.1 (1), 0.3 (1/2) and 0.2 (1): 2.5 of 3.
		{"one positive tied", []float64{0.3, 0.1, 0.3, 0.2}, []uint8{1, 0, 0, 0}, 2.5 / 3},
		// Ties within a class do not matter: 2 positives above 3 negatives.
		{"ties within classes", []float64{0.9, 0.9, 0.1, 0.1, 0.1}, []uint8{1, 1, 0, 0, 0}, 1},
		// Positives 0.6 and 0.4; negatives 0.6, 0.4, 0.2: (0.6: 1/2+1+1) + (0.4: 0+1/2+1) = 4 of 6.
		{"two tie groups", []float64{0.6, 0.4, 0.6, 0.4, 0.2}, []uint8{1, 1, 0, 0, 0}, 4.0 / 6},
	}
	for _, tt := range tests {
		if got := AUC(tt.scores, tt.labels); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: AUC(%v, %v) = %v, want %v", tt.name, tt.scores, tt.labels, got, tt.want)
		}
	}
	for _, tt := range []struct {
		name   string
		scores []float64
		labels []uint8
	}{
		{"no positives", []float64{0.1, 0.2}, []uint8{0, 0}},
		{"no negatives", []float64{0.1, 0.2}, []uint8{1, 1}},
		{"empty", nil, nil},
		{"length mismatch", []float64{0.1, 0.2}, []uint8{0}},
	} {
		if got := AUC(tt.scores, tt.labels); !math.IsNaN(got) {
			t.Errorf("%s: AUC(%v, %v) = %v, want NaN", tt.name, tt.scores, tt.labels, got)
		}
	}
}

// TestAUCPairs checks AUC against the definition, counted pair by pair, on
// random scores with many ties.
func TestAUCPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 2 + rng.IntN(60)
		s := make([]float64, n)
		y := make([]uint8, n)
		for i := range s {
			s[i] = float64(rng.IntN(7)) / 7
			y[i] = uint8(rng.IntN(2))
		}
		y[0], y[1] = 0, 1
		var num, den float64
		for i := range s {
			for j := range s {
				if y[i] == 1 && y[j] == 0 {
					den++
					switch {
					case s[i] > s[j]:
						num++
					case s[i] == s[j]:
						num += 0.5
					}
				}
			}
		}
		if got, want := AUC(s, y), num/den; math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: AUC(%v, %v) = %v, want %v", trial, s, y, got, want)
		}
	}
}

func TestLogLoss(t *testing.T) {
	tests := []struct {
		p    []float64
		y    []uint8
		w    []float64
		want float64
	}{
		{[]float64{0.5, 0.5}, []uint8{0, 1}, nil, math.Ln2},
		{[]float64{0.8, 0.1}, []uint8{1, 0}, nil, -(math.Log(0.8) + math.Log(0.9)) / 2},
		{[]float64{0.8, 0.1}, []uint8{1, 0}, []float64{3, 1}, -(3*math.Log(0.8) + math.Log(0.9)) / 4},
		{[]float64{0, 1}, []uint8{0, 1}, nil, -math.Log(1 - 1e-15)},
	}
	for _, tt := range tests {
		if got := LogLoss(tt.p, tt.y, tt.w); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("LogLoss(%v, %v, %v) = %v, want %v", tt.p, tt.y, tt.w, got, tt.want)
		}
	}
}

func TestConfusion(t *testing.T) {
	s := []float64{0.9, 0.6, 0.6, 0.4, 0.2, 0.1}
	y := []uint8{1, 0, 1, 1, 0, 0}
	tests := []struct {
		threshold     float64
		want          Confusion
		prec, rec, f1 float64
	}{
		{0.5, Confusion{TP: 2, FP: 1, TN: 2, FN: 1}, 2.0 / 3, 2.0 / 3, 2.0 / 3},
		{0.6, Confusion{TP: 2, FP: 1, TN: 2, FN: 1}, 2.0 / 3, 2.0 / 3, 2.0 / 3}, // at the threshold is positive
		{0.95, Confusion{TP: 0, FP: 0, TN: 3, FN: 3}, 0, 0, 0},
		{0, Confusion{TP: 3, FP: 3, TN: 0, FN: 0}, 0.5, 1, 2.0 / 3},
	}
	for _, tt := range tests {
		c := Confuse(s, y, tt.threshold)
		if c != tt.want {
			t.Errorf("Confuse(%v, %v, %v) = %+v, want %+v", s, y, tt.threshold, c, tt.want)
		}
		if c.Precision() != tt.prec || c.Recall() != tt.rec || math.Abs(c.F1()-tt.f1) > 1e-15 {
			t.Errorf("threshold %v: precision, recall, F1 = %v, %v, %v; want %v, %v, %v",
				tt.threshold, c.Precision(), c.Recall(), c.F1(), tt.prec, tt.rec, tt.f1)
		}
	}
}

func TestBestF1Threshold(t *testing.T) {
	tests := []struct {
		s    []float64
		y    []uint8
		want float64
	}{
		// F1 = 2TP/(2TP+FP+FN): at 0.9 2/4, at 0.6 4/6, at 0.4 6/7, at 0.2 6/8, at 0.1 6/9.
		{[]float64{0.9, 0.6, 0.6, 0.4, 0.2, 0.1}, []uint8{1, 0, 1, 1, 0, 0}, 0.4},
		{[]float64{0.9, 0.8, 0.1}, []uint8{1, 1, 0}, 0.8},
		{[]float64{0.9, 0.8}, []uint8{0, 0}, 0.5},
	}
	for _, tt := range tests {
		if got := BestF1Threshold(tt.s, tt.y); got != tt.want {
			t.Errorf("BestF1Threshold(%v, %v) = %v, want %v", tt.s, tt.y, got, tt.want)
		}
	}
}
