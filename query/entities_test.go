package query

import (
	"slices"
	"testing"
)

// row is a non-run record: attributes and tags only.
type row struct {
	BaseRecord
	id    string
	attrs map[string]Value
	tags  map[string]string
}

func (r *row) Attr(name string) (Value, bool) { v, ok := r.attrs[name]; return v, ok }
func (r *row) Tag(key string) (string, bool)  { v, ok := r.tags[key]; return v, ok }

var _ Record = (*row)(nil)

func rowIDs(rows []*row, keep func(*row) bool) []string {
	var out []string
	for _, r := range rows {
		if keep(r) {
			out = append(out, r.id)
		}
	}
	return out
}

func fields(spec string) []string {
	var out []string
	for i := 0; i < len(spec); {
		j := i
		for j < len(spec) && spec[j] != ' ' {
			j++
		}
		if j > i {
			out = append(out, spec[i:j])
		}
		i = j + 1
	}
	return out
}

type entityCase struct {
	filter string
	want   string // space-separated row ids, "" for none
}

type entitySuite struct {
	entity  Entity
	rows    []*row
	filters []entityCase
	rejects []rejectCase
	orders  []struct {
		items []string
		want  string
	}
	orderRejects []orderReject
}

func (s *entitySuite) run(t *testing.T) {
	for _, tc := range s.filters {
		f, err := ParseFilter(s.entity, tc.filter)
		if err != nil {
			t.Errorf("%s filter %q: %v", s.entity, tc.filter, err)
			continue
		}
		got := rowIDs(s.rows, func(r *row) bool { return f.Match(r) })
		if want := fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%s filter %q: got %v, want %v", s.entity, tc.filter, got, want)
		}
		if g, err := ParseFilter(s.entity, f.String()); err != nil || g.String() != f.String() {
			t.Errorf("%s filter %q: canonical %q re-parses to %v, %v", s.entity, tc.filter, f.String(), g, err)
		}
	}
	for _, tc := range s.rejects {
		checkReject(t, s.entity, tc)
	}
	for _, tc := range s.orders {
		o, err := ParseOrderBy(s.entity, tc.items)
		if err != nil {
			t.Errorf("%s order %q: %v", s.entity, tc.items, err)
			continue
		}
		c := slices.Clone(s.rows)
		slices.SortStableFunc(c, func(a, b *row) int { return o.Compare(a, b) })
		got := rowIDs(c, func(*row) bool { return true })
		if want := fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%s order %q: got %v, want %v", s.entity, tc.items, got, want)
		}
	}
	for _, tc := range s.orderRejects {
		checkOrderReject(t, s.entity, tc)
	}
}

func TestExperiments(t *testing.T) {
	exp := func(id int64, name string, created, updated int64, tags map[string]string) *row {
		return &row{id: "e" + IntValue(id).String(), tags: tags, attrs: map[string]Value{
			AttrExperimentID: IntValue(id), AttrName: StringValue(name),
			AttrCreationTime: IntValue(created), AttrLastUpdateTime: IntValue(updated),
		}}
	}
	s := entitySuite{
		entity: Experiments,
		rows: []*row{
			exp(0, "Default", 100, 500, nil),
			exp(1, "credit-risk", 200, 300, map[string]string{"team": "risk"}),
			exp(2, "Credit Fraud", 300, 900, map[string]string{"team": "fraud", "mlflow.note.content": "x"}),
			exp(10, "credit-risk-v2", 300, 400, map[string]string{"team": "risk"}),
			exp(9, "nlp", 50, 50, nil),
		},
		filters: []entityCase{
			{``, "e0 e1 e2 e10 e9"},
			{`name = 'nlp'`, "e9"},
			{`attribute.name LIKE 'credit%'`, "e1 e10"},
			{`name ILIKE 'credit%'`, "e1 e2 e10"},
			{`name != 'Default'`, "e1 e2 e10 e9"},
			{`name LIKE '%-v_'`, "e10"},
			{`creation_time >= 200`, "e1 e2 e10"},
			{`attribute.last_update_time < 400`, "e1 e9"},
			{`creation_time = 300 and last_update_time > 500`, "e2"},
			{`tags.team = 'risk'`, "e1 e10"},
			{`tag.team != 'risk'`, "e2"},
			{`tags.team LIKE 'f%' and creation_time = 300`, "e2"},
			{`tags."mlflow.note.content" = 'x'`, "e2"},
			{`tags.team IS NULL OR name = 'nlp'`, "e0 e9"},
			{"`tags`.team ILIKE 'RISK'", "e1 e10"},
			// MLflow's SQL store casts a quoted id.
			{`experiment_id = '1'`, "e1"},
			{`experiment_id = 10`, "e10"},
			{`experiment_id != '1' AND name LIKE 'credit%'`, "e10"},
			{`experiment_id IN ('1', '2', '99')`, "e1 e2"},
		},
		rejects: []rejectCase{
			{`metrics.a > 1`, "experiments have no metrics; use attribute or tags", 1, 1},
			{`params.a = 'x'`, "experiments have no params", 1, 1},
			{`attributes.name = 'x'`, "unknown type 'attributes'; use attribute or tags; did you mean 'attribute'?", 1, 1},
			{`experiment_id = 'one'`, "expected a number for numeric attribute 'experiment_id', found the string 'one'", 1, 17},
			{`experiment_id IN ('1', 'x')`, "expected an integer for numeric attribute 'experiment_id', found the string 'x'", 1, 24},
			{`experiment_id NOT IN ('1')`, "NOT IN is not allowed for numeric attribute 'experiment_id'; use IN", 1, 15},
			{`name IN ('a')`, "IN is not allowed for attribute 'name': only experiment_id take lists", 1, 6},
			{`creation_time LIKE 'x'`, "comparator LIKE is not allowed for numeric attribute 'creation_time'", 1, 15},
			{`name > 'a'`, "comparator > is not allowed for attribute 'name'", 1, 6},
			{`lifecycle_stage = 'active'`, "unknown attribute 'lifecycle_stage' for experiments", 1, 1},
			{`creation_time > '5'`, "expected a number for numeric attribute 'creation_time'", 1, 17},
			{`name = 5`, "expected a quoted string for attribute 'name'", 1, 8},
			{`min(metrics.a) > 1`, "aggregates apply to run metrics", 1, 1},
			{`datasets.name = 'x'`, "experiments have no datasets", 1, 1},
		},
		orders: []struct {
			items []string
			want  string
		}{
			{nil, "e2 e10 e1 e0 e9"},
			{[]string{"name"}, "e2 e0 e1 e10 e9"},
			{[]string{"creation_time DESC"}, "e10 e2 e1 e0 e9"},
			{[]string{"experiment_id"}, "e0 e1 e2 e9 e10"},
			{[]string{"last_update_time DESC"}, "e2 e0 e10 e1 e9"},
			{[]string{"attribute.name DESC"}, "e9 e10 e1 e0 e2"},
		},
		orderRejects: []orderReject{
			{[]string{"tags.team"}, 1, "experiments can be ordered by attributes only", 1},
			{[]string{"creation_timestamp DESC"}, 1, "unknown attribute 'creation_timestamp' for experiments", 1},
			{[]string{"name", "name DESC"}, 2, "duplicate order_by key name", 1},
			{[]string{"metrics.a"}, 1, "experiments have no metrics", 1},
		},
	}
	s.run(t)
}

