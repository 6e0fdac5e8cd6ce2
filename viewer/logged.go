package viewer

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/run"
)

// loggedModelsData is the data of a run's logged models page.
type loggedModelsData struct {
	Run        *run.Record
	Experiment *run.Experiment
	Models     []loggedModelRow
}

// loggedModelRow is one logged model of the page.
type loggedModelRow struct {
	Model  *run.LoggedModel
	Status string // READY, PENDING, UPLOAD_FAILED
	Role   string // "output (step N)", "input", "source run"
	Params []kv
	Tags   []kv
	Files  []run.FileInfo
}

// loggedModelsPage lists the MLflow 3 logged models of a run: those it
// logged (its outputs, or whose source run it is) and those it used.
func (v *Viewer) loggedModelsPage(r *http.Request) (*view, error) {
	rec, x, err := v.pathRun(r)
	if err != nil {
		return nil, err
	}
	ctx, id := r.Context(), rec.ID
	d := &loggedModelsData{Run: rec, Experiment: x}
	roles := map[run.ModelID]string{}
	var order []run.ModelID
	links, err := v.db.RunModels(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		role := "input"
		if l.Output {
			role = "output (step " + strconv.FormatInt(l.Step, 10) + ")"
		}
		roles[l.Model] = role
		order = append(order, l.Model)
	}
	page, err := v.db.SearchLoggedModels(ctx, run.LoggedModelSearch{
		ExperimentIDs: []run.ExperimentID{rec.ExperimentID},
		Filter:        "source_run_id = '" + id.String() + "'",
		MaxResults:    1000,
	})
	if err != nil {
		return nil, err
	}
	for _, m := range page.Models {
		if _, ok := roles[m.ID]; !ok {
			roles[m.ID] = "source run"
			order = append(order, m.ID)
		}
	}
	for _, mid := range order {
		m, err := v.db.GetLoggedModel(ctx, mid)
		if err != nil {
			return nil, err
		}
		row := loggedModelRow{Model: m, Status: strings.TrimPrefix(m.Status.String(), "LOGGED_MODEL_"), Role: roles[mid]}
		for k, val := range m.Params {
			row.Params = append(row.Params, kv{k, val})
		}
		for k, val := range m.Tags {
			row.Tags = append(row.Tags, kv{k, val})
		}
		slices.SortFunc(row.Params, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
		slices.SortFunc(row.Tags, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
		// A model whose files are remote shows its location, no files.
		if row.Files, err = v.db.ListModelArtifacts(ctx, mid, "", true); err != nil && !errors.Is(err, run.ErrRemoteArtifacts) {
			return nil, err
		}
		d.Models = append(d.Models, row)
	}
	return &view{Template: "loggedmodels.html", Title: rec.Name + ": logged models", Nav: "experiments", Data: d}, nil
}
