package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/repro"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/store"
)

// Change is one difference between two model versions: Key's value was
// Old in the first and is New in the second ("" where it is absent).
type Change struct {
	Key string
	Old string
	New string
}

// Kind is "added", "removed" or "changed".
func (c Change) Kind() string {
	switch {
	case c.Old == "" && c.New != "":
		return "added"
	case c.New == "" && c.Old != "":
		return "removed"
	}
	return "changed"
}

// VersionDiff is what changed between two versions of a model. Each list
// holds only differences, sorted by key.
type VersionDiff struct {
	Model  string
	A, B   *Lineage
	Params []Change
	// Metrics compares each metric's latest value.
	Metrics []Change
	// Tags compares the runs' tags other than MLflow's and mlite's own
	// (mlflow.*, mlite.*), and the versions' tags (key "version:KEY").
	Tags []Change
	// Signature compares the input and output columns (key
	// "inputs.NAME", "outputs.NAME", value the column's type) and params.
	Signature []Change
	// Code compares the git commit, branch, repository, dirtiness and
	// uncommitted diff the runs recorded.
	Code []Change
	// Inputs compares the runs' datasets (key "NAME (context)", value the
	// digest).
	Inputs []Change
	// Environment compares the model's requirements.txt, conda.yaml and
	// python_env.yaml, and the Go toolchain and modules the runs recorded,
	// line by line (key "FILE: line"; Old or New the line).
	Environment []Change
	// Files compares the version's files (value "sha256:HEX SIZE").
	Files []Change
}

// Empty reports whether the versions differ in nothing compared.
func (d *VersionDiff) Empty() bool {
	return len(d.Params)+len(d.Metrics)+len(d.Tags)+len(d.Signature)+len(d.Code)+len(d.Inputs)+len(d.Environment)+len(d.Files) == 0
}

// maxDiffFile bounds a text file read for the environment comparison.
const maxDiffFile = 1 << 20

// envFiles are the model files whose lines the environment compares.
var envFiles = []string{"requirements.txt", "conda.yaml", "python_env.yaml"}

// both applies f to the two sides of a comparison, stopping at the first
// error.
func both[In, Out any](a, b In, f func(In) (Out, error)) (Out, Out, error) {
	oa, err := f(a)
	if err != nil {
		return oa, oa, err
	}
	ob, err := f(b)
	return oa, ob, err
}

// Diff compares versions a and b of model name.
func (r *Registry) Diff(ctx context.Context, name string, a, b int64) (*VersionDiff, error) {
	la, lb, err := both(a, b, func(v int64) (*Lineage, error) { return r.Lineage(ctx, name, v) })
	if err != nil {
		return nil, err
	}
	d := &VersionDiff{Model: name, A: la, B: lb}
	ra, rb := runValues(la), runValues(lb)
	d.Params = compareMaps(ra.params, rb.params)
	d.Metrics = compareMaps(ra.metrics, rb.metrics)
	d.Tags = compareMaps(withVersionTags(ra.tags, la), withVersionTags(rb.tags, lb))
	d.Code = compareMaps(ra.code, rb.code)
	d.Inputs = compareMaps(ra.inputs, rb.inputs)
	d.Files = compareMaps(fileValues(la.Files), fileValues(lb.Files))

	ma, mb, err := both(la, lb, func(l *Lineage) (*mlmodel.Model, error) { return r.mlmodelOf(ctx, l) })
	if err != nil {
		return nil, err
	}
	d.Signature = compareMaps(signatureValues(ma), signatureValues(mb))

	envA, envB := map[string]string{}, map[string]string{}
	for _, f := range envFiles {
		ta, tb, err := both(la, lb, func(l *Lineage) (string, error) { return r.textFile(ctx, l, f) })
		if err != nil {
			return nil, err
		}
		d.Environment = append(d.Environment, compareLines(f, ta, tb)...)
	}
	for _, k := range []string{repro.TagGoVersion, repro.TagGoMain} {
		envA[k], envB[k] = ra.allTags[k], rb.allTags[k]
	}
	d.Environment = append(d.Environment, compareMaps(envA, envB)...)
	d.Environment = append(d.Environment, compareLines("Go modules", ra.allTags[repro.TagGoDeps], rb.allTags[repro.TagGoDeps])...)
	return d, nil
}

// runFacts are a version's run's values, as compared.
type runFacts struct {
	params, metrics, tags, code, inputs, allTags map[string]string
}

