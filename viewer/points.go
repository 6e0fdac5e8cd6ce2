package viewer

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/mlite/mlite/run"
)

// column is one JSON array of the chart view's data being written: a value
// for each run of the scan, null where the run has none. It is written in
// chunks that double up to maxChunk and are never copied to grow: an
// experiment of 10,000 runs has a few hundred thousand values.
type column struct {
	chunks [][]byte // the chunks filled
	b      []byte   // the chunk being written
	n      int      // values written
}

// maxChunk is the largest chunk of a column.
const maxChunk = 64 << 10

// room makes k bytes free in c.b.
func (c *column) room(k int) {
	if cap(c.b)-len(c.b) >= k {
		return
	}
	size := min(max(2*cap(c.b), 256), maxChunk)
	if len(c.b) > 0 {
		c.chunks = append(c.chunks, c.b)
	}
	c.b = make([]byte, 0, max(size, k))
}

// fill pads the column with null up to n values.
func (c *column) fill(n int) {
	for ; c.n < n; c.n++ {
		c.room(5)
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
	c.room(1)
	if c.n > 0 {
		c.b = append(c.b, ',')
	}
	c.n++
}

// str writes s as the value begun by at.
func (c *column) str(s string) {
	c.room(6*len(s) + 2) // the longest escaping: \u00XX a byte
	c.b = appendString(c.b, s)
}

// id writes a run id, in hex, as the value begun by at.
func (c *column) id(id run.ID) {
	c.room(2*len(id) + 2)
	c.b = append(c.b, '"')
	c.b = hex.AppendEncode(c.b, id[:])
	c.b = append(c.b, '"')
}

// num writes f as the value begun by at.
func (c *column) num(f float64) {
	c.room(32)
	c.b = appendNum(c.b, f)
}

// len is the length of what c holds.
func (c *column) len() int {
	n := len(c.b)
	for _, ch := range c.chunks {
		n += len(ch)
	}
	return n
}

// appendTo appends what c holds to b.
func (c *column) appendTo(b []byte) []byte {
	for _, ch := range c.chunks {
		b = append(b, ch...)
	}
	return append(b, c.b...)
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
			ids.id(rv.ID())
			names.at(n)
			names.str(rv.Name())
			parents.at(n)
			if p := rv.Parent(); !p.IsZero() {
				parents.id(p)
			} else {
				parents.str("")
			}
			rv.EachParam(func(k, val string) {
				c := col(params, k)
				c.at(n)
				c.str(val)
			})
			rv.EachMetric(func(k string, s run.Series) {
				c := col(metrics, k)
				c.at(n)
				c.num(s.Latest.Value)
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
	size := ids.len() + names.len() + parents.len() + 16*total + 256
	for _, cols := range []map[string]*column{params, metrics} {
		for k, c := range cols {
			c.fill(total) // the runs after the last that has it
			size += c.len() + len(k) + 8
		}
	}
	for _, ks := range m.keys {
		for k := range ks {
			size += len(k) + 3
		}
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
		b = c.col.appendTo(b)
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
			b = appendString(b, k)
			b = append(b, ":["...)
			b = cols.cols[k].appendTo(b)
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
