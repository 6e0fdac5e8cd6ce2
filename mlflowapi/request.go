package mlflowapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
)

// maxBodyBytes bounds a request body. MLflow's largest request, log-batch,
// is at most 1 MB.
const maxBodyBytes = 16 << 20

// maxListLen bounds the elements of one repeated parameter.
const maxListLen = 100000

// seeDocs ends MLflow's parameter validation messages.
const seeDocs = " See the API docs for more information about request parameters."

// params is a decoded request: its parameters by name, read from the query
// string (a GET with one) or from a JSON object body (everything else),
// as MLflow's _get_request_message reads them.
type params struct {
	query url.Values                 // set when read from the query string
	body  map[string]json.RawMessage // otherwise
	size  int                        // the body's length in bytes
	path  map[string]string          // the route's path parameters, e.g. model_id
}

// decodeRequest parses a request's parameters. rawQuery is the URL's query
// string and body its body, already bounded by the caller. A POST or PUT
// must say its body is JSON; a body that is a JSON string holding JSON is
// decoded twice, as MLflow does for old clients. Unknown fields are kept
// and ignored. The error is an INVALID_PARAMETER_VALUE *apiError.
func decodeRequest(method, contentType, rawQuery string, body []byte) (*params, error) {
	if method == "GET" && rawQuery != "" {
		q, _ := url.ParseQuery(rawQuery) // lenient, like Flask: keep what parses
		if len(q) > 0 {
			return &params{query: q}, nil
		}
	}
	if method == "POST" || method == "PUT" {
		if contentType == "" {
			return nil, invalidParam("Bad Request. Content-Type header is missing.")
		}
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/json" {
			return nil, invalidParam("Bad Request. Content-Type must be one of ['application/json'].")
		}
	}
	p := &params{body: map[string]json.RawMessage{}, size: len(body)}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	if body[0] == '"' {
		var inner string
		if err := json.Unmarshal(body, &inner); err != nil {
			return nil, invalidParam("Malformed JSON request body: %v", err)
		}
		body = bytes.TrimSpace([]byte(inner))
		if len(body) == 0 {
			return p, nil
		}
	}
	if string(body) == "null" {
		return p, nil
	}
	if body[0] != '{' {
		return nil, invalidParam("Malformed JSON request body: want a JSON object")
	}
	if err := json.Unmarshal(body, &p.body); err != nil {
		return nil, invalidParam("Malformed JSON request body: %v", err)
	}
	return p, nil
}

// has reports whether name is present and not null.
func (p *params) has(name string) bool {
	if p.query != nil {
		_, ok := p.query[name]
		return ok
	}
	v, ok := p.body[name]
	return ok && string(v) != "null"
}

// badValue is MLflow's message for a parameter of the wrong type or out of
// range: the value as JSON and its Python type.
func (p *params) badValue(name string) *apiError {
	var shown, typ string
	if p.query != nil {
		shown, typ = string(appendString(nil, p.query.Get(name))), "str"
	} else {
		raw := p.body[name]
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			shown = buf.String()
		} else {
			shown = string(raw)
		}
		typ = pyType(raw)
	}
	if len(shown) > 200 {
		shown = shown[:200] + "..."
	}
	return invalidParam("Invalid value %s for parameter '%s' supplied:  Hint: Value was of type '%s'.%s", shown, name, typ, seeDocs)
}

// pyType names the Python type json.loads gives raw.
func pyType(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '"':
		return "str"
	case '{':
		return "dict"
	case '[':
		return "list"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// missing is MLflow's message for a required parameter left out or empty.
func missing(name string) *apiError {
	return invalidParam("Missing value for required parameter '%s'.%s", name, seeDocs)
}

// stringifies lists the fields MLflow accepts as JSON numbers too and turns
// into strings (proto_json_utils._stringify_all_experiment_ids).
func stringifies(name string) bool { return name == "experiment_id" || name == "experiment_ids" }

// str returns string parameter name ("" when absent).
func (p *params) str(name string) (string, error) {
	if p.query != nil {
		return p.query.Get(name), nil
	}
	raw, ok := p.body[name]
	if !ok {
		return "", nil
	}
	return p.jsonString(name, raw)
}

func (p *params) jsonString(name string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", p.badValue(name)
		}
		return s, nil
	case stringifies(name) && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", p.badValue(name)
		}
		return n.String(), nil
	}
	return "", p.badValue(name)
}

// required returns string parameter name, which must be present and not
// empty.
func (p *params) required(name string) (string, error) {
	s, err := p.str(name)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", missing(name)
	}
	return s, nil
}

// runID returns the required run_id, or the deprecated run_uuid in its
// place.
func (p *params) runID() (string, error) {
	s, err := p.str("run_id")
	if err != nil {
		return "", err
	}
	if s == "" {
		if s, err = p.str("run_uuid"); err != nil {
			return "", err
		}
	}
	if s == "" {
		return "", missing("run_id")
	}
	return s, nil
}

// strs returns repeated string parameter name: repeated query keys, or a
// JSON array.
func (p *params) strs(name string) ([]string, error) {
	if p.query != nil {
		v := p.query[name]
		if len(v) > maxListLen {
			return nil, invalidParam("Too many values for parameter '%s': %d, at most %d.", name, len(v), maxListLen)
		}
		return v, nil
	}
	elems, err := p.array(name)
	if err != nil || elems == nil {
		return nil, err
	}
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		s, err := p.jsonString(name, e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// scalar returns the text of number-like parameter name: the query
// value, a JSON string's content or a JSON number's literal (number says
// which); ok is false when it is absent or null.
func (p *params) scalar(name string) (text string, number, ok bool, err error) {
	if p.query != nil {
		v, ok := p.query[name]
		if !ok {
			return "", false, false, nil
		}
		return v[0], false, true, nil
	}
	raw := bytes.TrimSpace(p.body[name])
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, false, nil
	}
	switch {
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &text); err != nil {
			return "", false, false, p.badValue(name)
		}
		return text, false, true, nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return string(raw), true, true, nil
	}
	return "", false, false, p.badValue(name)
}

