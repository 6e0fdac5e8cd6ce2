package query

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// rec is the test Record: maps for fields, a metric's history as a slice whose
// last element is its latest value.
type rec struct {
	id       string
	attrs    map[string]Value
	metrics  map[string][]float64
	params   map[string]string
	tags     map[string]string
	datasets []Dataset
}

var _ Record = (*rec)(nil)

func (r *rec) Metric(key string) (float64, bool) {
	h := r.metrics[key]
	if len(h) == 0 {
		return 0, false
	}
	return h[len(h)-1], true
}

func (r *rec) MetricAgg(agg Agg, key string) (float64, bool) {
	h := r.metrics[key]
	if len(h) == 0 {
		return 0, false
	}
	switch agg {
	case AggLast:
		return h[len(h)-1], true
	case AggCount:
		return float64(len(h)), true
	}
	mn, mx, sum, n := math.Inf(1), math.Inf(-1), 0.0, 0
	for _, v := range h {
		if math.IsNaN(v) {
			continue
		}
		mn, mx, sum, n = min(mn, v), max(mx, v), sum+v, n+1
	}
	if n == 0 {
		return math.NaN(), true
	}
	switch agg {
	case AggMin:
		return mn, true
	case AggMax:
		return mx, true
	case AggAvg:
		return sum / float64(n), true
	}
	return 0, false
}

func (r *rec) Param(key string) (string, bool) { v, ok := r.params[key]; return v, ok }
func (r *rec) Tag(key string) (string, bool)   { v, ok := r.tags[key]; return v, ok }
func (r *rec) Attr(name string) (Value, bool)  { v, ok := r.attrs[name]; return v, ok }
func (r *rec) Datasets() []Dataset             { return r.datasets }

var (
	nan  = math.NaN()
	pinf = math.Inf(1)
	ninf = math.Inf(-1)
)

// runRow builds a run record. end < 0 means no end time; name "" means no run name.
func runRow(id, name, user, status string, start, end int64) *rec {
	r := &rec{
		id: id,
		attrs: map[string]Value{
			AttrRunID:       StringValue(id),
			AttrUserID:      StringValue(user),
			AttrStatus:      StringValue(status),
			AttrArtifactURI: StringValue("mlflow-artifacts:/1/" + id + "/artifacts"),
			AttrStartTime:   IntValue(start),
		},
		metrics: map[string][]float64{},
		params:  map[string]string{},
		tags:    map[string]string{},
	}
	if name != "" {
		r.attrs[AttrRunName] = StringValue(name)
	}
	if end >= 0 {
		r.attrs[AttrEndTime] = IntValue(end)
	}
	return r
}

