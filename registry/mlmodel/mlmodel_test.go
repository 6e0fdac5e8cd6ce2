package mlmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/mlite/mlite/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The MLmodel files under testdata/mlmodel were written by MLflow 3.17.2
// (Model.to_yaml, mlflow.pyfunc.save_model) and, for the MLflow 1.x and
// 2.x layouts, by PyYAML's safe_dump of the dict those versions wrote, all
// with our own data. history.json holds what MLflow's get_tags_dict gives
// for each (the mlflow.log-model.history entry), and "append" what the
// file store writes after appending go_mlite_fresh's entry to mlflow1's.

func goldenFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/mlmodel/*.MLmodel")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden MLmodel files: %v", err)
	}
	return files
}

// TestMLmodelRoundTrip decodes each MLflow-written file and encodes it
// again: the bytes must be the same. It also pins what was decoded in a
// .summary golden file.
func TestMLmodelRoundTrip(t *testing.T) {
	for _, path := range goldenFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			var out bytes.Buffer
			if err := m.Encode(&out); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if out.String() != string(data) {
				t.Errorf("re-encoded file differs\ngot:\n%s\nwant:\n%s", out.String(), data)
			}
			golden.Check(t, strings.TrimSuffix(path, ".MLmodel")+".summary", summarize(t, m))
		})
	}
}

// summarize writes the decoded model one field a line, Python-JSON style.
func summarize(t *testing.T, m *Model) string {
	t.Helper()
	var b strings.Builder
	line := func(k string, v any) {
		b.WriteString(k)
		b.WriteString(": ")
		if err := writeJSON(&b, v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		b.WriteByte('\n')
	}
	line("artifact_path", m.ArtifactPath)
	line("run_id", m.RunID)
	line("model_uuid", m.ModelUUID)
	line("model_id", m.ModelID)
	line("utc_time_created", m.UTCTimeCreated)
	line("mlflow_version", m.MLflowVersion)
	line("databricks_runtime", m.DatabricksRuntime)
	for _, name := range sortedKeys(m.Flavors) {
		line("flavor "+name, anyMap(m.Flavors[name]))
	}
	if m.Signature != nil {
		for _, s := range []struct {
			k string
			s *Schema
		}{{"inputs", m.Signature.Inputs}, {"outputs", m.Signature.Outputs}} {
			if s.s == nil {
				line("signature "+s.k, nil)
				continue
			}
			var parts []any
			for _, c := range s.s.Cols {
				parts = append(parts, c.Name+" "+c.Type.String()+map[bool]string{true: "", false: " (optional)"}[c.Required])
			}
			for _, tn := range s.s.Tensors {
				parts = append(parts, tn.Name+" tensor "+tn.DType+" "+strings.Trim(strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(jsonOf(t, tn.Shape), ",", " "), "[]")), ","), " "))
			}
			line("signature "+s.k, parts)
		}
		if m.Signature.Params != nil {
			for _, p := range m.Signature.Params.Params {
				line("param "+p.Name, []any{p.Type.String(), p.Default, p.Shape != nil})
			}
		}
		line("type hint flags", []any{m.SignatureFromTypeHint, m.TypeHintFromExample})
	}
	if in := m.SavedInputExample; in != nil {
		line("input example", []any{in.ArtifactPath, in.Type, in.PandasOrient, in.ServingInputPath, in.HasParams})
	}
	line("metadata", anyMap(m.Metadata))
	if m.ModelSizeBytes != nil {
		line("model_size_bytes", *m.ModelSizeBytes)
	}
	line("prompts", anyStrings(m.Prompts))
	line("env_vars", anyStrings(m.EnvVars))
	line("resources", anyMap(m.Resources))
	line("auth_policy", anyMap(m.AuthPolicy))
	line("extra", anyMap(m.Extra))
	return b.String()
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func anyStrings(s []string) any {
	if s == nil {
		return nil
	}
	return s
}

// TestEncodeFreshMatchesMLflow builds in Go the model that
// go_mlite_fresh.MLmodel holds and checks that Encode writes what MLflow 3
// wrote for it (model_id and prompts null, the type-hint flags present).
func TestEncodeFreshMatchesMLflow(t *testing.T) {
	want, err := os.ReadFile("testdata/mlmodel/go_mlite_fresh.MLmodel")
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{
		ArtifactPath:   "model",
		RunID:          "4f3e2d1c0b0a49887766554433221100",
		UTCTimeCreated: "2025-06-01 08:00:00.000001",
		ModelUUID:      "9a8b7c6d5e4f40312a1b2c3d4e5f6a7b",
		MLflowVersion:  "3.6.0",
		Flavors: map[string]map[string]any{
			GoFlavor: {"model_file": "model.json", "model_type": "linear", "mlite_version": "0.1.0"},
		},
		Signature: &Signature{
			Inputs:  &Schema{Cols: []ColSpec{Col("x1", Double), Col("x2", Double)}},
			Outputs: &Schema{Tensors: []TensorSpec{{DType: "float64", Shape: []int{-1}}}},
		},
	}
	got, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLogModelHistory(t *testing.T) {
	b, err := os.ReadFile("testdata/mlmodel/history.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	models := map[string]*Model{}
	for _, path := range goldenFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		models[name] = m
		got, err := m.LogModelHistoryEntry()
		if err != nil {
			t.Fatal(err)
		}
		if got != want[name] {
			t.Errorf("%s: LogModelHistoryEntry\ngot:  %s\nwant: %s", name, got, want[name])
		}
	}
	first, err := models["mlflow1.MLmodel"].AppendLogModelHistory("")
	if err != nil {
		t.Fatal(err)
	}
	got, err := models["go_mlite_fresh.MLmodel"].AppendLogModelHistory(first)
	if err != nil {
		t.Fatal(err)
	}
	if got != want["append"] {
		t.Errorf("AppendLogModelHistory\ngot:  %s\nwant: %s", got, want["append"])
	}
	if _, err := models["mlflow1.MLmodel"].AppendLogModelHistory(`{"not": "a list"}`); !errors.Is(err, ErrInvalid) {
		t.Errorf("AppendLogModelHistory(object): got %v, want ErrInvalid", err)
	}
}

func TestMarshalYAMLEmbeds(t *testing.T) {
	data, err := os.ReadFile("testdata/mlmodel/nested_mlflow3.MLmodel")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Metadata["sci"] = "1e5" // a string PyYAML leaves plain and YAML 1.2 reads as a number
	type wrapper struct {
		Model *Model `yaml:"model"`
	}
	b, err := yaml.Marshal(wrapper{Model: m})
	if err != nil {
		t.Fatal(err)
	}
	var back wrapper
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatalf("yaml.Unmarshal: %v\n%s", err, b)
	}
	if back.Model.Metadata["sci"] != "1e5" {
		t.Errorf("metadata sci: got %#v, want \"1e5\"", back.Model.Metadata["sci"])
	}
	if got, want := back.Model.Signature.Inputs.Cols[6].Name, "température"; got != want {
		t.Errorf("column 6: got %q, want %q", got, want)
	}
}

func TestDecodeRefuses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"- a\n- b\n", "not a mapping"},
		{"run_id: [1]\n", "run_id: want a string, got a list"},
		{"flavors: [a]\n", "flavors: want a mapping"},
		{"flavors:\n  x: 3\n", "flavors: x: want a mapping"},
		{"signature:\n  inputs: 3\n", "signature: inputs: want a JSON string"},
		{"signature:\n  input: '[]'\n", `unexpected key "input"`},
		{"signature:\n  inputs: '[{\"type\": \"dbl\"}]'\n", `signature inputs: mlmodel: schema input 0: mlmodel: unknown type "dbl"`},
		{"model_size_bytes: 1.5\n", "model_size_bytes: want an integer"},
		{"model_size_bytes: 100000000000000000000\n", "out of range"},
		{"env_vars: [1]\n", "env_vars[0]: want a string"},
		{"saved_input_example_info: {params: 'yes'}\n", "params: want 'true'"},
		{"a: 1\na: 2\n", `key "a" appears twice`},
		{"<<: {a: 1}\n", "merge keys"},
		{"a: !!binary aGk=\n", "unsupported tag"},
		{"a: =\n", "cannot read"},
		{"a: 1\n---\nb: 2\n", "more than one YAML document"},
		{"a: [\n", "not YAML"},
		{"a: &x [*x]\n", ""},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested deeper"},
	}
	for _, tt := range tests {
		_, err := Unmarshal([]byte(tt.in))
		if err == nil {
			if tt.want != "" {
				t.Errorf("Unmarshal(%q): got no error, want %q", tt.in, tt.want)
			}
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%q): got %v, want an ErrInvalid error containing %q", tt.in, err, tt.want)
		}
	}
	big := bytes.Repeat([]byte("#"), MaxMLmodelSize+1)
	if _, err := Decode(bytes.NewReader(big)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Decode(too big): got %v, want ErrInvalid", err)
	}
}

// TestDecodeReadsLikePyYAML checks YAML 1.1 plain scalars are read as
// PyYAML's safe_load reads them, not as YAML 1.2 would.
func TestDecodeReadsLikePyYAML(t *testing.T) {
	m, err := Unmarshal([]byte("metadata:\n  a: yes\n  b: 1e5\n  c: 0x1F\n  d: 012\n  e: 1:30\n  f: ~\n  g: 1_000.5\n  h: .inf\n  i: 2024-01-01\n  j: Off\n  k: 3.10\n  l: '3.10'\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := jsonText(t, m.Metadata)
	want := `{"a": true, "b": "1e5", "c": 31, "d": 10, "e": 90, "f": null, "g": 1000.5, "h": Infinity, "i": "2024-01-01", "j": false, "k": 3.1, "l": "3.10"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestEncodeFreshFullModels re-encodes MLflow 3 files as if their models
// had been built in code (no memory of the file's keys): Encode's defaults
// for new models must give what MLflow 3 wrote.
func TestEncodeFreshFullModels(t *testing.T) {
	for _, name := range []string{"nested_mlflow3.MLmodel", "pyfunc_mlflow3.MLmodel", "go_mlite_fresh.MLmodel"} {
		data, err := os.ReadFile(filepath.Join("testdata/mlmodel", name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		fresh := *m
		fresh.present, fresh.nulls, fresh.sigKeys = nil, nil, nil
		got, err := fresh.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(data) {
			t.Errorf("%s: fresh encoding differs\ngot:\n%s\nwant:\n%s", name, got, data)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", name, err)
		}
	}
}

func TestModelValidate(t *testing.T) {
	good := func() *Model {
		return &Model{
			Flavors:        map[string]map[string]any{GoFlavor: {"model_file": "m.json", "model_type": "linear"}},
			ModelUUID:      NewUUID(),
			UTCTimeCreated: FormatTime(time.Date(2024, 5, 1, 12, 34, 56, 123456789, time.UTC)),
		}
	}
	if m := good(); m.UTCTimeCreated != "2024-05-01 12:34:56.123456" || m.Validate() != nil {
		t.Fatalf("good model: time %q, Validate %v", m.UTCTimeCreated, m.Validate())
	}
	if got := FormatTime(time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)); got != "2024-05-01 12:34:56" {
		t.Errorf("FormatTime whole second: got %q, want Python's str() without microseconds", got)
	}
	tests := []struct {
		name   string
		change func(*Model)
		want   string
	}{
		{"no flavors", func(m *Model) { m.Flavors = nil }, "no flavors"},
		{"bad time", func(m *Model) { m.UTCTimeCreated = "yesterday" }, "not a time"},
		{"go flavor without file", func(m *Model) { delete(m.Flavors[GoFlavor], "model_file") }, "model_file"},
		{"bad signature", func(m *Model) { m.Signature = &Signature{Inputs: &Schema{}} }, "no inputs"},
	}
	for _, tt := range tests {
		m := good()
		tt.change(m)
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want an ErrInvalid error containing %q", tt.name, err, tt.want)
		}
	}
}
