package mlflowapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// proxyPath returns the artifact path of a request to MLflow's artifact
// proxy (/api/2.0/mlflow-artifacts/artifacts[/<path>], also under
// /ajax-api/2.0/) and whether the request is one.
func proxyPath(urlPath string) (string, bool) {
	for _, pre := range []string{"/api/2.0/", "/ajax-api/2.0/"} {
		rest, ok := strings.CutPrefix(urlPath, pre+"mlflow-artifacts/artifacts")
		if !ok {
			continue
		}
		if rest == "" {
			return "", true
		}
		if rest[0] == '/' {
			return rest[1:], true
		}
	}
	return "", false
}

// proxyTarget is a location under mlflow-artifacts:/ that names an
// artifact tree: a run's, <experiment>/<run>/artifacts[/<path>], the form
// of the artifact URI mlite gives every run, or a logged model's,
// <experiment>/models/<model id>/artifacts[/<path>].
type proxyTarget struct {
	tree  run.Tree
	run   string      // the run id as given; "" for a logged model
	model string      // the logged model id as given; "" for a run
	id    run.ID      // the run's
	mid   run.ModelID // the logged model's
	path  string      // inside the tree; "" for its root
	fail  func(error) error
}

// resolveProxy maps a proxy location back to its run or logged model,
// which must exist in that experiment.
func (h *Handler) resolveProxy(ctx context.Context, loc string) (proxyTarget, error) {
	var t proxyTarget
	parts := strings.SplitN(strings.Trim(loc, "/"), "/", 5)
	if len(parts) >= 4 && parts[1] == "models" && parts[3] == "artifacts" {
		return h.resolveModelProxy(ctx, parts)
	}
	parts = strings.SplitN(strings.Trim(loc, "/"), "/", 4)
	if len(parts) < 3 || parts[2] != "artifacts" {
		return t, notFound(nil, "No artifact location mlflow-artifacts:/%s: mlite serves run artifacts at mlflow-artifacts:/<experiment id>/<run id>/artifacts and logged models' at mlflow-artifacts:/<experiment id>/models/<model id>/artifacts", loc)
	}
	t.run = parts[1]
	id, err := parseRunID(t.run)
	if err != nil {
		return t, err
	}
	rec, err := h.tr.GetRun(ctx, id)
	if err != nil {
		return t, runError(err, t.run)
	}
	if rec.ExperimentID.String() != parts[0] {
		return t, notFound(nil, "Run with id=%s not found in experiment %s", t.run, parts[0])
	}
	t.id, t.tree = id, h.tr.RunTree(id)
	t.fail = func(err error) error { return runError(err, t.run) }
	if len(parts) == 4 {
		t.path = parts[3]
	}
	return t, nil
}

// resolveModelProxy maps <experiment>/models/<model id>/artifacts[/<path>]
// (parts, split) to the logged model.
func (h *Handler) resolveModelProxy(ctx context.Context, parts []string) (proxyTarget, error) {
	ref := loggedModelRef{s: parts[2]}
	t := proxyTarget{model: ref.s, fail: ref.fail}
	id, err := run.ParseModelID(ref.s)
	if err != nil {
		return t, modelIDNotFound(err, ref.s)
	}
	ref.id = id
	m, err := h.loggedModel(ctx, ref, false)
	if err != nil {
		return t, ref.fail(err)
	}
	if m.ExperimentID.String() != parts[0] {
		return t, notFound(nil, "Logged model with ID '%s' not found in experiment %s.", ref.s, parts[0])
	}
	t.mid, t.tree = id, h.tr.ModelTree(id)
	if len(parts) == 5 {
		t.path = parts[4]
	}
	return t, nil
}

// serveArtifactsProxy answers MLflow's artifact proxy over the runs'
// artifacts: PUT uploads a file (the body, streamed), GET downloads one,
// GET without a path lists a folder (?path=), DELETE removes a file or
// folder. This is where mlflow.log_artifact and download_artifacts go for
// an artifact URI of mlflow-artifacts:/.
func (h *Handler) serveArtifactsProxy(w http.ResponseWriter, r *http.Request, loc string) {
	var err error
	switch {
	case h.ro && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		err = errReadOnly(r)
	case loc == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		err = h.listProxy(w, r)
	case loc != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		err = h.downloadProxy(w, r, loc)
	case loc != "" && r.Method == http.MethodPut:
		err = h.uploadProxy(w, r, loc)
	case loc != "" && r.Method == http.MethodDelete:
		err = h.deleteProxy(w, r, loc)
	default:
		allow := "GET, PUT, DELETE"
		if loc == "" {
			allow = "GET"
		}
		w.Header().Set("Allow", allow)
		err = &apiError{code: codeBadRequest, status: http.StatusMethodNotAllowed,
			msg: "Method " + r.Method + " is not allowed for " + r.URL.Path + "; use " + strings.ReplaceAll(allow, ", ", " or ")}
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

func (h *Handler) uploadProxy(w http.ResponseWriter, r *http.Request, loc string) error {
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	if t.path == "" {
		return invalidParam("Cannot upload to the root of %s's artifacts: name a file.", t.tree)
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if err := t.tree.Log(r.Context(), body, t.path); err != nil {
		return t.fail(err)
	}
	writeJSON(w, http.StatusOK, []byte("{}"))
	return nil
}

func (h *Handler) downloadProxy(w http.ResponseWriter, r *http.Request, loc string) error {
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	d, err := h.treeArtifact(r.Context(), t.tree, t.path, t.fail)
	if err != nil {
		return err
	}
	return h.send(w, r, d)
}

func (h *Handler) deleteProxy(w http.ResponseWriter, r *http.Request, loc string) error {
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	err = t.tree.Delete(r.Context(), t.path)
	if errors.Is(err, mlite.ErrNotFound) {
		return notFound(err, "Artifact %s of %s not found", t.path, t.tree)
	}
	if err != nil {
		return t.fail(err)
	}
	writeJSON(w, http.StatusOK, []byte("{}"))
	return nil
}

// listProxy lists one folder, ?path=<experiment>/<run>/artifacts[/<dir>]
// (or a logged model's location), with each entry's path its base name,
// as MLflow's proxy answers.
func (h *Handler) listProxy(w http.ResponseWriter, r *http.Request) error {
	loc := r.URL.Query().Get("path")
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	files, err := t.tree.List(r.Context(), t.path, false)
	if err != nil {
		return t.fail(err)
	}
	jw := &jsonWriter{b: make([]byte, 0, 256)}
	jw.open()
	writeFiles(jw, files, true)
	jw.close()
	writeJSON(w, http.StatusOK, jw.b)
	return nil
}
