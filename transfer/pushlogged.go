package transfer

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/mlite/mlite/internal/jsonfloat"
	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// MLflow 3 logged models: a push creates each active logged model of the
// pushed experiments on the server (the server names it), with its params
// and tags, uploads its files, sends its metric values (log_batch to the
// run that logged each, with the model's id), then sets its status; runs
// link the pushed models as their inputs and outputs. The server keeps
// the tag mlflow.modelVersions itself, from the versions registered there.

// loggedTags returns the tags of m a push sends.
func loggedTags(m *store.LoggedModel) map[string]string {
	tags := maps.Clone(m.Tags)
	delete(tags, registry.TagModelVersions)
	return tags
}

func loggedDigest(m *store.LoggedModel, status store.ModelStatus) []byte {
	return (&digest{}).strMap(m.Params).strMap(loggedTags(m)).str(status.String()).sum()
}

// remoteLogged is the server's answer about one logged model.
type remoteLogged struct {
	Info struct {
		ModelID     string `json:"model_id"`
		Name        string `json:"name"`
		ArtifactURI string `json:"artifact_uri"`
		SourceRunID string `json:"source_run_id"`
	} `json:"info"`
}

// remoteRunOf returns the remote id of the local run named by s ("" if it
// is none or was not pushed).
func (p *pusher) remoteRunOf(s string) string {
	id, err := store.ParseRunID(s)
	if err != nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runIDs[id]
}

