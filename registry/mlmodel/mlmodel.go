package mlmodel

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FileName is the name of the file that describes a model in its artifact
// directory.
const FileName = "MLmodel"

// Flavor names and keys MLflow and mlite use.
const (
	// PyFuncFlavor is the flavor every Python MLflow model carries; its
	// config names loader_module, env and python_version.
	PyFuncFlavor = "python_function"
	// GoFlavor is mlite's flavor for models that pure-Go code can load and
	// serve. Its config has model_file (the model's file inside the model
	// directory), model_type (e.g. "linear", "lightgbm_text") and
	// optionally go_version and mlite_version.
	GoFlavor = "go_mlite"
)

// TimeLayout is the layout of utc_time_created: Python's str() of a naive
// datetime with microseconds. A time whose microseconds are zero is written
// without them, as Python does (TimeLayoutWhole).
const (
	TimeLayout      = "2006-01-02 15:04:05.000000"
	TimeLayoutWhole = "2006-01-02 15:04:05"
)

// FormatTime formats t in UTC the way MLflow writes utc_time_created.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format(TimeLayoutWhole)
	}
	return t.Truncate(time.Microsecond).Format(TimeLayout)
}

// ParseTime parses a utc_time_created value (either layout, or an ISO 8601
// time with a 'T') as UTC.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalidf("utc_time_created %q: not a time", s)
}

// InputExampleInfo is the saved_input_example_info of an MLmodel file: where
// the input example lives in the model directory and how it is encoded.
type InputExampleInfo struct {
	// ArtifactPath is the example's file, "input_example.json".
	ArtifactPath string
	// Type is "dataframe", "ndarray", "json_object", "sparse_matrix_csc"
	// or "sparse_matrix_csr".
	Type string
	// PandasOrient is "split" or "values" for a dataframe example.
	PandasOrient string
	// ServingInputPath is the ready-to-send scoring request,
	// "serving_input_example.json".
	ServingInputPath string
	// HasParams reports that the example file holds {"inputs": ...,
	// "params": ...}; MLflow writes it as the string 'true'.
	HasParams bool
	// Extra keeps keys this package does not know.
	Extra map[string]any
}

// Model is the content of an MLmodel file (MLflow's mlflow.models.Model).
// Zero values mean "absent": Encode leaves them out or writes null where
// MLflow does. A Model read by Decode remembers which keys its file had, so
// that Encode writes the same keys back.
type Model struct {
	ArtifactPath   string
	Flavors        map[string]map[string]any
	RunID          string
	ModelUUID      string
	UTCTimeCreated string
	// MLflowVersion is the MLflow version that wrote the file. MLflow's
	// loaders do not read it; leave it empty (omitted, as MLflow omits
	// None) rather than write a marker that is not a version, and record
	// mlite's version in the go_mlite flavor's mlite_version.
	MLflowVersion string
	// ModelID is MLflow 3's logged model id ("m-…").
	ModelID   string
	Signature *Signature
	// SignatureFromTypeHint and TypeHintFromExample are written, as MLflow
	// writes them, whenever there is a signature.
	SignatureFromTypeHint bool
	TypeHintFromExample   bool
	SavedInputExample     *InputExampleInfo
	Metadata              map[string]any
	ModelSizeBytes        *int64
	Prompts               []string
	Resources             map[string]any
	AuthPolicy            map[string]any
	EnvVars               []string
	DatabricksRuntime     string
	// Extra keeps top-level keys this package does not know, so that they
	// survive a decode and encode.
	Extra map[string]any

	// present and nulls record, for a decoded model, which known keys the
	// file had and which of them were null; nil for a model built in code.
	present map[string]bool
	nulls   map[string]bool
	// sigKeys records which of inputs/outputs/params the file's signature
	// mapping had.
	sigKeys map[string]bool
}

// New returns a model with a fresh model_uuid, the creation time now and
// the given flavors, as MLflow's Model() constructor does.
func New(artifactPath, runID string, flavors map[string]map[string]any) *Model {
	return &Model{
		ArtifactPath:   artifactPath,
		RunID:          runID,
		Flavors:        flavors,
		ModelUUID:      NewUUID(),
		UTCTimeCreated: FormatTime(time.Now()),
	}
}

