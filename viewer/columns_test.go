package viewer

import (
	"slices"
	"testing"
)

// TestMetricColumns: by default the sort metric comes first, then the main
// metrics by name (quality on held-out data, then unnamed data, then
// training data; counts and settings last), those most runs have first;
// asked columns are kept as asked.
func TestMetricColumns(t *testing.T) {
	stats := func(seen map[string]int) map[string]*keyStats {
		m := map[string]*keyStats{}
		for k, n := range seen {
			m[k] = &keyStats{seen: n, varies: true}
		}
		return m
	}
	sweep := stats(map[string]int{"tp": 36, "threshold": 36, "train_loss": 36, "train_auc": 36, "f1": 36, "val_auc": 36,
		"val_logloss": 36, "best_val_auc": 1, "recall": 36, "precision": 36, "lr": 36})
	for _, c := range []struct {
		name  string
		m     map[string]*keyStats
		asked []string
		sort  string
		want  []string
	}{
		{"sweep", sweep, nil, "", []string{"val_auc", "val_logloss", "f1", "precision", "recall"}},
		{"sorted by a count", sweep, nil, "metrics.tp DESC", []string{"tp", "val_auc", "val_logloss", "f1", "precision"}},
		{"sorted by a main metric", sweep, nil, "metrics.f1", []string{"f1", "val_auc", "val_logloss", "precision", "recall"}},
		{"asked", sweep, []string{"tp", "lr"}, "metrics.f1", []string{"tp", "lr"}},
		{"asked none", sweep, []string{}, "", []string{}},
		{"training only", stats(map[string]int{"epoch": 3, "train_loss": 3, "test_accuracy": 3}), nil, "", []string{"test_accuracy", "train_loss", "epoch"}},
	} {
		sc, err := parseSort(c.sort)
		if err != nil {
			t.Fatal(err)
		}
		_, got := metricColumns(c.m, 36, c.asked, sc)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
