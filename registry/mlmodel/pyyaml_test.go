package mlmodel

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// pyyamlCase is one case of testdata/pyyaml/cases.json: a value and the
// YAML that PyYAML's safe_dump(value, default_flow_style=False) wrote for
// it (made with PyYAML 6.0, the library MLflow writes MLmodel files with).
type pyyamlCase struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
	YAML  string          `json:"yaml"`
}

// fromJSONNumbers turns json.Number into int64, *big.Int or float64 as
// Python's json module would read them.
func fromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
			z, _ := new(big.Int).SetString(s, 10)
			return z
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case []any:
		for i := range x {
			x[i] = fromJSONNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSONNumbers(x[k])
		}
	}
	return v
}

func loadPyYAMLCases(t testing.TB) []pyyamlCase {
	t.Helper()
	b, err := os.ReadFile("testdata/pyyaml/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []pyyamlCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func decodeCaseValue(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return fromJSONNumbers(v)
}

// TestEmitterMatchesPyYAML checks the emitter against PyYAML's output for
// hundreds of values: quoting decisions, escapes, folding at 80 columns,
// indentation of nested sequences and mappings, floats and big integers.
func TestEmitterMatchesPyYAML(t *testing.T) {
	for _, c := range loadPyYAMLCases(t) {
		v := decodeCaseValue(t, c.Value)
		n, err := toYNode(v, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got := emitDocument(n)
		if got != c.YAML {
			t.Errorf("%s: value %s\ngot:\n%s\nwant:\n%s", c.Name, c.Value, got, c.YAML)
		}
	}
}

// TestReaderMatchesPyYAML reads PyYAML's output back and checks that it
// gives the value PyYAML wrote (so quoting and resolution agree).
func TestReaderMatchesPyYAML(t *testing.T) {
	for _, c := range loadPyYAMLCases(t) {
		want := decodeCaseValue(t, c.Value)
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(c.YAML), &doc); err != nil {
			t.Errorf("%s: yaml.v3 cannot parse PyYAML's output: %v\n%s", c.Name, err, c.YAML)
			continue
		}
		got, err := (&yreader{budget: maxYAMLNodes}).value(&doc, 0)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		gn, _ := toYNode(got, 0)
		wn, _ := toYNode(want, 0)
		if g, w := emitDocument(gn), emitDocument(wn); g != w {
			t.Errorf("%s: read back differently\ngot:\n%s\nwant:\n%s", c.Name, g, w)
		}
	}
}