// NewUUID returns a random (version 4) UUID as 32 hex digits, the form
// MLflow uses for model_uuid and run ids.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// Validate checks what the registry relies on: at least one flavor, a
// go_mlite flavor (if any) naming its model_file and model_type, a
// parseable utc_time_created (if set) and a valid signature (if any).
func (m *Model) Validate() error {
	if len(m.Flavors) == 0 {
		return invalidf("model has no flavors")
	}
	if cfg, ok := m.Flavors[GoFlavor]; ok {
		for _, k := range []string{"model_file", "model_type"} {
			if s, _ := cfg[k].(string); s == "" {
				return invalidf("flavor %s: %s must be a non-empty string", GoFlavor, k)
			}
		}
	}
	if m.UTCTimeCreated != "" {
		if _, err := ParseTime(m.UTCTimeCreated); err != nil {
			return err
		}
	}
	if sig := m.Signature; sig != nil {
		for _, s := range []struct {
			name string
			s    *Schema
		}{{"inputs", sig.Inputs}, {"outputs", sig.Outputs}} {
			if s.s == nil {
				continue
			}
			if err := s.s.Validate(); err != nil {
				return fmt.Errorf("mlmodel: signature %s: %w", s.name, err)
			}
		}
		if sig.Params != nil {
			if err := sig.Params.Validate(); err != nil {
				return fmt.Errorf("mlmodel: signature params: %w", err)
			}
		}
	}
	return nil
}

// Known top-level keys, in the sorted order MLflow writes them.
const (
	kArtifactPath     = "artifact_path"
	kAuthPolicy       = "auth_policy"
	kDatabricks       = "databricks_runtime"
	kEnvVars          = "env_vars"
	kFlavors          = "flavors"
	kSigFromTypeHint  = "is_signature_from_type_hint"
	kMetadata         = "metadata"
	kMLflowVersion    = "mlflow_version"
	kModelID          = "model_id"
	kModelSizeBytes   = "model_size_bytes"
	kModelUUID        = "model_uuid"
	kPrompts          = "prompts"
	kResources        = "resources"
	kRunID            = "run_id"
	kSavedInput       = "saved_input_example_info"
	kSignature        = "signature"
	kTypeHintFromExpl = "type_hint_from_example"
	kUTCTimeCreated   = "utc_time_created"
)

// Encode writes m as MLflow writes an MLmodel file (PyYAML's safe_dump
// with sorted keys and block style), so that an MLmodel file MLflow wrote
// and Decode read comes out byte for byte the same.
//
// For a model built in code, it writes what MLflow 3 writes: model_uuid,
// utc_time_created, model_id and prompts always (null when empty),
// flavors always, the two type-hint flags with a signature, and every
// other key only when set.
func (m *Model) Encode(w io.Writer) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the MLmodel file's bytes (see Encode).
func (m *Model) Marshal() ([]byte, error) {
	root, err := m.toNode()
	if err != nil {
		return nil, err
	}
	return []byte(emitDocument(root)), nil
}

// MarshalYAML implements yaml.Marshaler, for embedding a model in other
// YAML: it returns the file's content as plain values (read with PyYAML's
// rules, so a string such as "1e5" stays a string). Only Encode gives
// MLflow's exact bytes.
func (m *Model) MarshalYAML() (any, error) {
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("mlmodel: BUG: own output is not YAML: %w", err)
	}
	return (&yreader{budget: maxYAMLNodes}).value(&doc, 0)
}

// UnmarshalYAML implements yaml.Unmarshaler with Decode's rules, for a
// model embedded in other YAML.
func (m *Model) UnmarshalYAML(n *yaml.Node) error {
	v, err := (&yreader{budget: maxYAMLNodes}).value(n, 0)
	if err != nil {
		return err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return invalidf("MLmodel content is not a mapping")
	}
	got, err := fromMap(top)
	if err != nil {
		return err
	}
	*m = *got
	return nil
}

// fresh reports whether m was built in code rather than decoded.
func (m *Model) fresh() bool { return m.present == nil }

// keep reports whether an empty field's key is to be written, and as
// what: null, or the empty value itself.
func (m *Model) keep(key string, freshDefault bool) (write, asNull bool) {
	if m.fresh() {
		return freshDefault, true
	}
	return m.present[key], m.nulls[key]
}

