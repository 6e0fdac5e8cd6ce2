// Package golden compares what a test produced with a golden file and,
// when the test binary runs with -update, rewrites the file instead.
//
// Package golden imports only the standard library; only tests import it.
package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Check compares got with the file at path: a difference is an error of t
// that shows both. With -update it writes got to path instead.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
