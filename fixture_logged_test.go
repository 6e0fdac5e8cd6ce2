package mlite_test

// Format 2: MLflow 3 logged models in the fixture (generator step and
// dump), and what the dump reads of them from any fixture.

import (
	"context"
	"io"
	"strings"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// loggedModels logs MLflow 3 logged models from the sweep's best run: one
// READY with params, tags, metrics on datasets, files and a registry
// version made from it; one that failed to upload; one deleted; and links
// from runs (the best run's output, another run's input).
func (g *gen) loggedModels() {
	ctx := g.ctx
	g.minutes(90)
	ready, err := g.tr.CreateLoggedModel(ctx, g.credit, run.LoggedModelOptions{
		Name: "model", SourceRunID: g.best.String(), ModelType: "go_mlite",
		Tags:   map[string]string{"mlflow.user": fixtureUser, "mlflow.source.type": "LOCAL"},
		Params: map[string]string{"max_depth": "10", "learning_rate": "0.1"},
	})
	g.do("logged model", err)
	if err != nil {
		return
	}
	g.do("logged model files", g.tr.LogModelReader(ctx, ready.ID, strings.NewReader(fixtureModelJSON), "model.json"))
	g.do("logged model MLmodel", g.tr.LogModelReader(ctx, ready.ID,
		strings.NewReader(strings.ReplaceAll(fixtureMLmodel, "RUN_ID", g.best.String())), "MLmodel"))
	g.minutes(91)
	g.do("logged model metrics", g.tr.LogBatch(ctx, g.best, run.Batch{Metrics: []run.Metric{
		{Key: "val_auc", Value: 0.9125, Time: g.clock.Now().UnixMilli(), Step: 3, ModelID: ready.ID, DatasetName: "val", DatasetDigest: "d1g35t"},
		{Key: "val_auc", Value: 0.875, Time: g.clock.Now().UnixMilli(), Step: 3, ModelID: ready.ID, DatasetName: "test", DatasetDigest: "7e57"},
		{Key: "loss", Value: 0, Time: g.clock.Now().UnixMilli(), Step: 0, ModelID: ready.ID},
	}}))
	g.do("logged model param", g.tr.LogLoggedModelParams(ctx, ready.ID, map[string]string{"n_features": "3"}))
	g.do("logged model tag", g.tr.SetLoggedModelTags(ctx, ready.ID, map[string]string{"tmp": "x", "stage": "candidate"}))
	g.do("logged model tag delete", g.tr.DeleteLoggedModelTag(ctx, ready.ID, "tmp"))
	_, err = g.tr.FinalizeLoggedModel(ctx, ready.ID, run.ModelReady)
	g.do("finalize", err)

	g.minutes(92)
	failed, err := g.tr.CreateLoggedModel(ctx, g.credit, run.LoggedModelOptions{Name: "broken", SourceRunID: g.best.String()})
	g.do("failed model", err)
	if err == nil {
		_, err = g.tr.FinalizeLoggedModel(ctx, failed.ID, run.ModelUploadFailed)
		g.do("finalize failed", err)
	}
	g.minutes(93)
	gone, err := g.tr.CreateLoggedModel(ctx, 0, run.LoggedModelOptions{Name: "scratch-model"})
	g.do("scratch logged model", err)
	if err == nil {
		g.do("scratch logged model file", g.tr.LogModelReader(ctx, gone.ID, strings.NewReader("scratch"), "weights.bin"))
		g.do("delete logged model", g.tr.DeleteLoggedModel(ctx, gone.ID))
	}

	g.minutes(94)
	g.do("model output", g.tr.LinkModels(ctx, g.best, []run.RunModel{{Model: ready.ID, Output: true, Step: 3}}))
	g.do("model input", g.tr.LinkModels(ctx, g.restoredRun, []run.RunModel{{Model: ready.ID}}))

	g.minutes(95)
	mv, err := g.reg.CreateVersion(ctx, "CreditLogged", "models:/"+ready.ID.String(), "")
	g.do("version from a logged model", err)
	if err == nil {
		_, err = g.reg.TransitionStage(ctx, "CreditLogged", mv.Version, "Staging", false)
		g.do("logged version stage", err)
	}
}

// loggedModels dumps experiment exp's logged models, deleted ones too,
// each with its files read back.
func (d dumpReader) loggedModels(ctx context.Context, exp run.ExperimentID) (obj, error) {
	var models []*run.LoggedModel
	err := d.db.Store().View(ctx, func(tx *store.Tx) error {
		models = models[:0]
		return tx.LoggedModels(exp, func(m *store.LoggedModel) (bool, error) { models = append(models, m); return true, nil })
	})
	if err != nil {
		return nil, err
	}
	out := obj{}
	for _, m := range models {
		got, err := d.db.GetLoggedModel(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		files, err := d.db.ListModelArtifacts(ctx, m.ID, "", true)
		if err != nil {
			return nil, err
		}
		entries := make([]store.Artifact, 0, len(files))
		for _, f := range files {
			entries = append(entries, store.Artifact{Path: f.Path, Digest: f.Digest, Size: f.Size})
		}
		fm, err := fileMap(entries, func(p string) (io.ReadCloser, error) { return d.db.OpenModelArtifact(ctx, m.ID, p) })
		if err != nil {
			return nil, err
		}
		for _, f := range fm {
			delete(f.(obj), "mode") // a listing does not carry the mode
		}
		metrics := []any{}
		for _, x := range got.Metrics {
			metrics = append(metrics, obj{"key": x.Key, "point": point(run.Point{Step: x.Step, Time: x.Time, Value: x.Value}),
				"dataset_name": x.DatasetName, "dataset_digest": x.DatasetDigest, "run_id": x.RunID})
		}
		out[m.ID.String()] = obj{
			"name": got.Name, "creation_time": got.CreationTime, "last_updated_time": got.LastUpdatedTime,
			"artifact_location": got.ArtifactLocation, "status": got.Status.String(), "status_message": got.StatusMessage,
			"lifecycle": got.Lifecycle.String(), "model_type": got.ModelType, "source_run_id": got.SourceRunID,
			"tags": strMap(got.Tags), "params": strMap(got.Params), "metrics": metrics, "files": fm,
		}
	}
	return out, nil
}

// modelLinks dumps the logged models linked to run id.
func (d dumpReader) modelLinks(ctx context.Context, id run.ID) ([]any, error) {
	links, err := d.db.RunModels(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, l := range links {
		out = append(out, obj{"model_id": l.Model.String(), "output": l.Output, "step": l.Step})
	}
	return out, nil
}

// versionModelID is the logged model a version was made from, "" if none.
func versionModelID(mv *registry.ModelVersion) string {
	if mv.ModelID == (store.ModelID{}) {
		return ""
	}
	return mv.ModelID.String()
}
