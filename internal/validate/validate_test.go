package validate

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

// checkErr fails t unless err matches want: want "" means err must be nil,
// otherwise err must be an invalid-argument error whose message contains want.
func checkErr(t *testing.T, call string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: got error %q, want nil", call, err)
		}
		return
	}
	if err == nil {
		t.Errorf("%s: got nil, want an error containing %q", call, want)
		return
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("%s: got %q, which does not wrap ErrInvalid", call, err)
	}
	if !strings.HasPrefix(err.Error(), "validate: ") {
		t.Errorf("%s: got %q, want the prefix %q", call, err, "validate: ")
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: got %q, want it to contain %q", call, err, want)
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		key  string
		want string // "" when the key is valid, else part of the message
	}{
		// Good keys.
		{"a", ""},
		{"Ab-5_", ""},
		{"train/loss", ""},
		{"a.b.c", ""},
		{".hidden", ""},
		{"trailing.", ""},
		{"a..a/._./o_O/.e.", ""},
		{"with space/and more", ""},
		{"time:epoch", ""},
		{"日本語", ""},
		{"größe", ""},
		{"٣", ""},     // Arabic-Indic digit three: a digit of another script
		{"½", ""},     // vulgar fraction: Unicode category No, which \w matches
		{"a/..b", ""}, // "..b" is a name, not the parent
		{"a/.b", ""},  // ".b" is a name too
		{strings.Repeat("a", 250), ""},
		{strings.Repeat("é", 250), ""}, // 250 characters, 500 bytes

		// Bad characters.
		{"", "must not be empty"},
		{"lr rate!", "invalid character '!' at byte 7"},
		{"a\\b", `invalid character '\\' at byte 1`},
		{"tab\there", `invalid character '\t' at byte 3`},
		{"loss\n", `invalid character '\n' at byte 4`},
		{"a\u00a0b", `invalid character '\u00a0' at byte 1`},
		{"e\u0301", `invalid character '\u0301' at byte 1`}, // combining mark: not \w
		{"🙂", "invalid character '🙂' at byte 0"},
		{"a\xffb", "invalid UTF-8 at byte 1"},
		{"$x", "invalid character '$' at byte 0"},

		// Not clean paths.
		{".", `must not be "."`},
		{"..", `must not start with ".."`},
		{"..a", `must not start with ".."`},
		{"../a", `must not start with ".."`},
		{"/", "must not start with '/'"},
		{"/a", "must not start with '/'"},
		{"//", "must not start with '/'"},
		{"a/", `must not end with '/' (it would resolve to "a")`},
		{"./", "must not end with '/'"},
		{"a//b", `empty path segment ("//") at byte 1 (it would resolve to "a/b")`},
		{"./a", `path segment "." at byte 0 (it would resolve to "a")`},
		{"a/./b", `path segment "." at byte 2`},
		{"a/../b", `path segment ".." at byte 2 (it would resolve to "b")`},
		{"a/..", `path segment ".." at byte 2 (it would resolve to ".")`},

		// Too long.
		{strings.Repeat("a", 251), "is 251 characters long, over the limit of 250"},
		{strings.Repeat("é", 251), "is 251 characters long, over the limit of 250"},
	}
	for _, tt := range tests {
		checkErr(t, "Key(\"param\", "+quote(tt.key)+")", Key("param", tt.key), tt.want)
	}
}

func TestKeyMessage(t *testing.T) {
	err := InRun(Key("param", "lr rate!"), "3f2a1b2c9d8e7f60a1b2c3d4e5f60718")
	want := `validate: param key "lr rate!" (run 3f2a1b2c…): invalid character '!' at byte 7; ` +
		`keys may contain letters, digits, '_', '-', '.', ' ', '/' and ':'`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, which does not wrap ErrInvalid", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Where != "run 3f2a1b2c…" {
		t.Fatalf("errors.As: got %#v, want an *Error with Where %q", e, "run 3f2a1b2c…")
	}
}

func TestKeyMessageShortensLongInput(t *testing.T) {
	err := Key("metric", strings.Repeat("x", 300))
	want := `validate: metric key "` + strings.Repeat("x", 64) + `"…: is 300 characters long, over the limit of 250`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want the prefix %s", err, want)
	}
}

