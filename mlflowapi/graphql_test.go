package mlflowapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
)

// gqlPost is a POST /graphql of query (with no operation name and no
// variables).
func gqlPost(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

// graphqlCases are GraphQL requests whose whole answer is kept in
// testdata/graphql_<name>.golden.
var graphqlCases = []goldenCase{
	{"test", "POST", "/graphql", `{"query": "query testQuery {test(inputString: \"abc\") { output }}", "operationName": "testQuery"}`},
	{"test_mutation", "POST", "/graphql", gqlPost(`mutation { testMutation(inputString: "abc") { output } }`)},
	{"experiment", "POST", "/graphql", gqlPost(`query q @component(name: "Test") { mlflowGetExperiment(input: {experimentId: "1"}) { experiment { experimentId name artifactLocation lifecycleStage lastUpdateTime creationTime tags { key value } workspace } apiError { code } } }`)},
	{"experiment_missing", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: "99"}) { experiment { name } } }`)},
	{"experiment_bad_id", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: "abc"}) { experiment { name } } }`)},
	{"experiment_no_input", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment { experiment { name } } }`)},
	{"experiment_variables", "POST", "/graphql", `{"query": "query q($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { name } } }", "variables": {"id": "1"}}`},
	{"run", "POST", "/graphql", gqlPost(`{ mlflowGetRun(input: {runId: "{run:rf}"}) { run {
		info { runId runUuid runName experimentId userId status startTime endTime artifactUri lifecycleStage }
		data { metrics { key value timestamp step datasetName modelId runId } params { key value } tags { key value } }
		inputs { datasetInputs { tags { key value } dataset { name digest sourceType source schema profile } } modelInputs { modelId } }
		outputs { modelOutputs { modelId step } }
		experiment { name }
		modelVersions { name version creationTimestamp currentStage source runId status tags { key value } aliases modelId deploymentJobState { jobState runState } }
	} } }`)},
	{"run_missing", "POST", "/graphql", gqlPost(`{ mlflowGetRun(input: {runId: "0123456789abcdef0123456789abcdef"}) { run { info { runId } } } }`)},
	{"search_runs", "POST", "/graphql", gqlPost(`mutation { mlflowSearchRuns(input: {experimentIds: ["1"], runViewType: ALL, orderBy: ["attributes.run_name"], maxResults: 2}) { runs { info { runName status } } nextPageToken apiError { code } } }`)},
	{"search_runs_query", "POST", "/graphql", gqlPost(`{ mlflowSearchRuns(input: {experimentIds: ["1"], filter: "metrics.auc >"}) { runs { info { runName } } } }`)},
	{"bulk_interval", "POST", "/graphql", gqlPost(`{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["{run:rf}", "{run:lgbm}"], metricKey: "auc", startStep: 0, endStep: 1}) { metrics { key value timestamp step runId } } }`)},
	{"bulk_interval_nan_inf", "POST", "/graphql", gqlPost(`{ nan: mlflowGetMetricHistoryBulkInterval(input: {runIds: ["{run:rf}"], metricKey: "loss"}) { metrics { value step } } inf: mlflowGetMetricHistoryBulkInterval(input: {runIds: ["{run:rf}"], metricKey: "neg"}) { metrics { value } } }`)},
	{"list_artifacts", "POST", "/graphql", gqlPost(`{ files: mlflowListArtifacts(input: {runId: "{run:rf}"}) { rootUri files { path isDir fileSize } nextPageToken } sub: mlflowListArtifacts(input: {runId: "{run:rf}", path: "model"}) { files { path isDir fileSize } } }`)},
	{"search_versions", "POST", "/graphql", gqlPost(`{ mlflowSearchModelVersions(input: {filter: "name='CreditModel'", maxResults: 2, orderBy: ["version_number DESC"]}) { modelVersions { name version currentStage } nextPageToken } }`)},
	{"search_datasets", "POST", "/graphql", gqlPost(`mutation { mlflowSearchDatasets(input: {experimentIds: ["1"]}) { datasetSummaries { experimentId name digest context } apiError { code } } }`)},
	{"search_datasets_none", "POST", "/graphql", gqlPost(`mutation { mlflowSearchDatasets(input: {experimentIds: []}) { datasetSummaries { name } } }`)},
	{"typename_introspection", "POST", "/graphql", gqlPost(`{ __typename __schema { queryType { name } mutationType { name } } }`)},

	// Bad queries: 200 with the errors, as MLflow's.
	{"unknown_field", "POST", "/graphql", gqlPost(`{ nope }`)},
	{"syntax_error", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(`)},
	{"unknown_operation", "POST", "/graphql", `{"query": "query a { test(inputString: \"x\") { output } }", "operationName": "zz"}`},
	{"two_operations", "POST", "/graphql", gqlPost(`query a { test(inputString: "x") { output } } query b { test(inputString: "y") { output } }`)},
	{"unknown_directive", "POST", "/graphql", gqlPost(`query q @foo { test(inputString: "x") { output } }`)},
	{"too_many_root_fields", "POST", "/graphql", gqlPost(repeatSel("k%d: test(inputString: \"abc\") { output }", 12))},
	{"too_many_aliases", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: "1"}) { ` + repeatSel("e%d: experiment { name }", 12)[1:] + ` }`)},
	{"too_deep", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: "1"}) { experiment { ` + strings.Repeat("name { ", 12) + "name" + strings.Repeat(" }", 12) + ` } } }`)},
	{"input_not_integer", "POST", "/graphql", gqlPost(`{ mlflowSearchModelVersions(input: {maxResults: "abc"}) { nextPageToken } }`)},
	{"input_wrong_type", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: 5}) { experiment { name } } }`)},
	{"input_unknown_field", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentName: "x"}) { experiment { name } } }`)},
	{"variable_wrong_type", "POST", "/graphql", `{"query": "query q($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { name } } }", "variables": {"id": [1]}}`},
	{"nested_past_reading", "POST", "/graphql", gqlPost(strings.Repeat("{ ... on Query ", 70) + "{ __typename }" + strings.Repeat(" }", 70))},
	{"values_nested_past_reading", "POST", "/graphql", gqlPost(`{ test(inputString: ` + strings.Repeat("[", 100000) + `) { output } }`)},
	{"too_many_selections", "POST", "/graphql", gqlPost(`{ mlflowGetExperiment(input: {experimentId: "1"}) { experiment { ` + repeatSel("f%d { name }", 1002)[1:] + ` } }`)},

	// Bad requests: MLflow's parameter errors (MLflow answers 500 to some).
	{"no_query", "POST", "/graphql", `{}`},
	{"query_not_string", "POST", "/graphql", `{"query": 5}`},
	{"variables_not_object", "POST", "/graphql", `{"query": "{ test(inputString: \"x\") { output } }", "variables": [1]}`},
	{"malformed_json", "POST", "/graphql", `{"query": `},
	{"get_query_string", "GET", "/graphql?query=" + url.QueryEscape(`query q($s: String) { test(inputString: $s) { output } }`) + "&variables=" + url.QueryEscape(`{"s": "hi"}`), ""},
	{"get_json_body", "GET", "/graphql", gqlPost(`{ test(inputString: "x") { output } }`)},
	{"wrong_method", "PUT", "/graphql", gqlPost(`{ test(inputString: "x") { output } }`)},
}

