package serving

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
)

// Errors callers test with errors.Is.
var (
	// ErrUnknownModelType is returned when no loader is registered for a
	// go_mlite model_type.
	ErrUnknownModelType = errors.New("serving: unknown model_type")
	// ErrNotServable is returned for a model that serving cannot load: no
	// go_mlite flavor, no model_file, or no column input signature.
	ErrNotServable = errors.New("serving: model cannot be served")
	// ErrNeedsPython, which wraps ErrNotServable, is returned for a model
	// only Python can load: a flavor without a pure-Go loader (sklearn,
	// pytorch, ...) or a flavor whose file is a pickle. Load's message
	// names the mlflow models serve command that serves it from mlite
	// server.
	ErrNeedsPython = fmt.Errorf("%w: only Python can load it", ErrNotServable)
)

// MaxModelFiles bounds the size of the files Load reads into memory.
const MaxModelFiles = 1 << 30

// Predictor is a loaded model. Predict returns one number per row of f
// (a probability, a score, a class or a regression value), or, for a
// predictor that is also a Wider with Width() > 0, Width numbers per row,
// row after row (class probabilities).
type Predictor interface {
	Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error)
}

// Wider is implemented by a Predictor that may answer several numbers per
// row: the response then holds a list of Width numbers for each row, as
// MLflow's scoring server writes a 2-D numpy answer. Width 0 is one number
// per row.
type Wider interface {
	Width() int
}

// Featurer is implemented by a Predictor that knows its input features'
// names, in the model's order. A model without a signature is served with
// a signature of double columns of these names.
type Featurer interface {
	Features() []string
}

// LoadFunc loads a model of one model_type: files holds the model
// directory (MLmodel, the flavor's model_file, ...), flavor is the
// go_mlite flavor's config.
type LoadFunc func(files fs.FS, flavor map[string]any) (Predictor, error)

// loaderTable holds loaders by name; it is safe for concurrent use.
type loaderTable struct {
	mu sync.RWMutex
	m  map[string]LoadFunc
}

// The loaders of go_mlite models by model_type and of other models by
// MLflow flavor.
var loaders, flavorLoaders loaderTable

func (t *loaderTable) set(name string, load LoadFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]LoadFunc{}
	}
	t.m[name] = load
}

// get returns the loader of the first of names that has one, and its name.
func (t *loaderTable) get(names ...string) (string, LoadFunc) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, n := range names {
		if l := t.m[n]; l != nil {
			return n, l
		}
	}
	return "", nil
}

// names returns the names with a loader, sorted.
func (t *loaderTable) names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Sorted(maps.Keys(t.m))
}

// Loader adapts a flavor package's loader, which returns its own model
// type, to a LoadFunc.
func Loader[P Predictor](load func(files fs.FS, flavor map[string]any) (P, error)) LoadFunc {
	return func(files fs.FS, flavor map[string]any) (Predictor, error) {
		p, err := load(files, flavor)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// ReadFlavorFile reads the file that the flavor config's key (data,
// model_file, ...) names inside the model directory files. Its errors, a
// key that names no path inside the model or a file that cannot be read,
// wrap bad (a flavor package's error for a model it cannot serve).
func ReadFlavorFile(files fs.FS, flavor map[string]any, key string, bad error) ([]byte, error) {
	name, _ := flavor[key].(string)
	if name == "" || !fs.ValidPath(path.Clean(name)) {
		return nil, fmt.Errorf("%w: %s %q is not a path inside the model", bad, key, name)
	}
	raw, err := fs.ReadFile(files, path.Clean(name))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", bad, err)
	}
	return raw, nil
}

// RegisterFlavor makes load the loader of models with the MLflow flavor
// named flavor (lightgbm, xgboost, ...), replacing any earlier one; load
// gets that flavor's config. A model with a go_mlite flavor is loaded by its
// model_type's loader; otherwise by the loader of the first of its flavors,
// sorted by name, that has one. Flavor packages call it from init.
func RegisterFlavor(flavor string, load LoadFunc) { flavorLoaders.set(flavor, load) }

// Flavors returns the MLflow flavors, other than go_mlite, with a
// registered loader, sorted.
func Flavors() []string { return flavorLoaders.names() }

// Register makes load the loader of go_mlite models whose model_type is
// modelType, replacing any earlier one. Model packages call it from init.
func Register(modelType string, load LoadFunc) { loaders.set(modelType, load) }

// ModelTypes returns the model types with a registered loader, sorted.
func ModelTypes() []string { return loaders.names() }

// Model is a model ready to serve.
type Model struct {
	// URI is where the model came from ("" for LoadFS).
	URI string
	// Version is the registered version a models:/ URI named (nil
	// otherwise).
	Version *registry.ModelVersion
	// MLmodel is the model's MLmodel file.
	MLmodel *mlmodel.Model
	// Flavor is the flavor the model was loaded by: go_mlite or a flavor
	// registered with RegisterFlavor.
	Flavor string
	// ModelType is the go_mlite flavor's model_type, or for another
	// flavor its model_class when it names one (else the flavor's name).
	ModelType string
	// Inputs is the input signature requests are checked against.
	Inputs *mlmodel.Schema
	// Predictor scores the rows.
	Predictor Predictor
}

// Load resolves uri (models:/name/version, models:/name@alias,
// models:/name/stage, runs:/id/path) through reg, reads the model's files
// and loads its predictor with the loader registered for its model_type.
func Load(ctx context.Context, reg *registry.Registry, uri string) (*Model, error) {
	dir, err := os.MkdirTemp("", "mlite-serve-")
	if err != nil {
		return nil, fmt.Errorf("serving: %w", err)
	}
	defer os.RemoveAll(dir)
	v, err := reg.Download(ctx, uri, dir)
	if err != nil {
		return nil, fmt.Errorf("serving: %s: %w", uri, err)
	}
	files, err := readDir(dir)
	if err != nil {
		return nil, fmt.Errorf("serving: %s: %w", uri, err)
	}
	m, err := LoadFS(files)
	if errors.Is(err, ErrNeedsPython) {
		return nil, fmt.Errorf("%w\nServe it with MLflow, reading it from mlite server:\n"+
			"  mlite server &    # serves the store on http://127.0.0.1:5000\n"+
			"  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 mlflow models serve -m %q --port 5002 --env-manager local", err, uri)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, uri)
	}
	m.URI, m.Version = uri, v
	return m, nil
}

