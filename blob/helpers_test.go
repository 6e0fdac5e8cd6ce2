package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// newStore opens a store without fsync in a fresh temp dir.
func newStore(t testing.TB) *Store {
	t.Helper()
	return openStore(t, &Options{NoSync: true})
}

// openStore opens a new blob folder with opts (nil: the defaults, with
// fsync), failing the test on error.
func openStore(t testing.TB, opts *Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "test.mlite-blobs"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// randomReader returns n pseudo-random (incompressible) bytes, the same
// for the same seed.
func randomReader(seed uint64, n int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

// textReader returns n bytes of CSV-like numeric text, the same for the
// same seed. It compresses about 2.4x with zstd.
func textReader(seed uint64, n int64) io.Reader {
	return io.LimitReader(&csvGen{rng: rand.New(rand.NewPCG(seed, 7))}, n)
}

type csvGen struct {
	rng  *rand.Rand
	row  int64
	line []byte
	head bool
}

func (g *csvGen) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.line) == 0 {
			g.line = g.next(g.line[:0])
		}
		c := copy(p[n:], g.line)
		g.line = g.line[c:]
		n += c
	}
	return n, nil
}

func (g *csvGen) next(b []byte) []byte {
	if !g.head {
		g.head = true
		return append(b, "id,age,income,debt_ratio,score,label\n"...)
	}
	r := g.rng
	b = strconv.AppendInt(b, g.row, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(18+r.IntN(60)), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Float64()*100000, 'f', 2, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Float64(), 'f', 6, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.NormFloat64(), 'f', 4, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.IntN(2)), 10)
	b = append(b, '\n')
	g.row++
	return b
}

// compareStreams reads got and want in step and reports the first
// difference, without holding either in memory.
func compareStreams(got, want io.Reader) error {
	const n = 1 << 20
	gb, wb := make([]byte, n), make([]byte, n)
	var off int64
	for {
		gn, gerr := io.ReadFull(got, gb)
		wn, werr := io.ReadFull(want, wb)
		if !bytes.Equal(gb[:gn], wb[:wn]) {
			for i := 0; i < min(gn, wn); i++ {
				if gb[i] != wb[i] {
					return fmt.Errorf("differ at byte %d", off+int64(i))
				}
			}
			return fmt.Errorf("lengths differ: got %d bytes, want %d", off+int64(gn), off+int64(wn))
		}
		off += int64(gn)
		gEOF := errors.Is(gerr, io.EOF) || errors.Is(gerr, io.ErrUnexpectedEOF)
		wEOF := errors.Is(werr, io.EOF) || errors.Is(werr, io.ErrUnexpectedEOF)
		switch {
		case gerr != nil && !gEOF:
			return fmt.Errorf("read after %d bytes: %w", off, gerr)
		case werr != nil && !wEOF:
			return fmt.Errorf("reference read after %d bytes: %w", off, werr)
		case gEOF && wEOF:
			return nil
		case gEOF != wEOF:
			return fmt.Errorf("one stream ended at %d bytes, the other did not", off)
		}
	}
}

// list returns the digests Walk reports.
func list(t testing.TB, s *Store) []Digest {
	t.Helper()
	var ds []Digest
	if err := s.Walk(context.Background(), func(i Info) error {
		ds = append(ds, i.Digest)
		return nil
	}); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return ds
}

// tempFiles returns the names in the store's tmp/ folder.
func tempFiles(t testing.TB, s *Store) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(s.Dir(), tmpDir))
	if err != nil {
		t.Fatalf("read tmp: %v", err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