// repeatSel is a selection set of n selections made by format (with %d
// the index).
func repeatSel(format string, n int) string {
	sels := make([]string, n)
	for i := range sels {
		sels[i] = fmt.Sprintf(format, i)
	}
	return "{" + strings.Join(sels, " ") + "}"
}

func TestGraphQLGolden(t *testing.T) {
	f := newFixture(t)
	if f.h.gqlErr != nil {
		t.Fatalf("schema: %v", f.h.gqlErr)
	}
	for _, tc := range graphqlCases {
		tc.name = "graphql_" + tc.name
		t.Run(tc.name, func(t *testing.T) {
			rec := f.check(t, tc)
			if rec.Code == http.StatusInternalServerError {
				t.Errorf("got status 500")
			}
		})
	}
}

// FuzzGraphQLLimits feeds the limit check arbitrary documents: it must not
// panic, and a document it cannot read must be one the GraphQL library
// refuses too, as a syntax error or for holding no operation (else the
// limits would let it through).
func FuzzGraphQLLimits(f *testing.F) {
	for _, tc := range graphqlCases {
		var req struct{ Query string }
		if json.Unmarshal([]byte(tc.body), &req) == nil && req.Query != "" {
			f.Add(req.Query)
		}
	}
	for _, q := range []string{
		`query Q($a: [Int!]! = [1, 2], $b: In = {x: {y: "}"}}) @component(name: "{") { a: test(inputString: """ } \""" """) { output } }`,
		`fragment F on Query { test(inputString: "x") { ...G } } fragment G on Test { output ... on Test { o: output } } { ...F ...F }`,
		"\uFEFF# comment }\n{ test(inputString: \"a\\\"b\", x: -1.5e3, y: $v, z: ENUM, n: null) { output } }",
		"// a Go comment }\n/* and { another */ { ålias: test(inputString: \"x\", n: .5, h: 0x1f) { output } }",
		`{ a { ...on T @d(x: [[{}]]) { b } } }`,
		`subscription { x }`,
	} {
		f.Add(q)
	}
	schema, err := graphql.ParseSchema(gqlSchema, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		doc, lerr := parseGQLDoc(query)
		checkGQLLimits(query, gqlDefaultMaxRoot, gqlDefaultMaxAlias)
		if doc != nil || lerr != nil {
			return
		}
		for _, e := range schema.Validate(query) {
			if errors.Is(e.Err, gqlerrors.ErrSyntax) || strings.Contains(e.Message, "at least one operation") {
				return
			}
		}
		t.Fatalf("the limit check cannot read %q, which the GraphQL library parses", query)
	})
}

