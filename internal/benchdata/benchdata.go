// Package benchdata makes the data of the artifact benchmarks and their
// reference: a numeric CSV, random bytes, a folder of small files, and the
// plain copy + fsync that mlite's rates are compared with.
//
// Package benchdata imports no mlite package.
package benchdata

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// NumericCSV returns size bytes of a numeric CSV (ids, counts, prices,
// ratios), the same for the same seed: data zstd compresses about 2.5x.
func NumericCSV(seed uint64, size int64) []byte {
	var b bytes.Buffer
	b.Grow(int(size) + 128)
	b.WriteString("id,age,income,debt_ratio,score,label\n")
	x := seed*2654435761 + 1
	next := func(n uint64) uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x % n }
	for row := 0; int64(b.Len()) < size; row++ {
		fmt.Fprintf(&b, "%d,%d,%d.%02d,0.%06d,%d.%04d,%d\n", row, 18+next(60), next(100000), next(100), next(1000000), next(4), next(10000), next(2))
	}
	return b.Bytes()[:size]
}

// Random returns size random bytes, the same for the same seed: data that
// does not compress.
func Random(seed uint64, size int64) []byte {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	b := make([]byte, size)
	_, _ = rand.NewChaCha8(key).Read(b)
	return b
}

// onlyReader hides a reader's WriteTo, so that io.CopyBuffer uses the
// buffer it is given.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// CopySync copies r to a new file at path, in chunks of 1 MiB, and fsyncs
// it: the reference a logging rate is compared with. The file must not
// exist: truncating or deleting the last one would slow the next writes.
func CopySync(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	buf := copyBufs.Get().(*[]byte)
	_, err = io.CopyBuffer(f, onlyReader{r}, *buf)
	copyBufs.Put(buf)
	if err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SmallFiles writes n files of size bytes, in seven subfolders, under a
// new folder "src<seed>" of dir, as run/testdata/mlflow_log_artifacts.py
// does, and returns that folder; seed makes their content new.
func SmallFiles(dir string, n, size, seed int) (string, error) {
	src := filepath.Join(dir, fmt.Sprint("src", seed))
	for i := range n {
		d := filepath.Join(src, fmt.Sprint("d", i%7))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		row := fmt.Sprintf("row %d,0.%d\n", i, i*7)
		body := fmt.Sprintf("%06d%06d\n", seed, i) + strings.Repeat(row, size/len(row))
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d.txt", i)), []byte(body[:size]), 0o644); err != nil {
			return "", err
		}
	}
	return src, nil
}

// CopyTreeSync copies the files under src to dst, keeping their paths,
// and fsyncs each file and each folder: the reference for a folder
// logged durably.
func CopyTreeSync(src, dst string) (files int, err error) {
	err = filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		files++
		return CopySync(target, in)
	})
	if err != nil {
		return files, err
	}
	err = filepath.WalkDir(dst, func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return err
		}
		d, err := os.Open(p)
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	})
	return files, err
}
