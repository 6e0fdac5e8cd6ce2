package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCheck: equal text passes, different or missing text fails, and
// -update writes the file.
func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("want\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, got string
		fail      bool
	}{
		{path, "want\n", false},
		{path, "other\n", true},
		{path + ".missing", "want\n", true},
	} {
		ft := &fakeT{TB: t}
		func() {
			defer func() { recover() }()
			Check(ft, tc.path, tc.got)
		}()
		if ft.failed != tc.fail {
			t.Errorf("Check(%s, %q): failed %v, want %v", filepath.Base(tc.path), tc.got, ft.failed, tc.fail)
		}
	}
	*update = true
	defer func() { *update = false }()
	Check(t, path, "new\n")
	if b, err := os.ReadFile(path); err != nil || string(b) != "new\n" {
		t.Errorf("with -update: file holds %q, %v; want new", b, err)
	}
}

// fakeT records a failure instead of failing the real test; its Fatalf
// stops Check by panicking, which the caller recovers.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic("fatal") }
