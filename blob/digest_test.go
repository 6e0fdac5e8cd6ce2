package blob

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseDigest(t *testing.T) {
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		in   string
		want string // canonical form; "" means an error is expected
	}{
		{empty, empty},
		{strings.ToUpper(empty), empty},
		{"", ""},
		{empty[:63], ""},
		{empty + "0", ""},
		{"g" + empty[1:], ""},
		{" " + empty[1:], ""},
		{strings.Repeat("é", 32), ""},
	}
	for _, tt := range tests {
		d, err := ParseDigest(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidDigest) {
				t.Errorf("ParseDigest(%q): got %v, %v; want ErrInvalidDigest", tt.in, d, err)
			}
			continue
		}
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDigest(%q): got %v, %v; want %s", tt.in, d, err, tt.want)
		}
	}
	if got := Sum(nil).String(); got != empty {
		t.Errorf("Sum(nil): got %s, want %s", got, empty)
	}
	if !(Digest{}).IsZero() || Sum(nil).IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestDigestText(t *testing.T) {
	in := map[string]Digest{"a": Sum([]byte("a")), "b": Sum([]byte("b"))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]Digest
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out["a"] != in["a"] || out["b"] != in["b"] {
		t.Errorf("round trip through %s: got %v, want %v", b, out, in)
	}
	if err := json.Unmarshal([]byte(`{"a":"xyz"}`), &out); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("Unmarshal of a bad digest: got %v, want ErrInvalidDigest", err)
	}
}
