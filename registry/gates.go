package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/validate"
	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// Gate is a promotion gate of a model: what a version must satisfy to
// enter a stage (Target "Staging", "Production", ...) or take an alias
// (Target "@champion"). Every requirement must hold: each required tag set
// on the version to exactly its value, the version's source run matching
// MetricFilter (a runs filter such as "metrics.auc >= 0.9 and
// params.resampling != 'none'"), and each named check registered with
// RegisterCheck returning nil.
type Gate = store.Gate

// GateResult is the outcome of one requirement of a gate: the requirement
// as text ("tag validation_status=passed", "metrics.auc >= 0.9", "check
// schema"), whether it held, and why not.
type GateResult = store.GateResult

// CheckFunc is a Go check a gate can require. It gets the version and its
// source run (nil when the run was purged) and returns nil to pass, or an
// error saying why the version may not be promoted. Checks run outside
// the store's write lock and must not change the registry.
type CheckFunc func(ctx context.Context, v *ModelVersion, src *run.Record) error

// ErrGate is wrapped by every refusal of a promotion gate (*GateError).
var ErrGate = errors.New("registry: promotion gate not passed")

// GateError is a transition or alias refused by a gate: every requirement
// with its result, so that all unmet ones can be shown at once.
type GateError struct {
	Model   string
	Version int64
	Target  string // the stage or "@alias"
	Results []GateResult
}

// Unmet returns the results that did not pass.
func (e *GateError) Unmet() []GateResult {
	var out []GateResult
	for _, r := range e.Results {
		if !r.Passed {
			out = append(out, r)
		}
	}
	return out
}

func (e *GateError) Error() string {
	unmet := e.Unmet()
	var b strings.Builder
	fmt.Fprintf(&b, "registry: model %q version %d may not enter %s: %d of %d gate requirements unmet: ",
		e.Model, e.Version, e.Target, len(unmet), len(e.Results))
	for i, r := range unmet {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Requirement)
		if r.Detail != "" {
			b.WriteString(" (" + r.Detail + ")")
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrGate) true.
func (e *GateError) Is(target error) bool { return target == ErrGate }

// RegisterCheck makes fn available to gates as name, in this process. A
// gate naming a check that is not registered fails that requirement: a
// gate is never passed because its check is missing.
func (r *Registry) RegisterCheck(name string, fn CheckFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks[name] = fn
}

// canonTarget returns a gate target's canonical form: a stage's MLflow
// name, or "@" and a valid alias.
func canonTarget(target string) (string, error) {
	if alias, ok := strings.CutPrefix(target, "@"); ok {
		if err := validate.Alias(alias); err != nil {
			return "", fmt.Errorf("registry: gate target %q: %w", target, err)
		}
		return target, nil
	}
	st, err := ParseStage(target)
	if err != nil {
		return "", fmt.Errorf("registry: gate target %q is neither a stage nor @alias: %w", target, err)
	}
	return st.String(), nil
}

// SetGate sets model name's gate for g.Target, replacing the one it had.
// The filter must parse as a runs filter; check names need not be
// registered yet (they must be when a version meets the gate).
func (r *Registry) SetGate(ctx context.Context, name string, g Gate) error {
	target, err := canonTarget(g.Target)
	if err != nil {
		return err
	}
	g.Target = target
	if len(g.RequiredTags) == 0 && g.MetricFilter == "" && len(g.Checks) == 0 {
		return fmt.Errorf("registry: gate %s of model %q requires nothing; give tags, a metric filter or checks (or DeleteGate): %w", target, name, store.ErrInvalid)
	}
	for k, v := range g.RequiredTags {
		if err := checkTag(k, v); err != nil {
			return fmt.Errorf("registry: gate %s: %w", target, err)
		}
	}
	if g.MetricFilter != "" {
		if _, err := query.ParseFilter(query.Runs, g.MetricFilter); err != nil {
			return fmt.Errorf("registry: gate %s metric filter: %w: %w", target, err, store.ErrInvalid)
		}
	}
	for _, c := range g.Checks {
		if strings.TrimSpace(c) == "" {
			return fmt.Errorf("registry: gate %s: empty check name: %w", target, store.ErrInvalid)
		}
	}
	g.RequiredTags = maps.Clone(g.RequiredTags)
	g.Checks = slices.Clone(g.Checks)
	err = r.updateModel(ctx, name, func(tx *store.Tx, m *RegisteredModel) error {
		from := ""
		i, found := slices.BinarySearchFunc(m.Gates, target, func(a Gate, t string) int { return strings.Compare(a.Target, t) })
		if found {
			from = describeGate(m.Gates[i])
			m.Gates[i] = g
		} else {
			m.Gates = slices.Insert(m.Gates, i, g)
		}
		return r.record(tx, Event{Action: ActionSetGate, Model: name, Key: target, From: from, To: describeGate(g)})
	})
	if err != nil {
		return fmt.Errorf("registry: set gate: %w", err)
	}
	return nil
}

// DeleteGate removes model name's gate for target (store.ErrNotFound if
// it has none).
func (r *Registry) DeleteGate(ctx context.Context, name, target string) error {
	target, err := canonTarget(target)
	if err != nil {
		return err
	}
	err = r.updateModel(ctx, name, func(tx *store.Tx, m *RegisteredModel) error {
		i := slices.IndexFunc(m.Gates, func(g Gate) bool { return g.Target == target })
		if i < 0 {
			return fmt.Errorf("model %q has no gate for %s: %w", name, target, store.ErrNotFound)
		}
		from := describeGate(m.Gates[i])
		m.Gates = slices.Delete(m.Gates, i, i+1)
		return r.record(tx, Event{Action: ActionDeleteGate, Model: name, Key: target, From: from})
	})
	if err != nil {
		return fmt.Errorf("registry: delete gate: %w", err)
	}
	return nil
}

// Gates returns model name's gates in target order.
func (r *Registry) Gates(ctx context.Context, name string) ([]Gate, error) {
	m, err := r.GetModel(ctx, name)
	if err != nil {
		return nil, err
	}
	return m.Gates, nil
}

// describeGate writes a gate's requirements as one line, as the audit log
// shows them.
func describeGate(g Gate) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(g.RequiredTags)) {
		parts = append(parts, tagRequirement(k, g.RequiredTags[k]))
	}
	if g.MetricFilter != "" {
		parts = append(parts, g.MetricFilter)
	}
	for _, c := range g.Checks {
		parts = append(parts, "check "+c)
	}
	return strings.Join(parts, "; ")
}

