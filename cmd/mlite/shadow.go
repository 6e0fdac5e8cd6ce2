package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/serving"
)

// A shadow deployment is recorded as a run of the shadowExperiment: its
// tags name the model and both URIs, its metrics hold, per scored row (step
// = row number), each model's answer, their difference and whether they
// disagree, and per request (step = request number) both latencies and
// whether the shadow failed. The run page charts them; shadow-report
// summarizes them.
const (
	shadowExperiment = "mlite-shadow"
	tagShadowModel   = "mlite.shadow.model"
	tagShadowPrimary = "mlite.shadow.primary"
	tagShadowShadow  = "mlite.shadow.shadow"
	tagShadowDropped = "mlite.shadow.dropped"
	// tagShadowVersion is the shadow's registered version, which a gate's
	// shadow check looks for.
	tagShadowVersion = "mlite.shadow.shadow_version"
)

// shadowRecorder logs each shadowed request into the shadow run.
type shadowRecorder struct {
	r    *run.Run
	rows int64
	err  error // the first logging error; recording stops at it
}

// rowAnswer is a row's answer as one number (the class for a list of
// class probabilities) and its numbers.
func rowAnswer(preds []float64, width, i int) (float64, []float64) {
	if width <= 0 {
		return preds[i], preds[i : i+1]
	}
	row := preds[i*width : (i+1)*width]
	best := 0
	for j, p := range row {
		if p > row[best] {
			best = j
		}
	}
	return float64(best), row
}

// disagree compares two rows' answers: the largest difference of their
// numbers, and whether they disagree: different classes (the larger
// probability for lists; at 0.5 for numbers both in [0, 1]) or, for other
// numbers, a difference above 1e-9 of their size.
func disagree(p, s []float64, pAns, sAns float64, lists bool) (float64, bool) {
	diff := 0.0
	for j := range min(len(p), len(s)) {
		diff = max(diff, math.Abs(p[j]-s[j]))
	}
	if len(p) != len(s) {
		return math.Inf(1), true
	}
	switch {
	case lists:
		return diff, pAns != sAns
	case pAns >= 0 && pAns <= 1 && sAns >= 0 && sAns <= 1:
		return diff, (pAns >= 0.5) != (sAns >= 0.5)
	}
	return diff, diff > 1e-9*max(1, math.Abs(pAns))
}

func (rec *shadowRecorder) record(res serving.ShadowResult) {
	if rec.err != nil {
		return
	}
	log := func(key string, v float64, step int64) {
		if rec.err == nil {
			rec.err = rec.r.LogMetric(key, v, run.Step(step))
		}
	}
	log("primary_latency_ms", float64(res.PrimaryLatency.Nanoseconds())/1e6, res.Seq)
	failed := 0.0
	if res.Err != nil {
		failed = 1
	}
	log("shadow_error", failed, res.Seq)
	if res.Err != nil {
		return
	}
	log("shadow_latency_ms", float64(res.ShadowLatency.Nanoseconds())/1e6, res.Seq)
	for i := range res.Rows {
		pa, pr := rowAnswer(res.Primary, res.PrimaryWidth, i)
		sa, sr := rowAnswer(res.Shadow, res.ShadowWidth, i)
		diff, dis := disagree(pr, sr, pa, sa, res.PrimaryWidth > 0)
		d := 0.0
		if dis {
			d = 1
		}
		log("primary", pa, rec.rows)
		log("shadow", sa, rec.rows)
		log("abs_diff", diff, rec.rows)
		log("disagree", d, rec.rows)
		rec.rows++
	}
}

// startShadow starts the shadow scoring of shadow beside primary, recorded
// in a new run; stop ends it, recording how many requests were dropped.
func (a *app) startShadow(ctx context.Context, db *mlite.DB, primary, shadow *serving.Model, sample float64) (*serving.Shadow, func() error, error) {
	exp, err := db.SetExperiment(ctx, shadowExperiment)
	if err != nil {
		return nil, nil, err
	}
	name := primary.URI + " vs " + shadow.URI
	r, err := db.StartRun(ctx, exp.ID, run.Name(name))
	if err != nil {
		return nil, nil, err
	}
	model := primary.URI
	if primary.Version != nil {
		model = primary.Version.Name
	}
	tags := map[string]string{tagShadowModel: model, tagShadowPrimary: primary.URI, tagShadowShadow: shadow.URI}
	if shadow.Version != nil {
		tags[tagShadowVersion] = strconv.FormatInt(shadow.Version.Version, 10)
	}
	for k, v := range tags {
		if err := r.SetTag(k, v); err != nil {
			return nil, nil, err
		}
	}
	rec := &shadowRecorder{r: r}
	s := serving.NewShadow(shadow, &serving.ShadowOptions{Sample: sample, Record: rec.record})
	stop := func() error {
		s.Close()
		_, _, dropped := s.Stats()
		err := errors.Join(rec.err, r.SetTag(tagShadowDropped, strconv.FormatInt(dropped, 10)))
		return errors.Join(err, r.End(context.WithoutCancel(ctx)))
	}
	a.out.printf("mlite: shadowing with %s, recorded in run %s (experiment %s)\n", shadow.URI, r.ID(), shadowExperiment)
	return s, stop, nil
}

