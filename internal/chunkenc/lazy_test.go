package chunkenc

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestLazyStats: the closed-form costs of a constant-delta column, and its
// materialized state, equal those of feeding every delta to the trackers.
func TestLazyStats(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	deltas := []int64{0, 1, -1, 3, 50, -7, 1 << 20, 1 << 40, 3 << 50, 1<<57 + 1, 1 << 58, 1<<59 + 1, math.MaxInt64, math.MinInt64}
	for _, d := range deltas {
		for _, k := range []int{1, 2, 3, 9, 17, 100, 1000} {
			for _, next := range []int64{d, d + 1, d - 1000, r.Int64()} {
				var lazy intStats
				var ref adaptStats
				var dod [numTables]uint64
				v := r.Int64()
				vals := []int64{v}
				for range k {
					v += d
					vals = append(vals, v)
				}
				vals = append(vals, v+next)
				for i, x := range vals {
					lazy.add(x)
					if i >= 1 {
						ref.add(x - vals[i-1])
					}
					if i >= 2 {
						l := bits.Len64(zigzag(x - vals[i-1] - (vals[i-1] - vals[i-2])))
						for t := range dod {
							dod[t] += uint64(dodCost[t][l])
						}
					}
					m := lazy
					if m.lazy > 0 {
						m.materialize()
					}
					if m.ad != ref || m.dod != dod {
						t.Fatalf("d %d k %d next %d after %d values: state %+v %v, want %+v %v", d, k, next, i+1, m.ad, m.dod, ref, dod)
					}
					lk, lb := lazy.choose()
					mk, mb := m.choose()
					if lk != mk || lb != mb {
						t.Fatalf("d %d k %d next %d after %d values: lazy choose %x/%d, materialized %x/%d", d, k, next, i+1, lk, lb, mk, mb)
					}
					b1, t1, c1 := lazy.adapt()
					b2, t2, c2 := m.adapt()
					if b1 != b2 || t1 != t2 || c1 != c2 {
						t.Fatalf("d %d k %d after %d values: lazy adapt %d %d %d, materialized %d %d %d", d, k, i+1, b1, t1, c1, b2, t2, c2)
					}
				}
			}
		}
	}
}
