package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// rejectCase is an input that must not parse, with a substring of the message
// and the position the error must point at.
type rejectCase struct {
	in        string
	msg       string
	line, col int
}

// mlflowRejects are run filters MLflow also rejects (its tests and docs list
// most of them), with our message and column.
var mlflowRejects = []rejectCase{
	// Value types per identifier type.
	{`metric.model = '5'`, "expected a number for metric 'model', found the string '5'", 1, 16},
	{`metric.model = 'LR'`, "expected a number for metric 'model'", 1, 16},
	{`params.acc = 5`, "expected a quoted string for param 'acc', found the number 5", 1, 14},
	{`tags.acc = 5`, "expected a quoted string for tag 'acc'", 1, 12},
	{`attribute.status = 1`, "expected a quoted string for attribute 'status'", 1, 20},
	{`attributes.start_time = '1'`, "expected a number for numeric attribute 'start_time'", 1, 25},
	{`metrics.acc != metrics.acc`, "must be a value, not an identifier", 1, 16},
	// Bare, backticked and badly quoted values.
	{`params.acc = LR`, "value 'LR' is not quoted", 1, 14},
	{`tags.acc = LR`, "value 'LR' is not quoted", 1, 12},
	{"params.acc = `LR`", "backtick-quoted value is not a value", 1, 14},
	{`attribute.status = true`, "value 'true' is not quoted", 1, 20},
	{`params.acc = 'LR`, "unterminated string", 1, 14},
	{`params.acc = "LR'`, "unterminated string", 1, 14},
	{`tags.acc = "LR'`, "unterminated string", 1, 12},
	{`params.acc = LR'`, "value 'LR' is not quoted", 1, 14},
	{`params.'acc = LR`, "expected a key after '.'", 1, 8},
	// Identifiers: unknown types, attributes and dataset fields.
	{`m.acc >= 0.94`, "unknown type 'm'", 1, 1},
	{`p.model >= 'LR'`, "unknown type 'p'", 1, 1},
	{`attri.x != 1`, "unknown type 'attri'", 1, 1},
	{`a.x != 1`, "unknown type 'a'", 1, 1},
	{`Metrics.acc > 1`, "unknown type 'Metrics'; use metrics, params, tags, attributes or datasets; did you mean 'metrics'?", 1, 1},
	{`metics.a > 1`, "did you mean 'metrics'?", 1, 1},
	{`"metrics".acc > 1`, "type prefix may be bare or backticked", 1, 1},
	{`acc >= 0.94`, "unknown attribute 'acc' for runs", 1, 1},
	{`model >= 'LR'`, "unknown attribute 'model' for runs", 1, 1},
	{`attributes.experiment_id = '1'`, "unknown attribute 'experiment_id' for runs", 1, 12},
	{`attribute.lifecycle_stage = 'ACTIVE'`, "unknown attribute 'lifecycle_stage'", 1, 11},
	{`attribute.start != 1`, "unknown attribute 'start'", 1, 11},
	{`attribute.name != 1`, "unknown attribute 'name'", 1, 11},
	{`attribute.time != 1`, "unknown attribute 'time'", 1, 11},
	{`attribute._status != 'RUNNING'`, "did you mean 'status'?", 1, 11},
	{`stauts = 'x'`, "unknown attribute 'stauts' for runs; valid attributes in a filter are run_id", 1, 1},
	{`dataset.status = 'true'`, "unknown dataset field 'status'", 1, 9},
	{`dataset.profile = 'num_rows: 10'`, "unknown dataset field 'profile'", 1, 9},
	{"`metrics.A > 0.1", "unterminated backtick-quoted name", 1, 1},
	{"`dummy.A > 0.1", "unterminated backtick-quoted name", 1, 1},
	{"dummy`.A > 0.1", "unknown attribute 'dummy'", 1, 1},
	{"param`.A > 0.1", "unknown attribute 'param'", 1, 1},
	{"`metrics.A` > 0.1", "quote only the key: metrics.`A`", 1, 1},
	{`metrics. > 1`, "expected a key after '.'", 1, 9},
	{`params."p.a = 'x'`, "unterminated double-quoted name", 1, 8},
	{`tags."" = 'x'`, "empty tag key", 1, 6},
	{"metrics.`a`.b > 1", "a quoted key must be the whole key", 1, 9},
	// Comparators per type.
	{`metrics.acc ~ 1`, "unknown comparator '~' for metric", 1, 13},
	{`metrics.acc ~= 1`, "unknown comparator '~=' for metric", 1, 13},
	{`metrics.acc => 1`, "unknown comparator '=>' for metric; did you mean '>='?", 1, 13},
	{`metrics.acc =< 1`, "did you mean '<='?", 1, 13},
	{`metrics.acc == 1`, "did you mean '='?", 1, 13},
	{`metrics.acc <> 1`, "did you mean '!='?", 1, 13},
	{`metrics.acc LIKE 1`, "comparator LIKE is not allowed for metric 'acc'", 1, 13},
	{`params.a > 'x'`, "comparator > is not allowed for param 'a'; use =, !=, LIKE or ILIKE", 1, 10},
	{`params.a < 'x'`, "comparator < is not allowed for param 'a'", 1, 10},
	{`params.a >= 'x'`, "comparator >= is not allowed for param 'a'", 1, 10},
	{`tags.a <= 'x'`, "comparator <= is not allowed for tag 'a'", 1, 8},
	{`attributes.status > 'x'`, "comparator > is not allowed for attribute 'status'", 1, 19},
	{`attributes.start_time LIKE 1234`, "comparator LIKE is not allowed for numeric attribute 'start_time'", 1, 23},
	{`attributes.start_time ILIKE 1234`, "comparator ILIKE is not allowed for numeric attribute 'start_time'", 1, 23},
	{`datasets.name > 'x'`, "comparator > is not allowed for datasets.name", 1, 15},
	{`params.acc LR !=`, "unknown comparator 'LR' for param", 1, 12},
	{`params.acc LR`, "unknown comparator 'LR' for param", 1, 12},
	{`tags.acc = = 'LR'`, "expected a value after =, found '='", 1, 12},
	{`attribute.status IS 'RUNNING'`, "expected NULL after IS", 1, 21},
	{`params.a LIKKE 'x'`, "did you mean 'LIKE'?", 1, 10},
	{"params.a LI\u212aE 'x'", "unknown comparator 'LI\u212aE' for param", 1, 10}, // keywords are ASCII
	// IN / NOT IN only for run ids and datasets; lists of quoted strings.
	{`params.a IN ('x')`, "IN is not allowed for param 'a'", 1, 10},
	{`tags.a NOT IN ('x')`, "NOT IN is not allowed for tag 'a'", 1, 8},
	{`attributes.status IN ('x')`, "IN is not allowed for attribute 'status'", 1, 19},
	{`run_name IN ('x')`, "IN is not allowed for attribute 'run_name'", 1, 10},
	{`metrics.a IN (1)`, "IN is not allowed for metric 'a'", 1, 11},
	{`attributes.run_id IN ()`, "empty IN list", 1, 22},
	{`attributes.run_id NOT IN ()`, "empty NOT IN list", 1, 26},
	{`attributes.run_id IN 'r01'`, "IN expects a parenthesised list of quoted strings", 1, 22},
	{`attributes.run_id IN ('a', 5)`, "IN lists hold quoted strings, found '5'", 1, 28},
	{`datasets.name IN ('a',)`, "IN lists hold quoted strings, found ')'", 1, 23},
	{`attributes.run_id IN ('a' 'b')`, "expected ',' or ')' in the IN list", 1, 27},
	{`attributes.run_id IN ('a'`, "unterminated list", 1, 22},
	{`attributes.run_id = ('a')`, "a list is allowed only after IN or NOT IN", 1, 21},
	// Identifier on the right, values on the left.
	{`1.0 > metrics.acc`, "expected an identifier on the left", 1, 1},
	{`1=1`, "expected an identifier on the left", 1, 1},
	{`1==2`, "expected an identifier on the left", 1, 1},
	{`'params.acc' = 'x'`, "a single-quoted string cannot name a key", 1, 1},
	// Numbers.
	{`metrics.acc > 1.2.3`, "malformed number '1.2.3'", 1, 15},
	{`metrics.acc > 5abc`, "malformed number '5abc'", 1, 15},
	{`metrics.acc > -`, "malformed number '-'", 1, 15},
	{`metrics.acc > 1e`, "malformed number '1e'", 1, 15},
	{`metrics.a > 0x1F`, "malformed number '0x1F'", 1, 13},
	{`metrics.a > +1`, "expected a value after >, found '+'", 1, 13},
	{`metrics.x > nan`, "expected a number for metric 'x', found 'nan'", 1, 13},
	// Incomplete and trailing input.
	{`metric.acc !=`, "expected a value after !=, found the end of the filter", 1, 14},
	{`metrics.acc`, "expected a comparator after metrics.acc, found the end", 1, 12},
	{`params.a LIKE`, "expected a value after LIKE", 1, 14},
	{`metrics.acc > 1 AND`, "expected a condition, found the end of the filter", 1, 20},
	{`AND metrics.acc > 1`, "expected a condition, found the keyword AND", 1, 1},
	{`metrics.acc > 1 AND AND metrics.b > 2`, "found the keyword AND", 1, 21},
	{`metrics.acc > 1 extra`, "unexpected 'extra' after a condition; expected AND, OR or the end of the filter", 1, 17},
	{`params.acc = 'a' params.b = 'c'`, "unexpected 'params' after a condition", 1, 18},
	{`metrics.acc > 1 ADN params.a = 'x'`, "unexpected 'ADN' after a condition; did you mean 'AND'?", 1, 17},
	{`metrics.acc > 0.1 NAND params.B = 'LR'`, "unexpected 'NAND'", 1, 19},
	{`metric.acc >= 0.94; metrics.rmse < 1`, "unexpected ';'", 1, 19},
	{`params.a = 'x' AND params.b = 'y';`, "unexpected ';'", 1, 34},
	{`tags.a = 'x' )`, "unexpected ')' with no matching '('", 1, 14},
	{"metrics.a > 1 and\n  params.b => 'x'", "unknown comparator '=>' for param", 2, 12},
	{`params.a = '` + "\xff" + `'`, "invalid UTF-8", 1, 13},
}

