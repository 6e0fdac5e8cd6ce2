package query

import (
	"fmt"
	"slices"
	"testing"
)

var runOrderCases = []struct {
	items []string
	want  string
}{
	// Default: start_time DESC, run_id ASC (r14 and r15 share a start time).
	{nil, "18 17 16 14 15 13 12 11 10 09 08 07 06 05 04 03 02 01"},
	{[]string{}, "18 17 16 14 15 13 12 11 10 09 08 07 06 05 04 03 02 01"},
	{[]string{"created DESC"}, "18 17 16 14 15 13 12 11 10 09 08 07 06 05 04 03 02 01"},
	{[]string{"attributes.start_time ASC"}, "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18"},
	{[]string{"run_id DESC"}, "18 17 16 15 14 13 12 11 10 09 08 07 06 05 04 03 02 01"},
	// Metrics: values, then NaN (r04), then missing (r08, r13), in both directions.
	{[]string{"metrics.auc DESC"}, "05 18 11 07 02 03 09 14 15 12 01 10 17 16 06 04 13 08"},
	{[]string{"metrics.auc"}, "06 16 17 10 12 01 14 15 09 03 02 07 11 18 05 04 13 08"},
	{[]string{"metric.auc asc"}, "06 16 17 10 12 01 14 15 09 03 02 07 11 18 05 04 13 08"},
	{[]string{`metrics."val loss"  desc`}, "01 05 02 18 17 16 14 15 13 12 11 10 09 08 07 06 04 03"},
	{[]string{"tags.noSuchTag"}, "18 17 16 14 15 13 12 11 10 09 08 07 06 05 04 03 02 01"},
	// Strings compare by bytes; missing last.
	{[]string{"params.model"}, "18 06 10 05 12 01 17 16 08 09 07 04 02 11 14 15 03 13"},
	{[]string{"params.`model` aSc"}, "18 06 10 05 12 01 17 16 08 09 07 04 02 11 14 15 03 13"},
	{[]string{"tags.team DESC", "metrics.auc"}, "18 07 12 01 14 02 09 15 04 03 05 17 06 16 10 11 13 08"},
	{[]string{"attributes.end_time DESC"}, "18 17 16 14 15 12 11 10 09 07 06 05 03 02 01 13 08 04"},
	{[]string{"status", "run_id DESC"}, "17 10 03 18 16 15 14 12 11 09 07 05 02 01 06 13 04 08"},
	{[]string{"attributes.user_id DESC", "start_time"}, "13 11 12 08 05 06 18 03 04 10 16 17 01 02 07 14 15 09"},
	// Extension: aggregates in order_by.
	{[]string{"min(metrics.loss)"}, "09 02 05 07 12 01 03 04 11 18 17 16 14 15 13 10 08 06"},
	{[]string{"count(metrics.loss) DESC"}, "07 05 02 01 12 09 04 11 03 18 17 16 14 15 13 10 08 06"},
}

func TestOrderRuns(t *testing.T) {
	rs := fixtureRuns()
	for _, tc := range runOrderCases {
		o, err := ParseOrderBy(Runs, tc.items)
		if err != nil {
			t.Errorf("ParseOrderBy(%q): %v", tc.items, err)
			continue
		}
		want := ids(tc.want, rs)
		if got := sortedIDs(o, rs); !slices.Equal(got, want) {
			t.Errorf("order %q: got %v, want %v", tc.items, got, want)
		}
		// Sorting by extracted keys gives the same order.
		keys := make([]Key, len(rs))
		idx := make([]int, len(rs))
		for i, r := range rs {
			keys[i], idx[i] = o.Key(r), i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return o.CompareKeys(keys[a], keys[b]) })
		got := make([]string, len(idx))
		for i, j := range idx {
			got[i] = rs[j].id
		}
		if !slices.Equal(got, want) {
			t.Errorf("order %q by keys: got %v, want %v", tc.items, got, want)
		}
	}
}

// TestOrderNaNInfNone mirrors MLflow's placement rule: values, then NaN, then
// missing, for ASC and DESC alike.
func TestOrderNaNInfNone(t *testing.T) {
	var rs []*rec
	for _, x := range []struct {
		id string
		v  []float64
	}{{"nan", []float64{nan}}, {"inf", []float64{pinf}}, {"-inf", []float64{ninf}}, {"-1000", []float64{-1000}},
		{"0", []float64{0}}, {"1000", []float64{1000}}, {"None", nil}} {
		r := runRow(x.id, "", "u", "FINISHED", 0, 1)
		if x.v != nil {
			r.metrics["x"] = x.v
		}
		rs = append(rs, r)
	}
	for _, tc := range []struct {
		item string
		want []string
	}{
		{"metrics.x asc", []string{"-inf", "-1000", "0", "1000", "inf", "nan", "None"}},
		{"metrics.x desc", []string{"inf", "1000", "0", "-1000", "-inf", "nan", "None"}},
	} {
		o, err := ParseOrderBy(Runs, []string{tc.item})
		if err != nil {
			t.Fatal(err)
		}
		if got := sortedIDs(o, rs); !slices.Equal(got, tc.want) {
			t.Errorf("order %q: got %v, want %v", tc.item, got, tc.want)
		}
	}
}

