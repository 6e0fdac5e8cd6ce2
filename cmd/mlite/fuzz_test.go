package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTable prints arbitrary cells at arbitrary terminal widths: it must
// never panic, and on a terminal wide enough for the narrowest table each
// line must fit it.
func FuzzTable(f *testing.F) {
	f.Add("NAME|N", "a|1\nbbb|-", 80, 0)
	f.Add("A|B|C", "héllo wörld|x|1e9\n|\t|", 10, 3)
	f.Add("", "", 0, 0)
	f.Add("X", strings.Repeat("y", 300), 20, 30)
	f.Fuzz(func(t *testing.T, header, body string, width, minWidth int) {
		if width < 0 || width > 1000 || minWidth < 0 || minWidth > 100 {
			return
		}
		tb := &table{minWidth: minWidth}
		if header != "" {
			tb.header = strings.Split(header, "|")
		}
		for _, line := range strings.Split(body, "\n") {
			tb.add(strings.Split(line, "|")...)
		}
		var b bytes.Buffer
		p := &printer{w: &b, width: width}
		p.table(tb)
		if !utf8.Valid(b.Bytes()) && utf8.ValidString(header) && utf8.ValidString(body) {
			t.Fatalf("table of valid UTF-8 printed invalid UTF-8: %q", b.String())
		}
		floor := max(minWidth, 10)
		if minWidth == 0 {
			floor = 10
		}
		if width >= floor+len("  +9999 more") {
			for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if n := utf8.RuneCountInString(l); n > width {
					t.Fatalf("line %q is %d wide, terminal %d", l, n, width)
				}
			}
		}
	})
}