// shadowStats summarizes a shadow run.
type shadowStats struct {
	Run            string     `json:"run_id"`
	Primary        string     `json:"primary"`
	Shadow         string     `json:"shadow"`
	Requests       int        `json:"requests"`
	ShadowErrors   int        `json:"shadow_errors"`
	Dropped        string     `json:"dropped"`
	Rows           int        `json:"rows"`
	Disagreement   float64    `json:"disagreement"`
	MeanDiff       float64    `json:"mean_difference"`
	MeanAbsDiff    float64    `json:"mean_abs_difference"`
	PrimaryLatency [3]float64 `json:"primary_latency_ms_p50_p95_p99"`
	ShadowLatency  [3]float64 `json:"shadow_latency_ms_p50_p95_p99"`
}

// readShadow summarizes the shadow run rec.
func readShadow(ctx context.Context, tr *run.Tracker, rec *run.Record) (*shadowStats, error) {
	st := &shadowStats{Run: rec.ID.String(), Primary: rec.Tags[tagShadowPrimary], Shadow: rec.Tags[tagShadowShadow], Dropped: rec.Tags[tagShadowDropped]}
	values := func(key string) ([]float64, error) {
		if _, ok := rec.Metrics[key]; !ok {
			return nil, nil
		}
		pts, err := tr.MetricHistory(ctx, rec.ID, key, run.AllSteps)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(pts))
		for i, p := range pts {
			out[i] = p.Value
		}
		return out, nil
	}
	got := map[string][]float64{}
	for _, k := range []string{"primary_latency_ms", "shadow_latency_ms", "shadow_error", "disagree", "abs_diff", "primary", "shadow"} {
		v, err := values(k)
		if err != nil {
			return nil, err
		}
		got[k] = v
	}
	st.Requests = len(got["primary_latency_ms"])
	for _, e := range got["shadow_error"] {
		if e != 0 {
			st.ShadowErrors++
		}
	}
	st.Rows = len(got["disagree"])
	if st.Rows > 0 {
		for i, d := range got["disagree"] {
			st.Disagreement += d
			st.MeanAbsDiff += got["abs_diff"][i]
			st.MeanDiff += got["shadow"][i] - got["primary"][i]
		}
		n := float64(st.Rows)
		st.Disagreement /= n
		st.MeanAbsDiff /= n
		st.MeanDiff /= n
	}
	st.PrimaryLatency = percentiles(got["primary_latency_ms"])
	st.ShadowLatency = percentiles(got["shadow_latency_ms"])
	return st, nil
}

// percentiles returns the p50, p95 and p99 of v (nearest rank).
func percentiles(v []float64) [3]float64 {
	if len(v) == 0 {
		return [3]float64{}
	}
	s := slices.Sorted(slices.Values(v))
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return [3]float64{at(0.50), at(0.95), at(0.99)}
}

