package run

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/store"
)

// FormatParam renders a param value the way it is stored: strings as
// they are, floats in their shortest exact form, everything else with fmt.
func FormatParam(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(v)
	}
}

// LogParam logs a param. Params are write-once: the same value again is
// fine; another value fails with an error wrapping store.ErrConflict that
// names the key, the old and the new value. A value longer than 6,000
// characters is stored truncated to them, as MLflow's server stores it.
func (r *Run) LogParam(key string, value any) error {
	v := validate.Truncate(FormatParam(value), validate.MaxParamValueLength)
	if err := validate.Key("param", key); err != nil {
		return err
	}
	if err := validate.ParamValue(key, v); err != nil {
		return err
	}
	r.mu.Lock()
	if err := r.checkOpen(); err != nil {
		r.mu.Unlock()
		return err
	}
	if old, ok := r.params[key]; ok {
		r.mu.Unlock()
		if old == v {
			return nil
		}
		return (&store.Run{ID: r.id, Params: map[string]string{key: old}}).SetParam(key, v)
	}
	r.params[key] = v
	r.mu.Unlock()
	return r.t.st.LogParam(r.id, key, v)
}

// LogParams logs several params; see LogParam. It stops at the first error.
func (r *Run) LogParams(params map[string]any) error {
	for _, k := range sortedKeys(params) {
		if err := r.LogParam(k, params[k]); err != nil {
			return err
		}
	}
	return nil
}

func validateTag(key, value string) error {
	if err := validate.Key("tag", key); err != nil {
		return err
	}
	return validate.TagValue(key, value)
}

// runTag checks a run tag and returns the value to store: truncated to
// 8,000 characters, as MLflow's server stores a longer one.
func runTag(key, value string) (string, error) {
	value = validate.Truncate(value, validate.MaxTagValueLength)
	return value, validateTag(key, value)
}

// truncated returns m, or a copy of m whose values longer than limit
// characters are truncated to them (validate.Truncate).
func truncated(m map[string]string, limit int) map[string]string {
	out, cloned := m, false
	for k, v := range m {
		if t := validate.Truncate(v, limit); t != v {
			if !cloned {
				out, cloned = maps.Clone(m), true
			}
			out[k] = t
		}
	}
	return out
}

// SetTag sets or overwrites a run tag. Setting mlflow.runName renames the
// run. A value longer than 8,000 characters is stored truncated to them.
func (r *Run) SetTag(key, value string) error {
	value, err := runTag(key, value)
	if err != nil {
		return err
	}
	if err := r.open(); err != nil {
		return err
	}
	return r.t.st.SetTag(r.id, key, value)
}

// DeleteTag removes a run tag. A tag that does not exist is reported by
// the next Flush or End (store.ErrNotFound), as MLflow reports it.
func (r *Run) DeleteTag(key string) error {
	if err := validate.Key("tag", key); err != nil {
		return err
	}
	if err := r.open(); err != nil {
		return err
	}
	return r.t.st.DeleteTag(r.id, key)
}

func (r *Run) open() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.checkOpen()
}

// MetricOption sets the step or timestamp of a logged metric point.
type MetricOption func(*store.Point)

// Step sets the point's step (default 0, as in MLflow). Steps may be
// negative and out of order.
func Step(step int64) MetricOption { return func(p *store.Point) { p.Step = step } }

// Timestamp sets the point's time (default: now), kept in milliseconds.
func Timestamp(t time.Time) MetricOption { return func(p *store.Point) { p.Time = t.UnixMilli() } }

// TimestampMillis sets the point's time in milliseconds since the epoch.
func TimestampMillis(ms int64) MetricOption { return func(p *store.Point) { p.Time = ms } }

// LogMetric logs one point of metric key. It returns at once; the point is
// durable after Flush, End or closing the store. NaN and ±Inf are kept
// exactly.
func (r *Run) LogMetric(key string, value float64, opts ...MetricOption) error {
	p := store.Point{Value: value}
	for _, o := range opts {
		o(&p)
	}
	if p.Time == 0 {
		p.Time = r.t.now()
	}
	if err := r.checkMetric(key, p); err != nil {
		return err
	}
	return r.t.st.LogPoint(r.id, key, p)
}

