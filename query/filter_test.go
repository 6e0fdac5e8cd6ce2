package query

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// runFilterCases are filters over fixtureRuns with the runs they must match
// ("*" every run, "-" none). The fixture's comments in fixture_test.go give
// each run's fields.
var runFilterCases = []struct {
	filter string
	want   string
}{
	// Empty filters match everything.
	{``, "*"},
	{`   `, "*"},
	{"\n\t", "*"},

	// Metrics: every comparator, the latest value, NaN, ±Inf, missing.
	{`metrics.auc > 0.9`, "02 03 05 07 11 18"},
	{`metrics.auc >= 0.9`, "02 03 05 07 09 11 18"},
	{`metrics.auc < 0.9`, "01 06 10 12 14 15 16 17"},
	{`metrics.auc <= 0.9`, "01 06 09 10 12 14 15 16 17"},
	{`metrics.auc = 0.8`, "01 12"},
	{`metrics.auc != 0.8`, "02 03 04 05 06 07 09 10 11 14 15 16 17 18"}, // NaN != 0.8
	{`metric.auc = 0.85`, "14 15"},
	{`metrics.auc = 0.5`, "10"}, // r01 logged 0.5 first; its latest is 0.8
	{`metrics.auc = 0.7`, "-"},  // r04 logged 0.7, then NaN
	{`metrics.auc > 1e308`, "05"},
	{`metrics.auc < -1e308`, "06"},
	{`metrics.auc = 1e999`, "05"},
	{`metrics.auc = -1e999`, "06"},
	{`metrics.auc >= -1`, "01 02 03 05 07 09 10 11 12 14 15 16 17 18"},
	{`metrics.auc > -1`, "01 02 03 05 07 09 10 11 12 14 15 17 18"},
	{`metrics.auc = 0`, "17"},
	{`metrics.auc = -0.0`, "17"},
	{`metrics.auc = 1000`, "18"},
	{`metrics.auc = 1e3`, "18"},
	{`metrics.auc = 1000.0`, "18"},
	{`metrics.auc = 1E+3`, "18"},
	{`metrics.auc < .5`, "06 16 17"},
	{`metrics.auc <= 0.5`, "06 10 16 17"},
	{`metrics.auc>=0.95`, "05 07 11 18"},
	{`metrics.missing > 0`, "-"},
	{`metrics.missing != 0`, "-"},
	{`metrics.missing = 0`, "-"},
	{`metrics."val loss" < 0.35`, "02 05"},
	{"metrics.`val loss` >= 0.4", "01"},
	{`metrics."a.b" = 2`, "03"},
	{"metrics.`a.b` > 0", "02 03"},
	{`metrics."x-y" > 7`, "07"},
	{`metrics.métrique = 42`, "05"},
	{`metrics."X//Y#$$@&Z" = 3`, "01"},
	{"`metric`.acc >= 0.8", "02 03 07"},
	{"`metrics`.acc < 0.8", "01 09 12"},
	{`metrics.acc = 0.7 and metrics.auc > 0.85`, "09"},
	{`metrics.acc = 0.7 AND metrics.auc = 0.8`, "01 12"},
	{`metrics.auc > 0.9 and params.model = 'lgbm'`, "02 07"},
	{`metrics.loss < 0.3`, "02 05 07 09"},
	{`metrics.loss != 0.3`, "02 03 04 05 07 09 11 12"},

	// Params.
	{`params.model = 'lgbm'`, "02 04 07"},
	{`params.model = "lgbm"`, "02 04 07"},
	{`param.model != 'lgbm'`, "01 03 05 06 08 09 10 11 12 14 15 16 17 18"},
	{`parameter.model = 'LR'`, "01 12"},
	{`parameters.model = 'lr'`, "11"},
	{`params.model LIKE 'lgbm'`, "02 04 07"},
	{`params.model LIKE 'LGBM'`, "05"},
	{`params.model ILIKE 'lgbm'`, "02 04 05 07"},
	{`params.model ILIKE 'lgbm%'`, "02 04 05 07 17"},
	{`params.model LIKE 'L%'`, "01 05 10 12 17"},
	{`params.model LIKE '%gbm'`, "02 04 07"},
	{`params.model LIKE '%gb%'`, "02 03 04 07 17"},
	{`params.model ILIKE '%GB%'`, "02 03 04 05 07 17"},
	{`params.model LIKE 'a_b'`, "08 09 16"},
	{`params.model LIKE 'a\_b'`, "08"},
	{`params.model LIKE 'a\\b'`, "16"},
	{`params.model LIKE 'a\b'`, "-"}, // \b is a literal b: "ab"
	{`params.model LIKE '50\%'`, "06"},
	{`params.model LIKE '50%'`, "06"},
	{`params.model LIKE '%\%'`, "06"},
	{`params.model LIKE '_'`, "-"},
	{`params.model LIKE '__'`, "01 11 12 14 15"},
	{`params.model LIKE ''`, "18"},
	{`params.model = ''`, "18"},
	{`params.model LIKE '%'`, "01 02 03 04 05 06 07 08 09 10 11 12 14 15 16 17 18"},
	{`params.model LIKE '%%'`, "01 02 03 04 05 06 07 08 09 10 11 12 14 15 16 17 18"},
	{`params.model != ''`, "01 02 03 04 05 06 07 08 09 10 11 12 14 15 16 17"},
	{`params.model = "L'Hosp"`, "10"},
	{`params.model = 'L''Hosp'`, "10"},
	{`params.model LIKE 'L''%'`, "10"},
	{`params.model LIKE 'a.b'`, "-"}, // '.' is literal, not a regexp dot
	{`params.model LIKE 'a+b'`, "-"},
	{`params.model LIKE '[a]%'`, "-"},
	{`params.model ILIKE 'l_'`, "01 11 12"},
	{`params.model LIKE '%_%_%'`, "01 02 03 04 05 06 07 08 09 10 11 12 14 15 16 17"},
	{`params.model LIKE 'l%m'`, "02 04 07"},
	{`params.model LIKE 'L%2'`, "17"},
	{`params.model ILIKE 'L%_V2'`, "17"},
	{`params.model = 'a\b'`, "16"},
	{`params.lr = '0.1'`, "02 03"},
	{`params.lr = '1e-3'`, "09"},
	{`params."p.a.r.a.m" != 'x'`, "05"},
	{"params.`p.a.r.a.m` = 'x'", "02"},
	{`params."cat dog" = "pets"`, "01 03"},
	{`params.depth = '10'`, "04"},
	{`params.missing = 'x'`, "-"},
	{`params.missing != 'x'`, "-"},
	{`params.missing LIKE '%'`, "-"},
	{`params.model = 'LR' AND attributes.status = 'FINISHED'`, "01 12"},

	// Tags.
	{`tags.team = 'risk'`, "01 02 12 14"},
	{`tag.team != 'risk'`, "03 04 05 07 09 15 17 18"},
	{`tags.team LIKE 'risk%'`, "01 02 07 12 14"},
	{`tags.team ILIKE 'risk%'`, "01 02 03 05 07 12 14"},
	{`tags.team ILIKE 'RISK'`, "01 02 03 12 14"},
	{`tags.team LIKE 'ris%'`, "01 02 07 12 14 18"},
	{`tags.team LIKE '%-%'`, "05 07"},
	{`tags.team = ''`, "17"},
	{`tags.team LIKE '%'`, "01 02 03 04 05 07 09 12 14 15 17 18"},
	{`tags."t-1" = 'yes'`, "03"},
	{"tags.`t-1` != 'yes'", "04"},
	{`tags.mlflow.runName = 'baseline'`, "01"},
	{"tags.`mlflow.runName` LIKE '%-%'", "02"},
	{`tags.mlflow.runName ILIKE 'LGBM-%'`, "02"},
	{`tags.note ILIKE 'naïve café'`, "05 10"},
	{`tags.note LIKE 'naïve%'`, "05"},
	{`tags.note ILIKE 'ΣΊΣΥΦΟΣ'`, "18"},
	{`tags.note LIKE '_aïve%'`, "05"},
	{`tags.note ILIKE '%CAF_'`, "05 10"},
	{`tags.note = 'σίσυφος'`, "18"},
	{`tags.missing LIKE '%'`, "-"},

	// Run attributes, with and without prefixes and aliases.
	{`attributes.status = 'FAILED'`, "03 10 17"},
	{`attribute.status != 'FINISHED'`, "03 04 06 08 10 13 17"},
	{`attr.status = 'RUNNING'`, "04 13"},
	{`run.status LIKE 'F%'`, "01 02 03 05 07 09 10 11 12 14 15 16 17 18"},
	{`status ILIKE 'running'`, "04 13"},
	{`status = 'running'`, "-"},
	{"`attributes`.status = 'KILLED'", "06"},
	{`attributes.run_id = 'r05'`, "05"},
	{`attributes.run_id IN ('r01', 'r03', 'r99')`, "01 03"},
	{`run_id NOT IN ('r01', 'r02')`, "03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18"},
	{`attributes.run_id IN ('r01')`, "01"},
	{`attributes.run_id IN ('R01')`, "-"},
	{`attributes.run_id IN ('r01','r02' , 'r03','r04','r05','r06','r07','r08','r09','r10')`, "01 02 03 04 05 06 07 08 09 10"},
	{`attributes.run_id NOT IN ('r01','r02','r03','r04','r05','r06','r07','r08','r09','r10','r11')`, "12 13 14 15 16 17 18"},
	{`run_id LIKE 'r1%'`, "10 11 12 13 14 15 16 17 18"},
	{`attributes.run_name = 'LR'`, "08"},
	{`attributes.run_name ILIKE 'lr'`, "08 09"},
	{"attributes.`run name` = 'baseline'", "01"},
	{`attributes."Run Name" LIKE '%line'`, "01 12"},
	{`"Run name" ILIKE 'BASELINE'`, "01 12"},
	{"`run name` = 'модель-1'", "05"},
	{`run_name LIKE 'tie-_'`, "14 15"},
	{`run_name LIKE '50\%%'`, "06"},
	{`run_name = "L'Hosp"`, "11"},
	{`run_name LIKE '%\\%'`, "16"},
	{`run_name LIKE 'x.y'`, "17"},
	{`run_name LIKE 'x_y'`, "17"},
	{`run_name ILIKE 'σίσυφος'`, "18"},
	{`attributes.user_id = 'alice'`, "01 02 07 14 15"},
	{`user_id ILIKE 'alice'`, "01 02 07 09 14 15"},
	{`attributes.artifact_uri LIKE 's3://%'`, "10"},
	{`artifact_uri LIKE 'mlflow-artifacts:/1/r0_/%'`, "01 02 03 04 05 06 07 08 09"},
	{`attributes.start_time >= 14000`, "14 15 16 17 18"},
	{`attributes.start_time = 14000`, "14 15"},
	{`created < 3000`, "01 02"},
	{`Created <= 3000`, "01 02 03"},
	{`attributes.created != 14000`, "01 02 03 04 05 06 07 08 09 10 11 12 13 16 17 18"},
	{`attributes.end_time > 15000`, "16 17 18"},
	{`attributes.end_time < 3000`, "01"},
	{`end_time != 0`, "01 02 03 05 06 07 09 10 11 12 14 15 16 17 18"},
	{`start_time > 13999.5`, "14 15 16 17 18"},
	{`start_time < 1.5e3`, "01"},
	{`start_time > 5000 AND start_time < 9000`, "06 07 08"},

	// Datasets: a clause holds if any input satisfies it.
	{`datasets.name = 'train'`, "01 02 03"},
	{`dataset.name = 'eval'`, "02 07"},
	{`datasets.name != 'train'`, "02 04 07 09"},
	{`datasets.name IN ('train', 'holdout')`, "01 02 03 04"},
	{`datasets.name NOT IN ('train')`, "02 04 07 09"},
	{`datasets.digest = 'd1'`, "01 02"},
	{`datasets.digest IN ('d2', 'd5')`, "02 07 09"},
	{`datasets.context = 'training'`, "01 02"},
	{`datasets.context != 'training'`, "02 04 07 09"},
	{`datasets.context ILIKE 'training'`, "01 02 09"},
	{`datasets.context IN ('testing')`, "04"},
	{`datasets.name LIKE 'tr%'`, "01 02 03"},
	{`datasets.name ILIKE 'tr%'`, "01 02 03 09"},
	{`datasets.name = 'train' AND datasets.digest = 'd2'`, "02"},
	{`datasets.name = 'train' AND datasets.context = 'training'`, "01 02"},

	// Keywords in any case, free whitespace, quoting styles.
	{`metrics.auc > 0.9 AnD params.model = 'lgbm'`, "02 07"},
	{`params.model like 'lgbm'`, "02 04 07"},
	{`params.model Ilike 'LGBM'`, "02 04 05 07"},
	{`run_id in ('r01', 'r02')`, "01 02"},
	{`run_id not in ('r01')`, "02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18"},
	{"  metrics.auc   >   0.9  \n AND\tparams.model='lgbm' ", "02 07"},
	{`params."model" = 'lgbm'`, "02 04 07"},
	{"params.`model` = \"lgbm\"", "02 04 07"},
	{"`params`.`model` = 'lgbm'", "02 04 07"},
	{`params.model = 'lgbm' and params.model = 'lgbm'`, "02 04 07"},
	{`metrics.auc > 0.9 AND metrics.auc < 0.92`, "03"},
	{`metrics.auc > 0.9 and metrics.auc < 0.92 and params.model = 'xgb' and tags.team = 'Risk' and status = 'FAILED'`, "03"},

	// Extensions: OR, parentheses, NOT, IS [NOT] NULL, NOT LIKE, aggregates.
	{`metrics.auc > 0.95 OR params.model = 'rf'`, "05 11 14 15 18"},
	{`params.model = 'lgbm' or params.model = 'xgb'`, "02 03 04 07"},
	{`params.model = 'lgbm' AND metrics.auc > 0.9 OR tags.team = 'fraud'`, "02 04 07 15"},
	{`tags.team = 'fraud' OR params.model = 'lgbm' AND metrics.auc > 0.9`, "02 04 07 15"},
	{`params.model = 'lgbm' AND (metrics.auc > 0.9 OR tags.team = 'fraud')`, "02 04 07"},
	{`(params.model = 'xgb' OR params.model = 'rf') AND tags.team = 'risk'`, "14"},
	{`((((metrics.auc > 0.9))))`, "02 03 05 07 11 18"},
	{`NOT params.model = 'lgbm'`, "01 03 05 06 08 09 10 11 12 13 14 15 16 17 18"},
	{`NOT (metrics.auc > 0.9)`, "01 04 06 08 09 10 12 13 14 15 16 17"},
	{`not not metrics.auc > 0.9`, "02 03 05 07 11 18"},
	{`NOT (status = 'FINISHED' OR status = 'FAILED')`, "04 06 08 13"},
	{`NOT status = 'FINISHED' AND NOT status = 'FAILED'`, "04 06 08 13"},
	{`metrics.auc IS NULL`, "08 13"},
	{`metrics.auc IS NOT NULL`, "01 02 03 04 05 06 07 09 10 11 12 14 15 16 17 18"},
	{`params.lr IS NOT NULL`, "01 02 03 07 09"},
	{`tags.team IS NULL`, "06 08 10 11 13 16"},
	{`tags.team is not null`, "01 02 03 04 05 07 09 12 14 15 17 18"},
	{`run_name IS NULL`, "13"},
	{`end_time IS NULL`, "04 08 13"},
	{`datasets.context IS NULL`, "03 05 06 08 10 11 12 13 14 15 16 17 18"},
	{`datasets.name IS NOT NULL`, "01 02 03 04 07 09"},
	{`params.model NOT LIKE 'l%'`, "01 03 05 06 08 09 10 12 14 15 16 17 18"},
	{`tags.team NOT ILIKE 'risk%'`, "04 09 15 17 18"},
	{`min(metrics.loss) < 0.2`, "02 05 09"},
	{`max(metrics.loss) >= 1`, "05 09"},
	{`last(metrics.loss) = 0.2`, "07"},
	{`count(metrics.loss) >= 3`, "01 02 05 07"},
	{`count(metrics.loss) = 0`, "06 08 10 13 14 15 16 17 18"},
	{`count(metrics.auc) = 2`, "01 04"},
	{`avg(metrics.loss) = 0`, "09"},
	{`avg(metrics.loss) > 0.59`, "04"},
	{`MIN(metrics.loss) < 0.2 AND MAX(metrics.loss) < 1`, "02"},
	{`min(metrics.loss) != 0.3`, "02 03 04 05 07 09 11"},
	{`min( metrics."loss" ) < 0.2`, "02 05 09"},
	{"max(`metric`.`val loss`) > 0.3", "01"},
	{`min(metrics.auc) = 0.5`, "01 10"},
	{`metrics.auc > 0.9 AND (NOT tags.team = 'risk' OR tags.team IS NULL)`, "03 05 07 11 18"},
	{`datasets.name IN ("train", "holdout")`, "01 02 03 04"},
}

