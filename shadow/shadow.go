package shadow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/serving"
)

// Names in the store.
const (
	// Experiment holds the shadow runs.
	Experiment = "mlite-shadow"
	// TagModel is the registered model's name (the primary's URI when it
	// is not registered).
	TagModel = "mlite.shadow.model"
	// TagPrimary and TagShadow are the URIs served.
	TagPrimary = "mlite.shadow.primary"
	TagShadow  = "mlite.shadow.shadow"
	// TagVersion is the shadow's registered version, which a gate's
	// shadow check looks for.
	TagVersion = "mlite.shadow.shadow_version"
	// TagDropped counts the requests not shadowed because the queue was
	// full; set when the deployment stops.
	TagDropped = "mlite.shadow.dropped"
)

// Recorder logs each shadowed request into a shadow run.
type Recorder struct {
	r    *run.Run
	rows int64
	err  error
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

// Disagree compares two rows' answers: the largest difference of their
// numbers, and whether they disagree: different classes (the larger
// probability for lists; at 0.5 for numbers both in [0, 1]) or, for other
// numbers, a difference above 1e-9 of their size.
func Disagree(p, s []float64, pAns, sAns float64, lists bool) (float64, bool) {
	if len(p) != len(s) {
		return math.Inf(1), true
	}
	diff := 0.0
	for j := range p {
		diff = max(diff, math.Abs(p[j]-s[j]))
	}
	switch {
	case lists:
		return diff, pAns != sAns
	case pAns >= 0 && pAns <= 1 && sAns >= 0 && sAns <= 1:
		return diff, (pAns >= 0.5) != (sAns >= 0.5)
	}
	return diff, diff > 1e-9*max(1, math.Abs(pAns))
}

// Record logs one result; after a logging error it records nothing more
// (Err returns it).
func (rec *Recorder) Record(res serving.ShadowResult) {
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
		diff, dis := Disagree(pr, sr, pa, sa, res.PrimaryWidth > 0)
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

// Err is the first error logging a result.
func (rec *Recorder) Err() error { return rec.err }

// Start starts the shadow scoring of shadow beside primary, recorded in a
// new run of Experiment; stop ends it, recording how many requests were
// dropped. The caller passes the returned Shadow in serving.Options.
func Start(ctx context.Context, db *mlite.DB, primary, shadow *serving.Model, sample float64) (s *serving.Shadow, r *run.Run, stop func() error, err error) {
	exp, err := db.SetExperiment(ctx, Experiment)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err = db.StartRun(ctx, exp.ID, run.Name(primary.URI+" vs "+shadow.URI))
	if err != nil {
		return nil, nil, nil, err
	}
	model := primary.URI
	if primary.Version != nil {
		model = primary.Version.Name
	}
	tags := map[string]string{TagModel: model, TagPrimary: primary.URI, TagShadow: shadow.URI}
	if shadow.Version != nil {
		tags[TagVersion] = strconv.FormatInt(shadow.Version.Version, 10)
	}
	for k, v := range tags {
		if err := r.SetTag(k, v); err != nil {
			return nil, nil, nil, err
		}
	}
	rec := &Recorder{r: r}
	s = serving.NewShadow(shadow, &serving.ShadowOptions{Sample: sample, Record: rec.Record})
	stop = func() error {
		s.Close()
		_, _, dropped := s.Stats()
		err := errors.Join(rec.err, r.SetTag(TagDropped, strconv.FormatInt(dropped, 10)))
		return errors.Join(err, r.End(context.WithoutCancel(ctx)))
	}
	return s, r, stop, nil
}

// Stats summarizes a shadow run.
type Stats struct {
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

// Read summarizes the shadow run rec.
func Read(ctx context.Context, tr *run.Tracker, rec *run.Record) (*Stats, error) {
	st := &Stats{Run: rec.ID.String(), Primary: rec.Tags[TagPrimary], Shadow: rec.Tags[TagShadow], Dropped: rec.Tags[TagDropped]}
	got := map[string][]float64{}
	for _, k := range []string{"primary_latency_ms", "shadow_latency_ms", "shadow_error", "disagree", "abs_diff", "primary", "shadow"} {
		if _, ok := rec.Metrics[k]; !ok {
			continue
		}
		pts, err := tr.MetricHistory(ctx, rec.ID, k, run.AllSteps)
		if err != nil {
			return nil, err
		}
		for _, p := range pts {
			got[k] = append(got[k], p.Value)
		}
	}
	st.Requests = len(got["primary_latency_ms"])
	for _, e := range got["shadow_error"] {
		if e != 0 {
			st.ShadowErrors++
		}
	}
	st.Rows = len(got["disagree"])
	if st.Rows > 0 && len(got["abs_diff"]) == st.Rows && len(got["primary"]) == st.Rows && len(got["shadow"]) == st.Rows {
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

// quote is s as a filter string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// Runs returns the shadow runs of model name, newest first (with
// version > 0, only those where that version was the shadow); none when
// no shadow deployment was ever recorded.
func Runs(ctx context.Context, tr *run.Tracker, name string, version int64, max int) ([]*run.Record, error) {
	exp, err := tr.GetExperimentByName(ctx, Experiment)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	filter := fmt.Sprintf("tags.`%s` = %s", TagModel, quote(name))
	if version > 0 {
		filter += fmt.Sprintf(" and tags.`%s` = '%d'", TagVersion, version)
	}
	page, err := tr.SearchRuns(ctx, run.SearchOptions{ExperimentIDs: []run.ExperimentID{exp.ID}, Filter: filter, MaxResults: max})
	if err != nil {
		return nil, err
	}
	return page.Runs, nil
}

// Gate checks on shadow reports: a gate requiring the check "shadow" (at
// least 1,000 requests shadowed, disagreement at most 1%) or
// "shadow:MIN:MAX" (at least MIN requests, disagreement at most MAX, a
// fraction) passes a version whose latest shadow deployment, as the
// shadow, meets it.
const (
	Check                  = "shadow"
	DefaultMinRequests     = 1000
	DefaultMaxDisagreement = 0.01
)

// ErrCheck is wrapped by the error about a malformed shadow check name.
var ErrCheck = errors.New("shadow: bad check")

// ParseCheck reads a check name; ok is false for other checks.
func ParseCheck(name string) (minRequests int, maxDisagreement float64, ok bool, err error) {
	if name == Check {
		return DefaultMinRequests, DefaultMaxDisagreement, true, nil
	}
	rest, found := strings.CutPrefix(name, Check+":")
	if !found {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(rest, ":")
	minRequests, err1 := strconv.Atoi(a)
	maxDisagreement, err2 := strconv.ParseFloat(b, 64)
	if !found || err1 != nil || err2 != nil || minRequests < 0 || !(maxDisagreement >= 0 && maxDisagreement <= 1) {
		return 0, 0, true, fmt.Errorf("%w %q: want shadow or shadow:MIN_REQUESTS:MAX_DISAGREEMENT (a fraction)", ErrCheck, name)
	}
	return minRequests, maxDisagreement, true, nil
}

// RegisterChecks registers with reg, for this process, the shadow checks
// the gates of model name require, so that a transition or alias can meet
// them.
func RegisterChecks(ctx context.Context, tr *run.Tracker, reg *registry.Registry, name string) error {
	gates, err := reg.Gates(ctx, name)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil // the transition says the model is missing
	}
	if err != nil {
		return err
	}
	for _, g := range gates {
		for _, c := range g.Checks {
			minReq, maxDis, ok, err := ParseCheck(c)
			if !ok {
				continue
			}
			if err != nil {
				return fmt.Errorf("gate of %s for %s: %w", name, g.Target, err)
			}
			reg.RegisterCheck(c, func(ctx context.Context, v *registry.ModelVersion, _ *run.Record) error {
				runs, err := Runs(ctx, tr, v.Name, v.Version, 1)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return fmt.Errorf("no shadow deployment of version %d recorded (serve the current version with --shadow models:/%s/%d)", v.Version, v.Name, v.Version)
				}
				st, err := Read(ctx, tr, runs[0])
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
