package capread

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAll(t *testing.T) {
	check := func(in string, max int64, want string, wantOver bool) {
		t.Helper()
		b, over, err := ReadAll(strings.NewReader(in), max)
		if err != nil || string(b) != want || over != wantOver {
			t.Errorf("ReadAll(%q, %d): got %q, %v, %v; want %q, %v, nil", in, max, b, over, err, want, wantOver)
		}
	}
	check("", 4, "", false)
	check("abc", 4, "abc", false)
	check("abcd", 4, "abcd", false)
	check("abcde", 4, "abcd", true)
	check("abcdefgh", 0, "", true)
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5); err != nil || string(b) != "hello" {
		t.Errorf("ReadFile(5): got %q, %v; want \"hello\", nil", b, err)
	}
	_, err := ReadFile(p, 4)
	var tb *TooBigError
	if !errors.As(err, &tb) || tb.Path != p || tb.Max != 4 {
		t.Errorf("ReadFile(4): got %v, want a *TooBigError for %s over 4", err, p)
	}
	if want := p + ": over 4 bytes"; err == nil || err.Error() != want {
		t.Errorf("ReadFile(4): got message %v, want %q", err, want)
	}
	if _, err := ReadFile(filepath.Join(dir, "none"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: got %v, want os.ErrNotExist", err)
	}
}
