//go:build unix

package cputime

import "testing"

// TestUsedGrows: busy work adds CPU time.
func TestUsedGrows(t *testing.T) {
	before := Used()
	x := 0
	for i := range 50_000_000 {
		x ^= i * i
	}
	if after := Used(); after <= before {
		t.Errorf("after busy work (%d): got %v, want more than %v", x, after, before)
	}
}
