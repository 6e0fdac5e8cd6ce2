package validate

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// keyOracle is a second, independent statement of the key rule: Go's regexp
// for the characters (letters and numbers of any script, as Python's \w) and
// path.Clean for the path rule, as MLflow uses posixpath.normpath.
var keyOracle = regexp.MustCompile(`^[/\p{L}\p{N}_.\- :]+$`)

func oracleAccepts(key string) bool {
	return utf8.ValidString(key) &&
		keyOracle.MatchString(key) &&
		utf8.RuneCountInString(key) <= MaxKeyLength &&
		path.Clean(key) == key && key != "." &&
		!strings.HasPrefix(key, "..") && !strings.HasPrefix(key, "/")
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{
		"a", "train/loss", "a//b", "a/../b", "..a", ".a", "/a", "a/", "lr rate!",
		"日本/語", "e\u0301", "\xff", "loss\n", strings.Repeat("é", 251), "a:b c.d-e_f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := Key("metric", key)
		if err == nil {
			if !utf8.ValidString(key) {
				t.Fatalf("Key(%q) accepted invalid UTF-8", key)
			}
			if n := utf8.RuneCountInString(key); n > MaxKeyLength || n == 0 {
				t.Fatalf("Key(%q) accepted %d characters, want 1..%d", key, n, MaxKeyLength)
			}
		} else if !strings.HasPrefix(err.Error(), "validate: metric key ") {
			t.Fatalf("Key(%q): got message %q", key, err)
		}
		if ok := oracleAccepts(key); ok != (err == nil) {
			t.Fatalf("Key(%q): got %v, the oracle accepts it: %v", key, err, ok)
		}
	})
}