func (r *Run) checkMetric(key string, p store.Point) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkOpen(); err != nil {
		return err
	}
	if _, ok := r.keys[key]; !ok {
		if err := validate.Key("metric", key); err != nil {
			return err
		}
		r.keys[key] = struct{}{}
	}
	if p.Time < 0 {
		return validate.Metric(key, p.Value, p.Time, p.Step)
	}
	return nil
}

// LogMetrics logs one point of each metric in values, all with the same
// step and timestamp.
func (r *Run) LogMetrics(values map[string]float64, opts ...MetricOption) error {
	p := store.Point{}
	for _, o := range opts {
		o(&p)
	}
	if p.Time == 0 {
		p.Time = r.t.now()
	}
	for _, k := range sortedKeys(values) {
		p.Value = values[k]
		if err := r.checkMetric(k, p); err != nil {
			return err
		}
		if err := r.t.st.LogPoint(r.id, k, p); err != nil {
			return err
		}
	}
	return nil
}

// LogSeries logs many points of one metric at once.
func (r *Run) LogSeries(key string, pts []Point) error {
	for _, p := range pts {
		if err := r.checkMetric(key, p); err != nil {
			return err
		}
	}
	return r.t.st.LogPoints(r.id, key, pts...)
}

// LogInput records a dataset input of the run with its context (e.g.
// "training", "eval"; empty for none), as MLflow's log_input. The dataset
// is stored once per experiment. It is written at once.
func (r *Run) LogInput(ctx context.Context, ds Dataset, context string) error {
	if err := r.open(); err != nil {
		return err
	}
	var tags map[string]string
	if context != "" {
		tags = map[string]string{TagDatasetContext: context}
	}
	return r.t.LogInputs(ctx, r.id, []Input{{Dataset: ds, Tags: tags}})
}

// Flush makes everything logged through this run durable and returns the
// errors its buffered writes met (for instance a param changed by another
// process).
func (r *Run) Flush(ctx context.Context) error { return r.t.st.FlushRun(ctx, r.id) }

// End ends the run as FINISHED. See EndWith.
func (r *Run) End(ctx context.Context) error { return r.EndWith(ctx, store.Finished) }

// TagError holds the error a run failed with (see Run.Fail).
const TagError = "mlite.error"

// shorten keeps s within max characters, saying so when it cuts: an error
// message is ours to summarise, unlike a value the user logged.
func shorten(s string, max int) string {
	const mark = " …[cut]"
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-utf8.RuneCountInString(mark)]) + mark
}

// Fail ends the run as FAILED. cause, if not nil, is recorded as the
// run's mlite.error tag (cut, with a mark, if it is over the tag limit).
func (r *Run) Fail(ctx context.Context, cause error) error {
	if cause != nil {
		if err := r.SetTag(TagError, shorten(cause.Error(), validate.MaxTagValueLength)); err != nil {
			return err
		}
	}
	return r.EndWith(ctx, store.Failed)
}

// Kill ends the run as KILLED.
func (r *Run) Kill(ctx context.Context) error { return r.EndWith(ctx, store.Killed) }

// EndWith flushes what was logged, then records status (FINISHED, FAILED
// or KILLED) and the end time. Ending a handle twice fails with an error
// wrapping store.ErrConflict. Errors met by buffered writes are returned.
func (r *Run) EndWith(ctx context.Context, status Status) error {
	if !status.Terminal() {
		return fmt.Errorf("run %s: end with status %s: want FINISHED, FAILED or KILLED: %w", r.id, status, store.ErrInvalid)
	}
	r.mu.Lock()
	if err := r.checkOpen(); err != nil {
		r.mu.Unlock()
		return err
	}
	r.ended = status
	r.mu.Unlock()
	flushErr := r.Flush(ctx)
	if err := r.t.SetTerminated(ctx, r.id, status, r.t.now()); err != nil {
		return err
	}
	return flushErr
}
