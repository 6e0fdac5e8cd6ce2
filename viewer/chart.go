package viewer

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// chartQuery asks for one metric of several runs, downsampled for a chart
// of Width pixels.
type chartQuery struct {
	Runs  []store.RunID
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
	pts := make(map[store.RunID][]store.Point, len(q.Runs))
	err := v.db.Store().View(ctx, func(tx *store.Tx) error {
		for i, id := range q.Runs {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			metas[i] = meta{name: r.Name, start: r.StartTime}
			s, ok := r.Metrics[q.Key]
			if !ok {
				continue
			}
			metas[i].count = s.Count
			if pts[id], err = downsampleHistory(tx, r, q.Key, q.Range, pointsFor(q.Width)); err != nil {
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
	b = strconv.AppendQuote(b, q.Key)
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
		b = strconv.AppendQuote(b, metas[i].name)
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
func appendNum(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// historyPool keeps the buffers series are decoded into between requests:
// a million-point series is 24 MB of points.
var historyPool = sync.Pool{New: func() any { return new([]store.Point) }}

// maxPresize caps the buffer made ahead from a series' point count, so a
// damaged count cannot make a request allocate without bound.
const maxPresize = 1 << 26

// downsampleHistory returns at most about n points of metric key of r
// within rg, ordered by step, keeping each bucket's first, last, lowest and
// highest point (M4), so no spike disappears.
//
// It decodes the history into a pooled buffer sized from the series' count
// and cuts the buckets itself rather than calling Tracker.Downsample: that
// one regrows its buffer to the exact size at every chunk
// (chunkenc.AppendPoints), which copies a million-point series about 1,800
// times (5 s and 21 GB allocated per request, measured), then sorts every
// point. Once it grows geometrically and skips sorting ordered points, this
// can go back to calling it.
func downsampleHistory(tx *store.Tx, r *store.Run, key string, rg run.StepRange, n int) ([]store.Point, error) {
	bufp := historyPool.Get().(*[]store.Point)
	defer historyPool.Put(bufp)
	buf := (*bufp)[:0]
	if s := r.Metrics[key]; s != nil && uint64(cap(buf)) < s.Count {
		buf = make([]store.Point, 0, min(s.Count, maxPresize))
	}
	buf, err := tx.History(buf, r, key, rg)
	*bufp = buf
	if err != nil {
		return nil, err
	}
	return m4(buf, n), nil
}

func comparePoints(a, b store.Point) int {
	if c := cmp.Compare(a.Step, b.Step); c != 0 {
		return c
	}
	return cmp.Compare(a.Time, b.Time)
}

// m4 returns a new slice of at most n of pts (about n/4 buckets of steps,
// each keeping its first, last, lowest and highest point; NaN is never a
// bucket's lowest or highest), ordered by step then time. pts may be
// reordered.
func m4(pts []store.Point, n int) []store.Point {
	for i := 1; i < len(pts); i++ { // most series are logged in step order
		if a, b := &pts[i-1], &pts[i]; a.Step > b.Step || a.Step == b.Step && a.Time > b.Time {
			slices.SortStableFunc(pts, comparePoints)
			break
		}
	}
	if len(pts) <= n {
		return slices.Clone(pts)
	}
	buckets := max(n/4, 1)
	lo, hi := pts[0].Step, pts[len(pts)-1].Step
	scale := float64(buckets) / (float64(hi) - float64(lo) + 1)
	// bucket is monotonic in the step, so a bucket's points are adjacent;
	// the clamp absorbs float rounding at the ends of huge step ranges.
	bucket := func(step int64) int {
		return min(max(int((float64(step)-float64(lo))*scale), 0), buckets-1)
	}
	out := make([]store.Point, 0, 4*buckets)
	for i := 0; i < len(pts); {
		b := bucket(pts[i].Step)
		first, mn, mx := i, -1, -1
		j := i
		for ; j < len(pts) && bucket(pts[j].Step) == b; j++ {
			if v := pts[j].Value; v == v {
				if mn < 0 || v < pts[mn].Value {
					mn = j
				}
				if mx < 0 || v > pts[mx].Value {
					mx = j
				}
			}
		}
		last := j - 1
		keep := [4]int{first, mn, mx, last}
		slices.Sort(keep[:])
		prev := -1
		for _, k := range keep {
			if k >= 0 && k != prev {
				out = append(out, pts[k])
				prev = k
			}
		}
		i = j
	}
	return out
}
