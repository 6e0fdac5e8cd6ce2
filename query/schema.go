package query

import "strings"

// Field is the kind of thing an identifier names.
type Field uint8

// The identifier kinds. Only runs have metrics, params and datasets.
const (
	FieldMetric Field = iota + 1
	FieldParam
	FieldTag
	FieldAttr
	FieldDataset
)

var fieldNames = [...]string{FieldMetric: "metric", FieldParam: "param", FieldTag: "tag", FieldAttr: "attribute", FieldDataset: "dataset"}

// String returns the field kind's singular name ("metric", "param", "tag",
// "attribute", "dataset").
func (f Field) String() string {
	if s := nameOf(fieldNames[:], f); s != "" {
		return s
	}
	return "field?"
}

// canonical prefix printed by String() for each field kind; valid for every
// entity that has the kind.
var fieldPrefix = [...]string{FieldMetric: "metrics", FieldParam: "params", FieldTag: "tags", FieldAttr: "", FieldDataset: "datasets"}

// runPrefixes maps every type prefix MLflow accepts for runs to its field kind.
var runPrefixes = map[string]Field{
	"metric": FieldMetric, "metrics": FieldMetric,
	"parameter": FieldParam, "parameters": FieldParam, "param": FieldParam, "params": FieldParam,
	"tag": FieldTag, "tags": FieldTag,
	"attribute": FieldAttr, "attributes": FieldAttr, "attr": FieldAttr, "run": FieldAttr,
	"dataset": FieldDataset, "datasets": FieldDataset,
}

// registryPrefixes are the prefixes MLflow accepts for experiments, registered
// models and model versions.
var registryPrefixes = map[string]Field{
	"attribute": FieldAttr, "tag": FieldTag, "tags": FieldTag,
}

// loggedModelPrefixes are the prefixes MLflow accepts for logged models.
var loggedModelPrefixes = map[string]Field{
	"metrics": FieldMetric, "params": FieldParam, "tags": FieldTag, "attributes": FieldAttr,
}

// attrDef describes one attribute of an entity.
type attrDef struct {
	name      string   // canonical name, passed to Record.Attr
	spellings []string // accepted spellings; spellings[0] is printed by String()
	numeric   bool     // compared as a number; string otherwise
	filter    bool     // usable in a filter
	order     bool     // usable in order_by
	in, notIn bool     // IN / NOT IN lists allowed
	// quotedInt: a numeric attribute that also takes its integer quoted
	// ('2', and IN ('1', '2')), as MLflow's SQL stores cast the string.
	quotedInt bool
}

// entityDef is everything the parser needs to know about one entity.
type entityDef struct {
	entity   Entity
	prefixes map[string]Field
	prefixUI []string // prefixes shown in error messages
	attrs    []attrDef
	// defaults is the order used when order_by is empty; tieBreaks are appended
	// to a non-empty order_by, each unless its key is already there.
	defaults  []OrderKey
	tieBreaks []OrderKey
}

var datasetKeys = []string{"name", "digest", "context"}

