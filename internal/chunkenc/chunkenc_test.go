package chunkenc

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func fmtPoint(p Point) string {
	return fmt.Sprintf("{%d %d %v/%#x}", p.Step, p.Time, p.Value, math.Float64bits(p.Value))
}

// checkChunk checks that chunk, what a wrote, is a.Size() bytes long and
// decodes to want.
func checkChunk(t *testing.T, what string, a *Appender, chunk []byte, want []Point) {
	t.Helper()
	if len(chunk) != a.Size() {
		t.Fatalf("%s: len(Bytes) = %d, Size() = %d", what, len(chunk), a.Size())
	}
	got, err := AppendPoints(nil, chunk)
	if err != nil {
		t.Fatalf("%s: AppendPoints: %v", what, err)
	}
	comparePoints(t, what, got, want)
}

func comparePoints(t *testing.T, name string, got, want []Point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d points, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !samePoint(got[i], want[i]) {
			t.Fatalf("%s: point %d: got %s, want %s", name, i, fmtPoint(got[i]), fmtPoint(want[i]))
		}
	}
}

// bruteHeader computes the header by definition, without Header.add.
func bruteHeader(pts []Point) Header {
	h := Header{Codec: CodecV1, Count: len(pts), MinValue: math.NaN(), MaxValue: math.NaN()}
	if len(pts) == 0 {
		return h
	}
	h.MinStep, h.MaxStep = math.MaxInt64, math.MinInt64
	h.MinTime, h.MaxTime = math.MaxInt64, math.MinInt64
	h.Last = pts[0]
	var nums []float64
	for _, p := range pts {
		h.MinStep = min(h.MinStep, p.Step)
		h.MaxStep = max(h.MaxStep, p.Step)
		h.MinTime = min(h.MinTime, p.Time)
		h.MaxTime = max(h.MaxTime, p.Time)
		if Newer(p, h.Last) {
			h.Last = p
		}
		if math.IsNaN(p.Value) {
			h.NaNs++
		} else {
			nums = append(nums, p.Value)
		}
	}
	if len(nums) > 0 {
		lo, hi := nums[0], nums[0]
		for _, v := range nums {
			// -0 sorts below +0.
			if v < lo || v == 0 && lo == 0 && math.Signbit(v) {
				lo = v
			}
			if v > hi || v == 0 && hi == 0 && !math.Signbit(v) {
				hi = v
			}
		}
		h.MinValue, h.MaxValue = lo, hi
	}
	return h
}

func nanWith(payload uint64) float64 { return math.Float64frombits(0x7ff0000000000000 | payload) }

func seq(n int, f func(i int) Point) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = f(i)
	}
	return pts
}

