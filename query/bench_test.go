package query

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchRuns makes n runs shaped like a real search: a handful of metrics,
// params and tags each, looked up through small maps.
func benchRuns(n int) []*rec {
	models := []string{"lgbm", "xgb", "rf", "LR", "mlp"}
	teams := []string{"risk", "fraud", "ops", "Risk-EU"}
	rs := make([]*rec, n)
	for i := range rs {
		r := runRow(fmt.Sprintf("%032x", i*7919), fmt.Sprintf("run-%d", i), "alice", "FINISHED", int64(1_700_000_000_000+i*1000), -1)
		r.metrics["auc"] = []float64{float64(i%1000) / 1000}
		r.metrics["loss"] = []float64{1, 0.5, float64(i%100) / 100}
		r.metrics["acc"] = []float64{float64(i%97) / 97}
		r.params["model"] = models[i%len(models)]
		r.params["lr"] = "0.01"
		r.params["depth"] = fmt.Sprint(i % 12)
		r.tags["team"] = teams[i%len(teams)]
		r.tags["mlflow.runName"] = fmt.Sprintf("run-%d", i)
		rs[i] = r
	}
	return rs
}

func BenchmarkParseFilter(b *testing.B) {
	const s = `metrics.auc > 0.9 and params.model = 'lgbm' and tags.team LIKE 'risk%' and attributes.status != 'FAILED'` +
		` and attributes.run_id IN ('a1', 'b2', 'c3') and metrics."val loss" < 0.3`
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := ParseFilter(Runs, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	rs := benchRuns(1000)
	cases := []struct{ name, filter string }{
		{"typical", `metrics.auc > 0.9 and params.model = 'lgbm'`},
		{"like", `tags.team LIKE 'risk%'`},
		{"ilike", `tags.team ILIKE '%risk%'`},
		{"in100", `attributes.run_id IN (` + inList(100) + `)`},
		{"or_not", `(params.model = 'lgbm' OR params.model = 'xgb') AND NOT tags.team = 'ops'`},
		{"agg", `min(metrics.loss) < 0.2`},
		{"missing", `metrics.nope > 1`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f, err := ParseFilter(Runs, c.filter)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i, n := 0, 0
			for b.Loop() {
				if f.Match(rs[i]) {
					n++
				}
				if i++; i == len(rs) {
					i = 0
				}
			}
			_ = n
		})
	}
}

// BenchmarkMatch100k reports the time to filter 100,000 runs with the typical
// filter (the run store's budget is about 50 ms).
func BenchmarkMatch100k(b *testing.B) {
	rs := benchRuns(100_000)
	f, err := ParseFilter(Runs, `metrics.auc > 0.9 and params.model = 'lgbm'`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		n := 0
		for _, r := range rs {
			if f.Match(r) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/100k")
}

func inList(n int) string {
	var s []byte
	for i := range n {
		if i > 0 {
			s = append(s, ", "...)
		}
		s = fmt.Appendf(s, "'%032x'", i*7919*3)
	}
	return string(s)
}

func BenchmarkCompare(b *testing.B) {
	rs := benchRuns(1000)
	for _, items := range [][]string{nil, {"metrics.auc DESC"}, {"params.model", "tags.team DESC"}} {
		o, err := ParseOrderBy(Runs, items)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(items), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				o.Compare(rs[i], rs[(i+1)%len(rs)])
				if i++; i == len(rs) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkSort100k sorts 100,000 runs by metrics.auc DESC, extracting each
// run's keys once.
func BenchmarkSort100k(b *testing.B) {
	rs := benchRuns(100_000)
	o, err := ParseOrderBy(Runs, []string{"metrics.auc DESC"})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]Key, len(rs))
	idx := make([]int, len(rs))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for i, r := range rs {
			keys[i], idx[i] = o.Key(r), i
		}
		slices.SortFunc(idx, func(x, y int) int { return o.CompareKeys(keys[x], keys[y]) })
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/100k")
}

func BenchmarkToken(b *testing.B) {
	rs := benchRuns(10)
	o, _ := ParseOrderBy(Runs, []string{"metrics.auc DESC"})
	b.ReportAllocs()
	for b.Loop() {
		tok := o.Token(rs[3])
		if _, err := o.ParseToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}
