package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

// modelRow is one line of the models list.
type modelRow struct {
	Model    *registry.RegisteredModel
	Versions int
	Latest   int64
	Stages   []stageBadge // the newest version in each stage but None
	Aliases  []aliasBadge
}

// stageBadge names the newest version of a model in a stage.
type stageBadge struct {
	Stage   string
	Version int64
}

// aliasBadge is one alias and the version it names.
type aliasBadge struct {
	Alias   string
	Version int64
}

// maxModels is the most registered models the models page lists.
const maxModels = 1000

func (v *Viewer) modelsPage(r *http.Request) (*view, error) {
	ctx := r.Context()
	models, _, err := v.reg.SearchModels(ctx, registry.SearchOptions{OrderBy: []string{"name ASC"}, MaxResults: maxModels})
	if err != nil {
		return nil, err
	}
	rows := make([]modelRow, 0, len(models))
	for _, m := range models {
		vs, err := v.reg.Versions(ctx, m.Name)
		if err != nil {
			return nil, err
		}
		row := modelRow{Model: m, Versions: len(vs), Stages: stageBadges(vs), Aliases: aliasBadges(m)}
		for _, mv := range vs {
			row.Latest = max(row.Latest, mv.Version)
		}
		rows = append(rows, row)
	}
	return &view{Template: "models.html", Title: "Models", Nav: "models", Data: rows}, nil
}

func stageBadges(vs []*registry.ModelVersion) []stageBadge {
	var out []stageBadge
	for _, st := range []registry.Stage{registry.Production, registry.Staging, registry.Archived} {
		var best int64
		for _, mv := range vs {
			if mv.Stage == st {
				best = max(best, mv.Version)
			}
		}
		if best > 0 {
			out = append(out, stageBadge{st.String(), best})
		}
	}
	return out
}

func aliasBadges(m *registry.RegisteredModel) []aliasBadge {
	out := make([]aliasBadge, 0, len(m.Aliases))
	for a, ver := range m.Aliases {
		out = append(out, aliasBadge{a, ver})
	}
	slices.SortFunc(out, func(a, b aliasBadge) int { return strings.Compare(a.Alias, b.Alias) })
	return out
}

// versionRow is one version on a model's page.
type versionRow struct {
	V       *registry.ModelVersion
	Aliases []string
}

// modelPageData is a registered model's page.
type modelPageData struct {
	Model    *registry.RegisteredModel
	Versions []versionRow
	Gates    []registry.Gate
	Events   []eventRow
}

func (v *Viewer) modelPage(r *http.Request) (*view, error) {
	ctx := r.Context()
	name := r.PathValue("name")
	m, err := v.reg.GetModel(ctx, name)
	if err != nil {
		return nil, notFoundModel(err, name)
	}
	vs, err := v.reg.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &modelPageData{Model: m}
	slices.SortFunc(vs, func(a, b *registry.ModelVersion) int { return int(b.Version - a.Version) })
	for _, mv := range vs {
		row := versionRow{V: mv}
		for a, ver := range m.Aliases {
			if ver == mv.Version {
				row.Aliases = append(row.Aliases, a)
			}
		}
		slices.Sort(row.Aliases)
		d.Versions = append(d.Versions, row)
	}
	if d.Gates, err = v.reg.Gates(ctx, name); err != nil {
		return nil, err
	}
	evs, err := v.reg.Audit(ctx, name)
	if err != nil {
		return nil, err
	}
	d.Events = eventRows(evs)
	return &view{Template: "model.html", Title: name, Nav: "models", Data: d}, nil
}

func notFoundModel(err error, name string) error {
	if errors.Is(err, mlite.ErrNotFound) {
		return errNotFound("no registered model %q", name)
	}
	return err
}

// eventRow is an audit event as the pages and the API show it.
type eventRow struct {
	Seq     uint64       `json:"seq"`
	Time    int64        `json:"timestamp"`
	User    string       `json:"user_id"`
	Action  string       `json:"action"`
	Model   string       `json:"name"`
	Version int64        `json:"version,omitempty"`
	Key     string       `json:"key,omitempty"`
	From    string       `json:"from,omitempty"`
	To      string       `json:"to,omitempty"`
	Gates   []gateResult `json:"gates,omitempty"`
}

// gateResult is one requirement of a checked promotion gate.
type gateResult struct {
	Requirement string `json:"requirement"`
	Passed      bool   `json:"passed"`
	Detail      string `json:"detail,omitempty"`
}

// eventRows lists events newest first.
func eventRows(evs []registry.Event) []eventRow {
	out := make([]eventRow, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		row := eventRow{Seq: e.Seq, Time: e.Time, User: e.User, Action: e.Action, Model: e.Model, Version: e.Version, Key: e.Key, From: e.From, To: e.To}
		for _, g := range e.Gates {
			row.Gates = append(row.Gates, gateResult{g.Requirement, g.Passed, g.Detail})
		}
		out = append(out, row)
	}
	return out
}

// versionPageData is a model version's page.
type versionPageData struct {
	Lineage   *registry.Lineage
	Aliases   []string
	Signature *mlmodel.Signature
	SigTables []sigTable // the signature's inputs, outputs and params, as tables
	MLmodel   string     // the MLmodel file's path among the version's files
	Events    []eventRow
	Prev      int64 // the version before, for the diff link; 0 for none
}

