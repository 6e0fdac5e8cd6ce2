package validate

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// keyCharsHelp lists the characters a key may contain, for messages.
const keyCharsHelp = "keys may contain letters, digits, '_', '-', '.', ' ', '/' and ':'"

// Key checks a metric, param or tag key; kind ("metric", "param", "tag",
// "experiment tag", …) only names it in the message. A key must:
//   - be non-empty valid UTF-8 of at most MaxKeyLength characters;
//   - contain only letters and digits of any script, '_', '-', '.', ' ',
//     '/' and ':' (MLflow's ^[/\w.\- :]*$);
//   - be a clean relative path, because MLflow's FileStore makes keys file
//     names: no leading '/', no leading "..", not ".", no empty segment
//     ("a//b", "a/"), no "." or ".." segment ("a/./b", "a/../b").
func Key(kind, key string) error {
	subject := kind + " key " + quote(key)
	if key == "" {
		return newError(subject, "must not be empty")
	}
	if err := checkLength(subject, key, MaxKeyLength); err != nil {
		return err
	}
	for i, r := range key {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(key[i:]); size == 1 {
				return newError(subject, fmt.Sprintf("invalid UTF-8 at byte %d", i))
			}
		}
		if !isKeyRune(r) {
			return newError(subject, fmt.Sprintf("invalid character %s at byte %d; %s", showRune(r), i, keyCharsHelp))
		}
	}
	if reason := pathProblem(key); reason != "" {
		return newError(subject, reason+"; keys are file names in MLflow's file store and must not resolve to another name")
	}
	return nil
}

// isWordRune reports whether r is what Python 3's \w matches: a Unicode
// letter or number, or '_'. (Checked against CPython 3.11 over all code
// points: they agree except for characters added in Unicode 15, which Go
// knows and Python 3.11 does not.)
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// showRune quotes r for a message, escaping what would not be seen:
// control and space characters and combining marks.
func showRune(r rune) string {
	if unicode.Is(unicode.M, r) {
		return fmt.Sprintf("%+q", r)
	}
	return fmt.Sprintf("%q", r)
}

func isKeyRune(r rune) bool {
	switch r {
	case '/', '.', '-', ' ', ':':
		return true
	}
	return isWordRune(r)
}

// pathProblem says why key, taken as a slash-separated relative path, would
// name another file than itself, or returns "". It is MLflow's
// path_not_unique (posixpath.normpath(key) != key, or "." or a ".." prefix
// or a '/' prefix) spelled out so the message can say which rule broke.
func pathProblem(key string) string {
	switch {
	case strings.HasPrefix(key, "/"):
		return "must not start with '/'"
	case strings.HasPrefix(key, ".."):
		return "must not start with \"..\""
	case key == ".":
		return "must not be \".\""
	case strings.HasSuffix(key, "/"):
		return fmt.Sprintf("must not end with '/' (it would resolve to %q)", path.Clean(key))
	}
	start := 0
	for start <= len(key) {
		end := strings.IndexByte(key[start:], '/')
		if end < 0 {
			end = len(key)
		} else {
			end += start
		}
		switch seg := key[start:end]; seg {
		case "":
			return fmt.Sprintf("empty path segment (\"//\") at byte %d (it would resolve to %q)", start-1, path.Clean(key))
		case ".", "..":
			return fmt.Sprintf("path segment %q at byte %d (it would resolve to %q)", seg, start, path.Clean(key))
		}
		start = end + 1
	}
	return ""
}

// checkLength rejects s when it has more than limit characters.
func checkLength(subject, s string, limit int) error {
	if len(s) <= limit { // at most limit bytes, so at most limit characters
		return nil
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return newError(subject, fmt.Sprintf("is %d characters long, over the limit of %d (characters are Unicode code points, as MLflow counts them)", n, limit))
	}
	return nil
}

// checkUTF8 rejects s when it is not valid UTF-8.
func checkUTF8(subject, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return newError(subject, fmt.Sprintf("invalid UTF-8 at byte %d", i))
			}
		}
	}
	return nil // not reached: ValidString said there is an invalid byte
}

// checkValue checks a value stored under key: valid UTF-8, at most limit
// characters. An empty value is allowed.
func checkValue(kind, key, value string, limit int) error {
	subject := "value of " + kind + " " + quote(key)
	if err := checkLength(subject, value, limit); err != nil {
		return err
	}
	return checkUTF8(subject, value)
}

// Truncate returns s cut to its first limit characters (Unicode code
// points, as Python's s[:limit]), or s itself when it is no longer. MLflow's
// server stores param values past MaxParamValueLength and run tag values past
// MaxTagValueLength so truncated, where it refuses other long values.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return s[:i]
		}
		n++
	}
	return s
}