// int returns integer parameter name and whether it was given. Like
// protobuf's JSON parser it takes a JSON number with no fraction or a
// string holding an integer.
func (p *params) int(name string) (int64, bool, error) {
	text, number, ok, err := p.scalar(name)
	if err != nil || !ok {
		return 0, false, err
	}
	if number && strings.ContainsAny(text, ".eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<63-1024 {
			return 0, false, p.badValue(name)
		}
		return int64(f), true, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || strings.ContainsRune(text, ' ') {
		return 0, false, p.badValue(name)
	}
	return n, true, nil
}

// bool returns boolean parameter name and whether it was given: JSON true
// or false, or the strings "true" and "false".
func (p *params) bool(name string) (bool, bool, error) {
	var text string
	if p.query != nil {
		v, ok := p.query[name]
		if !ok {
			return false, false, nil
		}
		text = v[0]
	} else {
		raw, ok := p.body[name]
		raw = bytes.TrimSpace(raw)
		if !ok || len(raw) == 0 || string(raw) == "null" {
			return false, false, nil
		}
		text = string(raw)
		if raw[0] == '"' {
			if err := json.Unmarshal(raw, &text); err != nil {
				return false, false, p.badValue(name)
			}
		}
	}
	switch text {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, p.badValue(name)
}

// enum returns enum parameter name as its number, given by name or by
// number, and whether it was given.
func (p *params) enum(name string, values map[string]int64) (int64, bool, error) {
	s, err := p.str(name)
	if err != nil {
		// A JSON number: the enum's number.
		n, ok, ierr := p.int(name)
		if ierr != nil {
			return 0, false, err
		}
		for _, v := range values {
			if v == n {
				return n, ok, nil
			}
		}
		return 0, false, p.badValue(name)
	}
	if !p.has(name) {
		return 0, false, nil
	}
	if v, ok := values[s]; ok {
		return v, true, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		for _, v := range values {
			if v == n {
				return n, true, nil
			}
		}
	}
	return 0, false, p.badValue(name)
}

// String renders the parameters for logs and tests.
func (p *params) String() string {
	if p.query != nil {
		return "query " + p.query.Encode()
	}
	return fmt.Sprintf("body %d fields", len(p.body))
}

// float returns double parameter name and whether it was given: a JSON
// number, or a string holding one or "NaN", "Infinity", "-Infinity" (proto
// JSON's names for the values JSON cannot write).
func (p *params) float(name string) (float64, bool, error) {
	text, _, ok, err := p.scalar(name)
	if err != nil || !ok {
		return 0, false, err
	}
	switch text {
	case "NaN":
		return math.NaN(), true, nil
	case "Infinity":
		return math.Inf(1), true, nil
	case "-Infinity":
		return math.Inf(-1), true, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || strings.ContainsAny(text, "xXnNiI_ ") {
		return 0, false, p.badValue(name)
	}
	return f, true, nil
}

// array returns the elements of JSON array parameter name of the body,
// nil when it is absent or null.
func (p *params) array(name string) ([]json.RawMessage, error) {
	raw, ok := p.body[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, p.badValue(name)
	}
	if len(elems) > maxListLen {
		return nil, invalidParam("Too many values for parameter '%s': %d, at most %d.", name, len(elems), maxListLen)
	}
	return elems, nil
}

// objects returns repeated message parameter name, a JSON array of
// objects, each as parameters of its own. A query string carries no
// messages: there it is always empty.
func (p *params) objects(name string) ([]*params, error) {
	if p.query != nil {
		return nil, nil
	}
	elems, err := p.array(name)
	if err != nil || elems == nil {
		return nil, err
	}
	out := make([]*params, 0, len(elems))
	for _, e := range elems {
		e = bytes.TrimSpace(e)
		if len(e) == 0 || e[0] != '{' {
			return nil, p.badValue(name)
		}
		q := &params{body: map[string]json.RawMessage{}}
		if err := json.Unmarshal(e, &q.body); err != nil {
			return nil, p.badValue(name)
		}
		out = append(out, q)
	}
	return out, nil
}

// object returns message parameter name as parameters of its own, or nil
// when absent.
func (p *params) object(name string) (*params, error) {
	if p.query != nil {
		return nil, nil
	}
	raw, ok := p.body[name]
	raw = bytes.TrimSpace(raw)
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, p.badValue(name)
	}
	q := &params{body: map[string]json.RawMessage{}}
	if err := json.Unmarshal(raw, &q.body); err != nil {
		return nil, p.badValue(name)
	}
	return q, nil
}

// keyValue is one element of a repeated tag or param message.
type keyValue struct{ key, value string }

// keyValues returns repeated key-value message parameter name (tags,
// params): each element's key is required, its value may be empty.
func (p *params) keyValues(name string) ([]keyValue, error) {
	objs, err := p.objects(name)
	if err != nil {
		return nil, err
	}
	out := make([]keyValue, 0, len(objs))
	for i, o := range objs {
		k, err := o.str("key")
		if err != nil {
			return nil, err
		}
		if k == "" {
			return nil, missing(fmt.Sprintf("%s[%d].key", name, i))
		}
		v, err := o.str("value")
		if err != nil {
			return nil, err
		}
		out = append(out, keyValue{k, v})
	}
	return out, nil
}