func runValues(l *Lineage) runFacts {
	f := runFacts{params: map[string]string{}, metrics: map[string]string{}, tags: map[string]string{},
		code: map[string]string{}, inputs: map[string]string{}, allTags: map[string]string{}}
	if l.Run == nil {
		return f
	}
	maps.Copy(f.params, l.Run.Params)
	maps.Copy(f.allTags, l.Run.Tags)
	for k, s := range l.Run.Metrics {
		f.metrics[k] = strconv.FormatFloat(s.Latest.Value, 'g', -1, 64)
	}
	for k, v := range l.Run.Tags {
		if !strings.HasPrefix(k, "mlflow.") && !strings.HasPrefix(k, "mlite.") {
			f.tags[k] = v
		}
	}
	f.code["commit"] = l.Git.Commit
	f.code["branch"] = l.Git.Branch
	f.code["repository"] = l.Git.Repo
	if l.Git.Dirty {
		f.code["dirty"] = "true"
	}
	f.code["uncommitted diff"] = l.Run.Tags[repro.TagGitDiff]
	for _, in := range l.Run.Inputs {
		key := in.Name
		if c := in.Tags[repro.TagDatasetContext]; c != "" {
			key += " (" + c + ")"
		}
		f.inputs[key] = in.Digest
	}
	return f
}

func withVersionTags(tags map[string]string, l *Lineage) map[string]string {
	out := maps.Clone(tags)
	for k, v := range l.Version.Tags {
		out["version:"+k] = v
	}
	return out
}

func fileValues(files []File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = fmt.Sprintf("sha256:%s %d", hex.EncodeToString(f.Digest[:]), f.Size)
	}
	return out
}

// mlmodelOf reads a version's MLmodel file (nil when it has none).
func (r *Registry) mlmodelOf(ctx context.Context, l *Lineage) (*mlmodel.Model, error) {
	text, err := r.textFile(ctx, l, mlmodel.FileName)
	if err != nil || text == "" {
		return nil, err
	}
	m, err := mlmodel.Unmarshal([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("registry: diff: model %q version %d: %w", l.Version.Name, l.Version.Version, err)
	}
	return m, nil
}

// textFile reads a version's file, "" when it has none.
func (r *Registry) textFile(ctx context.Context, l *Lineage, path string) (string, error) {
	rc, err := r.OpenFile(ctx, l.Version.Name, l.Version.Version, path)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxDiffFile+1))
	if err != nil {
		return "", fmt.Errorf("registry: diff: %s of model %q version %d: %w", path, l.Version.Name, l.Version.Version, err)
	}
	if len(b) > maxDiffFile {
		return "", fmt.Errorf("registry: diff: %s of model %q version %d is larger than %d bytes", path, l.Version.Name, l.Version.Version, maxDiffFile)
	}
	return string(b), nil
}

func signatureValues(m *mlmodel.Model) map[string]string {
	out := map[string]string{}
	if m == nil || m.Signature == nil {
		return out
	}
	for _, s := range []struct {
		name   string
		schema *mlmodel.Schema
	}{{"inputs", m.Signature.Inputs}, {"outputs", m.Signature.Outputs}} {
		if s.schema == nil {
			continue
		}
		for i, c := range s.schema.Cols {
			name := c.Name
			if name == "" {
				name = "#" + strconv.Itoa(i)
			}
			v := c.Type.String()
			if !c.Required {
				v += " (optional)"
			}
			out[s.name+"."+name] = v
		}
		for i, t := range s.schema.Tensors {
			name := t.Name
			if name == "" {
				name = "#" + strconv.Itoa(i)
			}
			out[s.name+"."+name] = fmt.Sprintf("tensor %s %v", t.DType, t.Shape)
		}
	}
	if p := m.Signature.Params; p != nil {
		for _, s := range p.Params {
			out["params."+s.Name] = fmt.Sprintf("%s default %v", s.Type, s.Default)
		}
	}
	return out
}

// compareMaps lists the keys whose values differ, sorted.
func compareMaps(a, b map[string]string) []Change {
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if a[k] != b[k] {
			out = append(out, Change{Key: k, Old: a[k], New: b[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok && b[k] != "" {
			out = append(out, Change{Key: k, New: b[k]})
		}
	}
	slices.SortStableFunc(out, func(x, y Change) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// compareLines lists the lines of a removed from b and added to b, in
// their files' order, each keyed "what: line".
func compareLines(what, a, b string) []Change {
	la, lb := lines(a), lines(b)
	var out []Change
	for _, l := range la {
		if !slices.Contains(lb, l) {
			out = append(out, Change{Key: what, Old: l})
		}
	}
	for _, l := range lb {
		if !slices.Contains(la, l) {
			out = append(out, Change{Key: what, New: l})
		}
	}
	return out
}

func lines(s string) []string {
	var out []string
	for l := range bytes.Lines([]byte(s)) {
		if t := strings.TrimRight(string(l), "\r\n"); strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	return out
}
