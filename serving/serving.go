package serving

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
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
)

// MaxModelFiles bounds the size of the files Load reads into memory.
const MaxModelFiles = 1 << 30

// Predictor is a loaded model. Predict returns one number per row of f
// (a probability, a score or a regression value).
type Predictor interface {
	Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error)
}

// LoadFunc loads a model of one model_type: files holds the model
// directory (MLmodel, the flavor's model_file, ...), flavor is the
// go_mlite flavor's config.
type LoadFunc func(files fs.FS, flavor map[string]any) (Predictor, error)

var (
	loadersMu sync.RWMutex
	loaders   = map[string]LoadFunc{}
)

// Register makes load the loader of go_mlite models whose model_type is
// modelType, replacing any earlier one. Model packages call it from init.
func Register(modelType string, load LoadFunc) {
	loadersMu.Lock()
	defer loadersMu.Unlock()
	loaders[modelType] = load
}

// ModelTypes returns the model types with a registered loader, sorted.
func ModelTypes() []string {
	loadersMu.RLock()
	defer loadersMu.RUnlock()
	types := make([]string, 0, len(loaders))
	for t := range loaders {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// Model is a model ready to serve.
type Model struct {
	// URI is where the model came from ("" for LoadFS).
	URI string
	// Version is the registered version a models:/ URI named (nil
	// otherwise).
	Version *registry.ModelVersion
	// MLmodel is the model's MLmodel file.
	MLmodel *mlmodel.Model
	// ModelType is the go_mlite flavor's model_type.
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
		have := make([]string, 0, len(mm.Flavors))
		for f := range mm.Flavors {
			have = append(have, f)
		}
		slices.Sort(have)
		return nil, fmt.Errorf("%w: no %s flavor (it has %s); only models pure-Go code can load are served",
			ErrNotServable, mlmodel.GoFlavor, strings.Join(have, ", "))
	}
	typ, _ := flavor["model_type"].(string)
	file, _ := flavor["model_file"].(string)
	if file == "" || !fs.ValidPath(path.Clean(file)) {
		return nil, fmt.Errorf("%w: %s flavor has no valid model_file (%q)", ErrNotServable, mlmodel.GoFlavor, file)
	}
	if mm.Signature == nil || mm.Signature.Inputs == nil || mm.Signature.Inputs.IsTensor() || len(mm.Signature.Inputs.Cols) == 0 {
		return nil, fmt.Errorf("%w: the model has no column input signature to check requests against", ErrNotServable)
	}
	loadersMu.RLock()
	load := loaders[typ]
	loadersMu.RUnlock()
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
	return &Model{MLmodel: mm, ModelType: typ, Inputs: mm.Signature.Inputs, Predictor: p}, nil
}
