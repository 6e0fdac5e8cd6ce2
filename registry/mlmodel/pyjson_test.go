package mlmodel

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// TestJSONMatchesPython reads json.dumps output for strings, floats (the
// whole float64 range, NaN and infinities), big integers and nested values
// and writes it back: it must come out byte for byte the same.
func TestJSONMatchesPython(t *testing.T) {
	b, err := os.ReadFile("testdata/pyjson/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		JSON string `json:"json"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		v, err := parseJSON(c.JSON)
		if err != nil {
			t.Errorf("parseJSON(%s): %v", c.JSON, err)
			continue
		}
		var sb strings.Builder
		if err := writeJSON(&sb, v); err != nil {
			t.Fatal(err)
		}
		if got := sb.String(); got != c.JSON {
			t.Errorf("round trip of %s: got %s", c.JSON, got)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{0.1, "0.1"},
		{1e16, "1e+16"},
		{1e15, "1000000000000000.0"},
		{1e-4, "0.0001"},
		{1e-5, "1e-05"},
		{1.5e-5, "1.5e-05"},
		{123.456, "123.456"},
		{1e300, "1e+300"},
		{5e-324, "5e-324"},
		{math.NaN(), "NaN"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := pyFloatRepr(tt.in); got != tt.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	yamlTests := []struct {
		in   float64
		want string
	}{
		{1e17, "1.0e+17"},
		{1e-5, "1.0e-05"},
		{1.5e17, "1.5e+17"},
		{math.Inf(1), ".inf"},
		{math.NaN(), ".nan"},
		{2.5, "2.5"},
	}
	for _, tt := range yamlTests {
		if got := pyYAMLFloat(tt.in); got != tt.want {
			t.Errorf("pyYAMLFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseJSONRefuses(t *testing.T) {
	for _, in := range []string{
		``, `[`, `{"a" 1}`, `[1,]`, `01`, `1.`, `.5`, `"\ud800"`, `"\udc00x"`, "\"a\x01\"", `nul`, `[1] 2`,
		strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2),
	} {
		if v, err := parseJSON(in); err == nil {
			t.Errorf("parseJSON(%q) = %v, want an error", in, v)
		}
	}
}
