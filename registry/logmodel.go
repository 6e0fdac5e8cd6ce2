package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"

	"github.com/mlite/mlite/internal/artpath"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// TagLogModelHistory is the run tag listing the models logged from a run,
// MLflow's mlflow.log-model.history.
const TagLogModelHistory = "mlflow.log-model.history"

// DefaultModelPath is the artifact path models are logged under when
// LogModelOptions.ArtifactPath is empty, as MLflow's "model".
const DefaultModelPath = "model"

// LogModelOptions configure LogModel. The zero value logs under "model"
// with the go_mlite flavor.
type LogModelOptions struct {
	// ArtifactPath is the folder of the run's artifacts the model goes
	// to. Zero: "model".
	ArtifactPath string
	// Flavors describe what the directory holds and how to load it. Zero:
	// the go_mlite flavor naming the directory's only file as model_file,
	// with ModelType.
	Flavors map[string]map[string]any
	// ModelType is the go_mlite flavor's model_type when Flavors is nil.
	// Zero: "generic".
	ModelType string
	// Signature is the model's signature, written into MLmodel.
	Signature *mlmodel.Signature
	// InputExample, if not nil, is tabular example input (see
	// mlmodel.NewInputExample) saved beside the model.
	InputExample any
	// Metadata is MLmodel's free-form metadata.
	Metadata map[string]any
	// RegisteredModelName, if set, registers the logged model as a new
	// version of that model (created if it does not exist).
	RegisteredModelName string
}

// LogModel logs the model in localDir into run id's artifacts under the
// artifact path, with an MLmodel file in MLflow's format (flavors, run_id,
// model_uuid, utc_time_created, signature, saved_input_example_info,
// model_size_bytes), and appends it to the run's mlflow.log-model.history
// tag as MLflow does. With RegisteredModelName it also creates a model
// version from runs:/<id>/<path>. It returns the MLmodel content and the
// version (nil when not registered).
//
// The directory's files are uploaded before the MLmodel file, so a
// failure part-way leaves no MLmodel: the folder is not a loadable model,
// and logging again replaces it.
func (r *Registry) LogModel(ctx context.Context, id run.ID, localDir string, o *LogModelOptions) (*mlmodel.Model, *ModelVersion, error) {
	var opts LogModelOptions
	if o != nil {
		opts = *o
	}
	fail := func(err error) (*mlmodel.Model, *ModelVersion, error) {
		return nil, nil, fmt.Errorf("registry: log model from run %s: %w", id, err)
	}
	if opts.ArtifactPath == "" {
		opts.ArtifactPath = DefaultModelPath
	}
	path, err := artpath.CleanDir(opts.ArtifactPath)
	if err != nil || path == "" {
		return fail(fmt.Errorf("artifact path %q: not a folder inside the run's artifacts: %w", opts.ArtifactPath, store.ErrInvalid))
	}
	files, size, err := modelFiles(localDir)
	if err != nil {
		return fail(err)
	}
	rec, err := r.tr.GetRun(ctx, id)
	if err != nil {
		return fail(err)
	}
	flavors := opts.Flavors
	if flavors == nil {
		if len(files) != 1 {
			return fail(fmt.Errorf("%s holds %d files: give Flavors to say which is the model: %w", localDir, len(files), store.ErrInvalid))
		}
		typ := opts.ModelType
		if typ == "" {
			typ = "generic"
		}
		flavors = map[string]map[string]any{mlmodel.GoFlavor: {
			"model_file": files[0], "model_type": typ, "go_version": runtime.Version()}}
	}
	m := mlmodel.New(path, id.String(), flavors)
	m.Signature = opts.Signature
	m.Metadata = opts.Metadata
	var example *mlmodel.InputExample
	if opts.InputExample != nil {
		if example, err = mlmodel.NewInputExample(opts.InputExample); err != nil {
			return fail(fmt.Errorf("%w: %w", err, store.ErrInvalid))
		}
		m.SavedInputExample = example.Info
		size += int64(len(example.Example) + len(example.Serving))
	}
	m.ModelSizeBytes = &size
	if err := m.Validate(); err != nil {
		return fail(fmt.Errorf("%w: %w", err, store.ErrInvalid))
	}
	text, err := m.Marshal()
	if err != nil {
		return fail(err)
	}
	history, err := m.AppendLogModelHistory(rec.Tags[TagLogModelHistory])
	if err != nil {
		return fail(err)
	}
	if err := r.tr.LogArtifacts(ctx, id, localDir, path); err != nil {
		return fail(err)
	}
	if example != nil {
		if err := r.tr.LogBytes(ctx, id, example.Example, path+"/"+mlmodel.InputExampleFile); err != nil {
			return fail(err)
		}
		if err := r.tr.LogBytes(ctx, id, example.Serving, path+"/"+mlmodel.ServingInputExampleFile); err != nil {
			return fail(err)
		}
	}
	if err := r.tr.LogBytes(ctx, id, text, path+"/"+mlmodel.FileName); err != nil {
		return fail(err)
	}
	if err := r.tr.SetRunTag(ctx, id, TagLogModelHistory, history); err != nil {
		return fail(err)
	}
	if opts.RegisteredModelName == "" {
		return m, nil, nil
	}
	mv, err := r.CreateVersion(ctx, opts.RegisteredModelName, "runs:/"+id.String()+"/"+path, id.String())
	if err != nil {
		return m, nil, err
	}
	return m, mv, nil
}