func (m *Model) putString(mp ymap, key, val string, freshDefault bool) {
	if val != "" {
		mp.put(key, yStr(val))
		return
	}
	if write, asNull := m.keep(key, freshDefault); write {
		if asNull {
			mp.put(key, yNull())
		} else {
			mp.put(key, yStr(""))
		}
	}
}

func (m *Model) putFlag(mp ymap, key string, val, freshDefault bool) {
	if val {
		mp.put(key, yBool(true))
		return
	}
	if m.fresh() {
		if freshDefault {
			mp.put(key, yBool(false))
		}
		return
	}
	if m.present[key] {
		if m.nulls[key] {
			mp.put(key, yNull())
		} else {
			mp.put(key, yBool(false))
		}
	}
}

func (m *Model) putValue(mp ymap, key string, isNil bool, val any) error {
	if isNil {
		if write, asNull := m.keep(key, false); write && asNull {
			mp.put(key, yNull())
		}
		return nil
	}
	n, err := toYNode(val, 1)
	if err != nil {
		return fmt.Errorf("mlmodel: %s: %w", key, err)
	}
	mp.put(key, n)
	return nil
}

func (m *Model) toNode() (*ynode, error) {
	mp := newYMap()
	m.putString(mp, kArtifactPath, m.ArtifactPath, false)
	if err := m.putValue(mp, kAuthPolicy, m.AuthPolicy == nil, m.AuthPolicy); err != nil {
		return nil, err
	}
	m.putString(mp, kDatabricks, m.DatabricksRuntime, false)
	if err := m.putValue(mp, kEnvVars, m.EnvVars == nil, m.EnvVars); err != nil {
		return nil, err
	}
	if m.Flavors != nil || m.fresh() || (m.present[kFlavors] && !m.nulls[kFlavors]) {
		fl := newYMap()
		for name, cfg := range m.Flavors {
			if cfg == nil {
				fl.put(name, yNull())
				continue
			}
			n, err := toYNode(cfg, 2)
			if err != nil {
				return nil, fmt.Errorf("mlmodel: flavor %q: %w", name, err)
			}
			fl.put(name, n)
		}
		mp.put(kFlavors, fl.n)
	} else if m.nulls[kFlavors] {
		mp.put(kFlavors, yNull())
	}
	sigFlags := m.Signature != nil
	m.putFlag(mp, kSigFromTypeHint, m.SignatureFromTypeHint, sigFlags)
	if err := m.putValue(mp, kMetadata, m.Metadata == nil, m.Metadata); err != nil {
		return nil, err
	}
	m.putString(mp, kMLflowVersion, m.MLflowVersion, false)
	m.putString(mp, kModelID, m.ModelID, true)
	if m.ModelSizeBytes != nil {
		mp.put(kModelSizeBytes, yPlain(fmt.Sprint(*m.ModelSizeBytes)))
	} else if w, asNull := m.keep(kModelSizeBytes, false); w && asNull {
		mp.put(kModelSizeBytes, yNull())
	}
	m.putString(mp, kModelUUID, m.ModelUUID, true)
	if m.Prompts != nil {
		if err := m.putValue(mp, kPrompts, false, m.Prompts); err != nil {
			return nil, err
		}
	} else if w, asNull := m.keep(kPrompts, true); w && asNull {
		mp.put(kPrompts, yNull())
	}
	if err := m.putValue(mp, kResources, m.Resources == nil, m.Resources); err != nil {
		return nil, err
	}
	m.putString(mp, kRunID, m.RunID, false)
	if m.SavedInputExample != nil {
		n, err := m.SavedInputExample.toNode()
		if err != nil {
			return nil, err
		}
		mp.put(kSavedInput, n)
	} else if w, asNull := m.keep(kSavedInput, false); w && asNull {
		mp.put(kSavedInput, yNull())
	}
	if m.Signature != nil {
		n, err := m.signatureNode()
		if err != nil {
			return nil, err
		}
		mp.put(kSignature, n)
	} else if w, asNull := m.keep(kSignature, false); w && asNull {
		mp.put(kSignature, yNull())
	}
	m.putFlag(mp, kTypeHintFromExpl, m.TypeHintFromExample, sigFlags)
	m.putString(mp, kUTCTimeCreated, m.UTCTimeCreated, true)
	for k, v := range m.Extra {
		if knownKey(k) {
			return nil, fmt.Errorf("mlmodel: Extra holds the known key %q", k)
		}
		n, err := toYNode(v, 1)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: %s: %w", k, err)
		}
		mp.put(k, n)
	}
	return mp.n, nil
}

