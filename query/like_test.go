package query

import "testing"

func TestLike(t *testing.T) {
	cases := []struct {
		pat  string
		fold bool
		s    string
		want bool
	}{
		{"", false, "", true},
		{"", false, "a", false},
		{"%", false, "", true},
		{"%", false, "anything", true},
		{"_", false, "", false},
		{"_", false, "é", true}, // one character, two bytes
		{"__", false, "é", false},
		{"a%", false, "abc", true},
		{"a%", false, "bac", false},
		{"%c", false, "abc", true},
		{"%b%", false, "abc", true},
		{"%b%", false, "ac", false},
		{"a%b%c", false, "aXbYc", true},
		{"a%b%c", false, "aXcYb", false},
		{"%a%b", false, "aab", true},
		{"%ab%ab%", false, "xaxabyab", true},
		{"%aab", false, "aaab", true},
		{"a_c", false, "abc", true},
		{"a_c", false, "ac", false},
		{"%_%", false, "", false},
		{"%_%", false, "x", true},
		{`a\%`, false, "a%", true},
		{`a\%`, false, "ab", false},
		{`a\_`, false, "a_", true},
		{`a\_`, false, "ab", false},
		{`a\\b`, false, `a\b`, true},
		{`a\`, false, `a\`, true}, // a trailing backslash is literal
		{`\a`, false, "a", true},
		{"a.c", false, "abc", false},
		{"a*c", false, "abc", false},
		{"(a)", false, "(a)", true},
		{"ABC", false, "abc", false},
		{"ABC", true, "abc", true},
		{"a%C", true, "AbbbC", true},
		{"straße", true, "STRASSE", false}, // simple folding only, as in MLflow's regexp
		{"ΣΊΣΥΦΟΣ", true, "σίσυφος", true},
		{"k", true, "\u212a", true}, // Kelvin sign folds to k
		{"s", true, "ſ", true},      // long s folds to s
		{"é%", true, "ÉCOLE", true},
		{"%é", true, "CAFÉ", true},
		{"%x%", true, "aXb", true},
		{"x", true, "y", false},
	}
	for _, tc := range cases {
		m := compileLike(tc.pat, tc.fold)
		if got := m.match(tc.s); got != tc.want {
			t.Errorf("LIKE(fold=%v) %q against %q: got %v, want %v", tc.fold, tc.pat, tc.s, got, tc.want)
		}
		// The general matcher agrees with the fast paths.
		if got := m.general(tc.s); got != tc.want {
			t.Errorf("general LIKE(fold=%v) %q against %q: got %v, want %v", tc.fold, tc.pat, tc.s, got, tc.want)
		}
	}
}

func TestLikeNoAlloc(t *testing.T) {
	for _, fold := range []bool{false, true} {
		m := compileLike("%risk%eu_", fold)
		if n := testing.AllocsPerRun(100, func() { m.match("RISK-team-EU1") }); n != 0 {
			t.Errorf("fold=%v: %v allocations per match", fold, n)
		}
	}
}
