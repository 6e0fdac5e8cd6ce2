package transfer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/mlite/mlite/internal/capread"
	"github.com/mlite/mlite/store"
)

// mlrunsSource reads the folder MLflow's file store writes (mlruns/):
//
//	<exp id>/meta.yaml, <exp id>/tags/<key>
//	<exp id>/<run id>/meta.yaml, params/<key>, tags/<key>, metrics/<key>
//	    (lines "timestamp value step"), inputs/<id>/meta.yaml, artifacts/
//	<exp id>/datasets/<id>/meta.yaml
//	models/<name>/meta.yaml, tags/<key>, aliases/<alias>,
//	    version-<n>/meta.yaml, version-<n>/tags/<key>
//
// Keys with slashes are nested folders. Deleted experiments sit in .trash/.
type mlrunsSource struct {
	root  string
	reads atomic.Int64
}

func newMlrunsSource(dir string) (*mlrunsSource, error) {
	if _, err := os.Stat(filepath.Join(dir, "0", "meta.yaml")); err != nil {
		ents, _ := os.ReadDir(dir)
		found := false
		for _, e := range ents {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.yaml")); err == nil && e.IsDir() {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("transfer: import from %s: not an mlruns/ folder of MLflow's file store (no <experiment>/meta.yaml)", dir)
		}
	}
	return &mlrunsSource{root: dir}, nil
}

func (s *mlrunsSource) counts() int64 { return s.reads.Load() }

// maxMetaFile caps the meta.yaml, param and tag files read.
const maxMetaFile = 32 << 20

func readSmall(path string) ([]byte, error) {
	b, err := capread.ReadFile(path, maxMetaFile)
	if tb := (*capread.TooBigError)(nil); errors.As(err, &tb) {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return b, err
}

// readMeta decodes a meta.yaml into a map of its top-level fields.
func readMeta(path string) (map[string]any, error) {
	b, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	return parseMeta(path, b)
}

// folderMeta reads the meta.yaml of an experiment's or a run's folder
// and counts the read; a folder without one is passed over: nil, nil.
func (s *mlrunsSource) folderMeta(dir string) (map[string]any, error) {
	m, err := readMeta(filepath.Join(dir, "meta.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil {
		s.reads.Add(1)
	}
	return m, err
}

func parseMeta(path string, b []byte) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("transfer: %s: not YAML: %w", path, err)
	}
	if m == nil {
		return nil, fmt.Errorf("transfer: %s: empty or not a mapping", path)
	}
	return m, nil
}

