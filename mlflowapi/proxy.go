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

// proxyTarget is a location under mlflow-artifacts:/ that names a run's
// artifact tree: <experiment>/<run>/artifacts[/<path>], the form of the
// artifact URI mlite gives every run.
type proxyTarget struct {
	run  string // the run id as given
	id   run.ID
	path string // inside the run's tree; "" for its root
}

// resolveProxy maps a proxy location back to its run, which must exist in
// that experiment.
func (h *Handler) resolveProxy(ctx context.Context, loc string) (proxyTarget, error) {
	var t proxyTarget
	parts := strings.SplitN(strings.Trim(loc, "/"), "/", 4)
	if len(parts) < 3 || parts[2] != "artifacts" {
		return t, notFound(nil, "No run artifact location mlflow-artifacts:/%s: mlite serves run artifacts at mlflow-artifacts:/<experiment id>/<run id>/artifacts", loc)
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
	t.id = id
	if len(parts) == 4 {
		t.path = parts[3]
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
		return invalidParam("Cannot upload to the root of run %s's artifacts: name a file.", t.run)
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	if err := h.tr.LogReader(r.Context(), t.id, body, t.path); err != nil {
		return runError(err, t.run)
	}
	writeJSON(w, http.StatusOK, []byte("{}"))
	return nil
}

func (h *Handler) downloadProxy(w http.ResponseWriter, r *http.Request, loc string) error {
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	d, err := h.runArtifact(r.Context(), runRef{s: t.run, id: t.id}, t.path)
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
	err = h.tr.DeleteArtifact(r.Context(), t.id, t.path)
	if errors.Is(err, mlite.ErrNotFound) {
		return notFound(err, "Artifact %s of run %s not found", t.path, t.run)
	}
	if err != nil {
		return runError(err, t.run)
	}
	writeJSON(w, http.StatusOK, []byte("{}"))
	return nil
}

// listProxy lists one folder, ?path=<experiment>/<run>/artifacts[/<dir>],
// with each entry's path its base name, as MLflow's proxy answers.
func (h *Handler) listProxy(w http.ResponseWriter, r *http.Request) error {
	loc := r.URL.Query().Get("path")
	t, err := h.resolveProxy(r.Context(), loc)
	if err != nil {
		return err
	}
	files, err := h.tr.ListArtifacts(r.Context(), t.id, t.path, false)
	if err != nil {
		return runError(err, t.run)
	}
	jw := &jsonWriter{b: make([]byte, 0, 256)}
	jw.open()
	writeFiles(jw, files, true)
	jw.close()
	writeJSON(w, http.StatusOK, jw.b)
	return nil
}