// TestGraphQLLimits checks how MLflow's limits count: aliases per
// selection set across its fragments, depth through fragment spreads but
// not inline fragments, root fields of every operation.
func TestGraphQLLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("a { ", n-1) + "a" + strings.Repeat(" }", n-1) }
	for _, tc := range []struct {
		name, query string
		want        string // "" when the query passes
	}{
		{"plain", `{ test(inputString: "x") { output } }`, ""},
		{"depth 10", "{ " + nest(10) + " }", ""},
		{"depth 11", "{ " + nest(11) + " }", "Query exceeds maximum depth of 10"},
		{"inline fragments add no depth", "{ " + strings.Repeat("... on Query { ", 20) + nest(9) + strings.Repeat(" }", 20) + " }", ""},
		{"depth through a fragment", "fragment F on X { " + nest(7) + " } { a { a { a { a { ...F } } } } }", "Query exceeds maximum depth of 10"},
		{"fragment cycle ends at the depth limit", "fragment F on X { a { ...F } } { ...F }", "Query exceeds maximum depth of 10"},
		{"nesting past what is read", strings.Repeat("{ ... ", 70) + "a" + strings.Repeat(" }", 70), "Query exceeds maximum depth of 10"},
		{"10 root fields", repeatSel("a%d: b", 10), ""},
		{"11 root fields", repeatSel("b%d", 11), "GraphQL queries should have at most 10 root fields, got 11 root fields."},
		{"root fields of two operations", "query A " + repeatSel("b%d", 6) + " query B " + repeatSel("c%d", 6), "got 12 root fields"},
		{"aliases across sibling fragments", "fragment F on X { a1: b a2: b a3: b a4: b a5: b a6: b } fragment G on X { c1: b c2: b c3: b c4: b c5: b } { x { ...F ...G ...F } }", "GraphQL queries should have at most 10 aliases, got 11 aliases."},
		{"aliases in two sets", "{ x " + repeatSel("a%d: b", 6) + " y " + repeatSel("a%d: b", 6) + " }", ""},
		{"1000 selections", "{ x " + repeatSel("f%d", 999) + " }", ""},
		{"1001 selections", "{ x " + repeatSel("f%d", 1000) + " }", "Query exceeds maximum total selections of 1000"},
		{"depth before root fields", repeatSel("b%d", 11)[:1] + nest(11) + repeatSel("b%d", 11)[1:], "Query exceeds maximum depth of 10"},
		{"syntax error is the library's", `{ a(`, ""},
		{"Go comments and Unicode aliases, as the library reads them", "// {\n/* } */ " + repeatSel("ä%d: b(x: .5)", 11), "got 11 root fields"},
		{"values nested 64 deep", `{ a(x: ` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `) }`, ""},
		{"values nested 65 deep", `{ a(x: ` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `) }`, "Query values nest deeper than 64 lists and objects"},
		{"variable defaults nested deep", `query q($v: [Int] = ` + strings.Repeat("[", 100) + `) { a }`, "Query values nest deeper than 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if err := checkGQLLimits(tc.query, gqlDefaultMaxRoot, gqlDefaultMaxAlias); err != nil {
				got = err.msg
			}
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