// TestMatchesMLflow compares Key, Alias, RunID and ExperimentID with the
// verdicts of MLflow's rules run by CPython (testdata/mlflow_verdicts.py).
// The one intended difference: mlite rejects inputs ending in "\n", which
// Python's "$" lets through.
func TestMatchesMLflow(t *testing.T) {
	data, err := os.ReadFile("testdata/mlflow_verdicts.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Python  string
		Columns []string
		Cases   [][]any
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	checks := map[string]func(string) error{
		"key":           func(s string) error { return Key("tag", s) },
		"alias":         Alias,
		"run_id":        RunID,
		"experiment_id": ExperimentID,
	}
	if len(file.Cases) < 1000 {
		t.Fatalf("got %d cases, want at least 1000", len(file.Cases))
	}
	for _, c := range file.Cases {
		in := c[0].(string)
		for i, name := range file.Columns[1:] {
			mlflowOK := c[i+1].(bool)
			if mlflowOK && strings.HasSuffix(in, "\n") {
				mlflowOK = false // stricter on purpose: see the package doc
			}
			err := checks[name](in)
			if (err == nil) != mlflowOK {
				t.Errorf("%s %q: got %v, MLflow (Python %s) accepts it: %v", name, in, err, file.Python, mlflowOK)
			}
		}
	}
}

func TestValues(t *testing.T) {
	type valueFunc func(key, value string) error
	tests := []struct {
		name  string
		f     valueFunc
		limit int
		what  string
	}{
		{"ParamValue", ParamValue, MaxParamValueLength, `value of param "k"`},
		{"TagValue", TagValue, MaxTagValueLength, `value of tag "k"`},
		{"ExperimentTagValue", ExperimentTagValue, MaxExperimentTagValueLength, `value of experiment tag "k"`},
		{"RegistryTagValue", RegistryTagValue, MaxRegistryTagValueLength, `value of registry tag "k"`},
		{"TraceTagValue", TraceTagValue, MaxTraceTagValueLength, `value of trace tag "k"`},
	}
	for _, tt := range tests {
		cases := []struct {
			value, want string
		}{
			{"", ""},
			{"0.001", ""},
			{"line one\nline two\t\x00", ""}, // any character is allowed in a value
			{strings.Repeat("a", tt.limit), ""},
			{strings.Repeat("é", tt.limit), ""}, // characters, not bytes
			{strings.Repeat("a", tt.limit+1), tt.what + ": is " + itoa(tt.limit+1) + " characters long, over the limit of " + itoa(tt.limit)},
			{strings.Repeat("日", tt.limit+1), "characters are Unicode code points"},
			{"ok\xc3", tt.what + ": invalid UTF-8 at byte 2"},
		}
		for _, c := range cases {
			call := tt.name + `("k", ` + quote(c.value) + ")"
			checkErr(t, call, tt.f("k", c.value), c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		want  string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"日本語です", 3, "日本語"}, // characters, not bytes
		{"ééé", 3, "ééé"},   // 6 bytes, 3 characters: kept whole
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := Truncate(tt.s, tt.limit); got != tt.want {
			t.Errorf("Truncate(%q, %d): got %q, want %q", tt.s, tt.limit, got, tt.want)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestMetric(t *testing.T) {
	tests := []struct {
		key       string
		value     float64
		timestamp int64
		step      int64
		want      string
	}{
		{"loss", 0.5, 1700000000000, 0, ""},
		{"loss", math.NaN(), 0, -3, ""},
		{"loss", math.Inf(1), 0, math.MaxInt64, ""},
		{"loss", math.Inf(-1), math.MaxInt64, math.MinInt64, ""},
		{"loss", 1, -1, 0, `timestamp of metric "loss": -1 is negative`},
		{"lo ss!", 1, 0, 0, `metric key "lo ss!": invalid character '!'`},
		{"", 1, 0, 0, `metric key "": must not be empty`},
	}
	for _, tt := range tests {
		err := Metric(tt.key, tt.value, tt.timestamp, tt.step)
		checkErr(t, "Metric("+quote(tt.key)+", …)", err, tt.want)
	}
}

// TestNamesAndIDs: the checks of one string, names and ids.
func TestNamesAndIDs(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) error
		in   string
		want string
	}{
		{"ExperimentName", ExperimentName, "credit default / v2: any chars! ✓", ""},
		{"ExperimentName", ExperimentName, strings.Repeat("x", 500), ""},
		{"ExperimentName", ExperimentName, "", `experiment name "": must not be empty`},
		{"ExperimentName", ExperimentName, strings.Repeat("x", 501), "is 501 characters long, over the limit of 500"},
		{"ExperimentName", ExperimentName, "bad\xfe", "invalid UTF-8 at byte 3"},
		{"ModelName", ModelName, "CreditDefaultModel", ""},
		{"ModelName", ModelName, "with spaces and ünïcode", ""},
		{"ModelName", ModelName, "", `model name "": must not be empty`},
		{"ModelName", ModelName, strings.Repeat("m", 257), "over the limit of 256"},
		{"RunID", RunID, "0123456789abcdef0123456789abcdef", ""},
		{"RunID", RunID, "A", ""},
		{"RunID", RunID, "a_-b", ""},
		{"RunID", RunID, "aé", ""}, // MLflow's \w is Unicode after the first character
		{"RunID", RunID, strings.Repeat("a", 256), ""},
		{"RunID", RunID, "", "must not be empty"},
		{"RunID", RunID, "_a", "must start with an ASCII letter or digit"},
		{"RunID", RunID, "éa", "must start with an ASCII letter or digit"},
		{"RunID", RunID, "a/bc", `invalid character '/' at byte 1`},
		{"RunID", RunID, "abc\n", `invalid character '\n' at byte 3`},
		{"RunID", RunID, strings.Repeat("a", 257), "over the limit of 256"},
		{"ExperimentID", ExperimentID, "0", ""},
		{"ExperimentID", ExperimentID, "123456789012345678", ""},
		{"ExperimentID", ExperimentID, strings.Repeat("1", 64), ""},
		{"ExperimentID", ExperimentID, strings.Repeat("1", 65), "over the limit of 64"},
		{"ExperimentID", ExperimentID, "-1", "must start with an ASCII letter or digit"},
		{"ExperimentID", ExperimentID, "1 2", `invalid character ' ' at byte 1`},
	}
	for _, tt := range tests {
		checkErr(t, tt.name+"("+quote(tt.in)+")", tt.f(tt.in), tt.want)
	}
}

func TestAlias(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"champion", ""},
		{"Ab-5_", ""},
		{"1a2b5cDeFgH", ""},
		{"lates", ""},
		{"latest2", ""},
		{"v123_temp", ""},
		{"123", ""},
		{"123v", ""},
		{"temp_V123", ""},
		{"v", ""},
		{"lateſt", ""}, // Python's lower() keeps 'ſ', so MLflow does not reserve it
		{"日本", ""},
		{strings.Repeat("a", 255), ""},
		{"", "must not be empty"},
		{"a b", `invalid character ' ' at byte 1`},
		{"a.b", `invalid character '.' at byte 1`},
		{"a/b", `invalid character '/' at byte 1`},
		{":", `invalid character ':' at byte 0`},
		{"$dgs", `invalid character '$' at byte 0`},
		{"prod\n", `invalid character '\n' at byte 4`},
		{strings.Repeat("a", 256), "over the limit of 255"},
		{"latest", `is reserved: "latest"`},
		{"Latest", `is reserved: "latest"`},
		{"LATEST", `is reserved: "latest"`},
		{"v1", "is reserved: 'v' followed by digits"},
		{"V12", "is reserved: 'v' followed by digits"},
		{"v٣", "is reserved: 'v' followed by digits"}, // Python's \d matches every decimal digit
	}
	for _, tt := range tests {
		checkErr(t, "Alias("+quote(tt.in)+")", Alias(tt.in), tt.want)
	}
}

func TestDataset(t *testing.T) {
	good := [6]string{"train", "9ff17540", "local", `{"uri": "data.csv"}`, `{"mlflow_colspec": []}`, ""}
	tests := []struct {
		field int // index in good to replace
		value string
		want  string
	}{
		{-1, "", ""},
		{0, strings.Repeat("n", 500), ""},
		{1, strings.Repeat("d", 36), ""},
		{0, "", `dataset name "": must not be empty`},
		{1, "", `digest "" of dataset "train": must not be empty`},
		{2, "", `source type "" of dataset "train": must not be empty`},
		{3, "", `source of dataset "train": must not be empty`},
		{0, strings.Repeat("n", 501), "is 501 characters long, over the limit of 500"},
		{1, strings.Repeat("d", 37), `digest "` + strings.Repeat("d", 37) + `" of dataset "train": is 37 characters long, over the limit of 36`},
		{3, strings.Repeat("s", MaxDatasetSource+1), "over the limit of 65535"},
		{4, strings.Repeat("s", MaxDatasetSchema+1), "schema of dataset \"train\": is 1048576 characters long"},
		{5, strings.Repeat("p", MaxDatasetProfile+1), "profile of dataset \"train\": is 16777216 characters long"},
		{4, "\xff", `schema of dataset "train": invalid UTF-8 at byte 0`},
	}
	for _, tt := range tests {
		in := good
		if tt.field >= 0 {
			in[tt.field] = tt.value
		}
		err := Dataset(in[0], in[1], in[2], in[3], in[4], in[5])
		checkErr(t, "Dataset(field "+itoa(tt.field)+")", err, tt.want)
	}
}

func TestInputTag(t *testing.T) {
	tests := []struct {
		key, value, want string
	}{
		{"mlflow.data.context", "training", ""},
		{"free form: any chars!", "", ""},
		{strings.Repeat("k", 255), strings.Repeat("v", 500), ""},
		{"", "x", `input tag key "": must not be empty`},
		{strings.Repeat("k", 256), "x", "over the limit of 255"},
		{"k", strings.Repeat("v", 501), `value of input tag "k": is 501 characters long, over the limit of 500`},
		{"k\xff", "x", "invalid UTF-8 at byte 1"},
	}
	for _, tt := range tests {
		checkErr(t, "InputTag("+quote(tt.key)+", …)", InputTag(tt.key, tt.value), tt.want)
	}
}

func TestBatch(t *testing.T) {
	tests := []struct {
		metrics, params, tags int
		want                  string
	}{
		{0, 0, 0, ""},
		{1000, 0, 0, ""},
		{0, 100, 100, ""},
		{800, 100, 100, ""},
		{1001, 0, 0, "has 1001 metrics, over the limit of 1000"},
		{0, 101, 0, "has 101 params, over the limit of 100"},
		{0, 0, 101, "has 101 tags, over the limit of 100"},
		{900, 51, 50, "has 1001 metrics, params and tags together, over the limit of 1000"},
	}
	for _, tt := range tests {
		err := Batch(tt.metrics, tt.params, tt.tags)
		checkErr(t, "Batch("+itoa(tt.metrics)+", "+itoa(tt.params)+", "+itoa(tt.tags)+")", err, tt.want)
	}
}

func TestParamKeysUnique(t *testing.T) {
	tests := []struct {
		keys []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, ""},
		{[]string{"a", "b", "A"}, ""},
		{[]string{"a", "b", "a", "a", "b"}, `batch: logs param key "a", "b" more than once`},
	}
	for _, tt := range tests {
		checkErr(t, "ParamKeysUnique", ParamKeysUnique(tt.keys), tt.want)
	}
}