func TestFilterRuns(t *testing.T) {
	rs := fixtureRuns()
	if len(runFilterCases) < 150 {
		t.Errorf("only %d run filter cases; want at least 150", len(runFilterCases))
	}
	for _, tc := range runFilterCases {
		f, err := ParseFilter(Runs, tc.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.filter, err)
			continue
		}
		got, want := matching(f, rs), ids(tc.want, rs)
		if !slices.Equal(got, want) {
			t.Errorf("filter %q: got %v, want %v", tc.filter, got, want)
		}
		// The canonical form means the same.
		g, err := ParseFilter(Runs, f.String())
		if err != nil {
			t.Errorf("filter %q: canonical %q does not parse: %v", tc.filter, f.String(), err)
			continue
		}
		if got2 := matching(g, rs); !slices.Equal(got2, want) {
			t.Errorf("filter %q: canonical %q matches %v, want %v", tc.filter, f.String(), got2, want)
		}
		if g.String() != f.String() {
			t.Errorf("filter %q: canonical form not stable: %q then %q", tc.filter, f.String(), g.String())
		}
	}
}

// TestExtensionsFlag checks that exactly the extensions set UsesExtensions.
func TestExtensionsFlag(t *testing.T) {
	for _, tc := range runFilterCases {
		f, err := ParseFilter(Runs, tc.filter)
		if err != nil {
			continue
		}
		upper := strings.ToUpper(tc.filter)
		want := strings.Contains(upper, " OR ") || strings.Contains(upper, "(") && !strings.Contains(upper, "IN (") ||
			strings.HasPrefix(upper, "NOT ") || strings.Contains(upper, " NOT ") && !strings.Contains(upper, "NOT IN") ||
			strings.Contains(upper, " IS ") || strings.Contains(upper, `("`)
		if got := f.UsesExtensions(); got != want {
			t.Errorf("filter %q: UsesExtensions() = %v, want %v", tc.filter, got, want)
		}
	}
}

