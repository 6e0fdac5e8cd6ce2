package artpath

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	long := strings.Repeat("a", MaxSegmentLen)
	tests := []struct {
		in   string
		want string // "" means ErrInvalid, with wantMsg in the message
		msg  string
	}{
		{"model.pkl", "model.pkl", ""},
		{"plots/roc.png", "plots/roc.png", ""},
		{"./plots/roc.png", "plots/roc.png", ""},
		{"plots//roc.png", "plots/roc.png", ""},
		{"plots/./roc.png", "plots/roc.png", ""},
		{"plots/", "plots", ""},
		{"a/b/../c", "a/c", ""},
		{"a/../b", "b", ""},
		{"...", "...", ""},
		{"..a/b..", "..a/b..", ""},
		{"a b/ü/日本語.txt", "a b/ü/日本語.txt", ""},
		{"weird:name", "weird:name", ""},
		{"x/C:/y", "x/C:/y", ""},
		{"\uFFFD", "\uFFFD", ""},
		{long, long, ""},

		{"", "", "empty path"},
		{".", "", "root"},
		{"./", "", "root"},
		{"a/..", "", "root"},
		{"/", "", "absolute"},
		{"/etc/passwd", "", "absolute"},
		{"//server/share", "", "absolute"},
		{"..", "", "climbs out"},
		{"../x", "", "climbs out"},
		{"a/../../b", "", "climbs out"},
		{"a/./../..", "", "climbs out"},
		{`a\..\..\b`, "", "backslash"},
		{`\\server\share`, "", "backslash"},
		{`C:\x`, "", "backslash"},
		{"C:/x", "", "drive"},
		{"c:x", "", "drive"},
		{"./C:/x", "", "drive"},
		{"a/../C:x", "", "drive"},
		{"a\x00b", "", "NUL"},
		{"a\nb", "", "control"},
		{"a\x7fb", "", "control"},
		{"a\u0085b", "", "control"},
		{"a\xffb", "", "UTF-8"},
		{long + "a", "", "segment is longer"},
		{strings.Repeat("a/", MaxLen), "", "longer than"},
	}
	for _, tt := range tests {
		got, err := Clean(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Clean(%q): got %q, %v; want ErrInvalid saying %q", tt.in, got, err, tt.msg)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "artpath: ") {
				t.Errorf("Clean(%q): error %q lacks the package prefix", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Clean(%q): got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCleanDir(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{".", "", true},
		{"./", "", true},
		{"/", "", true},
		{"a/..", "", true},
		{"plots/", "plots", true},
		{"a//b/", "a/b", true},
		{"/plots", "", false},
		{"..", "", false},
		{`a\b`, "", false},
	}
	for _, tt := range tests {
		got, err := CleanDir(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("CleanDir(%q): got %q, %v; want %q (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("CleanDir(%q): got %v, want ErrInvalid", tt.in, err)
		}
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		dir, name, want string
		ok              bool
	}{
		{"", "model.pkl", "model.pkl", true},
		{".", "model.pkl", "model.pkl", true},
		{"/", "model.pkl", "model.pkl", true},
		{"plots", "roc.png", "plots/roc.png", true},
		{"plots/", "sub/roc.png", "plots/sub/roc.png", true},
		{"plots", "./roc.png", "plots/roc.png", true},
		{"plots", "a/../roc.png", "plots/roc.png", true},
		{"plots", "", "", false},
		{"plots", ".", "", false},
		{"plots", "..", "", false},
		{"plots", "../x", "", false},
		{"", "../x", "", false},
		{"plots", "/etc/passwd", "", false},
		{"../x", "y", "", false},
		{"plots", `a\b`, "", false},
		{"plots", "a\x00", "", false},
	}
	for _, tt := range tests {
		got, err := Join(tt.dir, tt.name)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("Join(%q, %q): got %q, %v; want %q (ok %v)", tt.dir, tt.name, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Join(%q, %q): got %v, want ErrInvalid", tt.dir, tt.name, err)
		}
	}
}

// checkCanonical reports what is wrong with c as a canonical path.
func checkCanonical(c string) string {
	switch {
	case c == "":
		return "empty"
	case strings.HasPrefix(c, "/") || strings.HasSuffix(c, "/"):
		return "leading or trailing slash"
	case strings.Contains(c, `\`):
		return "backslash"
	case !utf8.ValidString(c):
		return "invalid UTF-8"
	case isDrive(c):
		return "drive path"
	}
	for _, seg := range strings.Split(c, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "segment " + seg
		}
	}
	for _, r := range c {
		if r < 0x20 || r == 0x7f {
			return "control character"
		}
	}
	return ""
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"a/b", "./a//b/", "a/../b", "../a", `a\..\..\b`, "/x", "C:x", "\x00", "a/./b/../../c", "日本/語", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := Clean(p)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Clean(%q): got %v, want ErrInvalid", p, err)
			}
			if c != "" {
				t.Fatalf("Clean(%q): got %q with an error", p, c)
			}
		} else {
			if why := checkCanonical(c); why != "" {
				t.Fatalf("Clean(%q) = %q: not canonical: %s", p, c, why)
			}
			again, err := Clean(c)
			if err != nil || again != c {
				t.Fatalf("Clean(Clean(%q)) = %q, %v; want %q", p, again, err, c)
			}
		}
		d, derr := CleanDir(p)
		if err == nil && (derr != nil || d != c) {
			t.Fatalf("CleanDir(%q) = %q, %v; want %q like Clean", p, d, derr, c)
		}
		if derr == nil && d != "" {
			if _, err := Clean(d); err != nil {
				t.Fatalf("CleanDir(%q) = %q, which Clean refuses: %v", p, d, err)
			}
		}
	})
}