// extensionRejects are errors in the extensions' own syntax.
var extensionRejects = []rejectCase{
	{`metrics.a > 1 OR`, "expected a condition, found the end of the filter", 1, 17},
	{`tags.x = 'a' OR OR tags.y = 'b'`, "found the keyword OR", 1, 17},
	{`(metrics.a > 1`, "missing ')' to close this '('", 1, 1},
	{`(metrics.a > 1 extra)`, "expected AND, OR or ')'", 1, 16},
	{`metrics.a > 1)`, "unexpected ')' with no matching '('", 1, 14},
	{`()`, "expected an identifier such as metrics.auc, found ')'", 1, 2},
	{`NOT`, "expected a condition, found the end of the filter", 1, 4},
	{`params.a NOT = 'x'`, "expected IN, LIKE or ILIKE after NOT", 1, 10},
	{`metrics.a IS`, "expected NULL after IS", 1, 13},
	{`metrics.a IS NOT 1`, "expected NULL after IS", 1, 18},
	{`min(params.a) > 1`, "min() applies to metrics, found param 'a'", 1, 5},
	{`min(status) > 1`, "min() applies to metrics", 1, 5},
	{`foo(metrics.a) > 1`, "unknown function 'foo'", 1, 1},
	{`mni(metrics.a) > 1`, "did you mean 'min'?", 1, 1},
	{`min(metrics.a > 1`, "expected ')' to close min(", 1, 15},
	{`min() > 1`, "expected a metric such as metrics.loss inside min()", 1, 5},
	{`min(metrics.a) IS NULL`, "IS NULL does not apply to an aggregate", 1, 16},
	{`max(metrics.a) LIKE 'x'`, "comparator LIKE is not allowed for max(metric 'a')", 1, 16},
	{`count(metrics.a) = 'x'`, "expected a number for count(metric 'a')", 1, 20},
	{strings.Repeat("(", MaxDepth+1) + "metrics.a > 1" + strings.Repeat(")", MaxDepth+1), "nested too deeply", 1, MaxDepth + 1},
	{strings.Repeat("NOT ", MaxDepth+1) + "metrics.a > 1", "nested too deeply", 1, 4*MaxDepth + 1},
}