// modelFiles lists a model directory's regular files (slash paths) and
// their total size; the directory must not hold an MLmodel file of its
// own, since LogModel writes it.
func modelFiles(dir string) ([]string, int64, error) {
	var (
		files []string
		size  int64
	)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == mlmodel.FileName {
			return fmt.Errorf("%s already holds an MLmodel file; LogModel writes it: %w", dir, store.ErrInvalid)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, rel)
		size += info.Size()
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("model directory %s does not exist: %w", dir, store.ErrNotFound)
	}
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("model directory %s holds no files: %w", dir, store.ErrInvalid)
	}
	return files, size, nil
}

// Download writes the files of the model a URI names into dstDir,
// creating it: a models:/ URI's version, or a runs:/ URI's artifacts under
// its path. Paths are relative to the model: the MLmodel file lands at
// dstDir/MLmodel. Each file is written atomically. It returns the version
// (nil for a runs:/ URI).
func (r *Registry) Download(ctx context.Context, uri, dstDir string) (*ModelVersion, error) {
	if dstDir == "" {
		return nil, fmt.Errorf("registry: download %s: no destination directory: %w", uri, store.ErrInvalid)
	}
	var (
		mv    *ModelVersion
		files []store.Artifact
		err   error
	)
	if id, path, perr := ParseRunsURI(uri); perr == nil {
		err = r.st.View(ctx, func(tx *store.Tx) error {
			rec, err := tx.Run(id)
			if err != nil {
				return err
			}
			files, err = sourceFiles(tx, store.RunFiles(id), path)
			if errors.Is(err, store.ErrNotFound) {
				_, files, err = runModelFiles(tx, rec, path, err)
			}
			return err
		})
	} else {
		if mv, err = r.Resolve(ctx, uri); err != nil {
			return nil, err
		}
		err = r.st.View(ctx, func(tx *store.Tx) error {
			files = files[:0]
			return tx.ModelVersionFiles(mv.Name, mv.Version, "", func(a store.Artifact) error { files = append(files, a); return nil })
		})
	}
	if err != nil {
		return nil, fmt.Errorf("registry: download %s: %w", uri, err)
	}
	if _, err := r.tr.WriteFiles(ctx, dstDir, files); err != nil {
		return nil, fmt.Errorf("registry: download %s: %w", uri, err)
	}
	return mv, nil
}
