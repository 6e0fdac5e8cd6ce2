package query_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mlite/mlite/query"
)

// run is a minimal query.Record: a real store decodes only the fields that
// Filter.Needs and Order.Needs name.
type run struct {
	query.BaseRecord
	id      string
	start   int64
	metrics map[string]float64
	params  map[string]string
}

func (r run) Metric(k string) (float64, bool) { v, ok := r.metrics[k]; return v, ok }
func (r run) Param(k string) (string, bool)   { v, ok := r.params[k]; return v, ok }
func (r run) Attr(name string) (query.Value, bool) {
	switch name {
	case query.AttrRunID:
		return query.StringValue(r.id), true
	case query.AttrStartTime:
		return query.IntValue(r.start), true
	}
	return query.Value{}, false
}

var runs = []run{
	{id: "a1", start: 100, metrics: map[string]float64{"auc": 0.93}, params: map[string]string{"model": "lgbm"}},
	{id: "b2", start: 200, metrics: map[string]float64{"auc": 0.95}, params: map[string]string{"model": "xgb"}},
	{id: "c3", start: 300, metrics: map[string]float64{"auc": 0.88}, params: map[string]string{"model": "lgbm"}},
	{id: "d4", start: 400, params: map[string]string{"model": "lgbm"}},
}

func ExampleParseFilter() {
	f, err := query.ParseFilter(query.Runs, "metrics.auc > 0.9 and param.model = 'lgbm'")
	if err != nil {
		panic(err)
	}
	for _, r := range runs {
		if f.Match(r) {
			fmt.Println("match:", r.id)
		}
	}
	fmt.Println("canonical:", f)
	fmt.Println("needs:", f.Needs().Metrics, f.Needs().Params)
	// Output:
	// match: a1
	// canonical: metrics.auc > 0.9 AND params.model = 'lgbm'
	// needs: [auc] [model]
}

func ExampleParseFilter_error() {
	_, err := query.ParseFilter(query.Runs, "metrics.auc => 0.9")
	fmt.Println(err)
	fmt.Println(errors.Is(err, query.ErrInvalid))
	// Output:
	// query: line 1, col 13: unknown comparator '=>' for metric; did you mean '>='?
	// metrics.auc => 0.9
	//             ^
	// true
}

func ExampleParseOrderBy() {
	o, err := query.ParseOrderBy(query.Runs, []string{"metrics.auc DESC"})
	if err != nil {
		panic(err)
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b run) int { return o.Compare(a, b) })
	for _, r := range sorted {
		fmt.Println(r.id)
	}
	fmt.Println("order:", o)
	// Output:
	// b2
	// a1
	// c3
	// d4
	// order: metrics.auc DESC, start_time DESC, run_id ASC
}

func ExampleOrder_Token() {
	o, _ := query.ParseOrderBy(query.Runs, nil) // start_time DESC, run_id ASC
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b run) int { return o.Compare(a, b) })
	firstPage := sorted[:2]
	tok := o.Token(firstPage[len(firstPage)-1])

	cur, err := o.ParseToken(tok)
	if err != nil {
		panic(err)
	}
	for _, r := range sorted {
		if cur.After(r) {
			fmt.Println("next page:", r.id)
		}
	}
	// Output:
	// next page: b2
	// next page: a1
}