func checkReject(t *testing.T, e Entity, tc rejectCase) {
	t.Helper()
	f, err := ParseFilter(e, tc.in)
	want := Error{Line: tc.line, Col: tc.col, Msg: tc.msg, Input: tc.in}
	checkError(t, fmt.Sprintf("%s filter %q", e, tc.in), f, err, want)
}

// checkError checks that parsing what (got, err) failed with an *Error
// matching ErrInvalid, at want's line, column and item, with a message
// containing want.Msg, and, when want.Input is set, naming that input.
func checkError(t *testing.T, what string, got any, err error, want Error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: parsed as %q, want an error containing %q", what, got, want.Msg)
		return
	}
	var qe *Error
	if !errors.As(err, &qe) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("%s: error %v (%T) is not an *Error matching ErrInvalid", what, err, err)
	}
	if !strings.Contains(qe.Msg, want.Msg) || qe.Line != want.Line || qe.Col != want.Col || qe.Item != want.Item {
		t.Errorf("%s: got line %d col %d item %d %q, want line %d col %d item %d containing %q",
			what, qe.Line, qe.Col, qe.Item, qe.Msg, want.Line, want.Col, want.Item, want.Msg)
	}
	if want.Input != "" && qe.Input != want.Input {
		t.Errorf("%s: Input = %q, want %q", what, qe.Input, want.Input)
	}
}