func metaStr(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func metaInt(m map[string]any, k string) int64 {
	switch v := m[k].(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
	case float64:
		if v >= math.MinInt64 && v <= math.MaxInt64 {
			return int64(v)
		}
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// readKeyed reads a folder of one file per key (params/, tags/), keys with
// slashes being nested folders; a missing folder is empty.
func readKeyed(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := walkUnder(dir, func(p, rel string, _ fs.DirEntry) error {
		b, err := readSmall(p)
		if err != nil {
			return err
		}
		out[rel] = string(b)
		return nil
	})
	return out, err
}

func (s *mlrunsSource) experiments(ctx context.Context) ([]*srcExperiment, error) {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	var out []*srcExperiment
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "models" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(s.root, e.Name())
		m, err := s.folderMeta(dir)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		tags, err := readKeyed(filepath.Join(dir, "tags"))
		if err != nil {
			return nil, err
		}
		name := metaStr(m, "name")
		if name == "" {
			return nil, fmt.Errorf("transfer: %s: an experiment without a name", filepath.Join(dir, "meta.yaml"))
		}
		out = append(out, &srcExperiment{ID: e.Name(), Name: name, Deleted: metaStr(m, "lifecycle_stage") == "deleted",
			Created: metaInt(m, "creation_time"), Updated: metaInt(m, "last_update_time"), Tags: tags})
	}
	return out, ctx.Err()
}

var fileStatuses = map[int64]string{1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}

func (s *mlrunsSource) runs(ctx context.Context, x *srcExperiment) ([]*srcRun, error) {
	dir := filepath.Join(s.root, x.ID)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	var out []*srcRun
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "tags" || e.Name() == "datasets" || e.Name() == "models" {
			continue
		}
		rdir := filepath.Join(dir, e.Name())
		m, err := s.folderMeta(rdir)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		r := &srcRun{ID: metaStr(m, "run_id"), Name: metaStr(m, "run_name"), User: metaStr(m, "user_id"),
			Deleted: metaStr(m, "lifecycle_stage") == "deleted", Start: metaInt(m, "start_time"), End: metaInt(m, "end_time")}
		if r.ID == "" {
			r.ID = metaStr(m, "run_uuid")
		}
		if r.ID != e.Name() {
			return nil, fmt.Errorf("transfer: %s: run_id %q is not its folder's name", filepath.Join(rdir, "meta.yaml"), r.ID)
		}
		r.Status = fileStatuses[metaInt(m, "status")]
		if st := metaStr(m, "status"); r.Status == "" && st != "" {
			r.Status = st
		}
		if r.Params, err = readKeyed(filepath.Join(rdir, "params")); err != nil {
			return nil, err
		}
		if r.Tags, err = readKeyed(filepath.Join(rdir, "tags")); err != nil {
			return nil, err
		}
		if r.Name == "" {
			r.Name = r.Tags["mlflow.runName"]
		}
		metrics, err := readKeyed0(filepath.Join(rdir, "metrics"))
		if err != nil {
			return nil, err
		}
		r.Metrics = metrics
		if r.Inputs, r.Models, err = s.inputs(dir, rdir); err != nil {
			return nil, err
		}
		outs, err := s.outputs(rdir)
		if err != nil {
			return nil, err
		}
		r.Models = append(r.Models, outs...)
		r.dir = rdir
		r.artifactRoot = filepath.Join(rdir, "artifacts")
		if u := metaStr(m, "artifact_uri"); strings.HasPrefix(u, "file://") {
			if pu, err := url.Parse(u); err == nil {
				if _, err := os.Stat(pu.Path); err == nil {
					r.artifactRoot = pu.Path
				}
			}
		}
		out = append(out, r)
	}
	return out, ctx.Err()
}

// readKeyed0 lists the keys of a folder of one file per key.
func readKeyed0(dir string) ([]string, error) {
	var out []string
	err := walkUnder(dir, func(_, rel string, _ fs.DirEntry) error {
		out = append(out, rel)
		return nil
	})
	return out, err
}

// walkUnder calls each with every entry under dir that is not a folder:
// its path p, and rel, its slash-separated path under dir; a missing dir
// has none.
func walkUnder(dir string, each func(p, rel string, d fs.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		return each(p, filepath.ToSlash(rel), d)
	})
}