var entities = map[Entity]*entityDef{
	Runs: {
		entity:   Runs,
		prefixes: runPrefixes,
		prefixUI: []string{"metrics", "params", "tags", "attributes", "datasets"},
		attrs: []attrDef{
			{name: AttrRunID, spellings: []string{"run_id"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrRunName, spellings: []string{"run_name", "run name", "Run name", "Run Name"}, filter: true, order: true},
			{name: AttrUserID, spellings: []string{"user_id"}, filter: true, order: true},
			{name: AttrStatus, spellings: []string{"status"}, filter: true, order: true},
			{name: AttrArtifactURI, spellings: []string{"artifact_uri"}, filter: true, order: true},
			{name: AttrStartTime, spellings: []string{"start_time", "created", "Created"}, numeric: true, filter: true, order: true},
			{name: AttrEndTime, spellings: []string{"end_time"}, numeric: true, filter: true, order: true},
		},
		defaults: []OrderKey{
			{Field: FieldAttr, Key: AttrStartTime, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrRunID, Implicit: true},
		},
		tieBreaks: []OrderKey{
			{Field: FieldAttr, Key: AttrStartTime, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrRunID, Implicit: true},
		},
	},
	Experiments: {
		entity:   Experiments,
		prefixes: registryPrefixes,
		prefixUI: []string{"attribute", "tags"},
		attrs: []attrDef{
			{name: AttrName, spellings: []string{"name"}, filter: true, order: true},
			{name: AttrCreationTime, spellings: []string{"creation_time"}, numeric: true, filter: true, order: true},
			{name: AttrLastUpdateTime, spellings: []string{"last_update_time"}, numeric: true, filter: true, order: true},
			{name: AttrExperimentID, spellings: []string{"experiment_id"}, numeric: true, filter: true, order: true, in: true, quotedInt: true},
		},
		defaults: []OrderKey{
			{Field: FieldAttr, Key: AttrCreationTime, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrExperimentID, Implicit: true},
		},
		tieBreaks: []OrderKey{
			{Field: FieldAttr, Key: AttrExperimentID, Desc: true, Implicit: true},
		},
	},
	RegisteredModels: {
		entity:   RegisteredModels,
		prefixes: registryPrefixes,
		prefixUI: []string{"attribute", "tags"},
		attrs: []attrDef{
			{name: AttrName, spellings: []string{"name"}, filter: true, order: true, in: true},
			{name: AttrCreationTimestamp, spellings: []string{"creation_timestamp"}, numeric: true, order: true},
			{name: AttrLastUpdatedTimestamp, spellings: []string{"last_updated_timestamp", "timestamp"}, numeric: true, order: true},
		},
		defaults: []OrderKey{
			{Field: FieldAttr, Key: AttrName, Implicit: true},
		},
		tieBreaks: []OrderKey{
			{Field: FieldAttr, Key: AttrName, Implicit: true},
		},
	},
	ModelVersions: {
		entity:   ModelVersions,
		prefixes: registryPrefixes,
		prefixUI: []string{"attribute", "tags"},
		attrs: []attrDef{
			{name: AttrName, spellings: []string{"name"}, filter: true, order: true, in: true},
			{name: AttrRunID, spellings: []string{"run_id"}, filter: true, in: true},
			{name: AttrSource, spellings: []string{"source_path"}, filter: true},
			{name: AttrVersionNumber, spellings: []string{"version_number"}, numeric: true, filter: true, order: true, quotedInt: true},
			{name: AttrCreationTimestamp, spellings: []string{"creation_timestamp"}, numeric: true, order: true},
			{name: AttrLastUpdatedTimestamp, spellings: []string{"last_updated_timestamp"}, numeric: true, order: true},
		},
		defaults: []OrderKey{
			{Field: FieldAttr, Key: AttrLastUpdatedTimestamp, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrName, Implicit: true},
			{Field: FieldAttr, Key: AttrVersionNumber, Desc: true, Implicit: true},
		},
		tieBreaks: []OrderKey{
			{Field: FieldAttr, Key: AttrName, Implicit: true},
			{Field: FieldAttr, Key: AttrVersionNumber, Desc: true, Implicit: true},
		},
	},
}

func init() {
	entities[LoggedModels] = &entityDef{
		entity:   LoggedModels,
		prefixes: loggedModelPrefixes,
		prefixUI: []string{"metrics", "params", "tags", "attributes"},
		attrs: []attrDef{
			{name: AttrName, spellings: []string{"name"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrModelID, spellings: []string{"model_id"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrModelType, spellings: []string{"model_type"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrStatus, spellings: []string{"status"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrSourceRunID, spellings: []string{"source_run_id"}, filter: true, order: true, in: true, notIn: true},
			{name: AttrArtifactLocation, spellings: []string{"artifact_location"}, filter: true, order: true},
			{name: AttrExperimentID, spellings: []string{"experiment_id"}, numeric: true, filter: true, order: true},
			{name: AttrCreationTimestamp, spellings: []string{"creation_timestamp", "creation_time", "creation_timestamp_ms"}, numeric: true, filter: true, order: true},
			{name: AttrLastUpdatedTimestamp, spellings: []string{"last_updated_timestamp", "last_updated_timestamp_ms"}, numeric: true, filter: true, order: true},
		},
		defaults: []OrderKey{
			{Field: FieldAttr, Key: AttrCreationTimestamp, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrModelID, Implicit: true},
		},
		tieBreaks: []OrderKey{
			{Field: FieldAttr, Key: AttrCreationTimestamp, Desc: true, Implicit: true},
			{Field: FieldAttr, Key: AttrModelID, Implicit: true},
		},
	}
}

// lookupAttr finds an attribute by any of its spellings.
func (e *entityDef) lookupAttr(spelling string) *attrDef {
	for i := range e.attrs {
		for _, s := range e.attrs[i].spellings {
			if s == spelling {
				return &e.attrs[i]
			}
		}
	}
	return nil
}

// attrByName finds an attribute by its canonical name.
func (e *entityDef) attrByName(name string) *attrDef {
	for i := range e.attrs {
		if e.attrs[i].name == name {
			return &e.attrs[i]
		}
	}
	return nil
}

// attrSpellings lists the attributes usable in a filter (forOrder false) or in
// order_by (forOrder true), by their printed spelling.
func (e *entityDef) attrSpellings(forOrder bool) []string {
	var out []string
	for _, a := range e.attrs {
		if (forOrder && a.order) || (!forOrder && a.filter) {
			out = append(out, a.spellings[0])
		}
	}
	return out
}

// allSpellings lists every accepted attribute spelling, for suggestions.
func (e *entityDef) allSpellings() []string {
	var out []string
	for _, a := range e.attrs {
		out = append(out, a.spellings...)
	}
	return out
}

func joinOr(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