func TestCanonicalString(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, ``},
		{`metric.auc>0.9`, `metrics.auc > 0.9`},
		{`param.model = "lgbm"`, `params.model = 'lgbm'`},
		{`attributes.status = 'X'`, `status = 'X'`},
		{"`run name` = 'a'", `run_name = 'a'`},
		{`created > 5`, `start_time > 5`},
		{`metrics."val loss" > 5.0`, "metrics.`val loss` > 5.0"},
		{`metrics.a > 1e3`, `metrics.a > 1000.0`},
		{`metrics.a > 1e21`, `metrics.a > 1e+21`},
		{`metrics.a > 1e999`, `metrics.a > 1e999`},
		{`metrics.a > -1e999`, `metrics.a > -1e999`},
		{`metrics.a > 99999999999999999999`, `metrics.a > 1e+20`},
		{`metrics.a > .5`, `metrics.a > 0.5`},
		{`params.p = "it's"`, `params.p = 'it''s'`},
		{"tags.`a``b` = \"say \"\"hi\"\"\"", "tags.`a``b` = 'say \"hi\"'"},
		{`tags.mlflow.runName = 'x'`, `tags.mlflow.runName = 'x'`},
		{`tags."mlflow.runName" = 'x'`, `tags.mlflow.runName = 'x'`},
		{`tags."a..b" = 'x'`, "tags.`a..b` = 'x'"},
		{`tags."1st" = 'x'`, `tags.1st = 'x'`},
		{`run_id in ("a",'b')`, `run_id IN ('a', 'b')`},
		{`metrics.a > 1 or metrics.b > 2 and metrics.c > 3`, `metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3`},
		{`(metrics.a > 1 or metrics.b > 2) and metrics.c > 3`, `(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3`},
		{`(metrics.a > 1 and metrics.b > 2) and (metrics.c > 3 and metrics.d > 4)`, `metrics.a > 1 AND metrics.b > 2 AND metrics.c > 3 AND metrics.d > 4`},
		{`not (metrics.a > 1 and metrics.b > 2)`, `NOT (metrics.a > 1 AND metrics.b > 2)`},
		{`not (metrics.a > 1)`, `NOT metrics.a > 1`},
		{`tags.x is not null`, `tags.x IS NOT NULL`},
		{`params.x not ilike 'a%'`, `params.x NOT ILIKE 'a%'`},
		{`MAX(metric.loss) < 1`, `max(metrics.loss) < 1`},
		{`dataset.name = 'x'`, `datasets.name = 'x'`},
	}
	for _, tc := range cases {
		f, err := ParseFilter(Runs, tc.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tc.in, err)
			continue
		}
		if got := f.String(); got != tc.want {
			t.Errorf("String() of %q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNeeds(t *testing.T) {
	f, err := ParseFilter(Runs, `metrics.auc > 0.9 and params.model = 'lgbm' and (tags.team = 'x' or min(metrics.loss) < 1)`+
		` and count(metrics.loss) > 2 and last(metrics.acc) > 0 and status = 'FINISHED' and datasets.name = 'd' and metrics.auc < 2 and created > 0`)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Needs()
	want := Needs{
		Metrics:  []string{"acc", "auc"},
		Aggs:     []AggKey{{AggMin, "loss"}, {AggCount, "loss"}},
		Params:   []string{"model"},
		Tags:     []string{"team"},
		Attrs:    []string{"start_time", "status"},
		Datasets: true,
	}
	if !needsEqual(got, want) {
		t.Errorf("Needs() = %+v, want %+v", got, want)
	}
	o, err := ParseOrderBy(Runs, []string{"metrics.auc DESC", "params.model"})
	if err != nil {
		t.Fatal(err)
	}
	u := f.Needs().Union(o.Needs())
	if !slices.Equal(u.Attrs, []string{"run_id", "start_time", "status"}) || !slices.Equal(u.Metrics, []string{"acc", "auc"}) {
		t.Errorf("Union: got %+v", u)
	}
	empty, _ := ParseFilter(Runs, "")
	if n := empty.Needs(); !needsEqual(n, Needs{}) {
		t.Errorf("empty filter Needs() = %+v, want none", n)
	}
}

func needsEqual(a, b Needs) bool {
	return slices.Equal(a.Metrics, b.Metrics) && slices.Equal(a.Aggs, b.Aggs) && slices.Equal(a.Params, b.Params) &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Attrs, b.Attrs) && a.Datasets == b.Datasets
}

