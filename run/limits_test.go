package run_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlite/mlite/run"
)

// TestLongValuesTruncated: as MLflow 3.17's server, a run stores param
// values past 6,000 characters and tag values past 8,000 truncated to them,
// on every path (LogParam, SetTag, SetRunTag, LogBatch, StartRun's tags),
// and logging the same long param again is no conflict. Experiment tags
// are refused past 20,000 characters.
func TestLongValuesTruncated(t *testing.T) {
	tr := newTracker(t, nil)
	long := func(n int) string { return strings.Repeat("é", n) }
	r, err := tr.StartRun(ctx, 0, run.Tags(map[string]string{"start": long(9000)}))
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("LogParam", r.LogParam("p", long(7000)))
	must("LogParam again", r.LogParam("p", long(7000)))
	must("LogParam 6000", r.LogParam("exact", long(6000)))
	must("SetTag", r.SetTag("t", long(8001)))
	must("Flush", r.Flush(ctx))
	must("SetRunTag", tr.SetRunTag(ctx, r.ID(), "rt", long(100_000)))
	must("LogBatch", tr.LogBatch(ctx, r.ID(), run.Batch{
		Params: map[string]string{"bp": long(6001)},
		Tags:   map[string]string{"bt": long(8500)},
	}))
	must("LogBatch again", tr.LogBatch(ctx, r.ID(), run.Batch{Params: map[string]string{"bp": long(6002)}}))
	rec, err := tr.GetRun(ctx, r.ID())
	must("GetRun", err)
	for _, c := range []struct {
		what string
		got  string
		want int
	}{
		{"param p", rec.Params["p"], 6000},
		{"param exact", rec.Params["exact"], 6000},
		{"param bp", rec.Params["bp"], 6000},
		{"tag start", rec.Tags["start"], 8000},
		{"tag t", rec.Tags["t"], 8000},
		{"tag rt", rec.Tags["rt"], 8000},
		{"tag bt", rec.Tags["bt"], 8000},
	} {
		if n := utf8.RuneCountInString(c.got); n != c.want || c.got != long(c.want) {
			t.Errorf("%s: got %d characters, want %d", c.what, n, c.want)
		}
	}
	if err := tr.SetExperimentTag(ctx, 0, "ok", long(20_000)); err != nil {
		t.Errorf("experiment tag of 20,000 characters: %v", err)
	}
	if err := tr.SetExperimentTag(ctx, 0, "long", long(20_001)); err == nil {
		t.Error("experiment tag of 20,001 characters: got no error, want one")
	}
}
