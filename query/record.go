package query

import (
	"math"
	"strconv"
)

// Entity names what a filter or an order applies to. Each entity has its own
// identifiers, attributes, comparators and default order, as MLflow defines them.
type Entity int

// The searchable entities.
const (
	Runs Entity = iota + 1
	Experiments
	RegisteredModels
	ModelVersions
	LoggedModels
)

// String returns the entity's name in the plural ("runs", "experiments",
// "registered models", "model versions").
func (e Entity) String() string {
	switch e {
	case Runs:
		return "runs"
	case Experiments:
		return "experiments"
	case RegisteredModels:
		return "registered models"
	case ModelVersions:
		return "model versions"
	case LoggedModels:
		return "logged models"
	}
	return "entity(" + strconv.Itoa(int(e)) + ")"
}

// Canonical attribute names passed to Record.Attr. Each entity reads only its
// own: runs read run_id, run_name, user_id, status, artifact_uri, start_time and
// end_time; experiments read experiment_id, name, creation_time and
// last_update_time; registered models read name, creation_timestamp and
// last_updated_timestamp; model versions read name, run_id, source,
// version_number, creation_timestamp and last_updated_timestamp.
//
// Times are milliseconds since the Unix epoch and, with version_number and
// experiment_id, should be returned as IntValue so that they order as numbers;
// the others are strings.
const (
	AttrRunID                = "run_id"
	AttrRunName              = "run_name"
	AttrUserID               = "user_id"
	AttrStatus               = "status"
	AttrArtifactURI          = "artifact_uri"
	AttrStartTime            = "start_time"
	AttrEndTime              = "end_time"
	AttrExperimentID         = "experiment_id"
	AttrName                 = "name"
	AttrCreationTime         = "creation_time"
	AttrLastUpdateTime       = "last_update_time"
	AttrCreationTimestamp    = "creation_timestamp"
	AttrLastUpdatedTimestamp = "last_updated_timestamp"
	AttrSource               = "source"
	AttrVersionNumber        = "version_number"
	AttrModelID              = "model_id"
	AttrModelType            = "model_type"
	AttrSourceRunID          = "source_run_id"
	AttrArtifactLocation     = "artifact_location"
)

// Agg is an aggregate over a metric's whole history, an extension to MLflow's
// language (`min(metrics.loss) < 0.2`).
type Agg uint8

// The aggregates. Record implementations compute them as follows:
//   - AggMin, AggMax: the smallest and largest value, ignoring NaN points (NaN
//     when every point is NaN);
//   - AggLast: MLflow's latest value (the point with the greatest
//     (step, timestamp, value)); the query package reads it through
//     Record.Metric, so MetricAgg never receives AggLast from this package;
//   - AggCount: the number of points, NaN included; a metric never logged
//     counts 0 whatever MetricAgg answers;
//   - AggAvg: the arithmetic mean of the non-NaN values (NaN when every point
//     is NaN).
const (
	AggMin Agg = iota + 1
	AggMax
	AggLast
	AggCount
	AggAvg
)

var aggNames = [...]string{AggMin: "min", AggMax: "max", AggLast: "last", AggCount: "count", AggAvg: "avg"}

// String returns the aggregate's function name ("min", "max", "last", "count", "avg").
func (a Agg) String() string {
	if s := nameOf(aggNames[:], a); s != "" {
		return s
	}
	return "agg(" + strconv.Itoa(int(a)) + ")"
}

// Kind says what a Value holds.
type Kind uint8

// The kinds of Value.
const (
	KindNone Kind = iota
	KindString
	KindInt
	KindFloat
)

// Value is an attribute's value: a string, an integer or a float. The zero
// Value holds nothing (KindNone) and compares like a missing attribute.
type Value struct {
	kind Kind
	s    string
	i    int64
	f    float64
}

// StringValue returns a Value holding s.
func StringValue(s string) Value { return Value{kind: KindString, s: s} }

// IntValue returns a Value holding i (times in ms, version numbers, experiment ids).
func IntValue(i int64) Value { return Value{kind: KindInt, i: i, f: float64(i)} }

// FloatValue returns a Value holding f.
func FloatValue(f float64) Value { return Value{kind: KindFloat, f: f} }

// Kind returns what v holds.
func (v Value) Kind() Kind { return v.kind }

// Str returns the string v holds, or "" when it holds a number.
func (v Value) Str() string { return v.s }

// Int returns the integer v holds; for a float it returns the value truncated
// toward zero, for a string 0.
func (v Value) Int() int64 {
	if v.kind == KindFloat {
		if v.f != v.f || math.IsInf(v.f, 0) {
			return 0
		}
		return int64(v.f)
	}
	return v.i
}

// Float returns the number v holds as a float64, or 0 for a string.
func (v Value) Float() float64 { return v.f }

// String formats v for people: the string itself, or the number.
func (v Value) String() string {
	switch v.kind {
	case KindString:
		return v.s
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	}
	return ""
}

// Dataset is one dataset input of a run, as `datasets.name`, `datasets.digest`
// and `datasets.context` see it. Context is the value of the input's
// `mlflow.data.context` tag; "" means the input has no context tag.
type Dataset struct {
	Name    string
	Digest  string
	Context string
}

// Record is one row as a filter or an order reads it. The caller implements it
// over whatever it has decoded and decides how to fetch fields lazily; Needs
// tells it which fields a filter or order will ask for. Methods report false for
// a field the row does not have. Match and Compare call these methods on the hot
// path, so implementations should not allocate.
type Record interface {
	// Metric returns the metric's latest value (MLflow's rule: the point with
	// the greatest (step, timestamp, value)).
	Metric(key string) (float64, bool)
	// MetricAgg returns an aggregate over the metric's whole history (see Agg).
	MetricAgg(agg Agg, key string) (float64, bool)
	// Param returns a parameter's value.
	Param(key string) (string, bool)
	// Tag returns a tag's value.
	Tag(key string) (string, bool)
	// Attr returns an attribute by its canonical name (the Attr constants).
	Attr(name string) (Value, bool)
	// Datasets returns the run's dataset inputs; a datasets.* clause matches if
	// any of them matches. The query package does not keep or modify the slice.
	Datasets() []Dataset
}

// BaseRecord answers "absent" to every question. Embed it in a Record
// implementation for entities that have no metrics, params or datasets
// (experiments, registered models, model versions) and override the rest.
type BaseRecord struct{}

// Metric reports no metric.
func (BaseRecord) Metric(string) (float64, bool) { return 0, false }

// MetricAgg reports no metric.
func (BaseRecord) MetricAgg(Agg, string) (float64, bool) { return 0, false }

// Param reports no parameter.
func (BaseRecord) Param(string) (string, bool) { return "", false }

// Tag reports no tag.
func (BaseRecord) Tag(string) (string, bool) { return "", false }

// Attr reports no attribute.
func (BaseRecord) Attr(string) (Value, bool) { return Value{}, false }

// Datasets reports no dataset input.
func (BaseRecord) Datasets() []Dataset { return nil }

var _ Record = BaseRecord{}
