package mlmodel

import (
	"bytes"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Unmarshal(data)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("decoded but cannot encode: %v\ninput: %q", err, data)
		}
		m2, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("cannot decode own output: %v\ninput: %q\noutput:\n%s", err, data, out)
		}
		out2, err := m2.Marshal()
		if err != nil {
			t.Fatalf("cannot re-encode: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("encoding is not stable\ninput: %q\nfirst:\n%s\nsecond:\n%s", data, out, out2)
		}
	})
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
		if s, err := ParseSchemaJSON(text); err == nil {
			j, err := s.JSON()
			if err != nil {
				t.Fatalf("parsed but cannot write: %v\ninput: %q", err, text)
			}
			s2, err := ParseSchemaJSON(j)
			if err != nil {
				t.Fatalf("cannot parse own output: %v\ninput: %q\noutput: %s", err, text, j)
			}
			if j2, _ := s2.JSON(); j2 != j {
				t.Fatalf("schema JSON not stable\nfirst:  %s\nsecond: %s", j, j2)
			}
		}
		if p, err := ParseParamSchemaJSON(text); err == nil {
			j, err := p.JSON()
			if err != nil {
				t.Fatalf("parsed params but cannot write: %v\ninput: %q", err, text)
			}
			p2, err := ParseParamSchemaJSON(j)
			if err != nil {
				t.Fatalf("cannot parse own params output: %v\ninput: %q\noutput: %s", err, text, j)
			}
			if j2, _ := p2.JSON(); j2 != j {
				t.Fatalf("param JSON not stable\nfirst:  %s\nsecond: %s", j, j2)
			}
		}
	})
}