func TestOrderString(t *testing.T) {
	cases := []struct {
		e     Entity
		items []string
		want  string
	}{
		{Runs, nil, "start_time DESC, run_id ASC"},
		{Runs, []string{"metrics.auc DESC"}, "metrics.auc DESC, start_time DESC, run_id ASC"},
		{Runs, []string{"created"}, "start_time ASC, run_id ASC"},
		{Runs, []string{"run_id desc", "Created"}, "run_id DESC, start_time ASC"},
		{Runs, []string{"`run name`"}, "run_name ASC, start_time DESC, run_id ASC"},
		{Runs, []string{"max(metrics.`val loss`) DESC", "tags.mlflow.runName"}, "max(metrics.`val loss`) DESC, tags.mlflow.runName ASC, start_time DESC, run_id ASC"},
		{Runs, []string{"  params.p   DESC  "}, "params.p DESC, start_time DESC, run_id ASC"},
		{Experiments, nil, "creation_time DESC, experiment_id ASC"},
		{Experiments, []string{"name"}, "name ASC, experiment_id DESC"},
		{Experiments, []string{"experiment_id"}, "experiment_id ASC"},
		{RegisteredModels, nil, "name ASC"},
		{RegisteredModels, []string{"timestamp DESC"}, "last_updated_timestamp DESC, name ASC"},
		{ModelVersions, nil, "last_updated_timestamp DESC, name ASC, version_number DESC"},
		{ModelVersions, []string{"version_number"}, "version_number ASC, name ASC"},
		{ModelVersions, []string{"creation_timestamp DESC"}, "creation_timestamp DESC, name ASC, version_number DESC"},
	}
	for _, tc := range cases {
		o, err := ParseOrderBy(tc.e, tc.items)
		if err != nil {
			t.Errorf("%s %q: %v", tc.e, tc.items, err)
			continue
		}
		if got := o.String(); got != tc.want {
			t.Errorf("%s %q: String() = %q, want %q", tc.e, tc.items, got, tc.want)
		}
		// The rendered keys parse back to the same order.
		var items []string
		for _, k := range o.Keys() {
			items = append(items, k.String())
		}
		o2, err := ParseOrderBy(tc.e, items)
		if err != nil || o2.String() != o.String() {
			t.Errorf("%s %q: keys %q re-parse to %v, %v", tc.e, tc.items, items, o2, err)
		}
	}
	o, _ := ParseOrderBy(Runs, []string{"metrics.auc DESC"})
	keys := o.Keys()
	if len(keys) != 3 || keys[0].Implicit || !keys[1].Implicit || !keys[2].Implicit {
		t.Errorf("Keys() = %+v", keys)
	}
	if o.Entity() != Runs {
		t.Errorf("Entity() = %v", o.Entity())
	}
}

type orderReject struct {
	items []string
	item  int // 1-based item the error is in
	msg   string
	col   int
}

var runOrderRejects = []orderReject{
	{[]string{"m.acc"}, 1, "unknown type 'm'", 1},
	{[]string{"acc"}, 1, "unknown attribute 'acc' for runs; valid attributes in order_by are", 1},
	{[]string{"attri.x"}, 1, "unknown type 'attri'", 1},
	{[]string{"`metrics.A"}, 1, "unterminated backtick-quoted name", 1},
	{[]string{"`metrics.A`"}, 1, "quote only the key: metrics.`A`", 1},
	{[]string{"attribute.start"}, 1, "unknown attribute 'start'", 11},
	{[]string{"attribute.experiment_id"}, 1, "unknown attribute 'experiment_id'", 11},
	{[]string{"metrics.A != 1"}, 1, "unexpected '!=' in order_by item; expected ASC or DESC", 11},
	{[]string{"attribute.run_id ACS"}, 1, "invalid direction 'ACS'; use ASC or DESC; did you mean 'ASC'?", 18},
	{[]string{"attribute.run_id decs"}, 1, "did you mean 'DESC'?", 18},
	{[]string{""}, 1, "empty order_by item", 1},
	{[]string{"metrics.a", "  "}, 2, "empty order_by item", 1},
	{[]string{"metrics.a DESC blah"}, 1, "unexpected 'blah' after the direction", 16},
	{[]string{"metrics.a", "metrics.a DESC"}, 2, "duplicate order_by key metrics.a (already item 1)", 1},
	{[]string{"created", "start_time DESC"}, 2, "duplicate order_by key start_time", 1},
	{[]string{"params.p", "param.`p`"}, 2, "duplicate order_by key params.p", 1},
	{[]string{"datasets.name"}, 1, "runs cannot be ordered by datasets.name", 1},
	{[]string{"metrics.a ASC DESC"}, 1, "unexpected 'DESC' after the direction", 15},
	{[]string{"metrics.a, metrics.b"}, 1, "unexpected ','", 10},
	{[]string{"min(params.a)"}, 1, "min() applies to metrics", 5},
}

func checkOrderReject(t *testing.T, e Entity, tc orderReject) {
	t.Helper()
	o, err := ParseOrderBy(e, tc.items)
	checkError(t, fmt.Sprintf("%s order %q", e, tc.items), o, err, Error{Line: 1, Col: tc.col, Item: tc.item, Msg: tc.msg})
}

func TestOrderRejects(t *testing.T) {
	for _, tc := range runOrderRejects {
		checkOrderReject(t, Runs, tc)
	}
}
