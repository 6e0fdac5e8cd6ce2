package viewer

import (
	"net/http"
	"strconv"

	"github.com/mlite/mlite/registry"
)

// diffSection is one section of the version diff page.
type diffSection struct {
	Title   string
	ID      string
	Changes []registry.Change
}

// diffPageData is the version diff page's data.
type diffPageData struct {
	Diff     *registry.VersionDiff
	Sections []diffSection
}

// diffPage shows what changed between two versions of a model:
// /models/{name}/diff?a=V1&b=V2.
func (v *Viewer) diffPage(r *http.Request) (*view, error) {
	name := r.PathValue("name")
	var vers [2]int64
	for i, k := range []string{"a", "b"} {
		s := r.URL.Query().Get(k)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return nil, errBadRequest("%s=%q: want a version number (/models/NAME/diff?a=1&b=2)", k, s)
		}
		vers[i] = n
	}
	d, err := v.reg.Diff(r.Context(), name, vers[0], vers[1])
	if err != nil {
		for _, n := range vers {
			if _, verr := v.reg.GetVersion(r.Context(), name, n); verr != nil {
				return nil, notFoundVersion(verr, name, n)
			}
		}
		return nil, err
	}
	data := &diffPageData{Diff: d}
	for _, s := range []struct {
		title, id string
		c         []registry.Change
	}{
		{"Params", "params", d.Params}, {"Metrics", "metrics", d.Metrics}, {"Tags", "tags", d.Tags},
		{"Signature", "signature", d.Signature}, {"Code", "code", d.Code}, {"Data inputs", "inputs", d.Inputs},
		{"Environment", "environment", d.Environment}, {"Files", "files", d.Files},
	} {
		data.Sections = append(data.Sections, diffSection{Title: s.title, ID: s.id, Changes: s.c})
	}
	title := name + " v" + itoa(vers[0]) + " → v" + itoa(vers[1])
	return &view{Template: "modeldiff.html", Title: title, Nav: "models", Data: data}, nil
}
