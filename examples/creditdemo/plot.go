package creditdemo

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Colors of the plots.
var (
	white   = color.RGBA{255, 255, 255, 255}
	ink     = color.RGBA{33, 37, 41, 255}
	grid    = color.RGBA{222, 226, 230, 255}
	barBlue = color.RGBA{1, 148, 226, 255} // MLflow's accent
)

// fonts are the parsed Go fonts, shared; faces are made per canvas because a
// face is not safe for concurrent use.
var fonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	reg, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(gobold.TTF)
	return [2]*opentype.Font{reg, bold}, err
})

// canvas is an RGBA image with a text face and a title face.
type canvas struct {
	img         *image.RGBA
	text, title font.Face
}

func newCanvas(w, h int) *canvas {
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h))}
	draw.Draw(c.img, c.img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	c.text, c.title = basicfont.Face7x13, basicfont.Face7x13
	if f, err := fonts(); err == nil {
		if t, err := opentype.NewFace(f[0], &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull}); err == nil {
			c.text = t
		}
		if t, err := opentype.NewFace(f[1], &opentype.FaceOptions{Size: 16, DPI: 72, Hinting: font.HintingFull}); err == nil {
			c.title = t
		}
	}
	return c
}

func (c *canvas) close() {
	for _, f := range []font.Face{c.text, c.title} {
		if f != basicfont.Face7x13 {
			f.Close()
		}
	}
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Src)
}

// textAt draws s with its baseline at y; align is 0 (left of x), 1 (centred
// on x) or 2 (ending at x).
func (c *canvas) textAt(face font.Face, s string, x, y, align int, col color.Color) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face}
	w := d.MeasureString(s).Round()
	switch align {
	case 1:
		x -= w / 2
	case 2:
		x -= w
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(s)
}

// importancePlot draws a horizontal bar chart of the features' importance,
// largest first.
func importancePlot(title string, names []string, imp []float64) image.Image {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(imp[b], imp[a]) })
	const w, left, right, top, barH, gap = 640, 150, 70, 50, 22, 8
	h := top + len(names)*(barH+gap) + 40
	c := newCanvas(w, h)
	defer c.close()
	c.textAt(c.title, title, w/2, 28, 1, ink)
	maxV := 0.0
	for _, v := range imp {
		maxV = max(maxV, v)
	}
	if maxV == 0 {
		maxV = 1
	}
	plotW := w - left - right
	for k := 0; k <= 4; k++ { // grid lines at quarters of the largest value
		x := left + k*plotW/4
		c.rect(x, top-4, x+1, h-36, grid)
		c.textAt(c.text, fmt.Sprintf("%.2f", maxV*float64(k)/4), x, h-18, 1, ink)
	}
	for row, i := range idx {
		y := top + row*(barH+gap)
		bw := int(float64(plotW) * imp[i] / maxV)
		c.rect(left, y, left+bw, y+barH, barBlue)
		c.textAt(c.text, names[i], left-8, y+barH-6, 2, ink)
		c.textAt(c.text, fmt.Sprintf("%.3f", imp[i]), left+bw+6, y+barH-6, 0, ink)
	}
	return c.img
}

// confusionPlot draws the 2×2 confusion matrix with counts and shares,
// cells shaded by their share of their actual class.
func confusionPlot(title string, cm Confusion, threshold float64) image.Image {
	const w, h, left, top, cell = 520, 410, 170, 80, 140
	c := newCanvas(w, h)
	defer c.close()
	c.textAt(c.title, title, w/2, 28, 1, ink)
	c.textAt(c.text, "predicted", left+cell, top-26, 1, ink)
	c.textAt(c.text, "no default", left+cell/2, top-6, 1, ink)
	c.textAt(c.text, "default", left+cell+cell/2, top-6, 1, ink)
	c.textAt(c.text, "actual", 16, top+cell+4, 0, ink)
	c.textAt(c.text, "no default", left-8, top+cell/2+4, 2, ink)
	c.textAt(c.text, "default", left-8, top+cell+cell/2+4, 2, ink)
	cells := [2][2]int{{cm.TN, cm.FP}, {cm.FN, cm.TP}}
	for r := range 2 {
		total := cells[r][0] + cells[r][1]
		for k := range 2 {
			share := ratio(cells[r][k], total)
			x, y := left+k*cell, top+r*cell
			shade := uint8(255 - 200*share)
			bg := color.RGBA{shade, uint8(255 - 110*share), 255, 255}
			c.rect(x, y, x+cell, y+cell, bg)
			c.rect(x, y, x+cell, y+1, ink)
			c.rect(x, y, x+1, y+cell, ink)
			fg := color.Color(ink)
			if share > 0.6 {
				fg = white
			}
			c.textAt(c.title, fmt.Sprint(cells[r][k]), x+cell/2, y+cell/2, 1, fg)
			c.textAt(c.text, fmt.Sprintf("%.1f%%", 100*share), x+cell/2, y+cell/2+20, 1, fg)
		}
	}
	c.rect(left, top+2*cell, left+2*cell+1, top+2*cell+1, ink)
	c.rect(left+2*cell, top, left+2*cell+1, top+2*cell, ink)
	c.textAt(c.text, fmt.Sprintf("threshold %.3f   precision %.3f   recall %.3f   F1 %.3f",
		threshold, cm.Precision(), cm.Recall(), cm.F1()), w/2, h-20, 1, ink)
	return c.img
}
