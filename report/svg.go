package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/mlite/mlite/run"
)

// line is one run's curve of a metric.
type line struct {
	Name, Color string
	Points      []run.Point
}

// chart is one metric's inline SVG with its legend.
type chart struct {
	Title  string
	SVG    template.HTML
	Legend []line
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH         = 640, 260
	padL, padR, padT, padB = 64, 16, 12, 32
)

// drawChart draws the lines of one metric against the step: an SVG with
// axes, five value ticks and one polyline per run (broken where a value is
// not finite). It returns a chart with no SVG when there is nothing finite
// to draw.
func drawChart(title string, lines []line) chart {
	minX, maxX := int64(math.MaxInt64), int64(math.MinInt64)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for _, p := range l.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				continue
			}
			minX, maxX = min(minX, p.Step), max(maxX, p.Step)
			minY, maxY = math.Min(minY, p.Value), math.Max(maxY, p.Value)
		}
	}
	if minX > maxX {
		return chart{Title: title}
	}
	if minY == maxY {
		minY, maxY = minY-0.5, maxY+0.5
		if minY == maxY { // huge magnitudes
			minY, maxY = minY*0.999, maxY*1.001
		}
	}
	spanX := float64(maxX - minX)
	x := func(step int64) float64 {
		if spanX == 0 {
			return padL + (chartW-padL-padR)/2
		}
		return padL + float64(step-minX)/spanX*(chartW-padL-padR)
	}
	y := func(v float64) float64 {
		return padT + (maxY-v)/(maxY-minY)*(chartH-padT-padB)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<rect class="plot" x="%d" y="%d" width="%d" height="%d"/>`, padL, padT, chartW-padL-padR, chartH-padT-padB)
	for i := range 5 {
		v := minY + (maxY-minY)*float64(i)/4
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			padL, chartW-padR, y(v), y(v), padL-6, y(v)+4, template.HTMLEscapeString(fmtFloat(v)))
	}
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="start">step %d</text>`, padL, chartH-10, minX)
	fmt.Fprintf(&b, `<text class="tick" x="%d" y="%d" text-anchor="end">%d</text>`, chartW-padR, chartH-10, maxX)
	for _, l := range lines {
		var seg []string
		flush := func() {
			switch len(seg) {
			case 0:
			case 1:
				var cx, cy float64
				fmt.Sscanf(seg[0], "%f,%f", &cx, &cy)
				fmt.Fprintf(&b, `<circle class="series" cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, cx, cy, l.Color)
			default:
				fmt.Fprintf(&b, `<polyline class="series" fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, l.Color, strings.Join(seg, " "))
			}
			seg = seg[:0]
		}
		for _, p := range l.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				flush()
				continue
			}
			seg = append(seg, fmt.Sprintf("%.1f,%.1f", x(p.Step), y(p.Value)))
		}
		flush()
	}
	b.WriteString(`</svg>`)
	return chart{Title: title, SVG: template.HTML(b.String()), Legend: lines}
}
