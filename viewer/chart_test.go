package viewer

import "testing"

func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"", "metrics.auc DESC", "params.`a b` asc", "duration", "bogus", "tags.", "`x`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseSort(s)
		if err != nil {
			return
		}
		// what String writes parses back to the same column
		c2, err := parseSort(c.String())
		if err != nil || c2 != c {
			t.Fatalf("parseSort(%q) = %+v; its String %q parses to %+v, %v", s, c, c.String(), c2, err)
		}
	})
}