func (v *Viewer) versionPage(r *http.Request) (*view, error) {
	ctx := r.Context()
	name, ver, err := parseVersion(r)
	if err != nil {
		return nil, err
	}
	lin, err := v.reg.Lineage(ctx, name, ver)
	if err != nil {
		return nil, notFoundVersion(err, name, ver)
	}
	d := &versionPageData{Lineage: lin, Events: eventRows(lin.Events), Prev: ver - 1}
	for a, n := range lin.Model.Aliases {
		if n == ver {
			d.Aliases = append(d.Aliases, a)
		}
	}
	slices.Sort(d.Aliases)
	if d.MLmodel = mlmodelPath(lin.Files); d.MLmodel != "" {
		sig, err := v.signature(ctx, name, ver, d.MLmodel)
		if err != nil {
			return nil, err
		}
		if sig != nil {
			d.Signature, d.SigTables = sig, sigTables(sig)
		}
	}
	return &view{Template: "version.html", Title: name + " v" + itoa(ver), Nav: "models", Data: d}, nil
}

func notFoundVersion(err error, name string, ver int64) error {
	if errors.Is(err, mlite.ErrNotFound) {
		return errNotFound("no version %d of registered model %q", ver, name)
	}
	return err
}

// mlmodelPath finds the version's MLmodel file: the shallowest one.
func mlmodelPath(files []registry.File) string {
	best := ""
	for _, f := range files {
		if path.Base(f.Path) == "MLmodel" && (best == "" || strings.Count(f.Path, "/") < strings.Count(best, "/")) {
			best = f.Path
		}
	}
	return best
}

// signature reads the signature of a version's MLmodel file; nil when the
// file has none or does not parse (the page then shows the raw file).
func (v *Viewer) signature(ctx context.Context, name string, ver int64, p string) (*mlmodel.Signature, error) {
	rc, err := v.reg.OpenFile(ctx, name, ver, p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxPreview))
	if err != nil {
		return nil, err
	}
	m, err := mlmodel.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, nil
	}
	return m.Signature, nil
}

// registeredVersion is a model version made from a run, as the run's page
// lists it.
type registeredVersion struct {
	Name    string
	Version int64
	Stage   string
	Aliases []string
}

// registeredFrom lists the model versions whose source run is id, by model
// name and version, with their stage and the aliases pointing at them.
func (v *Viewer) registeredFrom(ctx context.Context, id run.ID) ([]registeredVersion, error) {
	vers, _, err := v.reg.SearchVersions(ctx, registry.SearchOptions{
		Filter:     "run_id = '" + id.String() + "'",
		OrderBy:    []string{"name ASC", "version_number ASC"},
		MaxResults: registry.MaxSearchVersions,
	})
	if err != nil {
		return nil, err
	}
	out := make([]registeredVersion, 0, len(vers))
	aliases := map[string]map[string]int64{}
	for _, mv := range vers {
		if _, ok := aliases[mv.Name]; !ok {
			m, err := v.reg.GetModel(ctx, mv.Name)
			if err != nil && !errors.Is(err, mlite.ErrNotFound) {
				return nil, err
			}
			if m != nil {
				aliases[mv.Name] = m.Aliases
			} else {
				aliases[mv.Name] = nil // deleted meanwhile
			}
		}
		rv := registeredVersion{Name: mv.Name, Version: mv.Version, Stage: mv.Stage.String()}
		for a, n := range aliases[mv.Name] {
			if n == mv.Version {
				rv.Aliases = append(rv.Aliases, a)
			}
		}
		slices.Sort(rv.Aliases)
		out = append(out, rv)
	}
	return out, nil
}

// sigTable is one part of a signature as the version page shows it: a
// table with a header row and one row a column, tensor or parameter.
type sigTable struct {
	Title string
	Head  []string
	Rows  [][]string
}

// sigTables lays a signature out as tables: columns with their type and
// whether they are required; tensors with their dtype and shape (-1 for a
// variable dimension); inference params with type, default and shape.
func sigTables(sig *mlmodel.Signature) []sigTable {
	var out []sigTable
	for _, s := range []struct {
		title string
		sc    *mlmodel.Schema
	}{{"Inputs", sig.Inputs}, {"Outputs", sig.Outputs}} {
		if s.sc == nil {
			continue
		}
		if s.sc.IsTensor() {
			t := sigTable{Title: s.title + " (tensors)", Head: []string{"Name", "DType", "Shape"}}
			for _, x := range s.sc.Tensors {
				t.Rows = append(t.Rows, []string{nameOrDash(x.Name), x.DType, shapeText(x.Shape)})
			}
			out = append(out, t)
			continue
		}
		t := sigTable{Title: s.title, Head: []string{"Name", "Type", "Required"}}
		for _, c := range s.sc.Cols {
			req := "no"
			if c.Required {
				req = "yes"
			}
			t.Rows = append(t.Rows, []string{nameOrDash(c.Name), c.Type.String(), req})
		}
		out = append(out, t)
	}
	if sig.Params != nil && len(sig.Params.Params) > 0 {
		t := sigTable{Title: "Params", Head: []string{"Name", "Type", "Default", "Shape"}}
		for _, p := range sig.Params.Params {
			def, err := json.Marshal(p.Default)
			if err != nil {
				def = []byte(fmt.Sprint(p.Default))
			}
			shape := "scalar"
			if p.Shape != nil {
				shape = shapeText(p.Shape)
			}
			t.Rows = append(t.Rows, []string{p.Name, p.Type.String(), string(def), shape})
		}
		out = append(out, t)
	}
	return out
}

func nameOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// shapeText writes a shape as numpy does, (-1, 8).
func shapeText(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