func TestRejectMLflow(t *testing.T) {
	if len(mlflowRejects) < 40 {
		t.Errorf("only %d MLflow rejections; want at least 40", len(mlflowRejects))
	}
	for _, tc := range mlflowRejects {
		checkReject(t, Runs, tc)
	}
}

func TestRejectExtensions(t *testing.T) {
	for _, tc := range extensionRejects {
		checkReject(t, Runs, tc)
	}
}

func TestErrorRendering(t *testing.T) {
	filter := func(s string) func() error {
		return func() error { _, err := ParseFilter(Runs, s); return err }
	}
	tests := []struct {
		name string
		err  func() error
		want string
	}{
		{"caret under the comparator", filter("metrics.loss => 1"),
			"query: line 1, col 14: unknown comparator '=>' for metric; did you mean '>='?\n" +
				"metrics.loss => 1\n" +
				"             ^"},
		{"the caret counts characters, not bytes, and follows tabs", filter("\tparams.é = x"),
			"query: line 1, col 13: value 'x' is not quoted; put string values in single or double quotes\n" +
				"\tparams.é = x\n" +
				"\t           ^"},
		{"only the offending line is shown", filter("metrics.a > 1\nAND params.b = 2\nAND tags.c = 'x'"),
			"query: line 2, col 16: expected a quoted string for param 'b', found the number 2; quote it: '2'\n" +
				"AND params.b = 2\n" +
				"               ^"},
		{"no position (page tokens), no caret", func() error { return &Error{Msg: "invalid page token: x"} },
			"query: invalid page token: x"},
		{"order_by errors name the item", func() error { _, err := ParseOrderBy(Runs, []string{"metrics.a", "status DECS"}); return err },
			"query: order_by item 2, col 8: invalid direction 'DECS'; use ASC or DESC; did you mean 'DESC'?\n" +
				"status DECS\n" +
				"       ^"},
	}
	for _, tt := range tests {
		if err := tt.err(); err == nil || err.Error() != tt.want {
			t.Errorf("%s: got\n%v\nwant\n%s", tt.name, err, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"status", "stauts", 1}, {"metrics", "metics", 1},
		{"kitten", "sitting", 3}, {"ASC", "ACS", 1}, {"DESC", "DECS", 1}, {"é", "e", 1},
	}
	for _, tc := range cases {
		if got := editDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}

func TestSuggestKey(t *testing.T) {
	keys := []string{"val_auc", "train_auc", "val_logloss", "f1", "precision", "lr_decay", "lr"}
	for _, tc := range []struct{ s, want string }{
		{"auc", "val_auc"},        // a whole word of two keys: the shorter, then the first by name
		{"val_acu", "val_auc"},    // a typo
		{"precison", "precision"}, // a typo
		{"LR", "lr"},              // case
		{"logloss", "val_logloss"},
		{"loss", ""}, // part of a word only
		{"recall", ""},
		{"", ""},
	} {
		if got := SuggestKey(tc.s, keys); got != tc.want {
			t.Errorf("SuggestKey(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