// fixtureRuns is the in-memory fixture every run filter and order test uses.
// It is built fresh for each test so that tests cannot leak changes.
func fixtureRuns() []*rec {
	rs := []*rec{
		runRow("r01", "baseline", "alice", "FINISHED", 1000, 2000),
		runRow("r02", "lgbm-tuned", "alice", "FINISHED", 2000, 3000),
		runRow("r03", "xgb_v2", "bob", "FAILED", 3000, 3500),
		runRow("r04", "Big Run", "bob", "RUNNING", 4000, -1),
		runRow("r05", "модель-1", "carol", "FINISHED", 5000, 6000),
		runRow("r06", "50% off", "carol", "KILLED", 6000, 6100),
		runRow("r07", "under_score", "alice", "FINISHED", 7000, 8000),
		runRow("r08", "LR", "dave", "SCHEDULED", 8000, -1),
		runRow("r09", "lr", "Alice", "FINISHED", 9000, 9500),
		runRow("r10", "naïve café", "bob", "FAILED", 10000, 10001),
		runRow("r11", "L'Hosp", "eve", "FINISHED", 11000, 12000),
		runRow("r12", "Baseline", "eve", "FINISHED", 12000, 13000),
		runRow("r13", "", "frank", "RUNNING", 13000, -1),
		runRow("r14", "tie-a", "alice", "FINISHED", 14000, 15000),
		runRow("r15", "tie-b", "alice", "FINISHED", 14000, 15000),
		runRow("r16", `a\b`, "bob", "FINISHED", 16000, 17000),
		runRow("r17", "x.y", "bob", "FAILED", 17000, 18000),
		runRow("r18", "ΣΊΣΥΦΟΣ", "carol", "FINISHED", 18000, 19000),
	}
	byID := func(id string) *rec { return rs[int(id[1]-'0')*10+int(id[2]-'0')-1] }
	metric := func(key string, vals map[string][]float64) {
		for id, h := range vals {
			byID(id).metrics[key] = h
		}
	}
	param := func(key string, vals map[string]string) {
		for id, v := range vals {
			byID(id).params[key] = v
		}
	}
	tag := func(key string, vals map[string]string) {
		for id, v := range vals {
			byID(id).tags[key] = v
		}
	}
	one := func(v float64) []float64 { return []float64{v} }
	metric("auc", map[string][]float64{
		"r01": {0.5, 0.80}, "r02": one(0.93), "r03": one(0.91), "r04": {0.7, nan}, "r05": one(pinf),
		"r06": one(ninf), "r07": one(0.95), "r09": one(0.90), "r10": one(0.5), "r11": one(0.99),
		"r12": one(0.80), "r14": one(0.85), "r15": one(0.85), "r16": one(-1), "r17": one(0), "r18": one(1000),
	})
	metric("loss", map[string][]float64{
		"r01": {0.9, 0.5, 0.3}, "r02": {0.8, 0.1, 0.25}, "r03": {0.4}, "r04": {nan, 0.6},
		"r05": {1.0, 0.15, 0.19}, "r07": {0.2, 0.2, 0.2, 0.2}, "r09": {5, -5}, "r11": {nan}, "r12": {0.3, 0.35},
	})
	metric("acc", map[string][]float64{
		"r01": one(0.7), "r02": one(0.8), "r03": one(0.8), "r07": one(0.9), "r09": one(0.7), "r12": one(0.7),
	})
	metric("val loss", map[string][]float64{"r01": one(0.4), "r02": one(0.2), "r05": one(0.3)})
	metric("a.b", map[string][]float64{"r02": one(1), "r03": one(2)})
	metric("x-y", map[string][]float64{"r03": one(7), "r07": one(8)})
	metric("métrique", map[string][]float64{"r05": one(42)})
	metric("X//Y#$$@&Z", map[string][]float64{"r01": one(3)})
	param("model", map[string]string{
		"r01": "LR", "r02": "lgbm", "r03": "xgb", "r04": "lgbm", "r05": "LGBM", "r06": "50%",
		"r07": "lgbm", "r08": "a_b", "r09": "axb", "r10": "L'Hosp", "r11": "lr", "r12": "LR",
		"r14": "rf", "r15": "rf", "r16": `a\b`, "r17": "Lgbm-v2", "r18": "",
	})
	param("lr", map[string]string{"r01": "0.01", "r02": "0.1", "r03": "0.1", "r07": "0.05", "r09": "1e-3"})
	param("p.a.r.a.m", map[string]string{"r02": "x", "r05": "y"})
	param("cat dog", map[string]string{"r01": "pets", "r03": "pets"})
	param("depth", map[string]string{"r02": "6", "r04": "10", "r07": "8"})
	tag("team", map[string]string{
		"r01": "risk", "r02": "risk", "r03": "Risk", "r04": "fraud", "r05": "RISK-eu", "r07": "risk-us",
		"r09": "ops", "r12": "risk", "r14": "risk", "r15": "fraud", "r17": "", "r18": "risque",
	})
	tag("mlflow.runName", map[string]string{"r01": "baseline", "r02": "lgbm-tuned"})
	tag("t-1", map[string]string{"r03": "yes", "r04": "no"})
	tag("note", map[string]string{"r05": "naïve café", "r10": "NAÏVE CAFÉ", "r18": "σίσυφος"})
	byID("r10").attrs[AttrArtifactURI] = StringValue("s3://bucket/r10")
	byID("r01").datasets = []Dataset{{"train", "d1", "training"}}
	byID("r02").datasets = []Dataset{{"train", "d1", "training"}, {"eval", "d2", "evaluation"}}
	byID("r03").datasets = []Dataset{{"train", "d3", ""}}
	byID("r04").datasets = []Dataset{{"holdout", "d4", "testing"}}
	byID("r07").datasets = []Dataset{{"eval", "d2", "evaluation"}}
	byID("r09").datasets = []Dataset{{"Train", "d5", "Training"}}
	return rs
}

// ids parses an expectation like "01 05 12" (or "*" for every run, "-" for
// none) into run ids.
func ids(spec string, all []*rec) []string {
	switch spec {
	case "*":
		var out []string
		for _, r := range all {
			out = append(out, r.id)
		}
		return out
	case "-", "":
		return nil
	}
	var out []string
	for f := range strings.FieldsSeq(spec) {
		out = append(out, "r"+f)
	}
	return out
}

// matching returns the ids of the records f matches, in fixture order.
func matching(f *Filter, rs []*rec) []string {
	var out []string
	for _, r := range rs {
		if f.Match(r) {
			out = append(out, r.id)
		}
	}
	return out
}

// sortedIDs sorts records with o and returns their ids.
func sortedIDs(o *Order, rs []*rec) []string {
	c := slices.Clone(rs)
	slices.SortStableFunc(c, func(a, b *rec) int { return o.Compare(a, b) })
	out := make([]string, len(c))
	for i, r := range c {
		out[i] = r.id
	}
	return out
}

func TestFixtureShape(t *testing.T) {
	rs := fixtureRuns()
	for i, r := range rs {
		if want := ids(strings.TrimPrefix(r.id, "r"), nil); want[0] != rs[i].id {
			t.Fatalf("fixture row %d has id %s", i, r.id)
		}
	}
}
