package viewer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlite/mlite/store"
)

// checkM4 checks the rules m4's result must keep for input pts and budget n.
func checkM4(t *testing.T, pts []store.Point, n int) {
	t.Helper()
	in := slices.Clone(pts)
	got := m4(slices.Clone(pts), n)
	if len(in) <= n && len(got) != len(in) {
		t.Fatalf("m4 of %d points, n %d: got %d points, want all", len(in), n, len(got))
	}
	if len(got) > max(n, 4) && len(in) > n {
		t.Fatalf("m4 of %d points, n %d: got %d points, want at most %d", len(in), n, len(got), n)
	}
	if !slices.IsSortedFunc(got, comparePoints) {
		t.Fatalf("m4 of %d points, n %d: result not ordered by step", len(in), n)
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
		if !slices.Contains(in, p) && !(math.IsNaN(p.Value) && slices.ContainsFunc(in, func(q store.Point) bool { return q.Step == p.Step && math.IsNaN(q.Value) })) {
			t.Fatalf("m4: got point %+v that is not in the input", p)
		}
	}
	if len(in) > 0 && (glo != lo || ghi != hi) {
		t.Fatalf("m4 of %d points, n %d: got min %v max %v, want %v %v", len(in), n, glo, ghi, lo, hi)
	}
}

func TestM4(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	series := func(count int, f func(i int) float64) []store.Point {
		pts := make([]store.Point, count)
		for i := range pts {
			pts[i] = store.Point{Step: int64(i), Time: int64(i) * 10, Value: f(i)}
		}
		return pts
	}
	tests := []struct {
		name string
		pts  []store.Point
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
		{"sparse steps", func() []store.Point {
			p := series(1000, func(i int) float64 { return float64(i) })
			for i := range p {
				p[i].Step = int64(i) * int64(i) * 1000
			}
			return p
		}(), 100},
		{"unordered", func() []store.Point {
			p := series(5000, func(i int) float64 { return rng.NormFloat64() })
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			return p
		}(), 200},
		{"negative steps", func() []store.Point {
			p := series(5000, func(i int) float64 { return float64(i) })
			for i := range p {
				p[i].Step -= 1 << 40
			}
			return p
		}(), 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkM4(t, tt.pts, tt.n) })
	}
}

func FuzzM4(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 4)
	f.Add([]byte{255, 0, 255, 0, 128, 3, 3, 3}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 1 || n > 1000 {
			return
		}
		var pts []store.Point
		for i := 0; i+2 < len(b); i += 3 {
			pts = append(pts, store.Point{Step: int64(int8(b[i])) * 1e15, Time: int64(b[i+1]), Value: float64(int8(b[i+2]))})
		}
		checkM4(t, pts, n)
	})
}

func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"", "metrics.auc DESC", "params.`a b` asc", "duration", "bogus", "tags.", "`x`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseSort(s)
		if err != nil {
			return
		}
		// what String writes parses back to the same column
		c2, err := parseSort(c.String())
		if err != nil || c2 != c {
			t.Fatalf("parseSort(%q) = %+v; its String %q parses to %+v, %v", s, c, c.String(), c2, err)
		}
	})
}
