package mlmodel

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeMLmodel feeds arbitrary bytes to Unmarshal: it must not panic
// or hang, and whatever decodes must encode, decode again and encode to the
// same bytes.
func FuzzDecodeMLmodel(f *testing.F) {
	files, _ := filepath.Glob("testdata/mlmodel/*.MLmodel")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"flavors: {}\n",
		"flavors:\n  go_mlite:\n    model_file: m.json\nsignature:\n  inputs: '[{\"type\": \"double\", \"name\": \"x\"}]'\n  outputs: null\n",
		"a: &x [1, *x]\n",
		"metadata: {yes: no, n: ~, f: 1_000.5, i: 0x1F, t: 2024-01-01 10:00:00}\n",
		"artifact_path: ''\nrun_id: null\nmodel_size_bytes: 12\n",
		"saved_input_example_info: {artifact_path: input_example.json, type: json_object, params: 'true'}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStable(t, data, Unmarshal, (*Model).Marshal) })
}

// FuzzSchemaJSON feeds arbitrary text to ParseSchemaJSON and
// ParseParamSchemaJSON: no panic or hang, and whatever parses must write,
// parse again and write the same text.
func FuzzSchemaJSON(f *testing.F) {
	for _, s := range mlflowSchemaJSON {
		f.Add(s)
	}
	for _, s := range mlflowParamsJSON {
		f.Add(s)
	}
	f.Add(`[{"type": "double", "name": "x", "required": false}]`)
	f.Add(`[{"name": "p", "default": {"b": [1, NaN, -Infinity, 1e400]}, "type": "object", "properties": {"b": {"type": "array", "items": {"type": "any"}}}}]`)
	f.Fuzz(func(t *testing.T, text string) {
		checkStable(t, text, ParseSchemaJSON, (*Schema).JSON)
		checkStable(t, text, ParseParamSchemaJSON, (*ParamSchema).JSON)
	})
}

// checkStable checks that whatever parse accepts writes, parses again and
// writes the same text.
func checkStable[V any, S ~string | ~[]byte](t *testing.T, in S, parse func(S) (V, error), write func(V) (S, error)) {
	t.Helper()
	v, err := parse(in)
	if err != nil {
		return
	}
	out, err := write(v)
	if err != nil {
		t.Fatalf("parsed but cannot write: %v\ninput: %q", err, in)
	}
	v2, err := parse(out)
	if err != nil {
		t.Fatalf("cannot parse own output: %v\ninput: %q\noutput:\n%s", err, in, out)
	}
	if out2, err := write(v2); err != nil || string(out2) != string(out) {
		t.Fatalf("output not stable (%v)\ninput: %q\nfirst:\n%s\nsecond:\n%s", err, in, out, out2)
	}
}
