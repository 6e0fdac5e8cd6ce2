package mlitetest

import (
	"testing"
)

// BenchmarkNew measures what New and its cleanup cost a test: creating a
// throwaway store, then checking and closing it. The goal is well under
// 5 ms, so hundreds of tests can each have one.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		db, err := open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if errs := finish(db); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
