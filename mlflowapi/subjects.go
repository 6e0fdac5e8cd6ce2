package mlflowapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// The subjects a request embeds: each is read by an args method and gives
// the call's errors MLflow's messages for it (see endpoint).

// runRef is the run a request names: run_id (or run_uuid) as given, and
// parsed.
type runRef struct {
	s  string
	id run.ID
}

// run reads the required run_id (or run_uuid); one that is no run id
// names no run, as in MLflow.
func (a *args) run() runRef {
	r := runRef{s: a.runID()}
	a.parseRun(&r)
	return r
}

// parseRun parses r's id, read by runID before the parameters that MLflow
// checks first.
func (a *args) parseRun(r *runRef) {
	if a.ok() {
		id, err := parseRunID(r.s)
		r.id = keep(a, id, err)
	}
}

func (r runRef) fail(err error) error { return runError(err, r.s) }

// experimentRef is the experiment a request names by experiment_id.
type experimentRef struct{ x run.ExperimentID }

// experiment reads the required experiment_id; one that is no experiment
// id names no experiment, as in MLflow.
func (a *args) experiment() experimentRef {
	s := a.required("experiment_id")
	if !a.ok() {
		return experimentRef{}
	}
	x, err := run.ParseExperimentID(s)
	if err != nil {
		a.fail(badExperimentID(s))
	}
	return experimentRef{x}
}

func (e experimentRef) fail(err error) error { return experimentError(err, e.x) }

// modelRef is the registered model a request names.
type modelRef struct{ name string }

// model reads the required name of a registered model.
func (a *args) model() modelRef { return modelRef{a.required("name")} }

func (m modelRef) fail(err error) error { return modelError(err, m.name, 0) }

// versionRef is the model version a request names.
type versionRef struct {
	name string
	v    int64
}

// version reads the required name and version of a model version. MLflow
// sends the version as a string; a number is taken too.
func (a *args) version() versionRef {
	name := a.required("name")
	if !a.ok() {
		return versionRef{}
	}
	p := a.p
	if !p.has("version") {
		a.fail(missing("version"))
		return versionRef{}
	}
	s, err := p.str("version")
	if err != nil {
		n, _, ierr := p.int("version")
		if ierr != nil {
			a.fail(err)
			return versionRef{}
		}
		s = strconv.FormatInt(n, 10)
	}
	if s == "" {
		a.fail(missing("version"))
		return versionRef{}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		a.fail(invalidParam("Model version must be an integer, got '%s'", s))
	}
	return versionRef{name: name, v: v}
}

func (v versionRef) fail(err error) error { return modelError(err, v.name, v.v) }

// keyed is a request about subject S with a key (a tag's, an alias, a
// new name) and a value.
type keyed[S subject] struct {
	of         S
	key, value string
}

func (k keyed[S]) fail(err error) error { return k.of.fail(err) }

// tagOf reads the required key and the value of a tag of s, read first.
func tagOf[S subject](a *args, s S) keyed[S] {
	return keyed[S]{of: s, key: a.required("key"), value: a.str("value")}
}

// keyOf reads required parameter name as the key of a request about s,
// read first.
func keyOf[S subject](a *args, s S, name string) keyed[S] {
	return keyed[S]{of: s, key: a.required(name)}
}

// described is a request about subject S that may set its description.
type described[S subject] struct {
	of   S
	desc *string // nil: left as it is
}

func (d described[S]) fail(err error) error { return d.of.fail(err) }

// describedOf reads the optional description of s, read first.
func describedOf[S subject](a *args, s S) described[S] {
	return described[S]{of: s, desc: a.optional("description")}
}

// set calls update with the new description, if the request has one.
func (d described[S]) set(update func(desc string) error) error {
	if d.desc == nil {
		return nil
	}
	return update(*d.desc)
}

// parseRunID reads a run id; one that is not a run id names no run, as in
// MLflow.
func parseRunID(s string) (run.ID, error) {
	id, err := run.ParseID(s)
	if err != nil {
		return id, notFound(err, "Run with id=%s not found", s)
	}
	return id, nil
}

// runError gives a run's error MLflow's message: an unknown run is
// RESOURCE_DOES_NOT_EXIST, a deleted one INVALID_PARAMETER_VALUE (MLflow's
// _check_run_is_active).
func runError(err error, s string) error {
	return lifecycleError(err, "run", s, "Run with id="+s+" not found")
}

// experimentError gives an experiment write's error MLflow's message.
func experimentError(err error, x run.ExperimentID) error {
	return lifecycleError(err, "experiment", x.String(), "No Experiment with id="+x.String()+" exists")
}

// lifecycleError gives err about the run or experiment (kind) id MLflow's
// code and message: unknown is RESOURCE_DOES_NOT_EXIST, deleted
// INVALID_PARAMETER_VALUE.
func lifecycleError(err error, kind, id, unknown string) error {
	switch {
	case errors.Is(err, mlite.ErrNotFound):
		return &apiError{code: codeNotFound, msg: unknown, err: err}
	case errors.Is(err, mlite.ErrDeleted):
		return &apiError{code: codeInvalidParameter, err: err,
			msg: fmt.Sprintf("The %s %s must be in the 'active' state. Current state is deleted.", kind, id)}
	}
	return err
}

// modelNotFound gives a model lookup's not-found error MLflow's message.
func modelNotFound(err error, name string) error {
	if errors.Is(err, mlite.ErrNotFound) {
		return notFound(err, "Registered Model with name=%s not found", name)
	}
	return err
}

// versionNotFound gives a version lookup's not-found error MLflow's
// message (which also covers an unknown model).
func versionNotFound(err error, name string, v int64) error {
	if errors.Is(err, mlite.ErrNotFound) {
		return notFound(err, "Model Version (name=%s, version=%d) not found", name, v)
	}
	return err
}

// modelError gives a registry write's error MLflow's message and code:
// unknown models and versions, and a refused promotion gate (beyond
// MLflow) as BAD_REQUEST with the gate's report.
func modelError(err error, name string, v int64) error {
	var gate *registry.GateError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &gate):
		return &apiError{code: codeBadRequest, err: err, msg: message(err)}
	case errors.Is(err, mlite.ErrNotFound) && v > 0:
		return versionNotFound(err, name, v)
	}
	return modelNotFound(err, name)
}

// alreadyExists is MLflow's RESOURCE_ALREADY_EXISTS for err when it says
// so, else err.
func alreadyExists(err error, format string, args ...any) error {
	if errors.Is(err, mlite.ErrExists) {
		return &apiError{code: codeAlreadyExists, err: err, msg: fmt.Sprintf(format, args...)}
	}
	return err
}
