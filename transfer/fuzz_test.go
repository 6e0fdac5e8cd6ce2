package transfer

import (
	"testing"
)

func FuzzParseMetricLine(f *testing.F) {
	for _, s := range []string{"1796594755737 1.5 2", "1 nan 3", "5 -inf", "x 1 2", "1 2 3 4", "", "9223372036854775808 1 1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseMetricLine(b)
		if err != nil && (p.Step != 0 || p.Time != 0 || p.Value != 0) {
			t.Fatalf("parseMetricLine(%q): an error with a point %+v", b, p)
		}
	})
}

func FuzzParseMeta(f *testing.F) {
	for _, s := range []string{"name: fx\ncreation_time: 17\n", "status: 3\nrun_id: abc\n", "- a\n- b\n", "a: [", "aliases:\n  champ: '1'\n", "x: !!binary AAAA"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMeta("meta.yaml", b)
		if err != nil {
			return
		}
		for k := range m {
			_ = metaStr(m, k)
			_ = metaInt(m, k)
		}
	})
}
