package viewer

import (
	"context"
	"github.com/mlite/mlite/internal/jsonfloat"
	"strconv"

	"github.com/mlite/mlite/run"
)

// chartQuery asks for one metric of several runs, downsampled for a chart
// of Width pixels.
type chartQuery struct {
	Runs  []run.ID
	Key   string
	Range run.StepRange
	Width int
}

// pointsFor is the point budget of a chart Width pixels wide: two points a
// pixel, so that each pixel's bucket can keep its lowest and highest value.
func pointsFor(width int) int { return 2 * width }

// chartJSON returns the chart data of q as JSON:
//
//	{"key": k, "width": w, "series": [{"run_id", "run_name", "start_time",
//	  "count", "steps": [...], "times": [...], "values": [...]}]}
//
// with one series per run that has the metric, in the order asked. Values
// that are NaN or infinite are the strings "NaN", "Infinity", "-Infinity".
// It is encoded by hand: a chart of a few thousand points is the hottest
// response of the viewer.
func (v *Viewer) chartJSON(ctx context.Context, q chartQuery) ([]byte, error) {
	type meta struct {
		name  string
		start int64
		count uint64
	}
	metas := make([]meta, len(q.Runs))
	pts := make(map[run.ID][]run.Point, len(q.Runs))
	err := v.db.Snapshot(ctx, func(snap *run.Snapshot) error {
		for i, id := range q.Runs {
			r, err := snap.Run(id)
			if err != nil {
				return err
			}
			metas[i] = meta{name: r.Name, start: r.StartTime}
			s, ok := r.Metrics[q.Key]
			if !ok {
				continue
			}
			metas[i].count = s.Count
			// M4 buckets (each keeps its first, last, lowest and highest
			// point) plus every chunk's extremes: no spike disappears.
			if pts[id], err = snap.Downsample(r, q.Key, q.Range, pointsFor(q.Width)); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range pts {
		n += len(p)
	}
	b := make([]byte, 0, 128+n*40)
	b = append(b, `{"key":`...)
	b = appendString(b, q.Key)
	b = append(b, `,"width":`...)
	b = strconv.AppendInt(b, int64(q.Width), 10)
	b = append(b, `,"series":[`...)
	first := true
	for i, id := range q.Runs {
		ps, ok := pts[id]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"run_id":"`...)
		b = append(b, id.String()...)
		b = append(b, `","run_name":`...)
		b = appendString(b, metas[i].name)
		b = append(b, `,"start_time":`...)
		b = strconv.AppendInt(b, metas[i].start, 10)
		b = append(b, `,"count":`...)
		b = strconv.AppendUint(b, metas[i].count, 10)
		b = append(b, `,"steps":[`...)
		for j, p := range ps {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, p.Step, 10)
		}
		b = append(b, `],"times":[`...)
		for j, p := range ps {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, p.Time, 10)
		}
		b = append(b, `],"values":[`...)
		for j, p := range ps {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendNum(b, p.Value)
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}"...)
	return b, nil
}

// appendNum appends f as JSON: a number, or a string for NaN and ±Inf.
func appendNum(b []byte, f float64) []byte { return jsonfloat.Append(b, f) }

// nonFinite returns how JavaScript spells a NaN or infinite f ("NaN",
// "Infinity", "-Infinity"), or false for a finite one.
func nonFinite(f float64) (string, bool) {
	switch {
	case f-f == 0: // finite
		return "", false
	case f != f:
		return "NaN", true
	case f > 0:
		return "Infinity", true
	}
	return "-Infinity", true
}
