package transfer

import (
	"fmt"
	"testing"

	"github.com/mlite/mlite/store"
)

func TestSpansAdd(t *testing.T) {
	tests := []struct {
		prefix uint64
		add    []span
		want   string
	}{
		{0, []span{{0, 10}}, "10 []"},
		{0, []span{{20, 30}, {10, 20}}, "0 [{10 30}]"},
		{0, []span{{20, 30}, {10, 15}, {0, 10}}, "15 [{20 30}]"},
		{5, []span{{40, 50}, {20, 30}, {5, 20}, {30, 40}}, "50 []"},
		{0, []span{{3, 4}, {3, 4}, {1, 2}}, "0 [{1 2} {3 4}]"},
	}
	for _, tt := range tests {
		s := &spans{prefix: tt.prefix}
		for _, sp := range tt.add {
			s.add(sp)
		}
		got := fmtSpans(s)
		if got != tt.want {
			t.Errorf("prefix %d add %v: got %s, want %s", tt.prefix, tt.add, got, tt.want)
		}
		back, err := decodeSpans(s.mark())
		if err != nil || fmtSpans(back) != got {
			t.Errorf("prefix %d add %v: decoded mark: got %v %v, want %s", tt.prefix, tt.add, back, err, got)
		}
	}
}

func fmtSpans(s *spans) string {
	out := []span{}
	out = append(out, s.more...)
	return sprint(s.prefix, out)
}

func FuzzDecodeSpans(f *testing.F) {
	f.Add(uint64(3), (&spans{prefix: 3, more: []span{{5, 7}, {9, 12}}}).mark().State)
	f.Add(uint64(0), []byte{0x80})
	f.Fuzz(func(t *testing.T, prefix uint64, state []byte) {
		s, err := decodeSpans(store.SyncMark{Count: prefix, State: state})
		if err != nil {
			return
		}
		last := s.prefix
		for _, sp := range s.more {
			if sp.from <= last || sp.to <= sp.from {
				t.Fatalf("decodeSpans(%d, %x): spans %v not sorted and disjoint", prefix, state, s.more)
			}
			last = sp.to
		}
		again, err := decodeSpans(s.mark())
		if err != nil || fmtSpans(again) != fmtSpans(s) {
			t.Fatalf("decodeSpans(%d, %x) = %v, encoded and decoded again: %v %v", prefix, state, s, again, err)
		}
	})
}

func sprint(prefix uint64, more []span) string { return fmt.Sprintf("%d %v", prefix, more) }