func tagRequirement(k, v string) string { return "tag " + k + "=" + v }

// CheckGate evaluates model name's gate for target against version v
// without changing anything: every requirement with its result (none when
// the model has no gate for target).
func (r *Registry) CheckGate(ctx context.Context, name string, v int64, target string) ([]GateResult, error) {
	target, err := canonTarget(target)
	if err != nil {
		return nil, err
	}
	pre, err := r.runChecks(ctx, name, v, target)
	if err != nil {
		return nil, fmt.Errorf("registry: check gate: %w", err)
	}
	var results []GateResult
	err = r.st.View(ctx, func(tx *store.Tx) error {
		m, err := tx.RegisteredModel(name)
		if err != nil {
			return err
		}
		mv, err := tx.ModelVersion(name, v)
		if err != nil {
			return err
		}
		results, err = r.enforceGate(tx, m, mv, target, pre)
		var ge *GateError
		if errors.As(err, &ge) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: check gate: %w", err)
	}
	return results, nil
}

// checked is what runChecks learnt before the write transaction: the gate
// and version it saw, and the results of the gate's Go checks.
type checked struct {
	gate    Gate
	version *ModelVersion // as the checks saw it
	results []GateResult
}

func findGate(m *RegisteredModel, target string) (Gate, bool) {
	i := slices.IndexFunc(m.Gates, func(g Gate) bool { return g.Target == target })
	if i < 0 {
		return Gate{}, false
	}
	return m.Gates[i], true
}

// runChecks runs the Go checks of model name's gate for target on version
// v, outside any write transaction so that a slow check never holds the
// store's lock. It returns nil when there is no gate or it has no checks.
func (r *Registry) runChecks(ctx context.Context, name string, v int64, target string) (*checked, error) {
	var (
		c   *checked
		mv  *ModelVersion
		src *run.Record
	)
	err := r.st.View(ctx, func(tx *store.Tx) error {
		m, err := tx.RegisteredModel(name)
		if err != nil || len(m.Gates) == 0 {
			return err
		}
		g, ok := findGate(m, target)
		if !ok || len(g.Checks) == 0 {
			return nil
		}
		if mv, err = tx.ModelVersion(name, v); err != nil {
			return err
		}
		c = &checked{gate: g, version: mv}
		if id, err := store.ParseRunID(mv.RunID); err == nil {
			if src, err = tx.Run(id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil || c == nil {
		return nil, err
	}
	for _, name := range c.gate.Checks {
		r.mu.RLock()
		fn := r.checks[name]
		r.mu.RUnlock()
		res := GateResult{Requirement: "check " + name, Passed: true}
		if fn == nil {
			res.Passed, res.Detail = false, "no check of that name is registered in this process"
		} else if err := fn(ctx, cloneVersion(mv), src); err != nil {
			res.Passed, res.Detail = false, err.Error()
		}
		c.results = append(c.results, res)
	}
	return c, nil
}

// enforceGate evaluates model m's gate for target on version mv in tx:
// the tags and the metric filter now, the Go checks from pre. It returns
// the results, and a *GateError when any failed. If the gate or the
// version changed since pre's checks ran, it returns store.ErrConflict.
func (r *Registry) enforceGate(tx *store.Tx, m *RegisteredModel, mv *ModelVersion, target string, pre *checked) ([]GateResult, error) {
	g, ok := findGate(m, target)
	if !ok {
		return nil, nil
	}
	if len(g.Checks) > 0 && (pre == nil || !reflect.DeepEqual(pre.version, mv) || !reflect.DeepEqual(pre.gate, g)) {
		return nil, fmt.Errorf("model %q version %d or its gate for %s changed while the gate's checks ran; try again: %w",
			m.Name, mv.Version, target, store.ErrConflict)
	}
	var results []GateResult
	for _, k := range slices.Sorted(maps.Keys(g.RequiredTags)) {
		res := GateResult{Requirement: tagRequirement(k, g.RequiredTags[k]), Passed: true}
		if got, has := mv.Tags[k]; !has {
			res.Passed, res.Detail = false, "the version has no tag "+k
		} else if got != g.RequiredTags[k] {
			res.Passed, res.Detail = false, "the version's tag "+k+" is "+strconv.Quote(got)
		}
		results = append(results, res)
	}
	if g.MetricFilter != "" {
		results = append(results, matchSource(tx, mv, g.MetricFilter))
	}
	if pre != nil {
		results = append(results, pre.results...)
	}
	for _, res := range results {
		if !res.Passed {
			return results, &GateError{Model: m.Name, Version: mv.Version, Target: target, Results: results}
		}
	}
	return results, nil
}

// matchSource evaluates a gate's metric filter on the version's source
// run; when it fails, the detail shows the values the filter read.
func matchSource(tx *store.Tx, mv *ModelVersion, filter string) GateResult {
	res := GateResult{Requirement: filter}
	f, err := query.ParseFilter(query.Runs, filter)
	if err != nil {
		res.Detail = err.Error()
		return res
	}
	id, err := store.ParseRunID(mv.RunID)
	if err != nil {
		res.Detail = fmt.Sprintf("the version has no source run (%q)", mv.RunID)
		return res
	}
	ok, err := run.MatchRun(tx, id, f)
	switch {
	case errors.Is(err, store.ErrNotFound):
		res.Detail = "source run " + mv.RunID + " no longer exists"
	case err != nil:
		res.Detail = err.Error()
	case ok:
		res.Passed = true
	default:
		res.Detail = "source run " + mv.RunID + " has " + sourceValues(tx, id, f.Needs())
	}
	return res
}

// sourceValues lists the metrics, params and tags a filter reads, as the
// source run holds them.
func sourceValues(tx *store.Tx, id store.RunID, n query.Needs) string {
	v, err := tx.RunView(id)
	if err != nil {
		return err.Error()
	}
	var parts []string
	for _, k := range n.Metrics {
		if s, ok := v.Metric(k); ok {
			parts = append(parts, "metrics."+k+" = "+strconv.FormatFloat(s.Latest.Value, 'g', -1, 64))
		} else {
			parts = append(parts, "no metric "+k)
		}
	}
	for _, k := range n.Params {
		if p, ok := v.Param(k); ok {
			parts = append(parts, "params."+k+" = "+strconv.Quote(p))
		} else {
			parts = append(parts, "no param "+k)
		}
	}
	for _, k := range n.Tags {
		if t, ok := v.Tag(k); ok {
			parts = append(parts, "tags."+k+" = "+strconv.Quote(t))
		} else {
			parts = append(parts, "no tag "+k)
		}
	}
	if len(parts) == 0 {
		return "values that do not match"
	}
	return strings.Join(parts, ", ")
}

// cloneVersion copies mv so that a check cannot change what it was given.
func cloneVersion(mv *ModelVersion) *ModelVersion {
	c := *mv
	c.Tags = maps.Clone(mv.Tags)
	return &c
}
