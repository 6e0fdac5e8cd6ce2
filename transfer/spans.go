package transfer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/mlite/mlite/store"
)

// span is a range [from, to) of a series' point indices, in logged order.
type span struct{ from, to uint64 }

// spans are the points of a series that arrived: every index below prefix,
// and the ranges in more (sorted, disjoint, not touching prefix), which
// batches that arrived before an earlier one left.
type spans struct {
	prefix uint64
	more   []span
}

// maxSpans caps the ranges a mark may list: a push has at most a few
// hundred batches of one series in flight.
const maxSpans = 1 << 16

var errSpans = errors.New("transfer: series mark: damaged span list")

// decodeSpans reads a series mark: Count is the prefix, State the other
// ranges as uvarint pairs (from, to).
func decodeSpans(m store.SyncMark) (*spans, error) {
	s := &spans{prefix: m.Count}
	b := m.State
	last := s.prefix
	for len(b) > 0 {
		from, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errSpans
		}
		b = b[n:]
		to, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errSpans
		}
		b = b[n:]
		if from <= last || to <= from || len(s.more) >= maxSpans {
			return nil, fmt.Errorf("%w: [%d, %d) after %d", errSpans, from, to, last)
		}
		s.more = append(s.more, span{from, to})
		last = to
	}
	return s, nil
}

// mark returns the series mark of s.
func (s *spans) mark() store.SyncMark {
	var b []byte
	for _, sp := range s.more {
		b = binary.AppendUvarint(b, sp.from)
		b = binary.AppendUvarint(b, sp.to)
	}
	return store.SyncMark{Count: s.prefix, State: b}
}

// has reports whether point i arrived.
func (s *spans) has(i uint64) bool {
	if i < s.prefix {
		return true
	}
	for _, sp := range s.more {
		if i >= sp.from && i < sp.to {
			return true
		}
	}
	return false
}

// add records that the points of sp arrived.
func (s *spans) add(sp span) {
	all := append(slices.Clone(s.more), sp)
	slices.SortFunc(all, func(a, b span) int {
		if a.from < b.from {
			return -1
		}
		if a.from > b.from {
			return 1
		}
		return 0
	})
	s.more = s.more[:0]
	for _, x := range all {
		switch {
		case x.from <= s.prefix:
			s.prefix = max(s.prefix, x.to)
		case len(s.more) > 0 && x.from <= s.more[len(s.more)-1].to:
			s.more[len(s.more)-1].to = max(s.more[len(s.more)-1].to, x.to)
		default:
			s.more = append(s.more, x)
		}
	}
	// A range that now touches the prefix joins it.
	for len(s.more) > 0 && s.more[0].from <= s.prefix {
		s.prefix = max(s.prefix, s.more[0].to)
		s.more = s.more[1:]
	}
}