func (a *app) modelsShadowReport() *cobra.Command {
	var runID string
	c := command("shadow-report NAME", "Summarize a shadow deployment: requests, agreement, score drift and latency percentiles",
		`  mlite models shadow-report CreditDefaultModel
  mlite models shadow-report CreditDefaultModel --run <run_id> --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			var rec *run.Record
			if runID != "" {
				id, err := run.ParseID(runID)
				if err != nil {
					return usagef("--run %s: %v", runID, err)
				}
				if rec, err = db.GetRun(ctx, id); err != nil {
					return err
				}
			} else {
				exp, err := db.GetExperimentByName(ctx, shadowExperiment)
				if err != nil {
					return fmt.Errorf("no shadow deployment recorded (serve with --shadow first): %w", err)
				}
				page, err := db.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: []run.ExperimentID{exp.ID},
					Filter: fmt.Sprintf("tags.`%s` = '%s'", tagShadowModel, args[0]), MaxResults: 1})
				if err != nil {
					return err
				}
				if len(page.Runs) == 0 {
					return fmt.Errorf("no shadow deployment of model %q recorded: %w", args[0], mlite.ErrNotFound)
				}
				rec = page.Runs[0]
			}
			st, err := readShadow(ctx, db.Tracker, rec)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(st)
			}
			t := &table{}
			t.add("Run", st.Run)
			t.add("Primary", st.Primary)
			t.add("Shadow", st.Shadow)
			t.add("Requests shadowed", strconv.Itoa(st.Requests))
			t.add("Shadow errors", strconv.Itoa(st.ShadowErrors))
			if st.Dropped != "" {
				t.add("Dropped (queue full)", st.Dropped)
			}
			t.add("Rows compared", strconv.Itoa(st.Rows))
			t.add("Agreement", fmt.Sprintf("%.4f%% (disagreement %.4f%%)", 100*(1-st.Disagreement), 100*st.Disagreement))
			t.add("Score drift", fmt.Sprintf("mean shadow - primary %.6g, mean |difference| %.6g", st.MeanDiff, st.MeanAbsDiff))
			t.add("Primary latency", fmt.Sprintf("p50 %.3f ms, p95 %.3f ms, p99 %.3f ms", st.PrimaryLatency[0], st.PrimaryLatency[1], st.PrimaryLatency[2]))
			t.add("Shadow latency", fmt.Sprintf("p50 %.3f ms, p95 %.3f ms, p99 %.3f ms", st.ShadowLatency[0], st.ShadowLatency[1], st.ShadowLatency[2]))
			a.out.table(t)
			return nil
		})
	c.Flags().StringVar(&runID, "run", "", "the shadow run to report (default: the model's latest)")
	return c
}

// Gate checks on shadow reports: a gate requiring the check "shadow" (at
// least 1,000 requests shadowed, disagreement at most 1%) or
// "shadow:MIN:MAX" (at least MIN requests, disagreement at most MAX, a
// fraction) passes a version whose latest shadow deployment, as the shadow
// of serve --shadow, meets it.
const (
	shadowCheck            = "shadow"
	defaultShadowRequests  = 1000
	defaultShadowDisagrees = 0.01
)

// parseShadowCheck reads a check name; ok is false for other checks.
func parseShadowCheck(name string) (minReq int, maxDis float64, ok bool, err error) {
	if name == shadowCheck {
		return defaultShadowRequests, defaultShadowDisagrees, true, nil
	}
	rest, found := strings.CutPrefix(name, shadowCheck+":")
	if !found {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(rest, ":")
	minReq, err1 := strconv.Atoi(a)
	maxDis, err2 := strconv.ParseFloat(b, 64)
	if !found || err1 != nil || err2 != nil || minReq < 0 || !(maxDis >= 0 && maxDis <= 1) {
		return 0, 0, true, fmt.Errorf("check %q: want shadow or shadow:MIN_REQUESTS:MAX_DISAGREEMENT (a fraction)", name)
	}
	return minReq, maxDis, true, nil
}

// registerShadowChecks registers, for this process, the shadow checks the
// gates of model name require, so that a transition or alias meets them.
func registerShadowChecks(ctx context.Context, db *mlite.DB, name string) error {
	gates, err := db.Registry().Gates(ctx, name)
	if err != nil {
		if errors.Is(err, mlite.ErrNotFound) {
			return nil // the transition says the model is missing
		}
		return err
	}
	for _, g := range gates {
		for _, c := range g.Checks {
			minReq, maxDis, ok, err := parseShadowCheck(c)
			if !ok {
				continue
			}
			if err != nil {
				return usagef("gate of %s for %s: %v", name, g.Target, err)
			}
			db.Registry().RegisterCheck(c, func(ctx context.Context, v *registry.ModelVersion, _ *run.Record) error {
				st, err := latestShadow(ctx, db, v.Name, v.Version)
				if err != nil {
					return err
				}
				if st.Requests < minReq || st.Disagreement > maxDis {
					return fmt.Errorf("shadow run %s: %d requests (want at least %d), disagreement %.4g (want at most %.4g)",
						st.Run, st.Requests, minReq, st.Disagreement, maxDis)
				}
				return nil
			})
		}
	}
	return nil
}

// latestShadow reports the latest shadow deployment of version v of model
// name as the shadow.
func latestShadow(ctx context.Context, db *mlite.DB, name string, v int64) (*shadowStats, error) {
	exp, err := db.GetExperimentByName(ctx, shadowExperiment)
	if err != nil {
		return nil, fmt.Errorf("no shadow deployment of version %d recorded", v)
	}
	page, err := db.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: []run.ExperimentID{exp.ID}, MaxResults: 1,
		Filter: fmt.Sprintf("tags.`%s` = '%s' and tags.`%s` = '%d'", tagShadowModel, strings.ReplaceAll(name, "'", "\\'"), tagShadowVersion, v)})
	if err != nil {
		return nil, err
	}
	if len(page.Runs) == 0 {
		return nil, fmt.Errorf("no shadow deployment of version %d recorded (serve the current version with --shadow models:/%s/%d)", v, name, v)
	}
	return readShadow(ctx, db.Tracker, page.Runs[0])
}
