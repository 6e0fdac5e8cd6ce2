package transfer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

// model is a registered model and its versions as read for a push.
type model struct {
	m        *registry.RegisteredModel
	versions []*registry.ModelVersion
}

func (p *pusher) pushRegistry(ctx context.Context, pl *plan) error {
	if p.reg == nil {
		return nil
	}
	var models []model
	want := map[string]bool{}
	for _, n := range p.o.Models {
		want[n] = true
	}
	err := p.reg.Snapshot(ctx, func(s *registry.Snapshot) error {
		return s.Models(func(m *registry.RegisteredModel) error {
			if len(want) > 0 && !want[m.Name] {
				return nil
			}
			delete(want, m.Name)
			vs, err := s.Versions(m.Name)
			if err != nil {
				return err
			}
			models = append(models, model{m, vs})
			return nil
		})
	})
	if err != nil {
		return err
	}
	for n := range want {
		return fmt.Errorf("transfer: registered model %q: %w", n, store.ErrNotFound)
	}
	for i, md := range models {
		if err := p.pushModel(ctx, md); err != nil {
			return err
		}
		p.progress("registry", int64(i+1), int64(len(models)))
	}
	return nil
}

func (p *pusher) pushModel(ctx context.Context, md model) error {
	m := md.m
	what := fmt.Sprintf("registered model %q", m.Name)
	key := []byte(m.Name)
	sum := (&digest{}).str(m.Description).strMap(m.Tags).sum()
	mk, ok, err := p.mark(ctx, markModel, key)
	if err != nil {
		return err
	}
	if !ok {
		var state []byte
		if !p.o.DryRun {
			err := p.post(ctx, "registered-models/create", map[string]any{"name": m.Name, "description": m.Description, "tags": kvs(m.Tags)}, nil)
			switch {
			case err == nil:
				state = keyedState(sum, m.Tags)
			case errors.Is(err, mlflowclient.ErrExists):
				// The server's model of this name receives the versions;
				// its description and tags are set to ours below.
			default:
				return fmt.Errorf("transfer: %s: %w", what, err)
			}
		}
		p.count(func(r *Report) { r.Models++ })
		mk = store.SyncMark{Ref: m.Name, State: state}
		if err := p.setMark(ctx, markModel, key, mk); err != nil {
			return err
		}
	}
	if !sameState(mk.State, sum) {
		if !p.o.DryRun {
			if err := p.patch(ctx, "registered-models/update", map[string]any{"name": m.Name, "description": m.Description}); err != nil {
				return fmt.Errorf("transfer: %s: description: %w", what, err)
			}
			for _, t := range kvs(m.Tags) {
				if err := p.post(ctx, "registered-models/set-tag", map[string]any{"name": m.Name, "key": t.Key, "value": t.Value}, nil); err != nil {
					return fmt.Errorf("transfer: %s: tag %q: %w", what, t.Key, err)
				}
			}
		}
		err := p.dropGone(ctx, mk.State, m.Tags, func(k string) error {
			return p.del(ctx, "registered-models/delete-tag", map[string]string{"name": m.Name, "key": k})
		})
		if err != nil {
			return fmt.Errorf("transfer: %s: %w", what, err)
		}
		p.count(func(r *Report) { r.Registry++ })
		if err := p.setMark(ctx, markModel, key, store.SyncMark{Ref: m.Name, State: keyedState(sum, m.Tags)}); err != nil {
			return err
		}
	}
	remoteNum := map[int64]string{}
	for _, v := range md.versions {
		num, err := p.pushVersion(ctx, m.Name, v)
		if err != nil {
			return err
		}
		if num != "" {
			remoteNum[v.Version] = num
		}
	}
	// Aliases, as remote version numbers.
	aliases := map[string]string{}
	for a, v := range m.Aliases {
		if n, ok := remoteNum[v]; ok {
			aliases[a] = n
		} else {
			p.skip("%s: alias %q: version %d was not pushed", what, a, v)
		}
	}
	asum := (&digest{}).strMap(aliases).sum()
	am, _, err := p.mark(ctx, markAliases, key)
	if err != nil || sameState(am.State, asum) {
		return err
	}
	for _, a := range slices.Sorted(maps.Keys(aliases)) {
		if !p.o.DryRun {
			if err := p.post(ctx, "registered-models/alias", map[string]any{"name": m.Name, "alias": a, "version": aliases[a]}, nil); err != nil {
				return fmt.Errorf("transfer: %s: alias %q: %w", what, a, err)
			}
		}
		p.count(func(r *Report) { r.Registry++ })
	}
	err = p.dropGone(ctx, am.State, aliases, func(a string) error {
		return p.del(ctx, "registered-models/alias", map[string]string{"name": m.Name, "alias": a})
	})
	if err != nil {
		return fmt.Errorf("transfer: %s: alias: %w", what, err)
	}
	return p.setMark(ctx, markAliases, key, store.SyncMark{State: keyedState(asum, aliases)})
}