// inputs reads a run's dataset inputs and the logged models it used.
func (s *mlrunsSource) inputs(expDir, runDir string) (out []srcInput, links []store.RunModel, err error) {
	ents, err := os.ReadDir(filepath.Join(runDir, "inputs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		m, err := readMeta(filepath.Join(runDir, "inputs", e.Name(), "meta.yaml"))
		if err != nil {
			return nil, nil, err
		}
		if metaStr(m, "source_type") == "MODEL" {
			if id, err := store.ParseModelID(metaStr(m, "source_id")); err == nil {
				links = append(links, store.RunModel{Model: id})
			}
			continue
		}
		if metaStr(m, "source_type") != "DATASET" {
			continue
		}
		id := metaStr(m, "source_id")
		if id == "" || strings.ContainsAny(id, `/\`) || id == ".." {
			return nil, nil, fmt.Errorf("transfer: %s: bad dataset id %q", filepath.Join(runDir, "inputs", e.Name(), "meta.yaml"), id)
		}
		d, err := readMeta(filepath.Join(expDir, "datasets", id, "meta.yaml"))
		if err != nil {
			return nil, nil, err
		}
		in := srcInput{Dataset: store.Dataset{Name: metaStr(d, "name"), Digest: metaStr(d, "digest"), SourceType: metaStr(d, "source_type"),
			Source: metaStr(d, "source"), Schema: metaStr(d, "schema"), Profile: metaStr(d, "profile")}, Tags: map[string]string{}}
		if tags, ok := m["tags"].(map[string]any); ok {
			for k, v := range tags {
				in.Tags[k] = fmt.Sprint(v)
			}
		}
		out = append(out, in)
	}
	return out, links, nil
}

// outputs reads the logged models a run produced.
func (s *mlrunsSource) outputs(runDir string) ([]store.RunModel, error) {
	ents, err := os.ReadDir(filepath.Join(runDir, "outputs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []store.RunModel
	for _, e := range ents {
		if err != nil {
			break
		}
		var m map[string]any
		if m, err = readMeta(filepath.Join(runDir, "outputs", e.Name(), "meta.yaml")); err != nil {
			break
		}
		if id, perr := store.ParseModelID(metaStr(m, "source_id")); perr == nil && metaStr(m, "destination_type") == "MODEL_OUTPUT" {
			out = append(out, store.RunModel{Model: id, Output: true, Step: metaInt(m, "step")})
		}
	}
	return out, err
}

func (s *mlrunsSource) loggedModels(ctx context.Context, x *srcExperiment) ([]*srcLogged, error) {
	dir := filepath.Join(s.root, x.ID, "models")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	var out []*srcLogged
	for _, e := range ents {
		mdir := filepath.Join(dir, e.Name())
		m, err := readMeta(filepath.Join(mdir, "meta.yaml"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.reads.Add(1)
		if metaStr(m, "lifecycle_stage") == "deleted" {
			continue
		}
		st, ok := store.ParseModelStatus(metaStr(m, "status"))
		if !ok {
			return nil, fmt.Errorf("transfer: %s: status %q", filepath.Join(mdir, "meta.yaml"), metaStr(m, "status"))
		}
		lm := &srcLogged{ID: metaStr(m, "model_id"), Name: metaStr(m, "name"), ModelType: metaStr(m, "model_type"), SourceRunID: metaStr(m, "source_run_id"),
			StatusMessage: metaStr(m, "status_message"), Status: st, Created: metaInt(m, "creation_timestamp"), Updated: metaInt(m, "last_updated_timestamp"),
			artifactRoot: filepath.Join(mdir, "artifacts")}
		if lm.ID != e.Name() {
			return nil, fmt.Errorf("transfer: %s: model_id %q is not its folder's name", filepath.Join(mdir, "meta.yaml"), lm.ID)
		}
		if u := metaStr(m, "artifact_location"); strings.HasPrefix(u, "file://") {
			if pu, err := url.Parse(u); err == nil {
				lm.artifactRoot = pu.Path
			}
		}
		if lm.Params, err = readKeyed(filepath.Join(mdir, "params")); err != nil {
			return nil, err
		}
		if lm.Tags, err = readKeyed(filepath.Join(mdir, "tags")); err != nil {
			return nil, err
		}
		if lm.Metrics, err = modelMetrics(filepath.Join(mdir, "metrics")); err != nil {
			return nil, err
		}
		out = append(out, lm)
	}
	return out, ctx.Err()
}

// modelMetrics reads a logged model's metrics/ folder: per key, lines
// "timestamp value step run_id [dataset_name dataset_digest]".
func modelMetrics(dir string) ([]store.ModelMetric, error) {
	keys, err := readKeyed0(dir)
	if err != nil {
		return nil, err
	}
	var out []store.ModelMetric
	for _, k := range keys {
		b, err := readSmall(filepath.Join(dir, filepath.FromSlash(k)))
		if err != nil {
			return nil, err
		}
		for n, line := range bytes.Split(b, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			x, err := parseModelMetricLine(line)
			if err != nil {
				return nil, fmt.Errorf("transfer: %s line %d: %w", filepath.Join(dir, k), n+1, err)
			}
			x.Key = k
			out = append(out, x)
		}
	}
	return out, nil
}

// parseModelMetricLine reads one line of a logged model's metric file:
// "timestamp value step run_id [dataset_name dataset_digest]".
func parseModelMetricLine(line []byte) (store.ModelMetric, error) {
	f := bytes.Fields(line)
	if len(f) != 4 && len(f) != 6 {
		return store.ModelMetric{}, fmt.Errorf("want \"timestamp value step run_id [dataset_name dataset_digest]\", got %d fields", len(f))
	}
	p, err := parseMetricLine(bytes.Join(f[:3], []byte(" ")))
	if err != nil {
		return store.ModelMetric{}, err
	}
	x := store.ModelMetric{Value: p.Value, Time: p.Time, Step: p.Step, RunID: string(f[3])}
	if len(f) == 6 {
		x.DatasetName, x.DatasetDigest = string(f[4]), string(f[5])
	}
	return x, nil
}

// parseMetricLine reads one line of a metric file: "timestamp value step"
// (older files have no step; a value logged on a dataset is followed by
// the dataset's name and digest, which a run's series does not keep).
func parseMetricLine(line []byte) (store.Point, error) {
	f := bytes.Fields(line)
	if len(f) != 2 && len(f) != 3 && len(f) != 5 {
		return store.Point{}, fmt.Errorf("want \"timestamp value step [dataset_name dataset_digest]\", got %d fields", len(f))
	}
	ts, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return store.Point{}, fmt.Errorf("timestamp %q: not an integer", f[0])
	}
	v, err := strconv.ParseFloat(string(f[1]), 64)
	if err != nil {
		return store.Point{}, fmt.Errorf("value %q: not a number", f[1])
	}
	var step int64
	if len(f) >= 3 {
		if step, err = strconv.ParseInt(string(f[2]), 10, 64); err != nil {
			return store.Point{}, fmt.Errorf("step %q: not an integer", f[2])
		}
	}
	return store.Point{Step: step, Time: ts, Value: v}, nil
}

func (s *mlrunsSource) history(ctx context.Context, r *srcRun, key string) ([]store.Point, error) {
	path := filepath.Join(r.dir, "metrics", filepath.FromSlash(key))
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	defer f.Close()
	s.reads.Add(1)
	var out []store.Point
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		p, err := parseMetricLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("transfer: %s line %d: %w", path, n, err)
		}
		out = append(out, p)
		if n%65536 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("transfer: %s: %w", path, err)
	}
	return out, nil
}

func (s *mlrunsSource) files(ctx context.Context, r *srcRun) ([]srcFile, error) {
	return walkFiles(r.artifactRoot)
}

func (s *mlrunsSource) open(ctx context.Context, r *srcRun, p string) (io.ReadCloser, error) {
	s.reads.Add(1)
	return openUnder(r.artifactRoot, p)
}

// walkFiles lists the regular files under dir (none if it is missing), by
// slash-separated path.
func walkFiles(dir string) ([]srcFile, error) {
	var out []srcFile
	err := walkUnder(dir, func(_, rel string, d fs.DirEntry) error {
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, srcFile{Path: rel, Size: fi.Size()})
		return nil
	})
	slices.SortFunc(out, func(a, b srcFile) int { return strings.Compare(a.Path, b.Path) })
	return out, err
}

// openUnder opens the file p (slash-separated) under dir, never outside.
func openUnder(dir, p string) (io.ReadCloser, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Open(filepath.FromSlash(p))
}

func (s *mlrunsSource) models(ctx context.Context) ([]*srcModel, error) {
	dir := filepath.Join(s.root, "models")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*srcModel
	for _, e := range ents {
		mdir := filepath.Join(dir, e.Name())
		m, err := readMeta(filepath.Join(mdir, "meta.yaml"))
		if err != nil {
			return nil, err
		}
		s.reads.Add(1)
		sm := &srcModel{Name: metaStr(m, "name"), Description: metaStr(m, "description"), Created: metaInt(m, "creation_timestamp"),
			Updated: metaInt(m, "last_updated_timestamp"), Aliases: map[string]int64{}}
		if sm.Tags, err = readKeyed(filepath.Join(mdir, "tags")); err != nil {
			return nil, err
		}
		if sm.Tags["mlflow.prompt.is_prompt"] == "true" {
			continue
		}
		if al, ok := m["aliases"].(map[string]any); ok {
			for k := range al {
				sm.Aliases[k] = metaInt(al, k)
			}
		}
		files, err := readKeyed(filepath.Join(mdir, "aliases"))
		if err != nil {
			return nil, err
		}
		for k, v := range files {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				sm.Aliases[k] = n
			}
		}
		vents, err := os.ReadDir(mdir)
		if err != nil {
			return nil, err
		}
		for _, ve := range vents {
			if !ve.IsDir() || !strings.HasPrefix(ve.Name(), "version-") {
				continue
			}
			vm, err := readMeta(filepath.Join(mdir, ve.Name(), "meta.yaml"))
			if err != nil {
				return nil, err
			}
			v := &srcVersion{Version: metaInt(vm, "version"), Created: metaInt(vm, "creation_timestamp"), Updated: metaInt(vm, "last_updated_timestamp"),
				Description: metaStr(vm, "description"), User: metaStr(vm, "user_id"), Stage: metaStr(vm, "current_stage"),
				Source: metaStr(vm, "source"), RunID: metaStr(vm, "run_id"), Status: metaStr(vm, "status"), ModelID: metaStr(vm, "model_id")}
			if v.Version <= 0 {
				return nil, fmt.Errorf("transfer: %s: version %q is not a positive number", filepath.Join(mdir, ve.Name(), "meta.yaml"), metaStr(vm, "version"))
			}
			if metaStr(vm, "current_stage") == "Deleted_Internal" {
				continue
			}
			if v.Tags, err = readKeyed(filepath.Join(mdir, ve.Name(), "tags")); err != nil {
				return nil, err
			}
			sm.Versions = append(sm.Versions, v)
		}
		slices.SortFunc(sm.Versions, func(a, b *srcVersion) int { return int(a.Version - b.Version) })
		out = append(out, sm)
	}
	return out, ctx.Err()
}
