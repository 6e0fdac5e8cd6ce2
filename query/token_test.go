package query

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
)

// page returns up to n records of rs that f matches and that follow cur in
// order o, sorted, plus the token after the last one ("" when the page is short).
func page(t *testing.T, o *Order, f *Filter, rs []*rec, tok string, n int) ([]string, string) {
	t.Helper()
	cur, err := o.ParseToken(tok)
	if err != nil {
		t.Fatalf("ParseToken(%q): %v", tok, err)
	}
	var sel []*rec
	for _, r := range rs {
		if f.Match(r) && cur.After(r) {
			sel = append(sel, r)
		}
	}
	slices.SortFunc(sel, func(a, b *rec) int { return o.Compare(a, b) })
	if len(sel) > n {
		sel = sel[:n]
	}
	var out []string
	for _, r := range sel {
		out = append(out, r.id)
	}
	next := ""
	if len(sel) == n {
		next = o.Token(sel[n-1])
	}
	return out, next
}

func TestKeysetPaging(t *testing.T) {
	orders := [][]string{
		nil,
		{"metrics.auc DESC"},
		{"metrics.auc"},
		{"params.model", "tags.team DESC"},
		{"attributes.end_time DESC"},
		{"min(metrics.loss)"},
		{"status", "run_id DESC"},
	}
	filters := []string{"", "metrics.auc IS NOT NULL OR params.model LIKE 'l%'", "attributes.status != 'KILLED'"}
	for _, items := range orders {
		for _, fs := range filters {
			for _, size := range []int{1, 2, 4, 7, 18, 50} {
				rs := fixtureRuns()
				o, err := ParseOrderBy(Runs, items)
				if err != nil {
					t.Fatal(err)
				}
				f, err := ParseFilter(Runs, fs)
				if err != nil {
					t.Fatal(err)
				}
				o = o.WithScope(f.String())
				want := matching(f, rs)
				sorted := sortedIDs(o, rs)
				want = slices.DeleteFunc(sorted, func(id string) bool { return !slices.Contains(want, id) })

				var got []string
				tok := ""
				for range 100 {
					ids, next := page(t, o, f, rs, tok, size)
					got = append(got, ids...)
					if next == "" {
						break
					}
					tok = next
					// Another writer adds a run between pages; it may land on any
					// page or none, but no pre-existing run moves.
					n := len(rs)
					extra := runRow("z"+string(rune('a'+n%26))+IntValue(int64(n)).String(), "new", "zed", "FINISHED", int64(500+n*997%20000), -1)
					extra.metrics["auc"] = []float64{float64(n%7) / 7}
					extra.params["model"] = "lgbm"
					rs = append(rs, extra)
				}
				var gotOld []string
				for _, id := range got {
					if !strings.HasPrefix(id, "z") {
						gotOld = append(gotOld, id)
					}
				}
				if !slices.Equal(gotOld, want) {
					t.Errorf("order %q filter %q size %d: pages gave %v, want %v", items, fs, size, gotOld, want)
				}
				seen := map[string]bool{}
				for _, id := range got {
					if seen[id] {
						t.Errorf("order %q filter %q size %d: %s repeated", items, fs, size, id)
					}
					seen[id] = true
				}
			}
		}
	}
}

