package mlflowapi

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

func TestMessageSaysItOnce(t *testing.T) {
	inner := fmt.Errorf("store: run id %q: want 32 hex characters, got 3 characters: %w", "abc", mlite.ErrInvalid)
	for _, tc := range []struct {
		err  error
		want string
	}{
		// What a registry source check gave: the store's reason, then
		// the sentinel again.
		{fmt.Errorf("registry: not a proper runs:/ URI: %q: %s: %w", "runs:/abc", inner, mlite.ErrInvalid),
			`registry: not a proper runs:/ URI: "runs:/abc": store: run id "abc": want 32 hex characters, got 3 characters`},
		{fmt.Errorf("run %s is deleted; restore it first: %w", "r1", mlite.ErrDeleted), "run r1 is deleted; restore it first"},
		{fmt.Errorf("no artifact %q: %w", "x", mlite.ErrNotFound), `no artifact "x"`},
		{fmt.Errorf("query: bad: %w", run.ErrBadQuery), "query: bad"},
		// A bare sentinel is all there is to say; other texts stay.
		{mlite.ErrNotFound, "not found"},
		{fmt.Errorf("open: %w", mlite.ErrLocked), "open: store is locked by another process"},
		{errors.New("disk full"), "disk full"},
	} {
		if got := asAPIError(tc.err).msg; got != tc.want {
			t.Errorf("message of %q: got %q, want %q", tc.err, got, tc.want)
		}
	}
}