func knownKey(k string) bool {
	switch k {
	case kArtifactPath, kAuthPolicy, kDatabricks, kEnvVars, kFlavors, kSigFromTypeHint, kMetadata,
		kMLflowVersion, kModelID, kModelSizeBytes, kModelUUID, kPrompts, kResources, kRunID,
		kSavedInput, kSignature, kTypeHintFromExpl, kUTCTimeCreated:
		return true
	}
	return false
}

func (m *Model) signatureNode() (*ynode, error) {
	sig := m.Signature
	mp := newYMap()
	put := func(key string, has bool, text func() (string, error)) error {
		if has {
			t, err := text()
			if err != nil {
				return fmt.Errorf("mlmodel: signature %s: %w", key, err)
			}
			mp.put(key, yStr(t))
			return nil
		}
		if m.sigKeys == nil || m.sigKeys[key] {
			mp.put(key, yNull())
		}
		return nil
	}
	if err := put("inputs", sig.Inputs != nil, sig.Inputs.JSON); err != nil {
		return nil, err
	}
	if err := put("outputs", sig.Outputs != nil, sig.Outputs.JSON); err != nil {
		return nil, err
	}
	// MLflow writes params: null for an empty param schema too.
	hasParams := sig.Params != nil && len(sig.Params.Params) > 0
	if err := put("params", hasParams, sig.Params.JSON); err != nil {
		return nil, err
	}
	return mp.n, nil
}

func (in *InputExampleInfo) toNode() (*ynode, error) {
	mp := newYMap()
	if in.ArtifactPath != "" {
		mp.put("artifact_path", yStr(in.ArtifactPath))
	}
	if in.Type != "" {
		mp.put("type", yStr(in.Type))
	}
	if in.PandasOrient != "" {
		mp.put("pandas_orient", yStr(in.PandasOrient))
	}
	if in.ServingInputPath != "" {
		mp.put("serving_input_path", yStr(in.ServingInputPath))
	}
	if in.HasParams {
		mp.put("params", yStr("true"))
	}
	for k, v := range in.Extra {
		switch k {
		case "artifact_path", "type", "pandas_orient", "serving_input_path", "params":
			continue
		}
		n, err := toYNode(v, 2)
		if err != nil {
			return nil, fmt.Errorf("mlmodel: saved_input_example_info: %s: %w", k, err)
		}
		mp.put(k, n)
	}
	return mp.n, nil
}

// Decode reads an MLmodel file. It reads at most MaxMLmodelSize bytes,
// reads YAML as PyYAML's safe loader does (MLflow's reader), checks the
// type of every known key and parses the signature; errors name the key.
// Unknown keys are kept in Extra.
func Decode(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMLmodelSize+1))
	if err != nil {
		return nil, fmt.Errorf("mlmodel: reading MLmodel: %w", err)
	}
	if len(data) > MaxMLmodelSize {
		return nil, invalidf("MLmodel file is larger than %d bytes", MaxMLmodelSize)
	}
	return Unmarshal(data)
}

// Unmarshal parses the bytes of an MLmodel file (see Decode).
func Unmarshal(data []byte) (m *Model, err error) {
	if len(data) > MaxMLmodelSize {
		return nil, invalidf("MLmodel file is larger than %d bytes", MaxMLmodelSize)
	}
	var doc yaml.Node
	func() {
		// The YAML parser is third-party code; a panic on hostile input
		// becomes an error here rather than a crash of the caller.
		defer func() {
			if p := recover(); p != nil {
				err = invalidf("YAML parser failed: %v", p)
			}
		}()
		dec := yaml.NewDecoder(bytes.NewReader(data))
		if e := dec.Decode(&doc); e != nil {
			if e == io.EOF {
				err = invalidf("MLmodel file is empty")
				return
			}
			err = fmt.Errorf("mlmodel: MLmodel is not YAML: %v: %w", e, ErrInvalid)
			return
		}
		var extra yaml.Node
		if e := dec.Decode(&extra); e != io.EOF {
			err = invalidf("MLmodel file holds more than one YAML document")
		}
	}()
	if err != nil {
		return nil, err
	}
	rd := &yreader{budget: maxYAMLNodes}
	v, err := rd.value(&doc, 0)
	if err != nil {
		return nil, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, invalidf("MLmodel file is not a mapping")
	}
	return fromMap(top)
}