func TestTokenErrors(t *testing.T) {
	o, _ := ParseOrderBy(Runs, []string{"metrics.auc DESC", "params.model"})
	rs := fixtureRuns()
	good := o.Token(rs[0])
	if c, err := o.ParseToken(good); err != nil || c == nil {
		t.Fatalf("ParseToken(good) = %v, %v", c, err)
	}
	if c, err := o.ParseToken(""); err != nil || c != nil || !c.After(rs[0]) {
		t.Errorf("ParseToken(\"\") = %v, %v; want a nil cursor that admits all", c, err)
	}
	other, _ := ParseOrderBy(Runs, []string{"metrics.auc ASC", "params.model"})
	scoped := o.WithScope("metrics.auc > 0")
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	bad := map[string]string{
		"not base64":        "not URL-safe base64",
		"!!!!":              "not URL-safe base64",
		"AAAA":              "not a page token",
		other.Token(rs[0]):  "belongs to another search",
		scoped.Token(rs[0]): "belongs to another search",
		base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]):            "",
		base64.RawURLEncoding.EncodeToString(append(raw, 0)):              "trailing bytes",
		base64.RawURLEncoding.EncodeToString(raw[:9]):                     "truncated",
		base64.RawURLEncoding.EncodeToString(append(raw[:9:9], 9)):        "unknown value kind",
		base64.RawURLEncoding.EncodeToString(append(raw[:9:9], svStr, 0)): "does not fit key",
		OffsetToken(5):                     "",
		strings.Repeat("A", MaxTokenLen+1): "the limit is",
	}
	for tok, msg := range bad {
		c, err := o.ParseToken(tok)
		if err == nil {
			t.Errorf("ParseToken(%q) = %v, want an error", tok, c)
			continue
		}
		var qe *Error
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &qe) {
			t.Errorf("ParseToken(%q): %v is not an *Error matching ErrInvalid", tok, err)
		}
		if !strings.Contains(err.Error(), "invalid page token") || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseToken(%q): got %q, want it to contain %q", clip(tok, 30), err, msg)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	o, _ := ParseOrderBy(Runs, []string{"metrics.auc DESC", "params.model", "tags.team", "end_time", "count(metrics.loss)"})
	rs := fixtureRuns()
	for _, r := range rs {
		tok := o.Token(r)
		if strings.ContainsAny(tok, "+/=") {
			t.Errorf("token %q is not URL-safe", tok)
		}
		c, err := o.ParseToken(tok)
		if err != nil {
			t.Fatalf("%s: %v", r.id, err)
		}
		if c.After(r) {
			t.Errorf("%s: a record is not after its own token", r.id)
		}
		if c.AfterKey(o.Key(r)) {
			t.Errorf("%s: a key is not after its own token", r.id)
		}
		if tok2 := o.TokenFromKey(o.Key(r)); tok2 != tok {
			t.Errorf("%s: TokenFromKey differs from Token", r.id)
		}
		for _, s := range rs {
			if want := o.Compare(r, s) < 0; c.After(s) != want || c.AfterKey(o.Key(s)) != want {
				t.Errorf("cursor after %s: After(%s) = %v, want %v", r.id, s.id, c.After(s), want)
			}
		}
	}
}

func TestOffsetTokens(t *testing.T) {
	// MLflow's Python server emits base64 of json.dumps({"offset": n}).
	if got, want := OffsetToken(5), base64.StdEncoding.EncodeToString([]byte(`{"offset": 5}`)); got != want {
		t.Errorf("OffsetToken(5) = %q, want %q", got, want)
	}
	for _, n := range []int{0, 1, 1000, 50000} {
		if got, err := ParseOffsetToken(OffsetToken(n)); err != nil || got != n {
			t.Errorf("ParseOffsetToken(OffsetToken(%d)) = %d, %v", n, got, err)
		}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	good := map[string]int{
		"":                     0,
		b64(`{"offset": "7"}`): 7,
		b64(`{"offset":12}`):   12,
		strings.TrimRight(b64(`{"offset": 3}`), "="):                               3,
		base64.URLEncoding.EncodeToString([]byte(`{"offset": 1000, "x": "??>>"}`)): 1000,
	}
	for tok, want := range good {
		if got, err := ParseOffsetToken(tok); err != nil || got != want {
			t.Errorf("ParseOffsetToken(%q) = %d, %v; want %d", tok, got, err, want)
		}
	}
	bad := []string{
		b64(`{}`), b64(`{"offset": "a"}`), b64(`{"offsoot": 7}`), b64("not json"), "not base64",
		b64(`{"offset": -1}`), b64(`{"offset": 1.5}`), b64(`{"offset": 99999999999}`), b64(`[1]`),
		b64(`{"offset": 1} {}`), b64(`{"offset": null}`), strings.Repeat("A", MaxTokenLen+1),
	}
	for _, tok := range bad {
		if n, err := ParseOffsetToken(tok); err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "invalid page token") {
			t.Errorf("ParseOffsetToken(%q) = %d, %v; want an invalid page token error", clip(tok, 30), n, err)
		}
	}
}