// readDir reads the files under dir into memory, so that the model does
// not depend on the folder after loading.
func readDir(dir string) (fs.FS, error) {
	files := fstest.MapFS{}
	var total int64
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if total += info.Size(); total > MaxModelFiles {
			return fmt.Errorf("model files larger than %d bytes", MaxModelFiles)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		files[p] = &fstest.MapFile{Data: data, Mode: 0o444}
		return nil
	})
	return files, err
}

// LoadFS loads the model in files (a model directory holding MLmodel).
func LoadFS(files fs.FS) (*Model, error) {
	raw, err := fs.ReadFile(files, mlmodel.FileName)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotServable, err)
	}
	mm, err := mlmodel.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("serving: %w", err)
	}
	flavor, ok := mm.Flavors[mlmodel.GoFlavor]
	if !ok {
		return loadFlavor(files, mm)
	}
	typ, _ := flavor["model_type"].(string)
	file, _ := flavor["model_file"].(string)
	if file == "" || !fs.ValidPath(path.Clean(file)) {
		return nil, fmt.Errorf("%w: %s flavor has no valid model_file (%q)", ErrNotServable, mlmodel.GoFlavor, file)
	}
	if !hasColumns(mm) {
		return nil, fmt.Errorf("%w: the model has no column input signature to check requests against", ErrNotServable)
	}
	_, load := loaders.get(typ)
	if load == nil {
		known := ModelTypes()
		if len(known) == 0 {
			known = []string{"(none registered)"}
		}
		return nil, fmt.Errorf("%w %q: known model types are %s", ErrUnknownModelType, typ, strings.Join(known, ", "))
	}
	p, err := load(files, flavor)
	if err != nil {
		return nil, fmt.Errorf("serving: load %s model: %w", typ, err)
	}
	if p == nil {
		return nil, fmt.Errorf("serving: BUG: loader of %s returned no predictor", typ)
	}
	return &Model{MLmodel: mm, Flavor: mlmodel.GoFlavor, ModelType: typ, Inputs: mm.Signature.Inputs, Predictor: p}, nil
}

// numericKind reports whether a column of kind k turns into a number.
func numericKind(k mlmodel.Kind) bool {
	switch k {
	case mlmodel.Boolean, mlmodel.Integer, mlmodel.Long, mlmodel.Float, mlmodel.Double:
		return true
	}
	return false
}

