package viewer

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/mlite/mlite/run"
)

// column is one JSON array of the chart view's data being written: a value
// for each run of the scan, null where the run has none.
type column struct {
	b []byte
	n int // values written
}

// fill pads the column with null up to n values.
func (c *column) fill(n int) {
	for ; c.n < n; c.n++ {
		if c.n > 0 {
			c.b = append(c.b, ',')
		}
		c.b = append(c.b, "null"...)
	}
}

// at starts the value of the i-th run, after null for the runs before it
// that have none.
func (c *column) at(i int) {
	c.fill(i)
	if c.n > 0 {
		c.b = append(c.b, ',')
	}
	c.n++
}

// appendString appends s as a JSON string: as it is when it is plain
// printable ASCII without quotes or backslashes (ids, names and values
// nearly always are), else as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// pointsJSON returns every run of q's experiment that matches its filter,
// for the chart view, as columns indexed by the runs' order in the scan:
//
//	{"experiment_id", "total", "order_by", "hint",
//	 "order": [the scan indexes in the order_by order],
//	 "run_ids": [...], "run_names": [...], "parents": [id or ""],
//	 "params": {"key": ["value" or null, ...]},
//	 "metrics": {"key": [latest value or null, ...]},
//	 "varying": [the param keys that vary], "main_metrics": [the runs
//	 table's default metric columns], "all_params", "all_metrics",
//	 "all_tags": [the keys of the experiment's newest runs, matching or not],
//	 "histories": [the metric keys some run has more than one point of]}
//
// Values that are NaN or infinite are the strings "NaN", "Infinity",
// "-Infinity". It is encoded by hand, as the chart data is: an experiment
// of 10,000 runs is a few hundred thousand values.
func (v *Viewer) pointsJSON(ctx context.Context, q runsQuery) ([]byte, error) {
	sc, err := parseSort(q.OrderBy)
	if err != nil {
		return nil, err
	}
	var (
		ids, names, parents column
		params              = map[string]*column{}
		metrics             = map[string]*column{}
		histories           = map[string]bool{}
		m                   *matching
		hint                string
	)
	col := func(cols map[string]*column, k string) *column {
		c, ok := cols[k]
		if !ok {
			c = &column{}
			cols[string([]byte(k))] = c // k lives in the transaction
		}
		return c
	}
	err = v.db.Snapshot(ctx, func(snap *run.Snapshot) error {
		m, err = scanRuns(snap, q, sc, time.Now().UnixMilli(), func(n int, rv *run.RunView) {
			ids.at(n)
			ids.b = append(ids.b, '"')
			ids.b = append(ids.b, rv.ID().String()...)
			ids.b = append(ids.b, '"')
			names.at(n)
			names.b = appendString(names.b, rv.Name())
			parents.at(n)
			if p := rv.Parent(); !p.IsZero() {
				parents.b = append(parents.b, '"')
				parents.b = append(parents.b, p.String()...)
				parents.b = append(parents.b, '"')
			} else {
				parents.b = append(parents.b, `""`...)
			}
			rv.EachParam(func(k, val string) {
				c := col(params, k)
				c.at(n)
				c.b = appendString(c.b, val)
			})
			rv.EachMetric(func(k string, s run.Series) {
				c := col(metrics, k)
				c.at(n)
				c.b = appendNum(c.b, s.Latest.Value)
				if s.Count > 1 && !histories[k] {
					histories[string([]byte(k))] = true
				}
			})
		})
		if err != nil {
			return err
		}
		hint, err = m.hint(snap)
		return err
	})
	if err != nil {
		return nil, err
	}
	total := len(m.ents)
	size := len(ids.b) + len(names.b) + len(parents.b) + 256
	for _, c := range params {
		size += len(c.b) + 8*total
	}
	for _, c := range metrics {
		size += len(c.b) + 8*total
	}
	b := make([]byte, 0, size)
	b = append(b, `{"experiment_id":"`...)
	b = append(b, q.Experiment.String()...)
	b = append(b, `","total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"order_by":`...)
	b = appendString(b, sc.String())
	b = append(b, `,"hint":`...)
	b = appendString(b, hint)
	b = append(b, `,"order":[`...)
	for i, e := range m.ents {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(e.n), 10)
	}
	b = append(b, ']')
	for _, c := range []struct {
		name string
		col  *column
	}{{"run_ids", &ids}, {"run_names", &names}, {"parents", &parents}} {
		b = append(b, `,"`+c.name+`":[`...)
		b = append(b, c.col.b...)
		b = append(b, ']')
	}
	for _, cols := range []struct {
		name string
		cols map[string]*column
	}{{"params", params}, {"metrics", metrics}} {
		b = append(b, `,"`+cols.name+`":{`...)
		for i, k := range slices.Sorted(maps.Keys(cols.cols)) {
			if i > 0 {
				b = append(b, ',')
			}
			c := cols.cols[k]
			c.fill(total)
			b = appendString(b, k)
			b = append(b, ":["...)
			b = append(b, c.b...)
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	_, varying := columns(m.params, m.sampled, nil)
	_, main := metricColumns(m.metrics, m.sampled, nil, sc)
	b = appendStrings(append(b, `,"varying":`...), varying)
	b = appendStrings(append(b, `,"main_metrics":`...), main)
	b = appendStrings(append(b, `,"all_params":`...), sortedKeys(m.keys[0]))
	b = appendStrings(append(b, `,"all_metrics":`...), sortedKeys(m.keys[1]))
	b = appendStrings(append(b, `,"all_tags":`...), sortedKeys(m.keys[2]))
	b = appendStrings(append(b, `,"histories":`...), sortedKeys(histories))
	return append(b, '}'), nil
}

// appendStrings appends ss as a JSON array of strings.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}
