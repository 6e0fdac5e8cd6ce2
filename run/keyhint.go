package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mlite/mlite/query"
)

// ErrUnknownKey is wrapped by the error of MissingKeys: a filter names a
// metric, param or tag that no selected run has, so it can match nothing.
var ErrUnknownKey = errors.New("no run has the key")

// MissingKeys checks that every metric, param and tag key the filter
// reads is one that some run of sel has (sel.Filter is ignored; sel.View
// and sel.Experiments apply). It returns nil when they all are, else an
// *UnknownKeyError (matching ErrUnknownKey) that names the first missing
// key and the likeliest key meant: "no run has metric `auc`; did you mean
// `val_auc`?".
// Surfaces call it when a filter matched no run, to say why.
func (s *Snapshot) MissingKeys(sel RunSelection, f *Filter) error {
	n := f.Needs()
	metrics := slices.Clone(n.Metrics)
	for _, a := range n.Aggs {
		metrics = append(metrics, a.Key)
	}
	want := [3][]string{metrics, n.Params, n.Tags}
	if len(want[0])+len(want[1])+len(want[2]) == 0 {
		return nil
	}
	var have [3]map[string]bool
	for i := range have {
		have[i] = map[string]bool{}
	}
	sel.Filter = nil
	err := s.Runs(sel, func(v *RunView) error {
		v.EachMetric(func(k string, _ Series) { have[0][k] = true })
		v.EachParam(func(k, _ string) { have[1][k] = true })
		v.EachTag(func(k, _ string) { have[2][k] = true })
		return nil
	})
	if err != nil {
		return err
	}
	for i, kind := range [3]string{"metric", "param", "tag"} {
		for _, k := range want[i] {
			if have[i][k] {
				continue
			}
			keys := make([]string, 0, len(have[i]))
			for h := range have[i] {
				keys = append(keys, h)
			}
			slices.Sort(keys)
			return &UnknownKeyError{Kind: kind, Key: k, Suggestion: query.SuggestKey(k, keys), Keys: keys}
		}
	}
	return nil
}

// UnknownKeyError says which key of a filter no run has.
type UnknownKeyError struct {
	Kind       string   // "metric", "param" or "tag"
	Key        string   // the key no run has
	Suggestion string   // the key likeliest meant, or ""
	Keys       []string // the keys of that kind the runs have, sorted
}

// Error reads "no run has metric `auc`; did you mean `val_auc`?", or
// lists the keys the runs have when none is close.
func (e *UnknownKeyError) Error() string {
	msg := fmt.Sprintf("no run has %s `%s`", e.Kind, e.Key)
	switch {
	case e.Suggestion != "":
		msg += fmt.Sprintf("; did you mean `%s`?", e.Suggestion)
	case len(e.Keys) > 0:
		msg += fmt.Sprintf("; the runs have %ss %s", e.Kind, listKeys(e.Keys, 8))
	default:
		msg += fmt.Sprintf("; the runs have no %ss", e.Kind)
	}
	return msg
}

// Unwrap makes the error match ErrUnknownKey.
func (e *UnknownKeyError) Unwrap() error { return ErrUnknownKey }

// MissingKeys is Snapshot.MissingKeys in a snapshot of its own.
func (t *Tracker) MissingKeys(ctx context.Context, sel RunSelection, f *Filter) error {
	var out error
	err := t.Snapshot(ctx, func(s *Snapshot) error {
		out = s.MissingKeys(sel, f)
		if errors.Is(out, ErrUnknownKey) {
			return nil
		}
		return out
	})
	if err != nil {
		return err
	}
	return out
}

// listKeys writes up to max keys as `a`, `b`, ... and how many more.
func listKeys(keys []string, max int) string {
	var b strings.Builder
	for i, k := range keys {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(keys)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("`" + k + "`")
	}
	return b.String()
}
