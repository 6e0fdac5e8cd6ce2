package chunkenc

import (
	"math"
	"math/rand/v2"
)

// Series generators shared by tests and benchmarks. Fixed seeds: reproducible.

const benchStart = 1_700_000_000_000 // ms

func jitteredTimes(n int, r *rand.Rand) []int64 {
	t := make([]int64, n)
	for i := range t {
		t[i] = benchStart + int64(i)*50 + r.Int64N(21) - 10
	}
	return t
}

// genSeries returns n points of the named benchmark series: "loss" (noisy
// decaying float32-precision curve), "const" (0.001), "counter" (i*32) or
// "cosine" (a float64 cosine learning-rate schedule from 0.001 to 0);
// step = i, time = start + 50 ms * i ± 10 ms.
func genSeries(name string, n int) []Point {
	r := rand.New(rand.NewPCG(1, 2))
	times := jitteredTimes(n, r)
	pts := make([]Point, n)
	for i := range pts {
		var v float64
		switch name {
		case "loss":
			v = float64(float32(0.9*math.Exp(-float64(i)/50000) + 0.01*r.NormFloat64()))
		case "const":
			v = 0.001
		case "counter":
			v = float64(i * 32)
		case "cosine":
			v = 0.001 * 0.5 * (1 + math.Cos(math.Pi*float64(i)/float64(n)))
		default:
			panic("unknown series " + name)
		}
		pts[i] = Point{Step: int64(i), Time: times[i], Value: v}
	}
	return pts
}

// chunkSeries cuts pts into chunks sealed by Fits(p, target).
func chunkSeries(pts []Point, target int) [][]byte {
	var chunks [][]byte
	a := NewAppender()
	for _, p := range pts {
		if a.Count() > 0 && !a.Fits(p, target) {
			chunks = append(chunks, a.Bytes(nil))
			a = NewAppender()
		}
		a.Append(p)
	}
	if a.Count() > 0 {
		chunks = append(chunks, a.Bytes(nil))
	}
	return chunks
}