func (p *pusher) pushLoggedModels(ctx context.Context, pl *plan) error {
	inPlan := map[string]bool{}
	for _, r := range pl.runs {
		inPlan[r.ID.String()] = true
	}
	filtered := len(p.o.Runs) > 0 || !p.o.Since.IsZero()
	var models []*store.LoggedModel
	err := p.st.View(ctx, func(tx *store.Tx) error {
		models = models[:0]
		for _, x := range pl.exps {
			err := tx.LoggedModels(x.ID, func(m *store.LoggedModel) (bool, error) {
				if m.Lifecycle == store.Active && (!filtered || inPlan[m.SourceRunID]) {
					models = append(models, m)
				}
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return parallel(ctx, len(models), p.o.Concurrency, func(ctx context.Context, i int) error {
		return p.pushLogged(ctx, models[i])
	})
}

// pushLogged creates logged model m on the server if no mark says it
// exists, then brings its files, metric values, params, tags and status up
// to date, in that order (a model READY on the server has its files).
func (p *pusher) pushLogged(ctx context.Context, m *store.LoggedModel) error {
	what := fmt.Sprintf("logged model %s (%s)", m.ID, m.Name)
	key := modelKey(m.ID)
	mk, ok, err := p.mark(ctx, markLogged, key)
	if err != nil {
		return err
	}
	tags := loggedTags(m)
	created, artifactURI := false, ""
	if mk.Ref == "" {
		if p.o.DryRun {
			p.count(func(r *Report) { r.LoggedModels++ })
			return p.pushLoggedData(ctx, m, &mk, "", what)
		}
		exp := p.exps[m.ExperimentID]
		source := p.remoteRunOf(m.SourceRunID)
		if ok {
			if mk.Ref, artifactURI, err = p.findLogged(ctx, exp, m, source); err != nil {
				return err
			}
		} else if err := p.setMark(ctx, markLogged, key, store.SyncMark{}); err != nil {
			return err
		}
		if mk.Ref == "" {
			var got struct {
				Model remoteLogged `json:"model"`
			}
			req := map[string]any{"experiment_id": exp, "name": m.Name, "model_type": m.ModelType, "source_run_id": source, "params": kvs(m.Params), "tags": kvs(tags)}
			if err := p.post(ctx, "logged-models", req, &got); err != nil {
				return fmt.Errorf("transfer: %s: %w", what, err)
			}
			if got.Model.Info.ModelID == "" {
				return fmt.Errorf("transfer: %s: the server answered without a model id: %w", what, mlflowclient.ErrBadAnswer)
			}
			mk.Ref, artifactURI, created = got.Model.Info.ModelID, got.Model.Info.ArtifactURI, true
			mk.State = keyedState(loggedDigest(m, store.ModelPending), tags)
			p.count(func(r *Report) { r.LoggedModels++ })
		}
		if err := p.setMark(ctx, markLogged, key, mk); err != nil {
			return err
		}
	}
	if err := p.pushLoggedData(ctx, m, &mk, artifactURI, what); err != nil {
		return err
	}
	sum := loggedDigest(m, m.Status)
	if sameState(mk.State, sum) {
		return nil
	}
	if !p.o.DryRun {
		path := "logged-models/" + mk.Ref
		if !created {
			// MLflow refuses a param a model has, even with its value:
			// only those the server lacks go.
			if len(m.Params) > 0 {
				var got struct {
					Model struct {
						Data struct {
							Params []kv `json:"params"`
						} `json:"data"`
					} `json:"model"`
				}
				if err := p.get(ctx, path, nil, &got); err != nil {
					return fmt.Errorf("transfer: %s: %w", what, err)
				}
				params := maps.Clone(m.Params)
				for _, kv := range got.Model.Data.Params {
					delete(params, kv.Key)
				}
				if len(params) > 0 {
					if err := p.post(ctx, path+"/params", map[string]any{"model_id": mk.Ref, "params": kvs(params)}, nil); err != nil {
						return fmt.Errorf("transfer: %s: params: %w", what, err)
					}
				}
			}
			if len(tags) > 0 {
				if err := p.patch(ctx, path+"/tags", map[string]any{"model_id": mk.Ref, "tags": kvs(tags)}); err != nil {
					return fmt.Errorf("transfer: %s: tags: %w", what, err)
				}
			}
			err := p.dropGone(ctx, mk.State, tags, func(k string) error {
				return p.del(ctx, path+"/tags/"+k, nil)
			})
			if err != nil {
				return fmt.Errorf("transfer: %s: %w", what, err)
			}
		}
		if m.Status == store.ModelReady || m.Status == store.ModelUploadFailed {
			if err := p.patch(ctx, path, map[string]any{"model_id": mk.Ref, "status": m.Status.String()}); err != nil {
				return fmt.Errorf("transfer: %s: status: %w", what, err)
			}
		}
	}
	if !created {
		p.count(func(r *Report) { r.LoggedUpdated++ })
	}
	mk.State = keyedState(sum, tags)
	return p.setMark(ctx, markLogged, key, mk)
}

// findLogged looks for a logged model of experiment exp that a killed push
// created for m: same name and source run, and no mark of another model
// names it. It returns its id and artifact URI.
func (p *pusher) findLogged(ctx context.Context, exp string, m *store.LoggedModel, source string) (id, uri string, err error) {
	taken, err := p.takenRefs(ctx, markLogged, func([]byte) bool { return true })
	if err != nil {
		return "", "", err
	}
	err = pages(func(token string) (string, error) {
		var page struct {
			Models []remoteLogged `json:"models"`
			Next   string         `json:"next_page_token"`
		}
		req := pageBody(map[string]any{"experiment_ids": []string{exp}, "max_results": 100}, token)
		if err := p.post(ctx, "logged-models/search", req, &page); err != nil {
			return "", fmt.Errorf("transfer: looking for logged model %s on the server: %w", m.ID, err)
		}
		for _, x := range page.Models {
			if x.Info.Name == m.Name && x.Info.SourceRunID == source && !taken[x.Info.ModelID] {
				id, uri = x.Info.ModelID, x.Info.ArtifactURI
				return "", nil
			}
		}
		if len(page.Models) == 0 {
			return "", nil
		}
		return page.Next, nil
	})
	return id, uri, err
}

// pushLoggedData sends the files and metric values of m that the marks do
// not cover; artifactURI is the remote model's, "" if not known yet.
func (p *pusher) pushLoggedData(ctx context.Context, m *store.LoggedModel, mk *store.SyncMark, artifactURI, what string) error {
	files, err := p.t.ListModelArtifacts(ctx, m.ID, "", true)
	if err != nil {
		return err
	}
	todo, err := p.filesToSend(ctx, markModelFile, m.ID[:], files)
	if err != nil {
		return err
	}
	if len(todo) > 0 && !p.o.DryRun && artifactURI == "" {
		var got struct {
			Model remoteLogged `json:"model"`
		}
		if err := p.get(ctx, "logged-models/"+url.PathEscape(mk.Ref), nil, &got); err != nil {
			return fmt.Errorf("transfer: %s: %w", what, err)
		}
		artifactURI = got.Model.Info.ArtifactURI
	}
	if err := p.sendFiles(ctx, markModelFile, m.ID[:], p.t.ModelTree(m.ID), todo, artifactURI, what); err != nil {
		return err
	}
	// Metric values, in logged order, a log_batch per run at a time.
	for i := int(min(mk.Count, uint64(len(m.Metrics)))); i < len(m.Metrics); {
		rid := m.Metrics[i].RunID
		n := 1
		for i+n < len(m.Metrics) && n < maxMetricsPerBatch && m.Metrics[i+n].RunID == rid {
			n++
		}
		if p.o.DryRun {
			p.count(func(r *Report) { r.Points += int64(n) })
			i += n
			continue
		}
		remote := p.remoteRunOf(rid)
		if remote == "" {
			p.skip("%s: %d metric values logged by run %q, which was not pushed", what, n, rid)
		} else {
			batch := make([]modelMetric, n)
			for j, x := range m.Metrics[i : i+n] {
				batch[j] = modelMetric{metric{x.Key, jsonfloat.Float(x.Value), x.Time, x.Step}, mk.Ref, x.DatasetName, x.DatasetDigest}
			}
			if err := p.post(ctx, "runs/log-batch", map[string]any{"run_id": remote, "metrics": batch}, nil); err != nil {
				return fmt.Errorf("transfer: %s: metrics: %w", what, err)
			}
			p.count(func(r *Report) { r.Points += int64(n) })
		}
		i += n
		mk.Count = uint64(i)
		if err := p.setMark(ctx, markLogged, modelKey(m.ID), *mk); err != nil {
			return err
		}
	}
	return nil
}

// modelMetric is a metric value linked to a logged model, as log_batch
// takes it.
type modelMetric struct {
	metric
	ModelID       string `json:"model_id"`
	DatasetName   string `json:"dataset_name,omitempty"`
	DatasetDigest string `json:"dataset_digest,omitempty"`
}

// pushLinks links run r's pushed logged models to its remote copy as its
// model inputs and outputs.
func (p *pusher) pushLinks(ctx context.Context, r *store.Run, remote, what string) error {
	links, err := p.t.RunModels(ctx, r.ID)
	if err != nil || len(links) == 0 {
		return err
	}
	type input struct {
		ModelID string `json:"model_id"`
	}
	type output struct {
		ModelID string `json:"model_id"`
		Step    int64  `json:"step"`
	}
	var ins []input
	var outs []output
	d := &digest{}
	for _, l := range links {
		m, _, err := p.mark(ctx, markLogged, modelKey(l.Model))
		if err != nil {
			return err
		}
		id := m.Ref
		if id == "" && !p.o.DryRun {
			p.skip("%s: link to logged model %s: the model was not pushed", what, l.Model)
			continue
		}
		if l.Output {
			outs = append(outs, output{id, l.Step})
			d.str("out").str(l.Model.String()).int(l.Step)
		} else {
			ins = append(ins, input{id})
			d.str("in").str(l.Model.String())
		}
	}
	sum := d.sum()
	m, _, err := p.mark(ctx, markLinks, runKey(r.ID))
	if err != nil || string(m.State) == string(sum) {
		return err
	}
	if !p.o.DryRun {
		if len(ins) > 0 {
			if err := p.post(ctx, "runs/log-inputs", map[string]any{"run_id": remote, "models": ins}, nil); err != nil {
				return fmt.Errorf("transfer: %s: model inputs: %w", what, err)
			}
		}
		if len(outs) > 0 {
			if err := p.post(ctx, "runs/outputs", map[string]any{"run_id": remote, "models": outs}, nil); err != nil {
				return fmt.Errorf("transfer: %s: model outputs: %w", what, err)
			}
		}
	}
	p.count(func(rep *Report) { rep.Inputs += len(ins) + len(outs) })
	return p.setMark(ctx, markLinks, runKey(r.ID), store.SyncMark{State: sum})
}

// filesToSend returns the files (not folders) whose mark of kind under
// owner does not record their state (fileState).
func (p *pusher) filesToSend(ctx context.Context, kind store.SyncKind, owner []byte, files []run.FileInfo) ([]run.FileInfo, error) {
	files = slices.DeleteFunc(files, func(f run.FileInfo) bool { return f.IsDir })
	marks, err := p.marks(ctx, kind, mapSlice(files, func(f run.FileInfo) []byte { return append(slices.Clone(owner), f.Path...) }))
	if err != nil {
		return nil, err
	}
	var todo []run.FileInfo
	for i, f := range files {
		if string(marks[i].State) != string(fileState(f)) {
			todo = append(todo, f)
		}
	}
	return todo, nil
}

// fileState is what a file's mark records once it is sent: its digest, or
// for a file of a local artifact folder outside the store (which has none)
// its size and modification time, so that a file rewritten there is sent
// again.
func fileState(f run.FileInfo) []byte {
	if f.Digest == (run.FileInfo{}).Digest {
		return []byte("size:" + strconv.FormatInt(f.Size, 10) + " mtime:" + strconv.FormatInt(f.ModTime.UnixNano(), 10))
	}
	return f.Digest[:]
}

// sendFiles uploads files of tree under the remote artifact URI, in
// parallel, marking each (kind, owner | path) as it arrives. A stored file
// is read from its blob, one of a local artifact folder through the tree.
func (p *pusher) sendFiles(ctx context.Context, kind store.SyncKind, owner []byte, tree run.Tree, todo []run.FileInfo, artifactURI, what string) error {
	if len(todo) == 0 {
		return nil
	}
	if p.o.DryRun {
		for _, f := range todo {
			p.count(func(rep *Report) { rep.Artifacts++; rep.Bytes += f.Size })
		}
		return nil
	}
	root, err := mlflowclient.ArtifactPath(artifactURI)
	if err != nil {
		return fmt.Errorf("transfer: %s: %w", what, err)
	}
	return parallel(ctx, len(todo), p.o.Concurrency, func(ctx context.Context, i int) error {
		f := todo[i]
		err := p.call(ctx, func() error {
			return p.c.Upload(ctx, root, f.Path, f.Size, func() (io.ReadCloser, error) {
				if f.Digest == (run.FileInfo{}).Digest {
					return tree.Open(ctx, f.Path)
				}
				return p.t.Blobs().Open(ctx, f.Digest)
			})
		})
		if err != nil {
			return fmt.Errorf("transfer: %s: artifact %s: %w", what, f.Path, err)
		}
		p.count(func(rep *Report) { rep.Artifacts++; rep.Bytes += f.Size })
		return p.setMark(ctx, kind, append(slices.Clone(owner), f.Path...), store.SyncMark{State: fileState(f)})
	})
}