func (p *pusher) patch(ctx context.Context, path string, in any) error {
	return p.write(ctx, func() error { return p.c.Patch(ctx, path, in, nil) })
}

// remoteSource turns a version's source into the server's: runs:/<local
// run>/path names the pushed run, models:/m-<local id> the pushed logged
// model. It returns "" when the source run or model was not pushed, and
// the remote logged model's id for a version made from one.
func (p *pusher) remoteSource(ctx context.Context, v *registry.ModelVersion) (source, runID, modelID string, err error) {
	if v.ModelID != (store.ModelID{}) {
		m, _, err := p.mark(ctx, markLogged, modelKey(v.ModelID))
		if err != nil || m.Ref == "" {
			return "", "", "", err
		}
		modelID = m.Ref
	}
	runID = p.remoteRunOf(v.RunID)
	if v.RunID != "" && runID == "" {
		// A run this push did not look at may have been pushed before.
		if id, perr := store.ParseRunID(v.RunID); perr == nil {
			m, _, err := p.mark(ctx, markRun, runKey(id))
			if err != nil {
				return "", "", "", err
			}
			runID = m.Ref
		}
	}
	if _, ok := registry.LoggedModelURI(v.Source); ok {
		if modelID == "" {
			return "", "", "", nil
		}
		return "models:/" + modelID, runID, modelID, nil
	}
	rest, ok := strings.CutPrefix(v.Source, "runs:/")
	if !ok {
		if runID == "" {
			return "", "", "", nil
		}
		return v.Source, runID, modelID, nil
	}
	local, path, _ := strings.Cut(rest, "/")
	id, perr := store.ParseRunID(local)
	if perr != nil {
		return "", "", "", nil
	}
	m, found, err := p.mark(ctx, markRun, runKey(id))
	if err != nil || !found || m.Ref == "" {
		return "", "", "", err
	}
	return "runs:/" + m.Ref + "/" + path, m.Ref, modelID, nil
}

type remoteVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
	RunID   string `json:"run_id"`
}

