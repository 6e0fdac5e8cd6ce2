package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// plotSeries is one line of a chart: a run's points, ordered by step.
type plotSeries struct {
	Name   string
	Points []run.Point
}

// palette holds the line colours, cycled when there are more series.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {23, 190, 207, 255},
}

var (
	colInk  = color.RGBA{40, 40, 40, 255}
	colGrid = color.RGBA{225, 225, 225, 255}
	colAxis = color.RGBA{120, 120, 120, 255}
)

// chartFace returns the label font: Go Regular at the given size, or the
// built-in bitmap face if the TrueType font cannot be loaded.
var chartFace = sync.OnceValues(func() (font.Face, font.Face) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return basicfont.Face7x13, basicfont.Face7x13
	}
	small, err1 := opentype.NewFace(f, &opentype.FaceOptions{Size: 11, DPI: 72, Hinting: font.HintingFull})
	big, err2 := opentype.NewFace(f, &opentype.FaceOptions{Size: 15, DPI: 72, Hinting: font.HintingFull})
	if err1 != nil || err2 != nil {
		return basicfont.Face7x13, basicfont.Face7x13
	}
	return small, big
})

// drawChart draws series as a line chart with axes, ticks, a title and a
// legend, and writes it to w as PNG.
func drawChart(w io.Writer, title string, series []plotSeries, width, height int) error {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	small, big := chartFace()

	// The data's extent, finite values only.
	x0, x1 := math.Inf(1), math.Inf(-1)
	y0, y1 := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			x0, x1 = math.Min(x0, float64(p.Step)), math.Max(x1, float64(p.Step))
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				y0, y1 = math.Min(y0, p.Value), math.Max(y1, p.Value)
			}
		}
	}
	if math.IsInf(x0, 0) {
		x0, x1 = 0, 1
	}
	if math.IsInf(y0, 0) {
		y0, y1 = 0, 1
	}
	if x0 == x1 {
		x0, x1 = x0-1, x1+1
	}
	if y0 == y1 {
		d := math.Max(math.Abs(y0)*0.1, 1)
		y0, y1 = y0-d, y1+d
	}
	yTicks := niceTicks(y0, y1, 6)
	xTicks := niceTicks(x0, x1, 8)
	y0, y1 = math.Min(y0, yTicks[0]), math.Max(y1, yTicks[len(yTicks)-1])

	// The plot area, leaving room for the labels.
	labelW := 0
	for _, t := range yTicks {
		labelW = max(labelW, font.MeasureString(small, tickLabel(t)).Ceil())
	}
	left, right, top, bottom := labelW+14, width-16, 34, height-36
	if right-left < 10 || bottom-top < 10 {
		return fmt.Errorf("chart of %dx%d is too small to draw: %w", width, height, mlite.ErrInvalid)
	}
	px := func(x float64) float64 { return float64(left) + (x-x0)/(x1-x0)*float64(right-left) }
	py := func(y float64) float64 { return float64(bottom) - (y-y0)/(y1-y0)*float64(bottom-top) }

	for _, t := range yTicks {
		y := int(math.Round(py(t)))
		hline(img, left, right, y, colGrid)
		s := tickLabel(t)
		text(img, small, left-6-font.MeasureString(small, s).Ceil(), y+4, s, colInk)
	}
	for _, t := range xTicks {
		x := int(math.Round(px(t)))
		vline(img, x, top, bottom, colGrid)
		s := tickLabel(t)
		text(img, small, x-font.MeasureString(small, s).Ceil()/2, bottom+16, s, colInk)
	}
	hline(img, left, right, bottom, colAxis)
	vline(img, left, top, bottom, colAxis)
	text(img, big, left, 22, title, colInk)
	text(img, small, (left+right)/2-font.MeasureString(small, "step").Ceil()/2, height-6, "step", colAxis)

	for i, s := range series {
		c := palette[i%len(palette)]
		var prev *run.Point
		for j := range s.Points {
			p := &s.Points[j]
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				prev = nil // a gap in the line
				continue
			}
			if prev != nil {
				line(img, px(float64(prev.Step)), py(prev.Value), px(float64(p.Step)), py(p.Value), c)
			} else {
				dot(img, px(float64(p.Step)), py(p.Value), c)
			}
			prev = p
		}
	}

	// The legend, top right, one line per series.
	lx := right - 8
	for _, s := range series {
		lx = min(lx, right-8-font.MeasureString(small, s.Name).Ceil()-22)
	}
	for i, s := range series {
		y := top + 14 + 16*i
		c := palette[i%len(palette)]
		for k := range 3 {
			hline(img, lx, lx+16, y-4+k-1, c)
		}
		text(img, small, lx+22, y, s.Name, colInk)
	}
	return png.Encode(w, img)
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	step := niceStep((hi - lo) / float64(n))
	start := math.Floor(lo/step) * step
	var ticks []float64
	for t := start; t <= hi+step*0.5 && len(ticks) < 4*n; t += step {
		ticks = append(ticks, math.Round(t/step)*step)
	}
	return ticks
}

// niceStep rounds a step to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		return p
	case f <= 2:
		return 2 * p
	case f <= 5:
		return 5 * p
	}
	return 10 * p
}

// tickLabel renders a tick value briefly.
func tickLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func text(img *image.RGBA, face font.Face, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

// line draws a two-pixel-wide line from (x0, y0) to (x1, y1).
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))*2) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		dot(img, x0+(x1-x0)*t, y0+(y1-y0)*t, c)
	}
}

// dot plots a 2x2 point.
func dot(img *image.RGBA, x, y float64, c color.RGBA) {
	ix, iy := int(math.Round(x)), int(math.Round(y))
	for dx := range 2 {
		for dy := range 2 {
			if image.Pt(ix+dx-1, iy+dy-1).In(img.Bounds()) {
				img.SetRGBA(ix+dx-1, iy+dy-1, c)
			}
		}
	}
}