func TestRegisteredModels(t *testing.T) {
	model := func(name string, created, updated int64, tags map[string]string) *row {
		return &row{id: name, tags: tags, attrs: map[string]Value{
			AttrName: StringValue(name), AttrCreationTimestamp: IntValue(created), AttrLastUpdatedTimestamp: IntValue(updated),
		}}
	}
	s := entitySuite{
		entity: RegisteredModels,
		rows: []*row{
			model("churn", 10, 50, map[string]string{"owner": "ana"}),
			model("Churn-v2", 20, 40, map[string]string{"owner": "bo"}),
			model("fraud", 30, 60, map[string]string{"mlflow.prompt.is_prompt": "true"}),
			model("fraud_detector", 40, 30, nil),
		},
		filters: []entityCase{
			{`name = 'fraud'`, "fraud"},
			{`name LIKE 'fraud%'`, "fraud fraud_detector"},
			{`name LIKE 'fraud\_%'`, "fraud_detector"},
			{`name LIKE 'fraud_%'`, "fraud_detector"},
			{`name ILIKE 'churn%'`, "churn Churn-v2"},
			{`name != 'churn'`, "Churn-v2 fraud fraud_detector"},
			{`attribute.name = "churn"`, "churn"},
			{`tags.owner = 'ana'`, "churn"},
			{`tags.owner != 'ana'`, "Churn-v2"},
			{`tags."mlflow.prompt.is_prompt" = 'true'`, "fraud"},
			{`tags.mlflow.prompt.is_prompt != 'true'`, ""},
			{`name LIKE '%r%' AND tags.owner LIKE '%'`, "churn Churn-v2"},
			{`name IN ('fraud', 'churn', 'nope')`, "churn fraud"},
		},
		rejects: []rejectCase{
			{`run_id = 'x'`, "unknown attribute 'run_id' for registered models", 1, 1},
			{`metrics.a > 1`, "registered models have no metrics", 1, 1},
			{`creation_timestamp > 1`, "attribute 'creation_timestamp' cannot be used in a filter for registered models", 1, 1},
			{`tags.owner IN ('a')`, "IN is not allowed for tag 'owner': only name take lists", 1, 12},
			{`params.a = 'x'`, "registered models have no params", 1, 1},
			{`version_number = 1`, "unknown attribute 'version_number'", 1, 1},
			{`name = x`, "value 'x' is not quoted", 1, 8},
		},
		orders: []struct {
			items []string
			want  string
		}{
			{nil, "Churn-v2 churn fraud fraud_detector"},
			{[]string{"name DESC"}, "fraud_detector fraud churn Churn-v2"},
			{[]string{"timestamp DESC"}, "fraud churn Churn-v2 fraud_detector"},
			{[]string{"last_updated_timestamp"}, "fraud_detector Churn-v2 churn fraud"},
			{[]string{"creation_timestamp"}, "churn Churn-v2 fraud fraud_detector"},
		},
		orderRejects: []orderReject{
			{[]string{"last_updated_timestamp", "timestamp"}, 2, "duplicate order_by key last_updated_timestamp", 1},
			{[]string{"timestamp somerandomstuff ASC"}, 1, "invalid direction 'somerandomstuff'", 11},
			{[]string{"timestamp decs"}, 1, "did you mean 'DESC'?", 11},
			{[]string{"name aCs"}, 1, "did you mean 'ASC'?", 6},
			{[]string{"last_updated_timestamp DESC blah"}, 1, "unexpected 'blah' after the direction", 29},
			{[]string{"tags.owner"}, 1, "registered models can be ordered by attributes only", 1},
		},
	}
	s.run(t)
}

