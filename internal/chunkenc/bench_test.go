package chunkenc

import (
	"testing"
	"time"
)

// rate reports points per wall second and, where the OS tells the thread's
// CPU time, points per CPU second.
func rate(b *testing.B, points int, cpu0 time.Duration) {
	total := float64(points) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "pts/s")
	if cpu := threadCPU() - cpu0; cpu0 != 0 && cpu > 0 {
		b.ReportMetric(total/cpu.Seconds(), "pts/cpu-s")
	}
}

const benchPoints = 200_000

var benchSeries = []string{"loss", "const", "counter", "cosine"}

// BenchmarkBytesPerPoint reports the encoded payload, in bytes per point, of
// each benchmark series cut into chunks of at most TargetSize bytes.
func BenchmarkBytesPerPoint(b *testing.B) {
	for _, name := range benchSeries {
		b.Run(name, func(b *testing.B) {
			pts := genSeries(name, benchPoints)
			b.ReportAllocs()
			var total int
			for b.Loop() {
				total = 0
				for _, c := range chunkSeries(pts, TargetSize) {
					total += len(c)
				}
			}
			b.ReportMetric(float64(total)/float64(len(pts)), "B/pt")
		})
	}
}

// BenchmarkAppendPoints decodes the loss series, chunk by chunk, into a
// reused buffer.
func BenchmarkAppendPoints(b *testing.B) {
	for _, name := range benchSeries {
		b.Run(name, func(b *testing.B) {
			chunks := chunkSeries(genSeries(name, benchPoints), TargetSize)
			size := 0
			for _, c := range chunks {
				size += len(c)
			}
			buf := make([]Point, 0, MaxPoints)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			defer lockThread()()
			cpu0 := threadCPU()
			for b.Loop() {
				for _, c := range chunks {
					var err error
					if buf, err = AppendPoints(buf[:0], c); err != nil {
						b.Fatal(err)
					}
				}
			}
			rate(b, benchPoints, cpu0)
		})
	}
}

// BenchmarkIterator walks the loss series with one reused Iterator.
func BenchmarkIterator(b *testing.B) {
	chunks := chunkSeries(genSeries("loss", benchPoints), TargetSize)
	b.ReportAllocs()
	var it Iterator
	var sum float64
	defer lockThread()()
	cpu0 := threadCPU()
	for b.Loop() {
		for _, c := range chunks {
			if err := it.Reset(c); err != nil {
				b.Fatal(err)
			}
			for it.Next() {
				sum += it.At().Value
			}
		}
	}
	rate(b, benchPoints, cpu0)
}

// BenchmarkReadHeader reads the header of every loss chunk.
func BenchmarkReadHeader(b *testing.B) {
	chunks := chunkSeries(genSeries("loss", benchPoints), TargetSize)
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range chunks {
			if _, err := ReadHeader(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(chunks))*float64(b.N)/b.Elapsed().Seconds(), "headers/s")
}

// BenchmarkAppend appends each series the way the store does: Append every
// point, Bytes once per 500 points (a commit), seal the chunk when Size()
// reaches TargetSize.
func BenchmarkAppend(b *testing.B) {
	benchAppend(b, func(a *Appender, p Point) bool { return a.Size() >= TargetSize })
}

// BenchmarkAppendFits is BenchmarkAppend sealing with Fits, so that no chunk
// exceeds TargetSize.
func BenchmarkAppendFits(b *testing.B) {
	benchAppend(b, func(a *Appender, p Point) bool { return !a.Fits(p, TargetSize) })
}

func benchAppend(b *testing.B, seal func(*Appender, Point) bool) {
	for _, name := range benchSeries {
		b.Run(name, func(b *testing.B) {
			pts := genSeries(name, benchPoints)
			var buf []byte
			b.ReportAllocs()
			defer lockThread()()
			cpu0 := threadCPU()
			for b.Loop() {
				a := NewAppender()
				for i, p := range pts {
					if seal(a, p) {
						buf = a.Bytes(buf[:0])
						a.Reset()
					}
					a.Append(p)
					if i%500 == 499 {
						buf = a.Bytes(buf[:0])
					}
				}
				buf = a.Bytes(buf[:0])
			}
			rate(b, benchPoints, cpu0)
		})
	}
}

// BenchmarkAppendCost splits the encoding cost per point of 1000-point loss
// chunks: Append alone, with Size after every point, with Bytes every 500
// points, and with both; reported as CPU ns per point.
func BenchmarkAppendCost(b *testing.B) {
	pts := genSeries("loss", 1000)
	for _, c := range []struct {
		name        string
		size, bytes bool
	}{{"append", false, false}, {"append+size", true, false}, {"append+bytes", false, true}, {"append+size+bytes", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			a := NewAppender()
			n := 0
			var buf []byte
			b.ReportAllocs()
			defer lockThread()()
			cpu0 := threadCPU()
			for b.Loop() {
				a.Reset()
				for i, p := range pts {
					a.Append(p)
					if c.size {
						n += a.Size()
					}
					if c.bytes && i%500 == 499 {
						buf = a.Bytes(buf[:0])
					}
				}
			}
			if cpu := threadCPU() - cpu0; cpu0 != 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(pts)), "cpu-ns/pt")
			}
		})
	}
}