func TestIn(t *testing.T) {
	if got := In(nil, "run x"); got != nil {
		t.Errorf("In(nil): got %v, want nil", got)
	}
	base := Key("tag", "")
	inner := In(base, "experiment 7")
	outer := In(inner, "run abc")
	if got, want := outer.Error(), `validate: tag key "" (experiment 7): must not be empty`; got != want {
		t.Errorf("In twice: got %q, want %q (the innermost place wins)", got, want)
	}
	if base.(*Error).Where != "" {
		t.Errorf("In changed its argument: Where = %q", base.(*Error).Where)
	}
	other := In(errors.New("boom"), "run abc")
	if got, want := other.Error(), "run abc: boom"; got != want {
		t.Errorf("In(plain error): got %q, want %q", got, want)
	}
	if got, want := ShortID("0123456789abcdef"), "01234567…"; got != want {
		t.Errorf("ShortID: got %q, want %q", got, want)
	}
	if got, want := ShortID("12"), "12"; got != want {
		t.Errorf("ShortID: got %q, want %q", got, want)
	}
}

func BenchmarkKey(b *testing.B) {
	b.ReportAllocs()
	key := "train/epoch_loss.smoothed"
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		if err := Key("metric", key); err != nil {
			b.Fatal(err)
		}
	}
}