func TestModelVersions(t *testing.T) {
	mv := func(id, name string, version int64, runID, source string, created, updated int64, tags map[string]string) *row {
		r := &row{id: id, tags: tags, attrs: map[string]Value{
			AttrName: StringValue(name), AttrVersionNumber: IntValue(version), AttrSource: StringValue(source),
			AttrCreationTimestamp: IntValue(created), AttrLastUpdatedTimestamp: IntValue(updated),
		}}
		if runID != "" {
			r.attrs[AttrRunID] = StringValue(runID)
		}
		return r
	}
	s := entitySuite{
		entity: ModelVersions,
		rows: []*row{
			mv("v1", "churn", 1, "aa11", "runs:/aa11/model", 1, 10, map[string]string{"stage": "prod"}),
			mv("v2", "churn", 2, "bb22", "s3://b/churn/2", 2, 30, nil),
			mv("v3", "churn", 3, "", "models:/x", 3, 20, map[string]string{"stage": "dev"}),
			mv("v4", "fraud", 1, "aa11", "runs:/aa11/fraud", 4, 30, nil),
			mv("v5", "fraud", 10, "cc33", "runs:/cc33/m", 5, 5, map[string]string{"validated": "yes"}),
		},
		filters: []entityCase{
			{`name = 'churn'`, "v1 v2 v3"},
			{`version_number >= 2`, "v2 v3 v5"},
			{`version_number = 10`, "v5"},
			{`attribute.version_number != 1`, "v2 v3 v5"},
			{`name = 'fraud' and version_number > 1`, "v5"},
			{`run_id = 'aa11'`, "v1 v4"},
			{`run_id != 'aa11'`, "v2 v5"},
			{`run_id IN ('aa11', 'cc33')`, "v1 v4 v5"},
			{`source_path LIKE 'runs:/%'`, "v1 v4 v5"},
			{`attribute.source_path = 'models:/x'`, "v3"},
			{`source_path ILIKE '%/CHURN/%'`, "v2"},
			{`tags.stage = 'prod'`, "v1"},
			{`tags.stage != 'prod'`, "v3"},
			{`tags.validated IS NOT NULL`, "v5"},
			{`version_number < 2.5`, "v1 v2 v4"},
			{`version_number = '2'`, "v2"},
			{`name IN ('fraud', 'x') AND version_number = '10'`, "v5"},
		},
		rejects: []rejectCase{
			{`run_id NOT IN ('a')`, "NOT IN is not allowed for attribute 'run_id'; use IN", 1, 8},
			{`source = 'x'`, "unknown attribute 'source' for model versions", 1, 1},
			{`version_number = 'x'`, "expected a number for numeric attribute 'version_number'", 1, 18},
			{`source_path IN ('a')`, "IN is not allowed for attribute 'source_path': only name and run_id take lists", 1, 13},
			{`creation_timestamp > 1`, "cannot be used in a filter for model versions", 1, 1},
			{`metrics.a > 1`, "model versions have no metrics", 1, 1},
			{`params.x = 'y'`, "model versions have no params", 1, 1},
			{`version_number LIKE '1'`, "comparator LIKE is not allowed for numeric attribute 'version_number'", 1, 16},
			{`run.name = 'x'`, "model versions have no run", 1, 1},
		},
		orders: []struct {
			items []string
			want  string
		}{
			{nil, "v2 v4 v3 v1 v5"},
			{[]string{"name"}, "v3 v2 v1 v5 v4"},
			{[]string{"version_number"}, "v1 v4 v2 v3 v5"},
			{[]string{"creation_timestamp DESC"}, "v5 v4 v3 v2 v1"},
			{[]string{"last_updated_timestamp DESC"}, "v2 v4 v3 v1 v5"},
			{[]string{"name DESC", "version_number"}, "v4 v5 v1 v2 v3"},
		},
		orderRejects: []orderReject{
			{[]string{"run_id"}, 1, "attribute 'run_id' cannot be used in order_by for model versions", 1},
			{[]string{"source_path"}, 1, "cannot be used in order_by", 1},
			{[]string{"tags.stage DESC"}, 1, "model versions can be ordered by attributes only", 1},
		},
	}
	s.run(t)
}
