package transfer

import (
	"maps"
	"slices"
	"testing"

	"github.com/mlite/mlite/store"
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

func FuzzParseModelMetricLine(f *testing.F) {
	for _, s := range []string{"1796594755737 0.9 1 0123456789abcdef0123456789abcdef val d1", "1 nan 3 r", "5 -inf 0 r a", "x 1 2 r", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := parseModelMetricLine(b)
		if err != nil && x != (store.ModelMetric{}) {
			t.Fatalf("parseModelMetricLine(%q): an error with a value %+v", b, x)
		}
	})
}

// FuzzKeyedState reads any bytes as a keyed mark state without failing,
// and reads back the names a state was written with.
func FuzzKeyedState(f *testing.F) {
	f.Add([]byte("0123456789abcdef\x01a\x02bc"), "a", "x")
	f.Add([]byte("short"), "", "")
	f.Add([]byte("0123456789abcdef\xff\xff\xff\xff\x0f"), "k", "v")
	f.Fuzz(func(t *testing.T, st []byte, k1, k2 string) {
		_ = gone(st, map[string]string{k1: ""})
		sum := make([]byte, digestLen)
		m := map[string]string{k1: "1", k2: "2"}
		back := gone(keyedState(sum, m), nil)
		if want := slices.Sorted(maps.Keys(m)); !slices.Equal(back, want) {
			t.Fatalf("names of keyedState(%q): got %q, want %q", want, back, want)
		}
		if !sameState(keyedState(sum, m), sum) {
			t.Fatalf("sameState of keyedState: false")
		}
	})
}
