package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var fuzzEntities = []Entity{Runs, Experiments, RegisteredModels, ModelVersions}

func checkErr(t *testing.T, what string, err error) {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("%s: error %v (%T) is not an *Error matching ErrInvalid", what, err, err)
	}
	_ = qe.Error()
}

func FuzzParseFilter(f *testing.F) {
	for _, tc := range runFilterCases {
		f.Add(uint8(0), tc.filter)
	}
	for _, tc := range mlflowRejects {
		f.Add(uint8(0), tc.in)
	}
	for _, tc := range extensionRejects {
		f.Add(uint8(0), tc.in)
	}
	f.Add(uint8(1), `name LIKE 'credit%' and tags.team = 'risk' and creation_time > 5`)
	f.Add(uint8(2), `name ILIKE '%x%' OR tags."a b" != 'c'`)
	f.Add(uint8(3), `run_id IN ('a', 'b') and version_number >= 2 and source_path LIKE 'runs:/%'`)
	f.Add(uint8(0), "tags.`a``b` = 'it''s' AND params.\"x\"\"y\" = \"q\"\"\"")
	f.Add(uint8(0), `metrics.a > 1e999 and metrics.b < -0.0 and metrics.c = 99999999999999999999`)
	rs := fixtureRuns()
	f.Fuzz(func(t *testing.T, ent uint8, s string) {
		e := fuzzEntities[int(ent)%len(fuzzEntities)]
		flt, err := ParseFilter(e, s)
		if err != nil {
			checkErr(t, s, err)
			return
		}
		for _, r := range rs {
			flt.Match(r)
		}
		flt.Needs()
		c := flt.String()
		g, err := ParseFilter(e, c)
		if err != nil {
			t.Fatalf("%s filter %q: canonical %q does not parse: %v", e, s, c, err)
		}
		if !reflect.DeepEqual(flt.root, g.root) {
			t.Fatalf("%s filter %q: canonical %q parses to a different filter", e, s, c)
		}
		if g.String() != c {
			t.Fatalf("%s filter %q: canonical %q prints as %q", e, s, c, g.String())
		}
		if g.UsesExtensions() && !flt.UsesExtensions() {
			t.Fatalf("%s filter %q: canonical %q uses extensions the input did not", e, s, c)
		}
		for _, r := range rs {
			if flt.Match(r) != g.Match(r) {
				t.Fatalf("%s filter %q: canonical %q matches %s differently", e, s, c, r.id)
			}
		}
	})
}

func FuzzParseOrderBy(f *testing.F) {
	for _, tc := range runOrderCases {
		a, b := "", ""
		if len(tc.items) > 0 {
			a = tc.items[0]
		}
		if len(tc.items) > 1 {
			b = tc.items[1]
		}
		f.Add(uint8(0), uint8(len(tc.items)), a, b)
	}
	for _, tc := range runOrderRejects {
		a, b := tc.items[0], ""
		if len(tc.items) > 1 {
			b = tc.items[1]
		}
		f.Add(uint8(0), uint8(len(tc.items)), a, b)
	}
	f.Add(uint8(1), uint8(2), "name DESC", "experiment_id")
	f.Add(uint8(2), uint8(1), "timestamp desc", "")
	f.Add(uint8(3), uint8(2), "version_number", "name DESC")
	rs := fixtureRuns()
	f.Fuzz(func(t *testing.T, ent, n uint8, a, b string) {
		e := fuzzEntities[int(ent)%len(fuzzEntities)]
		items := []string{a, b}[:n%3]
		o, err := ParseOrderBy(e, items)
		if err != nil {
			checkErr(t, strings.Join(items, " | "), err)
			return
		}
		for i := range rs {
			o.Compare(rs[i], rs[(i+1)%len(rs)])
		}
		o.Needs()
		var again []string
		for _, k := range o.Keys() {
			again = append(again, k.String())
		}
		o2, err := ParseOrderBy(e, again)
		if err != nil {
			t.Fatalf("%s order %q: keys %q do not parse: %v", e, items, again, err)
		}
		if !reflect.DeepEqual(o.Keys(), o2.Keys()) && o.String() != o2.String() {
			t.Fatalf("%s order %q: keys %q parse to %q", e, items, again, o2)
		}
		if o2.String() != o.String() {
			t.Fatalf("%s order %q: %q re-parses as %q", e, items, o, o2)
		}
		tok := o.Token(rs[int(n)%len(rs)])
		if _, err := o.ParseToken(tok); err != nil {
			t.Fatalf("%s order %q: own token does not parse: %v", e, items, err)
		}
	})
}

func FuzzParseToken(f *testing.F) {
	rs := fixtureRuns()
	o, err := ParseOrderBy(Runs, []string{"metrics.auc DESC", "params.model", "end_time"})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range rs[:6] {
		f.Add(o.Token(r))
	}
	f.Add("")
	f.Add(OffsetToken(3))
	f.Add("eyJvZmZzZXQiOiAiNyJ9")
	f.Add("AQAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := o.ParseToken(tok)
		if err != nil {
			checkErr(t, tok, err)
		} else {
			for _, r := range rs {
				c.After(r)
				c.AfterKey(o.Key(r))
			}
		}
		if n, err := ParseOffsetToken(tok); err != nil {
			checkErr(t, tok, err)
		} else if n < 0 {
			t.Fatalf("ParseOffsetToken(%q) = %d", tok, n)
		}
	})
}