// pushVersion creates version v on the server if no mark says it exists,
// then brings its description, tags and stage up to date. It returns the
// remote version number, "" if the version could not be pushed.
func (p *pusher) pushVersion(ctx context.Context, name string, v *registry.ModelVersion) (string, error) {
	what := fmt.Sprintf("model %q version %d", name, v.Version)
	key := versionKey(name, v.Version)
	mk, ok, err := p.mark(ctx, markVersion, key)
	if err != nil {
		return "", err
	}
	if !ok || mk.Ref == "" {
		if p.o.DryRun {
			p.count(func(r *Report) { r.Versions++ })
			return "dry-run", nil
		}
		source, runID, modelID, err := p.remoteSource(ctx, v)
		if err != nil {
			return "", err
		}
		if source == "" {
			p.skip("%s: its source %s names a run or logged model that was not pushed", what, v.Source)
			return "", nil
		}
		num := ""
		if ok {
			if num, err = p.findVersion(ctx, name, source, runID); err != nil {
				return "", err
			}
		} else if err := p.setMark(ctx, markVersion, key, store.SyncMark{}); err != nil {
			return "", err
		}
		if num == "" {
			var got struct {
				MV remoteVersion `json:"model_version"`
			}
			req := map[string]any{"name": name, "source": source, "run_id": runID, "description": v.Description, "tags": kvs(v.Tags)}
			if modelID != "" {
				req["model_id"] = modelID
			}
			if err := p.post(ctx, "model-versions/create", req, &got); err != nil {
				return "", fmt.Errorf("transfer: %s: %w", what, err)
			}
			if got.MV.Version == "" {
				return "", fmt.Errorf("transfer: %s: the server answered without a version number: %w", what, mlflowclient.ErrBadAnswer)
			}
			num = got.MV.Version
			p.count(func(r *Report) { r.Versions++ })
			mk.State = keyedState((&digest{}).str(v.Description).strMap(v.Tags).str(registry.None.String()).sum(), v.Tags)
		}
		mk.Ref = num
		if err := p.setMark(ctx, markVersion, key, mk); err != nil {
			return "", err
		}
	}
	sum := (&digest{}).str(v.Description).strMap(v.Tags).str(v.Stage.String()).sum()
	if sameState(mk.State, sum) {
		return mk.Ref, nil
	}
	if !p.o.DryRun {
		if err := p.patch(ctx, "model-versions/update", map[string]any{"name": name, "version": mk.Ref, "description": v.Description}); err != nil {
			return "", fmt.Errorf("transfer: %s: description: %w", what, err)
		}
		for _, t := range kvs(v.Tags) {
			if err := p.post(ctx, "model-versions/set-tag", map[string]any{"name": name, "version": mk.Ref, "key": t.Key, "value": t.Value}, nil); err != nil {
				return "", fmt.Errorf("transfer: %s: tag %q: %w", what, t.Key, err)
			}
		}
		err := p.dropGone(ctx, mk.State, v.Tags, func(k string) error {
			return p.del(ctx, "model-versions/delete-tag", map[string]string{"name": name, "version": mk.Ref, "key": k})
		})
		if err != nil {
			return "", fmt.Errorf("transfer: %s: %w", what, err)
		}
		req := map[string]any{"name": name, "version": mk.Ref, "stage": v.Stage.String(), "archive_existing_versions": false}
		if err := p.post(ctx, "model-versions/transition-stage", req, nil); err != nil {
			return "", fmt.Errorf("transfer: %s: stage %s: %w", what, v.Stage, err)
		}
	}
	p.count(func(r *Report) { r.Registry++ })
	mk.State = keyedState(sum, v.Tags)
	return mk.Ref, p.setMark(ctx, markVersion, key, mk)
}

// findVersion looks for a version of model name that a killed push
// created: same source and run, and no mark of another version names it.
func (p *pusher) findVersion(ctx context.Context, name, source, runID string) (string, error) {
	prefix := versionKey(name, 0)
	prefix = prefix[:len(prefix)-8]
	taken, err := p.takenRefs(ctx, markVersion, func(k []byte) bool {
		return len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix)
	})
	if err != nil {
		return "", err
	}
	best := ""
	q := url.Values{"filter": {"name = '" + strings.ReplaceAll(name, "'", "\\'") + "'"}, "max_results": {"1000"}}
	err = pages(func(token string) (string, error) {
		var page struct {
			Versions []remoteVersion `json:"model_versions"`
			Next     string          `json:"next_page_token"`
		}
		if err := p.get(ctx, "model-versions/search", pageQuery(q, token), &page); err != nil {
			return "", fmt.Errorf("transfer: looking for a version of %q on the server: %w", name, err)
		}
		for _, v := range page.Versions {
			if v.Name == name && v.Source == source && v.RunID == runID && !taken[v.Version] {
				if best == "" || less(v.Version, best) {
					best = v.Version
				}
			}
		}
		if best != "" {
			return "", nil
		}
		return page.Next, nil
	})
	return best, err
}

func less(a, b string) bool {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return x < y
}