// roundTripCases are the point sets every round-trip test runs.
func roundTripCases() map[string][]Point {
	r := rand.New(rand.NewPCG(7, 8))
	walkV, walkS, walkT := 0.0, int64(0), int64(0)
	return map[string][]Point{
		"empty":   nil,
		"one":     {{Step: 3, Time: 1700000000000, Value: 0.5}},
		"one NaN": {{Value: math.NaN()}},
		"two":     {{Step: 1, Time: 10, Value: 1}, {Step: 2, Time: 20, Value: 2}},
		"NaN payloads": {
			{Value: nanWith(1)}, {Step: 1, Value: nanWith(0x8000000000000)}, {Step: 2, Value: math.Float64frombits(0xfff0000000000001)},
			{Step: 3, Value: math.NaN()}, {Step: 4, Value: nanWith(0xfffffffffffff)}, {Step: 5, Value: 1},
		},
		"all NaN": seq(100, func(i int) Point { return Point{Step: int64(i), Time: int64(i), Value: math.NaN()} }),
		"inf": {
			{Value: math.Inf(1)}, {Step: 1, Value: math.Inf(-1)}, {Step: 2, Value: 0}, {Step: 3, Value: math.Inf(1)},
		},
		"signed zeros": {
			{Value: math.Copysign(0, -1)}, {Value: 0}, {Step: 1, Value: math.Copysign(0, -1)}, {Step: 1, Value: 0},
		},
		"only -0": seq(10, func(i int) Point { return Point{Step: int64(i), Value: math.Copysign(0, -1)} }),
		"extremes": {
			{Step: math.MaxInt64, Time: math.MinInt64, Value: math.MaxFloat64},
			{Step: math.MinInt64, Time: math.MaxInt64, Value: -math.MaxFloat64},
			{Step: 0, Time: 0, Value: math.SmallestNonzeroFloat64},
			{Step: math.MaxInt64, Time: math.MaxInt64, Value: -math.SmallestNonzeroFloat64},
			{Step: math.MinInt64, Time: math.MinInt64, Value: 1},
			{Step: -1, Time: 1, Value: -1},
		},
		"huge jumps": seq(200, func(i int) Point {
			if i%7 == 0 {
				return Point{Step: int64(i) << 40, Time: -int64(i) << 50, Value: float64(i) * 1e300}
			}
			return Point{Step: int64(i), Time: int64(i) * 1000, Value: float64(i)}
		}),
		"negative out of order": seq(500, func(i int) Point {
			return Point{Step: int64((i*7919)%503) - 250, Time: 1700000000000 - int64((i*104729)%1009), Value: float64(i%13) - 6}
		}),
		"repeated steps": seq(300, func(i int) Point {
			return Point{Step: int64(i / 3), Time: 1000 + int64(i/3)*100, Value: float64(i % 3)}
		}),
		"all equal": seq(1000, func(i int) Point { return Point{Step: 5, Time: 42, Value: 0.1} }),
		"const lr":  seq(1000, func(i int) Point { return Point{Step: int64(i), Time: int64(i) * 1000, Value: 0.001} }),
		"counter": seq(2000, func(i int) Point {
			return Point{Step: int64(i), Time: 1700000000000 + int64(i)*37, Value: float64(i * 32)}
		}),
		"big integers": seq(300, func(i int) Point {
			return Point{Step: int64(i), Value: float64(int64(1)<<62 - int64(i)<<20)}
		}),
		"integers near 2^63": {{Value: -twoTo63}, {Value: twoTo63}, {Value: -twoTo63}, {Value: 1}, {Value: twoTo63 / 2}},
		"float noise": seq(1000, func(i int) Point {
			return Point{Step: int64(i), Time: r.Int64(), Value: math.Float64frombits(r.Uint64())}
		}),
		"gaussian noise": seq(1000, func(i int) Point { return Point{Step: int64(i), Time: int64(i), Value: r.NormFloat64()} }),
		"random walk": seq(3000, func(i int) Point {
			walkV += r.NormFloat64()
			walkS += r.Int64N(5) - 1
			walkT += r.Int64N(2000) - 500
			return Point{Step: walkS, Time: walkT, Value: walkV}
		}),
		"loss":   genSeries("loss", 2000),
		"cosine": genSeries("cosine", 2000),
		"linear warmup": seq(2000, func(i int) Point {
			return Point{Step: int64(i), Time: int64(i) * 100, Value: 1e-4 * float64(i) / 2000}
		}),
		"max points": seq(MaxPoints, func(i int) Point {
			return Point{Step: int64(i), Time: int64(i) * 10, Value: float64(i % 5)}
		}),
	}
}

func encode(pts []Point) []byte {
	a := NewAppender()
	for _, p := range pts {
		a.Append(p)
	}
	return a.Bytes(nil)
}

