package viewer

import (
	"net/http"

	"github.com/mlite/mlite/shadow"
)

// shadowPageData is the shadow deployments page's data.
type shadowPageData struct {
	Model string
	Runs  []*shadow.Stats
}

// maxShadowRuns bounds the shadow deployments the page shows.
const maxShadowRuns = 20

// shadowPage shows a model's shadow deployments, newest first: requests,
// agreement, score drift and latency percentiles, each linking to its run
// (whose charts show the series).
func (v *Viewer) shadowPage(r *http.Request) (*view, error) {
	name := r.PathValue("name")
	if _, err := v.reg.GetModel(r.Context(), name); err != nil {
		return nil, errNotFound("no registered model %q", name)
	}
	runs, err := shadow.Runs(r.Context(), v.db.Tracker, name, 0, maxShadowRuns)
	if err != nil {
		return nil, err
	}
	d := &shadowPageData{Model: name}
	for _, rec := range runs {
		st, err := shadow.Read(r.Context(), v.db.Tracker, rec)
		if err != nil {
			return nil, err
		}
		d.Runs = append(d.Runs, st)
	}
	return &view{Template: "shadow.html", Title: name + " shadow deployments", Nav: "models", Data: d}, nil
}
