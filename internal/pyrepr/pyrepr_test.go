package pyrepr

import "testing"

// The expected values are what CPython 3.11 prints for repr().
func TestStr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"auc", `'auc'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{`back\slash`, `'back\\slash'`},
		{"tab\tnew\nline\r", `'tab\tnew\nline\r'`},
		{"bell\x07", `'bell\x07'`},
		{"ünïcode", `'ünïcode'`},
		{"", `''`},
	}
	for _, tt := range tests {
		if got := Str(tt.in); got != tt.want {
			t.Errorf("Str(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got, want := StrList([]string{"a", "it's"}), `['a', "it's"]`; got != want {
		t.Errorf("StrList = %s, want %s", got, want)
	}
	if got := StrList(nil); got != "[]" {
		t.Errorf("StrList(nil) = %s, want []", got)
	}
}