// Matrix returns the rows of f as numbers, row after row, one for each of
// its columns in order (the signature's order): booleans as 0 or 1,
// integers and floats as they are, a null as NaN (a missing value, as
// pandas holds it). f must have n columns (the model's features); a column
// that is not a number is an error. Flavor loaders use it to turn a
// checked request into a tree model's input.
func Matrix(f *mlmodel.Frame, n int) ([]float64, error) {
	if len(f.Columns) != n {
		return nil, fmt.Errorf("serving: the input has %d columns, the model %d features", len(f.Columns), n)
	}
	out := make([]float64, f.Rows*n)
	for j := range f.Columns {
		c := &f.Columns[j]
		for i := range f.Rows {
			var v float64
			switch {
			case c.IsNull(i):
				v = math.NaN()
			case c.Floats != nil:
				v = c.Floats[i]
			case c.Ints != nil:
				v = float64(c.Ints[i])
			case c.Bools != nil:
				if c.Bools[i] {
					v = 1
				}
			default:
				return nil, fmt.Errorf("serving: column %q is %s, not a number", c.Name, c.Type.Kind)
			}
			out[i*n+j] = v
		}
	}
	return out, nil
}

// PredictFrame is a tree flavor's Predict: it turns f into a matrix of n
// features (see Matrix) and scores it with predictMatrix.
func PredictFrame(ctx context.Context, f *mlmodel.Frame, n int, predictMatrix func(ctx context.Context, x []float64, rows int) ([]float64, error)) ([]float64, error) {
	x, err := Matrix(f, n)
	if err != nil {
		return nil, err
	}
	return predictMatrix(ctx, x, f.Rows)
}

// ScoreRows is a tree flavor's row loop: x holds rows rows of n features,
// row after row, and score writes the answer of one row into out, which
// holds width numbers (one for width 0). ScoreRows returns the answers,
// row after row, or ctx's error if ctx ends first (it looks every 1024
// rows).
func ScoreRows(ctx context.Context, x []float64, rows, n, width int, score func(row, out []float64)) ([]float64, error) {
	if len(x) != rows*n {
		return nil, fmt.Errorf("serving: %d numbers for %d rows of %d features", len(x), rows, n)
	}
	w := max(width, 1)
	out := make([]float64, rows*w)
	for i := range rows {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		score(x[i*n:(i+1)*n], out[i*w:(i+1)*w])
	}
	return out, nil
}

// hasColumns reports whether mm has a column-based input signature.
func hasColumns(mm *mlmodel.Model) bool {
	return mm.Signature != nil && mm.Signature.Inputs != nil && !mm.Signature.Inputs.IsTensor() && len(mm.Signature.Inputs.Cols) > 0
}

// loadFlavor loads a model without a go_mlite flavor with the loader of
// its first flavor, by name, that has one.
func loadFlavor(files fs.FS, mm *mlmodel.Model) (*Model, error) {
	have := slices.Sorted(maps.Keys(mm.Flavors))
	name, load := flavorLoaders.get(have...)
	if load == nil {
		served := append([]string{mlmodel.GoFlavor}, Flavors()...)
		return nil, fmt.Errorf("%w: its flavors are %s; mlite serves %s",
			ErrNeedsPython, strings.Join(have, ", "), strings.Join(served, ", "))
	}
	p, err := load(files, mm.Flavors[name])
	if err != nil {
		return nil, fmt.Errorf("serving: load %s model: %w", name, err)
	}
	if p == nil {
		return nil, fmt.Errorf("serving: BUG: loader of %s returned no predictor", name)
	}
	m := &Model{MLmodel: mm, Flavor: name, ModelType: name, Predictor: p}
	if c, _ := mm.Flavors[name]["model_class"].(string); c != "" {
		m.ModelType = c
	}
	switch {
	case hasColumns(mm):
		m.Inputs = mm.Signature.Inputs
	case mm.Signature != nil && mm.Signature.Inputs != nil:
		return nil, fmt.Errorf("%w: the model's input signature is not column-based", ErrNotServable)
	default:
		fp, ok := p.(Featurer)
		if !ok || len(fp.Features()) == 0 {
			return nil, fmt.Errorf("%w: the model has no input signature and no feature names to check requests against", ErrNotServable)
		}
		m.Inputs = &mlmodel.Schema{}
		for _, n := range fp.Features() {
			m.Inputs.Cols = append(m.Inputs.Cols, mlmodel.Col(n, mlmodel.Double))
		}
	}
	if fp, ok := p.(Featurer); ok && len(fp.Features()) > 0 && len(fp.Features()) != len(m.Inputs.Cols) {
		return nil, fmt.Errorf("%w: the signature has %d input columns and the %s model %d features (%s)",
			ErrNotServable, len(m.Inputs.Cols), name, len(fp.Features()), strings.Join(fp.Features(), ", "))
	}
	for _, c := range m.Inputs.Cols {
		if !numericKind(c.Type.Kind) {
			return nil, fmt.Errorf("%w: input column %q is %s; the %s model takes numbers", ErrNotServable, c.Name, c.Type.Kind, name)
		}
	}
	return m, nil
}
