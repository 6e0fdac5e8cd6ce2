package registry

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlite/mlite/store"
)

// FuzzParseModelURI: any string either parses into a name and exactly one
// of version, stage, latest or alias, or fails with store.ErrInvalid; what
// parses prints back to a URI that parses the same.
func FuzzParseModelURI(f *testing.F) {
	for _, s := range []string{"models:/CreditDefaultModel/3", "models:/m/Production", "models:/m/latest",
		"models:/m@champion", "models:/a@b@c", "models:/", "models://x/1", "runs:/abc/model", "models:/m/1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseModelURI(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("ParseModelURI(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		kinds := 0
		for _, set := range []bool{u.Version > 0, u.Stage != "", u.Latest, u.Alias != ""} {
			if set {
				kinds++
			}
		}
		if u.Name == "" || kinds != 1 {
			t.Fatalf("ParseModelURI(%q) = %+v: want a name and exactly one selector", s, u)
		}
		var again string
		switch {
		case u.Version > 0:
			again = fmt.Sprintf("models:/%s/%d", u.Name, u.Version)
		case u.Stage != "":
			again = "models:/" + u.Name + "/" + u.Stage
		case u.Latest:
			again = "models:/" + u.Name + "/latest"
		default:
			again = "models:/" + u.Name + "@" + u.Alias
		}
		if strings.Contains(u.Name, "/") {
			return // such names only come back through the form that parsed them
		}
		u2, err := ParseModelURI(again)
		if err != nil || u2 != u {
			t.Fatalf("ParseModelURI(%q) = %+v; printed %q parses to %+v, %v", s, u, again, u2, err)
		}
	})
}
