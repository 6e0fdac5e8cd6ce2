package chunkenc

// AppendPoints decodes all points of chunk, in append order, appends them to
// dst and returns the extended slice. On error dst is returned unchanged
// (its spare capacity may have been written).
func AppendPoints(dst []Point, chunk []byte) ([]Point, error) {
	d := decoder{b: chunk}
	h := d.readHeader()
	if d.err != nil {
		return dst, d.err
	}
	if h.Count == 0 {
		if len(d.b) != 0 {
			return dst, corrupt("bytes after an empty chunk")
		}
		return dst, nil
	}
	// Frame the columns before allocating anything for the points.
	var kinds [3]byte
	var bodies [3][]byte
	for c := range 3 {
		kinds[c] = d.byte("column kind")
		l := d.uvarint("column length")
		bodies[c] = d.bytes(l, "column length")
	}
	if d.err != nil {
		return dst, d.err
	}
	if len(d.b) != 0 {
		return dst, corrupt("bytes after the last column")
	}
	start := len(dst)
	if cap(dst)-start < h.Count {
		// Grow geometrically, as append does: a caller appending chunk
		// after chunk into one slice must not copy it once per chunk.
		grown := make([]Point, start, max(start+h.Count, 2*cap(dst)))
		copy(grown, dst)
		dst = grown
	}
	out := dst[start : start+h.Count]
	if err := decodeIntColumn(out, fieldStep, kinds[0], bodies[0]); err != nil {
		return dst[:start], err
	}
	if err := decodeIntColumn(out, fieldTime, kinds[1], bodies[1]); err != nil {
		return dst[:start], err
	}
	if err := decodeFloatColumn(out, kinds[2], bodies[2]); err != nil {
		return dst[:start], err
	}
	return dst[:start+h.Count], nil
}

// decodeChecked decodes chunk like AppendPoints and checks that its header
// agrees with its points.
func decodeChecked(dst []Point, chunk []byte) ([]Point, error) {
	start := len(dst)
	dst, err := AppendPoints(dst, chunk)
	if err != nil {
		return dst, err
	}
	stored, _ := ReadHeader(chunk)
	h := emptyHeader()
	for _, p := range dst[start:] {
		h.add(p)
	}
	if !sameHeader(&h, &stored) {
		return dst[:start], corrupt("header disagrees with the points")
	}
	return dst, nil
}

// Check decodes chunk completely and verifies that its header agrees with its
// points. Errors wrap ErrCorrupt.
func Check(chunk []byte) error {
	_, err := decodeChecked(nil, chunk)
	return err
}

// Iterator walks the points of a chunk in append order:
//
//	it, err := NewIterator(chunk)
//	for it.Next() { p := it.At() ... }
//	if err := it.Err(); err != nil { ... }
type Iterator struct {
	chunk   []byte
	pts     []Point
	i       int
	decoded bool
	err     error
}

// NewIterator returns an Iterator over chunk. It checks the header now and
// decodes the points on the first Next; chunk must not change meanwhile.
func NewIterator(chunk []byte) (*Iterator, error) {
	it := &Iterator{}
	if err := it.Reset(chunk); err != nil {
		return nil, err
	}
	return it, nil
}

// Reset points it at another chunk, reusing its buffer.
func (it *Iterator) Reset(chunk []byte) error {
	*it = Iterator{chunk: chunk, pts: it.pts[:0], i: -1}
	if _, err := ReadHeader(chunk); err != nil {
		it.err = err
		return err
	}
	return nil
}

// Next advances to the next point and reports whether there is one. It
// returns false at the end or on a decoding error (see Err).
func (it *Iterator) Next() bool {
	if it.err != nil {
		return false
	}
	if !it.decoded {
		it.decoded = true
		it.pts, it.err = AppendPoints(it.pts[:0], it.chunk)
		if it.err != nil {
			return false
		}
	}
	if it.i+1 >= len(it.pts) {
		it.i = len(it.pts)
		return false
	}
	it.i++
	return true
}

// At returns the current point; valid after Next returned true.
func (it *Iterator) At() Point { return it.pts[it.i] }

// Err returns the decoding error that stopped the iteration, if any.
func (it *Iterator) Err() error { return it.err }
