package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkDownsample checks the rules downsample's result must keep for input
// pts and budget n: all points when they fit, else at most n (or 4, the
// least an M4 bucket needs), ordered by step, every point from the input,
// and the lowest and highest value kept.
func checkDownsample(t *testing.T, pts []Point, n int) {
	t.Helper()
	in := slices.Clone(pts)
	got := downsample(slices.Clone(pts), n)
	if len(in) <= n && len(got) != len(in) {
		t.Fatalf("downsample of %d points, n %d: got %d points, want all", len(in), n, len(got))
	}
	if len(got) > max(n, 4) && len(in) > n {
		t.Fatalf("downsample of %d points, n %d: got %d points, want at most %d", len(in), n, len(got), n)
	}
	if !slices.IsSortedFunc(got, comparePoints) {
		t.Fatalf("downsample of %d points, n %d: result not ordered by step", len(in), n)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range in {
		if !math.IsNaN(p.Value) {
			lo, hi = min(lo, p.Value), max(hi, p.Value)
		}
	}
	glo, ghi := math.Inf(1), math.Inf(-1)
	for _, p := range got {
		if !math.IsNaN(p.Value) {
			glo, ghi = min(glo, p.Value), max(ghi, p.Value)
		}
		if !slices.Contains(in, p) && !(math.IsNaN(p.Value) && slices.ContainsFunc(in, func(q Point) bool { return q.Step == p.Step && math.IsNaN(q.Value) })) {
			t.Fatalf("downsample: got point %+v that is not in the input", p)
		}
	}
	if len(in) > 0 && (glo != lo || ghi != hi) {
		t.Fatalf("downsample of %d points, n %d: got min %v max %v, want %v %v", len(in), n, glo, ghi, lo, hi)
	}
}

func TestDownsampleRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	series := func(count int, f func(i int) float64) []Point {
		pts := make([]Point, count)
		for i := range pts {
			pts[i] = Point{Step: int64(i), Time: int64(i) * 10, Value: f(i)}
		}
		return pts
	}
	tests := []struct {
		name string
		pts  []Point
		n    int
	}{
		{"empty", nil, 100},
		{"one", series(1, func(int) float64 { return 1 }), 100},
		{"fits", series(100, func(i int) float64 { return float64(i) }), 100},
		{"spike", series(100_000, func(i int) float64 {
			if i == 77_777 {
				return 1e9
			}
			return rng.Float64()
		}), 400},
		{"dip and NaN", series(50_000, func(i int) float64 {
			switch i {
			case 3:
				return math.NaN()
			case 40_000:
				return -1e9
			}
			return math.Sin(float64(i))
		}), 1000},
		{"all NaN", series(1000, func(int) float64 { return math.NaN() }), 40},
		{"tiny budget", series(1000, func(i int) float64 { return float64(i % 7) }), 1},
		{"sparse steps", func() []Point {
			p := series(1000, func(i int) float64 { return float64(i) })
			for i := range p {
				p[i].Step = int64(i) * int64(i) * 1000
			}
			return p
		}(), 100},
		{"unordered", func() []Point {
			p := series(5000, func(i int) float64 { return rng.NormFloat64() })
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			return p
		}(), 200},
		{"negative steps", func() []Point {
			p := series(5000, func(i int) float64 { return float64(i) })
			for i := range p {
				p[i].Step -= 1 << 40
			}
			return p
		}(), 300},
		{"huge step range", func() []Point {
			p := series(3000, func(i int) float64 { return float64(i % 13) })
			for i := range p {
				p[i].Step = int64(i-1500) * 3e15
			}
			return p
		}(), 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkDownsample(t, tt.pts, tt.n) })
	}
}

// FuzzDownsample: any series and budget keep downsample's rules. (Its
// first finding came from the viewer's own M4, since folded into this:
// steps spread over ±1e17 made float rounding put points past the last
// bucket.)
func FuzzDownsample(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 4)
	f.Add([]byte{255, 0, 255, 0, 128, 3, 3, 3}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 1 || n > 1000 {
			return
		}
		var pts []Point
		for i := 0; i+2 < len(b); i += 3 {
			pts = append(pts, Point{Step: int64(int8(b[i])) * 1e15, Time: int64(b[i+1]), Value: float64(int8(b[i+2]))})
		}
		checkDownsample(t, pts, n)
	})
}