// topField reads the optional top-level key into dst when it holds a T,
// recording whether the file had the key and whether it was null.
func topField[T any](m *Model, top map[string]any, key, want string, dst *T) error {
	return topValue(m, top, key, want, func(x T) error { *dst = x; return nil })
}

// topValue hands the optional top-level key's value to use when it is a
// non-null T (else the error names want), recording whether the file had
// the key and whether it was null.
func topValue[T any](m *Model, top map[string]any, key, want string, use func(T) error) error {
	v, ok := top[key]
	if !ok {
		return nil
	}
	m.present[key] = true
	if v == nil {
		m.nulls[key] = true
		return nil
	}
	x, ok := v.(T)
	if !ok {
		return invalidf("%s: want %s, got %s", key, want, jsonKind(v))
	}
	return use(x)
}

func fromMap(top map[string]any) (*Model, error) {
	m := &Model{present: map[string]bool{}, nulls: map[string]bool{}}
	str := func(key string, dst *string) error { return topField(m, top, key, "a string", dst) }
	mapping := func(key string, dst *map[string]any) error { return topField(m, top, key, "a mapping", dst) }
	flag := func(key string, dst *bool) error { return topField(m, top, key, "true or false", dst) }
	strList := func(key string, dst *[]string) error {
		return topValue(m, top, key, "a list of strings", func(list []any) error {
			out := make([]string, 0, len(list))
			for i, e := range list {
				s, ok := e.(string)
				if !ok {
					return invalidf("%s[%d]: want a string, got %s", key, i, jsonKind(e))
				}
				out = append(out, s)
			}
			*dst = out
			return nil
		})
	}
	mappingWith := func(key string, use func(map[string]any) error) error {
		return topValue(m, top, key, "a mapping", use)
	}
	steps := []error{
		str(kArtifactPath, &m.ArtifactPath),
		mapping(kAuthPolicy, &m.AuthPolicy),
		str(kDatabricks, &m.DatabricksRuntime),
		strList(kEnvVars, &m.EnvVars),
		flag(kSigFromTypeHint, &m.SignatureFromTypeHint),
		mapping(kMetadata, &m.Metadata),
		str(kMLflowVersion, &m.MLflowVersion),
		str(kModelID, &m.ModelID),
		str(kModelUUID, &m.ModelUUID),
		strList(kPrompts, &m.Prompts),
		mapping(kResources, &m.Resources),
		str(kRunID, &m.RunID),
		flag(kTypeHintFromExpl, &m.TypeHintFromExample),
		str(kUTCTimeCreated, &m.UTCTimeCreated),
		mappingWith(kFlavors, func(x map[string]any) (err error) {
			m.Flavors, err = flavorsFromMap(x)
			return err
		}),
		topValue(m, top, kModelSizeBytes, "an integer", func(v any) error {
			switch x := v.(type) {
			case int64:
				m.ModelSizeBytes = &x
				return nil
			case *big.Int:
				return invalidf("model_size_bytes: %s is out of range", x)
			}
			return invalidf("model_size_bytes: want an integer, got %s", jsonKind(v))
		}),
		mappingWith(kSavedInput, func(x map[string]any) (err error) {
			m.SavedInputExample, err = inputExampleFromMap(x)
			return err
		}),
		mappingWith(kSignature, func(x map[string]any) (err error) {
			m.Signature, m.sigKeys, err = signatureFromMap(x)
			return err
		}),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	for k, v := range top {
		if !knownKey(k) {
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = v
		}
	}
	return m, nil
}

func flavorsFromMap(x map[string]any) (map[string]map[string]any, error) {
	fl := make(map[string]map[string]any, len(x))
	for name, cfg := range x {
		switch c := cfg.(type) {
		case nil:
			fl[name] = nil
		case map[string]any:
			fl[name] = c
		default:
			return nil, invalidf("flavors: %s: want a mapping, got %s", name, jsonKind(cfg))
		}
	}
	return fl, nil
}

func inputExampleFromMap(x map[string]any) (*InputExampleInfo, error) {
	in := &InputExampleInfo{}
	for k, v := range x {
		var dst *string
		switch k {
		case "artifact_path":
			dst = &in.ArtifactPath
		case "type":
			dst = &in.Type
		case "pandas_orient":
			dst = &in.PandasOrient
		case "serving_input_path":
			dst = &in.ServingInputPath
		case "params":
			if v != "true" {
				return nil, invalidf("saved_input_example_info: params: want 'true', got %v", v)
			}
			in.HasParams = true
			continue
		default:
			if in.Extra == nil {
				in.Extra = map[string]any{}
			}
			in.Extra[k] = v
			continue
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, invalidf("saved_input_example_info: %s: want a non-empty string, got %s", k, jsonKind(v))
		}
		*dst = s
	}
	return in, nil
}

func signatureFromMap(x map[string]any) (*Signature, map[string]bool, error) {
	sig := &Signature{}
	keys := map[string]bool{}
	for k, v := range x {
		switch k {
		case "inputs", "outputs", "params":
		default:
			return nil, nil, invalidf("signature: unexpected key %q (want inputs, outputs, params)", k)
		}
		keys[k] = true
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, nil, invalidf("signature: %s: want a JSON string, got %s", k, jsonKind(v))
		}
		if s == "" {
			// MLflow treats an empty string as absent, and writes null.
			continue
		}
		var err error
		switch k {
		case "inputs":
			sig.Inputs, err = ParseSchemaJSON(s)
		case "outputs":
			sig.Outputs, err = ParseSchemaJSON(s)
		case "params":
			sig.Params, err = ParseParamSchemaJSON(s)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("mlmodel: signature %s: %w", k, err)
		}
	}
	return sig, keys, nil
}

