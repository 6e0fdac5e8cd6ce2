package shadow

import (
	"errors"
	"testing"
)

func TestDisagree(t *testing.T) {
	for _, tt := range []struct {
		name      string
		p, s      []float64
		pa, sa    float64
		lists     bool
		diff      float64
		disagrees bool
	}{
		{"same side of 0.5", []float64{0.7}, []float64{0.6}, 0.7, 0.6, false, 0.1, false},
		{"either side of 0.5", []float64{0.4}, []float64{0.6}, 0.4, 0.6, false, 0.2, true},
		{"regression equal", []float64{12.5}, []float64{12.5}, 12.5, 12.5, false, 0, false},
		{"regression differs", []float64{12.5}, []float64{12.6}, 12.5, 12.6, false, 0.1, true},
		{"same class", []float64{0.2, 0.5, 0.3}, []float64{0.1, 0.6, 0.3}, 1, 1, true, 0.1, false},
		{"other class", []float64{0.2, 0.5, 0.3}, []float64{0.5, 0.2, 0.3}, 1, 0, true, 0.3, true},
	} {
		diff, dis := Disagree(tt.p, tt.s, tt.pa, tt.sa, tt.lists)
		if dis != tt.disagrees || diff-tt.diff > 1e-12 || tt.diff-diff > 1e-12 {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, diff, dis, tt.diff, tt.disagrees)
		}
	}
	if d, dis := Disagree([]float64{1, 2}, []float64{1}, 0, 0, true); !dis || d < 1e300 {
		t.Errorf("different widths: got %v, %v; want +Inf, true", d, dis)
	}
}

func TestParseCheck(t *testing.T) {
	for _, tt := range []struct {
		name    string
		min     int
		max     float64
		ok, bad bool
	}{
		{"shadow", DefaultMinRequests, DefaultMaxDisagreement, true, false},
		{"shadow:500:0.02", 500, 0.02, true, false},
		{"schema", 0, 0, false, false},
		{"shadow:500", 0, 0, true, true},
		{"shadow:x:0.1", 0, 0, true, true},
		{"shadow:10:2", 0, 0, true, true},
	} {
		min, max, ok, err := ParseCheck(tt.name)
		if ok != tt.ok || (err != nil) != tt.bad || err != nil && !errors.Is(err, ErrCheck) || !tt.bad && (min != tt.min || max != tt.max) {
			t.Errorf("%s: got %d, %v, %v, %v", tt.name, min, max, ok, err)
		}
	}
}
