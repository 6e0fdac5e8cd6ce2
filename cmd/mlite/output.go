package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/mlite/mlite/internal/jsonfloat"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
)

// pipeCellWidth caps a table cell when the output is not a terminal, so a
// huge tag value cannot smear a table; --json and --csv print everything.
const pipeCellWidth = 80

// printer writes tables, JSON and CSV to one writer.
type printer struct {
	w     io.Writer
	color bool // ANSI colour: a terminal, no NO_COLOR, no --no-color
	width int  // the terminal's width; 0 when not a terminal
}

// newPrinter returns a printer for w, finding out whether it is a terminal.
func newPrinter(w io.Writer, noColor bool) *printer {
	p := &printer{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.color = !noColor && os.Getenv("NO_COLOR") == ""
		if wd, _, err := term.GetSize(int(f.Fd())); err == nil && wd > 0 {
			p.width = wd
		}
	}
	if s := os.Getenv("COLUMNS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			p.width = n
		}
	}
	return p
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ANSI styles.
const (
	styleBold   = "1"
	styleDim    = "2"
	styleRed    = "31"
	styleGreen  = "32"
	styleYellow = "33"
	styleBlue   = "34"
)

// paint wraps s in an ANSI style when colour is on.
func (p *printer) paint(style, s string) string {
	if !p.color || style == "" || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// printf writes formatted text.
func (p *printer) printf(format string, args ...any) {
	fmt.Fprintf(p.w, format, args...)
}

// table is rows of cells under a header, printed aligned.
type table struct {
	header []string
	rows   [][]string
	// styles, when set, gives an ANSI style per row (nil or "" for none).
	styles []string
	// cellStyle, when set, styles single cells: the style of row i, column j.
	cellStyle func(i, j int) string
	// minWidth is the narrowest a column may shrink to fit the terminal
	// (zero: 10); minWidths, when set, overrides it per column.
	minWidth  int
	minWidths []int
}

// add appends a row.
func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// addStyled appends a row with a style.
func (t *table) addStyled(style string, cells ...string) {
	for len(t.styles) < len(t.rows) {
		t.styles = append(t.styles, "")
	}
	t.rows = append(t.rows, cells)
	t.styles = append(t.styles, style)
}

// print writes t aligned: two spaces between columns, numeric columns
// right-aligned, cells cut with an ellipsis to fit the terminal (or to
// pipeCellWidth on a pipe).
func (p *printer) table(t *table) {
	n := len(t.header)
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	if n == 0 {
		return
	}
	cell := func(r []string, j int) string {
		if j < len(r) {
			return clean(r[j])
		}
		return ""
	}
	widths := make([]int, n)
	numeric := make([]bool, n)
	for j := range n {
		numeric[j] = true
		widths[j] = utf8.RuneCountInString(cell(t.header, j))
		seen := false
		for _, r := range t.rows {
			c := cell(r, j)
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
			if c != "" && c != "-" {
				seen = true
				if !isNumber(c) {
					numeric[j] = false
				}
			}
		}
		numeric[j] = numeric[j] && seen
	}
	shown := fitWidths(widths, p.width, t.minWidth, t.minWidths)
	more := ""
	if shown < n {
		more = fmt.Sprintf("  +%d more", n-shown)
	}
	line := func(r []string, style string, i int, header bool) {
		var b strings.Builder
		for j := range shown {
			c := cell(r, j)
			if header {
				c = abbreviate(c, widths[j])
			}
			c = truncate(c, widths[j])
			pad := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c))
			if j == shown-1 && !numeric[j] {
				pad = "" // no trailing blanks
			}
			s := c
			if t.cellStyle != nil && !header {
				if cs := t.cellStyle(i, j); cs != "" {
					s = p.paint(cs, c)
				}
			}
			if numeric[j] && !header {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
			if j < shown-1 {
				b.WriteString("  ")
			}
		}
		if header {
			b.WriteString(more)
		}
		out := strings.TrimRight(b.String(), " ")
		fmt.Fprintln(p.w, p.paint(style, out))
	}
	if len(t.header) > 0 {
		line(t.header, styleBold, -1, true)
	}
	for i, r := range t.rows {
		style := ""
		if i < len(t.styles) {
			style = t.styles[i]
		}
		line(r, style, i, false)
	}
}

// fitWidths shrinks the widest columns until the table fits total (when
// total > 0), none below minWidth (or its natural width), and returns how
// many columns fit: when even the narrowest table is too wide, columns are
// dropped from the right. With total 0 (not a terminal), it caps every
// column at pipeCellWidth and keeps them all.
func fitWidths(widths []int, total, minWidth int, minWidths []int) int {
	if minWidth <= 0 {
		minWidth = 10
	}
	floor := func(j int) int {
		if j < len(minWidths) && minWidths[j] > 0 {
			return minWidths[j]
		}
		return minWidth
	}
	if total <= 0 {
		for j := range widths {
			widths[j] = min(widths[j], pipeCellWidth)
		}
		return len(widths)
	}
	sum := func(n int) int {
		s := 2 * (n - 1)
		for _, w := range widths[:n] {
			s += w
		}
		return s
	}
	for sum(len(widths)) > total {
		widest := -1
		for j := range widths {
			if widths[j] > floor(j) && (widest < 0 || widths[j] > widths[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	n := len(widths)
	if sum(n) <= total {
		return n
	}
	marker := len(fmt.Sprintf("  +%d more", len(widths)))
	for n > 1 && sum(n)+marker > total {
		n--
	}
	return n
}

// abbreviate shortens a params./metrics./tags. header that does not fit n
// to p./m./t. so the key itself shows.
func abbreviate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	for _, p := range []string{"params.", "metrics.", "tags."} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return p[:1] + "." + rest
		}
	}
	return s
}

// truncate cuts s to at most n characters, ending it with an ellipsis when
// something was cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"[:max(n, 0)*len("…")]
	}
	return string([]rune(s)[:n-1]) + "…"
}

// clean makes a value printable on one table line: control characters
// (newlines, tabs, escapes) become spaces.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// isNumber reports whether a cell reads as a number (for right alignment).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// json writes v as indented JSON.
func (p *printer) json(v any) error {
	enc := json.NewEncoder(p.w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// csv writes a header and rows as CSV.
func (p *printer) csv(header []string, rows [][]string) error {
	w := csv.NewWriter(p.w)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return w.Error()
}

// jsonFloat is a float64 that JSON can always carry, as MLflow's REST API
// writes it.
type jsonFloat = jsonfloat.Float

// formatFloat renders a metric value for a table: shortest exact form, with
// at most 6 significant digits for long fractions.
func formatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if len(s) > 10 {
		s = strconv.FormatFloat(v, 'g', 6, 64)
	}
	return s
}

// formatTime renders a time in ms since the epoch for a table, in local
// time; "-" for none.
func formatTime(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).Local().Format("2006-01-02 15:04:05")
}

// formatDuration renders a run's duration compactly: 850ms, 12.3s, 4m05s,
// 2h03m, 3d04h.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// formatBytes renders a size for people: 512 B, 1.5 KiB, 3.2 MiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