// LogModelHistoryEntry returns the JSON object MLflow appends to the run
// tag mlflow.log-model.history when a model is logged (Model.get_tags_dict):
// run_id, artifact_path, utc_time_created, model_uuid (those present) and
// flavors with each flavor's "config" key left out, formatted as
// json.dumps formats it.
func (m *Model) LogModelHistoryEntry() (string, error) {
	o := &jobj{}
	// Python's to_dict keeps attribute order: run_id, artifact_path,
	// utc_time_created, then model_uuid.
	if m.RunID != "" {
		o.set("run_id", m.RunID)
	}
	if m.ArtifactPath != "" {
		o.set("artifact_path", m.ArtifactPath)
	}
	o.set("utc_time_created", nullIfEmpty(m.UTCTimeCreated))
	o.set("model_uuid", nullIfEmpty(m.ModelUUID))
	fl := &jobj{}
	names := make([]string, 0, len(m.Flavors))
	for name := range m.Flavors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cfg := m.Flavors[name]
		if cfg == nil {
			fl.set(name, nil)
			continue
		}
		c := make(map[string]any, len(cfg))
		for k, v := range cfg {
			if k != "config" {
				c[k] = v
			}
		}
		fl.set(name, c)
	}
	o.set("flavors", fl)
	return dumpJSON(o)
}

// AppendLogModelHistory returns the run tag mlflow.log-model.history
// after logging m, given the tag's current value ("" when the run has no
// such tag): the JSON list with m's LogModelHistoryEntry appended, written
// as MLflow's stores write it (json.dumps of the parsed list plus the new
// entry).
func (m *Model) AppendLogModelHistory(tag string) (string, error) {
	var list []any
	if strings.TrimSpace(tag) != "" {
		if len(tag) > MaxSchemaJSON {
			return "", invalidf("mlflow.log-model.history is %d bytes, more than %d", len(tag), MaxSchemaJSON)
		}
		v, err := parseJSON(tag)
		if err != nil {
			return "", fmt.Errorf("mlmodel: mlflow.log-model.history: %w", err)
		}
		l, ok := v.([]any)
		if !ok {
			return "", invalidf("mlflow.log-model.history: want a JSON list, got %s", jsonKind(v))
		}
		list = l
	}
	entry, err := m.LogModelHistoryEntry()
	if err != nil {
		return "", err
	}
	e, err := parseJSON(entry)
	if err != nil {
		return "", fmt.Errorf("mlmodel: BUG: entry is not JSON: %w", err)
	}
	return dumpJSON(append(list, e))
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