func TestMatchNilAndEmpty(t *testing.T) {
	var f *Filter
	if !f.Match(BaseRecord{}) || !f.MatchesAll() {
		t.Error("nil filter should match everything")
	}
	g, err := ParseFilter(Runs, "")
	if err != nil || !g.Match(BaseRecord{}) || !g.MatchesAll() || g.String() != "" {
		t.Errorf("empty filter: %v %v", g, err)
	}
	if _, err := ParseFilter(Entity(99), "x = 1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown entity: got %v, want ErrInvalid", err)
	}
}

// TestValueKinds checks that numeric attributes compare ints exactly beyond
// float64 precision and that mistyped attribute values never match.
func TestValueKinds(t *testing.T) {
	big := int64(1)<<53 + 1
	r := &rec{attrs: map[string]Value{AttrStartTime: IntValue(big), AttrEndTime: FloatValue(2.5), AttrStatus: IntValue(3)}}
	cases := []struct {
		filter string
		want   bool
	}{
		{`start_time = 9007199254740993`, true},
		{`start_time = 9007199254740992`, false},
		{`start_time > 9007199254740992`, true},
		{`end_time = 2.5`, true},
		{`end_time > 2`, true},
		{`end_time < 3`, true},
		{`status = '3'`, false},
		{`status != '3'`, false},
		{`status IS NOT NULL`, true},
	}
	for _, tc := range cases {
		f, err := ParseFilter(Runs, tc.filter)
		if err != nil {
			t.Fatalf("%q: %v", tc.filter, err)
		}
		if got := f.Match(r); got != tc.want {
			t.Errorf("filter %q: got %v, want %v", tc.filter, got, tc.want)
		}
	}
	if v := IntValue(7); v.Kind() != KindInt || v.Int() != 7 || v.Float() != 7 || v.String() != "7" {
		t.Errorf("IntValue: %+v", v)
	}
	if v := FloatValue(2.5); v.Kind() != KindFloat || v.Int() != 2 || v.String() != "2.5" {
		t.Errorf("FloatValue: %+v", v)
	}
	if v := StringValue("x"); v.Kind() != KindString || v.Str() != "x" || v.String() != "x" {
		t.Errorf("StringValue: %+v", v)
	}
}

