package blob

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mlite/mlite/internal/cputime"
)

// Benchmark data, generated once per test binary.
var (
	benchRandom = sync.OnceValue(func() []byte { return mustRead(randomReader(42, 256<<20)) })
	benchText   = sync.OnceValue(func() []byte { return mustRead(textReader(42, 64<<20)) })
)

// cpuMeter reports, beside the wall-clock MB/s, the CPU time one
// iteration used ("cpu-ms/op") and the throughput per CPU-second
// ("MB/cpu-s"), which other processes on a busy machine disturb less.
type cpuMeter struct {
	b      *testing.B
	start  time.Duration
	paused time.Duration
	mark   time.Duration
}

func startCPU(b *testing.B) *cpuMeter { return &cpuMeter{b: b, start: cputime.Used()} }

// pause and resume exclude untimed work, alongside b.StopTimer/StartTimer.
func (m *cpuMeter) pause()  { m.mark = cputime.Used() }
func (m *cpuMeter) resume() { m.paused += cputime.Used() - m.mark }

func (m *cpuMeter) report(bytes int64) {
	used := cputime.Used() - m.start - m.paused
	if used <= 0 || m.b.N == 0 {
		return
	}
	perOp := used / time.Duration(m.b.N)
	m.b.ReportMetric(float64(perOp)/float64(time.Millisecond), "cpu-ms/op")
	m.b.ReportMetric(float64(bytes)/1e6/perOp.Seconds(), "MB/cpu-s")
}

func mustRead(r io.Reader) []byte {
	b, err := io.ReadAll(r)
	if err != nil {
		panic(err)
	}
	return b
}

// syncedStore opens a store with the default options (fsync included).
func syncedStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench-blobs"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchPutNew measures Put of content that is not yet stored; the blob is
// deleted (untimed) after each iteration so that disk use stays bounded.
func benchPutNew(b *testing.B, data []byte) {
	s := syncedStore(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var stored int64
	b.ResetTimer()
	cpu := startCPU(b)
	for b.Loop() {
		info, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if !info.New {
			b.Fatal("not new")
		}
		stored = info.Stored
		b.StopTimer()
		cpu.pause()
		if err := s.Delete(ctx, info.Digest); err != nil {
			b.Fatal(err)
		}
		cpu.resume()
		b.StartTimer()
	}
	cpu.report(int64(len(data)))
	b.ReportMetric(float64(len(data))/float64(stored), "ratio")
}

// BenchmarkPutIncompressible: 256 MiB of random bytes, fsync included.
// Goal: at least 400 MB/s.
func BenchmarkPutIncompressible(b *testing.B) { benchPutNew(b, benchRandom()) }

// BenchmarkPutText: 64 MiB of numeric CSV, fsync included: stored raw and
// marked for CompressPending, at the speed of the disk.
func BenchmarkPutText(b *testing.B) { benchPutNew(b, benchText()) }

// BenchmarkPutDuplicate: 256 MiB that is already stored. Goal: at least
// 1000 MB/s.
func BenchmarkPutDuplicate(b *testing.B) { benchPutAgain(b, benchRandom()) }

// BenchmarkPutDuplicateText: 64 MiB of CSV that is already stored: no
// compression is paid.
func BenchmarkPutDuplicateText(b *testing.B) { benchPutAgain(b, benchText()) }

// benchPutAgain puts data that is already stored, which must not be stored
// again.
func benchPutAgain(b *testing.B, data []byte) {
	s, _, cpu := startStored(b, data)
	for b.Loop() {
		info, err := s.Put(context.Background(), bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if info.New {
			b.Fatal("stored twice")
		}
	}
	cpu.report(int64(len(data)))
}

// startStored puts data into a new synced store, then starts the
// benchmark's timer and CPU meter over len(data) bytes an operation.
func startStored(b *testing.B, data []byte) (*Store, Digest, *cpuMeter) {
	s := syncedStore(b)
	info, err := s.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	return s, info.Digest, startCPU(b)
}

func benchOpenRead(b *testing.B, data []byte) {
	s, d, cpu := startStored(b, data)
	benchRead(b, s, d, cpu, int64(len(data)))
}

// benchRead reads blob d of s, size bytes, once an iteration.
func benchRead(b *testing.B, s *Store, d Digest, cpu *cpuMeter, size int64) {
	for b.Loop() {
		rc, err := s.Open(context.Background(), d)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		if err != nil || n != size {
			b.Fatalf("read %d bytes, %v", n, err)
		}
		rc.Close()
	}
	cpu.report(size)
}

// BenchmarkOpenRead: read back 256 MiB of incompressible content with
// verification. Goal: at least 1000 MB/s.
func BenchmarkOpenRead(b *testing.B) { benchOpenRead(b, benchRandom()) }

// BenchmarkOpenReadText: read back 64 MiB of CSV with verification, as
// Put left it: stored raw, marked pending.
func BenchmarkOpenReadText(b *testing.B) { benchOpenRead(b, benchText()) }

// BenchmarkOpenReadZstd: read back 64 MiB of CSV with verification after
// the compression pass, in zstd. Goal: at least 1000 MB/s.
func BenchmarkOpenReadZstd(b *testing.B) {
	data := benchText()
	s := syncedStore(b)
	info := putSettled(b, s, bytes.NewReader(data))
	if info, err := s.Stat(context.Background(), info.Digest); err != nil || info.Codec != Zstd {
		b.Fatalf("stored as %v, %v; want zstd", info.Codec, err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	benchRead(b, s, info.Digest, startCPU(b), int64(len(data)))
}

// BenchmarkPutSmall: a new 4 KiB file (a plot's JSON, a config), fsync
// included: the cost is the two fsyncs.
func BenchmarkPutSmall(b *testing.B) {
	data := benchText()[:4<<10]
	s := syncedStore(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		info, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Delete(ctx, info.Digest); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