// ParamValue checks a param value: valid UTF-8 of at most
// MaxParamValueLength characters; it may be empty. key only names it in the
// message.
func ParamValue(key, value string) error {
	return checkValue("param", key, value, MaxParamValueLength)
}

// TagValue checks a run tag value: valid UTF-8 of at most MaxTagValueLength
// characters; it may be empty. key only names it in the message.
func TagValue(key, value string) error {
	return checkValue("tag", key, value, MaxTagValueLength)
}

// ExperimentTagValue checks an experiment tag value: valid UTF-8 of at most
// MaxExperimentTagValueLength characters. key only names it in the message.
func ExperimentTagValue(key, value string) error {
	return checkValue("experiment tag", key, value, MaxExperimentTagValueLength)
}

// RegistryTagValue checks a registered model or model version tag value:
// valid UTF-8 of at most MaxRegistryTagValueLength characters. key only
// names it in the message.
func RegistryTagValue(key, value string) error {
	return checkValue("registry tag", key, value, MaxRegistryTagValueLength)
}

// TraceTagValue checks a trace tag value: valid UTF-8 of at most
// MaxTraceTagValueLength characters. key only names it in the message.
func TraceTagValue(key, value string) error {
	return checkValue("trace tag", key, value, MaxTraceTagValueLength)
}

// Metric checks a metric point: its key (see Key) and its timestamp, which
// must be ≥ 0 (milliseconds since the Unix epoch). Every float64 value is
// allowed, NaN and ±Inf included, and every step.
func Metric(key string, value float64, timestamp int64, step int64) error {
	if err := Key("metric", key); err != nil {
		return err
	}
	if timestamp < 0 {
		return newError("timestamp of metric "+quote(key),
			fmt.Sprintf("%d is negative; timestamps are milliseconds since the Unix epoch and must be ≥ 0", timestamp))
	}
	return nil
}

// ExperimentName checks an experiment name: non-empty valid UTF-8 of at most
// MaxExperimentNameLength characters. Any character is allowed.
func ExperimentName(name string) error {
	return checkName("experiment name", name, MaxExperimentNameLength)
}

// ModelName checks a registered model name: non-empty valid UTF-8 of at most
// MaxModelNameLength characters.
func ModelName(name string) error {
	return checkName("model name", name, MaxModelNameLength)
}

// nonEmpty returns the subject of messages about s, what names it
// ("alias"), and an error when s is empty.
func nonEmpty(what, s string) (subject string, err error) {
	subject = what + " " + quote(s)
	if s == "" {
		return subject, newError(subject, "must not be empty")
	}
	return subject, nil
}

func checkName(what, name string, limit int) error {
	subject, err := nonEmpty(what, name)
	if err != nil {
		return err
	}
	if err := checkLength(subject, name, limit); err != nil {
		return err
	}
	return checkUTF8(subject, name)
}

// RunID checks the form of a run id: an ASCII letter or digit followed by at
// most 255 word characters or '-' (MLflow's ^[a-zA-Z0-9][\w\-]{0,255}$).
// mlite's own run ids are 32 lowercase hex digits.
func RunID(id string) error {
	return checkID("run id", id, MaxRunIDLength)
}

// ExperimentID checks the form of an experiment id: an ASCII letter or digit
// followed by at most 63 word characters or '-' (MLflow's
// ^[a-zA-Z0-9][\w\-]{0,63}$). mlite's own experiment ids are decimal.
func ExperimentID(id string) error {
	return checkID("experiment id", id, MaxExperimentIDLength)
}

func checkID(what, id string, limit int) error {
	subject, err := nonEmpty(what, id)
	if err != nil {
		return err
	}
	if c := id[0]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
		return newError(subject, "must start with an ASCII letter or digit")
	}
	if err := checkLength(subject, id, limit); err != nil {
		return err
	}
	return checkWordChars(subject, id, "ids")
}

// checkWordChars checks that s is valid UTF-8 of letters, digits, '_' and
// '-' only; what names such strings in the message ("ids").
func checkWordChars(subject, s, what string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return newError(subject, fmt.Sprintf("invalid UTF-8 at byte %d", i))
			}
		}
		if r != '-' && !isWordRune(r) {
			return newError(subject, fmt.Sprintf("invalid character %s at byte %d; %s may contain letters, digits, '_' and '-'", showRune(r), i, what))
		}
	}
	return nil
}