// TestMatchNoAlloc guards the compiled predicates and Compare against
// allocating per record (the test Record itself does not allocate).
func TestMatchNoAlloc(t *testing.T) {
	rs := fixtureRuns()
	for _, tc := range runFilterCases {
		f, err := ParseFilter(Runs, tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() {
			for _, r := range rs {
				f.Match(r)
			}
		}); n != 0 {
			t.Errorf("filter %q: %v allocations per pass", tc.filter, n)
		}
	}
	for _, tc := range runOrderCases {
		o, err := ParseOrderBy(Runs, tc.items)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() {
			for i := range rs {
				o.Compare(rs[i], rs[(i+7)%len(rs)])
			}
		}); n != 0 {
			t.Errorf("order %q: %v allocations per pass", tc.items, n)
		}
	}
}

func TestAttrValues(t *testing.T) {
	cases := []struct {
		filter string
		want   []string
		ok     bool
	}{
		{``, nil, false},
		{`metrics.a > 1`, nil, false},
		{`run_id = 'b'`, []string{"b"}, true},
		{`run_id IN ('c', 'a', 'c') AND metrics.a > 1`, []string{"a", "c"}, true},
		{`run_id IN ('a', 'b', 'c') AND run_id IN ('b', 'c', 'd') and run_id != 'c'`, []string{"b", "c"}, true},
		{`run_id = 'a' AND run_id = 'b'`, []string{}, true},
		{`run_id = 'a' OR run_id = 'b'`, nil, false},
		{`NOT run_id = 'a'`, nil, false},
		{`run_id NOT IN ('a')`, nil, false},
		{`run_id LIKE 'a%'`, nil, false},
		{`tags.run_id = 'a'`, nil, false},
	}
	for _, tc := range cases {
		f, err := ParseFilter(Runs, tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := f.AttrValues(AttrRunID)
		if ok != tc.ok || !slices.Equal(got, tc.want) || (ok && got == nil) {
			t.Errorf("AttrValues(run_id) of %q = %q, %v; want %q, %v", tc.filter, got, ok, tc.want, tc.ok)
		}
	}
	f, _ := ParseFilter(ModelVersions, `name = 'churn' and version_number > 1`)
	if got, ok := f.AttrValues(AttrName); !ok || !slices.Equal(got, []string{"churn"}) {
		t.Errorf("AttrValues(name) = %q, %v", got, ok)
	}
}