func TestRoundTrip(t *testing.T) {
	for name, pts := range roundTripCases() {
		t.Run(name, func(t *testing.T) {
			a := NewAppender()
			for i, p := range pts {
				a.Append(p)
				if i < 200 || i%997 == 0 {
					if got, want := a.Size(), len(a.Bytes(nil)); got != want {
						t.Fatalf("after %d points: Size() = %d, len(Bytes) = %d", i+1, got, want)
					}
				}
			}
			if a.Count() != len(pts) {
				t.Fatalf("Count() = %d, want %d", a.Count(), len(pts))
			}
			prefix := []byte("prefix")
			chunk := a.Bytes(append([]byte(nil), prefix...))
			if string(chunk[:len(prefix)]) != string(prefix) {
				t.Fatalf("Bytes overwrote dst")
			}
			chunk = chunk[len(prefix):]
			checkChunk(t, "AppendPoints", a, chunk, pts)

			// Appending to a non-empty dst keeps its points.
			pre := []Point{{Step: -9, Time: -9, Value: -9}}
			got2, err := AppendPoints(pre, chunk)
			if err != nil {
				t.Fatalf("AppendPoints after a point: %v", err)
			}
			comparePoints(t, "AppendPoints after a point", got2, append(append([]Point(nil), pre...), pts...))

			it, err := NewIterator(chunk)
			if err != nil {
				t.Fatalf("NewIterator: %v", err)
			}
			var iterated []Point
			for it.Next() {
				iterated = append(iterated, it.At())
			}
			if it.Err() != nil {
				t.Fatalf("Iterator: %v", it.Err())
			}
			comparePoints(t, "Iterator", iterated, pts)

			want := bruteHeader(pts)
			for _, c := range []struct {
				name string
				h    Header
			}{{"Appender.Header", a.Header()}, {"ReadHeader", must(ReadHeader(chunk))}} {
				if !sameHeader(&c.h, &want) {
					t.Fatalf("%s: got %+v, want %+v", c.name, c.h, want)
				}
			}
			if err := Check(chunk); err != nil {
				t.Fatalf("Check: %v", err)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestResume(t *testing.T) {
	for name, pts := range roundTripCases() {
		if len(pts) == MaxPoints {
			continue
		}
		t.Run(name, func(t *testing.T) {
			whole := encode(pts)
			for _, cut := range []int{0, 1, len(pts) / 3, len(pts) / 2, len(pts)} {
				if cut > len(pts) {
					continue
				}
				a, err := ResumeAppender(encode(pts[:cut]))
				if err != nil {
					t.Fatalf("cut %d: ResumeAppender: %v", cut, err)
				}
				for _, p := range pts[cut:] {
					a.Append(p)
				}
				if got := a.Bytes(nil); string(got) != string(whole) {
					t.Fatalf("cut %d: resumed chunk differs from one Appender (%d vs %d bytes)", cut, len(got), len(whole))
				}
			}
		})
	}
}

func TestBytesKeepsAppending(t *testing.T) {
	pts := genSeries("loss", 3000)
	a := NewAppender()
	for i, p := range pts {
		a.Append(p)
		if i%97 == 0 {
			a.Bytes(nil)
		}
	}
	got, err := AppendPoints(nil, a.Bytes(nil))
	if err != nil {
		t.Fatal(err)
	}
	comparePoints(t, "loss", got, pts)
}

func TestNewer(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		a, b Point
		want bool
	}{
		{Point{1, 0, 0}, Point{0, 9, 9}, true},
		{Point{0, 9, 9}, Point{1, 0, 0}, false},
		{Point{1, 2, 0}, Point{1, 1, 9}, true},
		{Point{1, 1, 9}, Point{1, 2, 0}, false},
		{Point{1, 1, 2}, Point{1, 1, 1}, true},
		{Point{1, 1, 1}, Point{1, 1, 2}, false},
		{Point{1, 1, -1e300}, Point{1, 1, nan}, true},
		{Point{1, 1, nan}, Point{1, 1, -1e300}, false},
		{Point{1, 1, math.Inf(-1)}, Point{1, 1, nan}, true},
		{Point{1, 1, nan}, Point{1, 1, nan}, false},
		{Point{1, 1, 1}, Point{1, 1, 1}, false},
		{Point{1, 1, 0}, Point{1, 1, math.Copysign(0, -1)}, true},
		{Point{1, 1, math.Copysign(0, -1)}, Point{1, 1, 0}, false},
		{Point{-1, 5, 0}, Point{-2, 9, 0}, true},
	}
	for _, tt := range tests {
		if got := Newer(tt.a, tt.b); got != tt.want {
			t.Errorf("Newer(%s, %s) = %v, want %v", fmtPoint(tt.a), fmtPoint(tt.b), got, tt.want)
		}
	}
}

func TestNewerMLflowExample(t *testing.T) {
	pts := []Point{{0, 100, 1000}, {3, 40, 100}, {3, 50, 10}, {3, 50, 20}, {3, 50, 20}, {-3, 900, 900}, {-1, 800, 800}}
	want := Point{3, 50, 20}
	r := rand.New(rand.NewPCG(1, 1))
	for range 50 {
		r.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
		if got := encodeHeader(pts).Last; !samePoint(got, want) {
			t.Fatalf("Last of %v = %s, want %s", pts, fmtPoint(got), fmtPoint(want))
		}
	}
}

func encodeHeader(pts []Point) Header { return must(ReadHeader(encode(pts))) }

// TestNewerTotalOrder: the newest point of a set does not depend on order.
func TestNewerTotalOrder(t *testing.T) {
	vals := []float64{math.NaN(), nanWith(5), math.Float64frombits(0xfff8000000000000), 0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1)}
	var pts []Point
	for _, v := range vals {
		pts = append(pts, Point{Step: 1, Time: 1, Value: v})
	}
	for i, a := range pts {
		for j, b := range pts {
			if i != j && Newer(a, b) == Newer(b, a) {
				t.Fatalf("Newer not strict on %s, %s", fmtPoint(a), fmtPoint(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 3))
	first := encodeHeader(pts)
	for range 50 {
		r.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
		if h := encodeHeader(pts); !sameHeader(&h, &first) {
			t.Fatalf("header depends on order: %+v vs %+v", h, first)
		}
	}
}

func TestFull(t *testing.T) {
	a := NewAppender()
	for i := range MaxPoints {
		if a.Full() {
			t.Fatalf("Full after %d points", i)
		}
		a.Append(Point{Step: int64(i)})
	}
	if !a.Full() || a.Fits(Point{}, 1<<30) {
		t.Fatalf("Full() = %v, Fits = %v at MaxPoints; want true, false", a.Full(), a.Fits(Point{}, 1<<30))
	}
	defer func() {
		if recover() == nil {
			t.Fatalf("Append on a full Appender did not panic")
		}
	}()
	a.Append(Point{})
}

func TestFits(t *testing.T) {
	pts := genSeries("loss", 5000)
	pts = append(pts, roundTripCases()["random walk"]...)
	pts = append(pts, roundTripCases()["huge jumps"]...)
	a := NewAppender()
	for i, p := range pts {
		before := a.Size()
		limit := before + []int{0, 3, 5, 10, 50, 500}[i%6]
		fits := a.Fits(p, limit)
		if a.Size() != before {
			t.Fatalf("Fits changed Size")
		}
		a.Append(p)
		if fits != (a.Size() <= limit) {
			t.Fatalf("Fits = %v, but Size after Append = %d with limit %d", fits, a.Size(), limit)
		}
	}
}

func TestTargetSize(t *testing.T) {
	for _, name := range []string{"loss", "const", "counter"} {
		for _, c := range chunkSeries(genSeries(name, 50000), TargetSize) {
			if len(c) > TargetSize {
				t.Fatalf("%s: chunk of %d bytes above TargetSize %d", name, len(c), TargetSize)
			}
		}
	}
}

func corruptChunks() map[string][]byte {
	return map[string][]byte{
		"nil":            nil,
		"bad tag":        {0x7f, 0},
		"count too big":  {CodecV1, 0x80, 0x80, 0x04}, // 65536
		"huge count":     {CodecV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"bad varint":     {CodecV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"empty trailing": {CodecV1, 0, 0},
	}
}

func TestCorrupt(t *testing.T) {
	for name, c := range corruptChunks() {
		checkRejected(t, name, c)
	}
	// A chunk claiming MaxPoints points with constant columns is valid and
	// small; one more point is rejected before allocating.
	pts := seq(MaxPoints, func(i int) Point { return Point{Step: int64(i)} })
	c := encode(pts)
	if len(c) > 100 {
		t.Fatalf("constant chunk of MaxPoints is %d bytes", len(c))
	}
}

func checkRejected(t *testing.T, name string, c []byte) {
	t.Helper()
	_, err1 := AppendPoints(nil, c)
	_, err2 := ResumeAppender(c)
	err3 := Check(c)
	var err4 error
	if it, err := NewIterator(c); err != nil {
		err4 = err
	} else {
		for it.Next() {
		}
		err4 = it.Err()
	}
	for i, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s (%x): decoder %d: got error %v, want ErrCorrupt", name, c, i, err)
		}
	}
}

// TestTruncated: every proper prefix of a valid chunk is rejected, and
// flipping any byte never panics.
func TestTruncatedAndFlipped(t *testing.T) {
	cases := roundTripCases()
	for _, name := range []string{"one", "two", "NaN payloads", "extremes", "huge jumps", "loss", "counter", "random walk", "float noise", "const lr"} {
		pts := cases[name]
		c := encode(pts[:min(len(pts), 150)])
		for n := range len(c) {
			checkRejected(t, fmt.Sprintf("%s truncated at %d", name, n), c[:n])
		}
		b := append([]byte(nil), c...)
		for i := range b {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				b[i] ^= x
				pts, err := AppendPoints(nil, b)
				if err != nil && !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s flipped at %d: error %v does not wrap ErrCorrupt", name, i, err)
				}
				if err == nil && len(pts) > MaxPoints {
					t.Fatalf("%s flipped at %d: %d points", name, i, len(pts))
				}
				_ = Check(b)
				b[i] ^= x
			}
		}
	}
}

// TestAllocs: decoding into a buffer with room does not allocate.
func TestAllocs(t *testing.T) {
	c := encode(genSeries("loss", 1000))
	buf := make([]Point, 0, 1000)
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendPoints(buf[:0], c) }); n != 0 {
		t.Fatalf("AppendPoints allocates %v times per call, want 0", n)
	}
	// A chunk that claims MaxPoints points but is cut short is rejected
	// before the points are allocated.
	h := Header{Codec: CodecV1, Count: MaxPoints}
	bad := appendHeader(nil, &h)
	bad = append(bad, kindFOR, 3, 0)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range 100 {
		if _, err := AppendPoints(nil, bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("AppendPoints(%x): got %v, want ErrCorrupt", bad, err)
		}
	}
	runtime.ReadMemStats(&ms1)
	if per := (ms1.TotalAlloc - ms0.TotalAlloc) / 100; per > 1024 {
		t.Fatalf("AppendPoints of a truncated chunk allocates %d bytes", per)
	}
}

// TestBytesIncremental: Bytes after any number of Appends (reusing the
// encoding kept from the previous call) equals a fresh encoding of the same
// points, also across Reset.
func TestBytesIncremental(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	cases := roundTripCases()
	a := NewAppender()
	for name, pts := range cases {
		if len(pts) == MaxPoints {
			pts = pts[:5000]
		}
		a.Reset()
		for i, p := range pts {
			a.Append(p)
			if i < 50 || r.IntN(40) == 0 || i == len(pts)-1 {
				if got, want := a.Bytes(nil), encode(pts[:i+1]); string(got) != string(want) {
					t.Fatalf("%s: Bytes after %d points differs from a fresh encoding", name, i+1)
				}
			}
		}
	}
}
