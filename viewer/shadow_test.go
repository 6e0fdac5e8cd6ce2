package viewer

import (
	"context"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/shadow"
)

// TestShadowPage records a shadow run as mlite serve --shadow does (four
// rows, one disagreeing; two requests) and shows the model's shadow page.
func TestShadowPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if got := f.get(t, "/models/CreditModel/shadow").Body.String(); !strings.Contains(got, "No shadow deployment") {
		t.Errorf("before any shadow run the page says %q", got)
	}
	exp, err := f.db.SetExperiment(ctx, shadow.Experiment)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.db.StartRun(ctx, exp.ID)
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.SetTag(shadow.TagModel, "CreditModel"))
	must(t, r.SetTag(shadow.TagPrimary, "models:/CreditModel/1"))
	must(t, r.SetTag(shadow.TagShadow, "models:/CreditModel/2"))
	must(t, r.SetTag(shadow.TagDropped, "0"))
	for i, d := range []float64{0, 0, 1, 0} {
		must(t, r.LogMetric("primary", 0.2, run.Step(int64(i))))
		must(t, r.LogMetric("shadow", 0.3, run.Step(int64(i))))
		must(t, r.LogMetric("abs_diff", 0.1, run.Step(int64(i))))
		must(t, r.LogMetric("disagree", d, run.Step(int64(i))))
	}
	for i := range 2 {
		must(t, r.LogMetric("primary_latency_ms", 0.05, run.Step(int64(i))))
		must(t, r.LogMetric("shadow_latency_ms", 2.5, run.Step(int64(i))))
		must(t, r.LogMetric("shadow_error", 0, run.Step(int64(i))))
	}
	must(t, r.End(ctx))
	body := f.get(t, "/models/CreditModel/shadow").Body.String()
	for _, want := range []string{"models:/CreditModel/1 vs models:/CreditModel/2", "/runs/" + r.ID().String(), ">0.25<", ">2.5<", "Requests shadowed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the shadow page has no %q:\n%s", want, body)
		}
	}
	if !strings.Contains(f.get(t, "/models/CreditModel").Body.String(), `href="/models/CreditModel/shadow"`) {
		t.Error("the model page has no link to its shadow deployments")
	}
	if got := f.get(t, "/models/Nope/shadow").Code; got != 404 {
		t.Errorf("an unknown model: got %d, want 404", got)
	}
}