// Alias checks a registered model alias: non-empty, at most MaxAliasLength
// characters, only letters, digits, '_' and '-' (MLflow's ^[\w\-]*$), and
// not reserved: "latest" in any case, or 'v' or 'V' followed by digits only
// ("v3", "V12"), which name versions.
func Alias(alias string) error {
	subject, err := nonEmpty("alias", alias)
	if err != nil {
		return err
	}
	if err := checkWordChars(subject, alias, "aliases"); err != nil {
		return err
	}
	if err := checkLength(subject, alias, MaxAliasLength); err != nil {
		return err
	}
	// Python's str.lower, which MLflow uses, and Go's strings.ToLower agree
	// on which strings lower to "latest" (unlike strings.EqualFold, which
	// folds 'ſ' to 's').
	if strings.ToLower(alias) == "latest" {
		return newError(subject, "is reserved: \"latest\" (in any case) means the newest version")
	}
	if isVersionAlias(alias) {
		return newError(subject, "is reserved: 'v' followed by digits names a version")
	}
	return nil
}

// isVersionAlias reports whether s matches ^[vV]\d+$ with Python's Unicode
// \d (any decimal digit, category Nd).
func isVersionAlias(s string) bool {
	if len(s) < 2 || s[0] != 'v' && s[0] != 'V' {
		return false
	}
	for _, r := range s[1:] {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// Dataset checks a dataset logged as a run input. name, digest, sourceType
// and source must be non-empty; schema and profile may be empty. Each must be
// valid UTF-8 within its limit: MaxDatasetName, MaxDatasetDigest,
// MaxDatasetSource, MaxDatasetSchema, MaxDatasetProfile. MLflow sets no limit
// of its own on the source type; mlite caps it like the source.
func Dataset(name, digest, sourceType, source, schema, profile string) error {
	of := " of dataset " + quote(name)
	fields := [...]struct {
		subject, s string
		limit      int
		required   bool
	}{
		{"dataset name " + quote(name), name, MaxDatasetName, true},
		{"digest " + quote(digest) + of, digest, MaxDatasetDigest, true},
		{"source type " + quote(sourceType) + of, sourceType, MaxDatasetSource, true},
		{"source" + of, source, MaxDatasetSource, true},
		{"schema" + of, schema, MaxDatasetSchema, false},
		{"profile" + of, profile, MaxDatasetProfile, false},
	}
	for _, f := range fields {
		if f.required && f.s == "" {
			return newError(f.subject, "must not be empty")
		}
		if err := checkLength(f.subject, f.s, f.limit); err != nil {
			return err
		}
		if err := checkUTF8(f.subject, f.s); err != nil {
			return err
		}
	}
	return nil
}

// InputTag checks a tag of a dataset input (such as mlflow.data.context):
// a non-empty key of at most MaxInputTagKey characters and a value of at
// most MaxInputTagValue characters, both valid UTF-8. MLflow does not
// restrict the key's characters, so neither does mlite.
func InputTag(key, value string) error {
	subject := "input tag key " + quote(key)
	if key == "" {
		return newError(subject, "must not be empty")
	}
	if err := checkLength(subject, key, MaxInputTagKey); err != nil {
		return err
	}
	if err := checkUTF8(subject, key); err != nil {
		return err
	}
	return checkValue("input tag", key, value, MaxInputTagValue)
}

// Batch checks the counts of one LogBatch request against MLflow's limits:
// at most MaxMetricsPerBatch metrics, MaxParamsTagsPerBatch params,
// MaxParamsTagsPerBatch tags and MaxEntitiesPerBatch of them together.
func Batch(metrics, params, tags int) error {
	check := func(what string, n, limit int) error {
		if n > limit {
			return newError("batch", fmt.Sprintf("has %d %s, over the limit of %d per batch; split it into several batches", n, what, limit))
		}
		return nil
	}
	if err := check("metrics", metrics, MaxMetricsPerBatch); err != nil {
		return err
	}
	if err := check("params", params, MaxParamsTagsPerBatch); err != nil {
		return err
	}
	if err := check("tags", tags, MaxParamsTagsPerBatch); err != nil {
		return err
	}
	return check("metrics, params and tags together", metrics+params+tags, MaxEntitiesPerBatch)
}

// ParamKeysUnique rejects a batch that logs the same param key twice, as
// MLflow does (even with equal values).
func ParamKeysUnique(keys []string) error {
	if len(keys) < 2 {
		return nil
	}
	seen := make(map[string]int, len(keys))
	var dups []string
	for _, k := range keys {
		seen[k]++
		if seen[k] == 2 {
			dups = append(dups, quote(k))
		}
	}
	if len(dups) == 0 {
		return nil
	}
	return newError("batch", "logs param key "+strings.Join(dups, ", ")+" more than once; a batch may hold one value per param key")
}
