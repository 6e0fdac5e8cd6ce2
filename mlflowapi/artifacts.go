package mlflowapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/httpsend"
)

// safeTypes are the content types artifact downloads are served with, by
// lower-case extension. Anything a browser could run or render as a
// document (HTML, SVG, XML, JavaScript) is plain text; unknown extensions
// are application/octet-stream. The table is fixed so the answer does not
// depend on the machine's MIME database.
var safeTypes = map[string]string{
	".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8",
	".md": "text/plain; charset=utf-8", ".csv": "text/plain; charset=utf-8",
	".tsv": "text/plain; charset=utf-8", ".yaml": "text/plain; charset=utf-8",
	".yml": "text/plain; charset=utf-8", ".py": "text/plain; charset=utf-8",
	".go": "text/plain; charset=utf-8", ".ini": "text/plain; charset=utf-8",
	".toml": "text/plain; charset=utf-8", ".diff": "text/plain; charset=utf-8",
	".html": "text/plain; charset=utf-8", ".htm": "text/plain; charset=utf-8",
	".xhtml": "text/plain; charset=utf-8", ".svg": "text/plain; charset=utf-8",
	".xml": "text/plain; charset=utf-8", ".js": "text/plain; charset=utf-8",
	".mjs": "text/plain; charset=utf-8", ".css": "text/plain; charset=utf-8",
	".json": "application/json", ".jsonl": "text/plain; charset=utf-8",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".bmp": "image/bmp",
	".pdf": "application/pdf",
}

// contentType returns the safe content type of the artifact at p. Files
// without an extension that MLflow writes as text (MLmodel) are text.
func contentType(p string) string {
	base := path.Base(p)
	if base == "MLmodel" || base == "requirements.txt" {
		return "text/plain; charset=utf-8"
	}
	if t, ok := safeTypes[strings.ToLower(path.Ext(base))]; ok {
		return t
	}
	return "application/octet-stream"
}

// runPath is a request about a path in a run's artifacts.
type runPath struct {
	runRef
	path string
}

func decodeGetArtifact(a *args) runPath {
	var q runPath
	q.s = a.runID()
	q.path = a.required("path")
	a.parseRun(&q.runRef)
	return q
}

// getArtifact serves /get-artifact?run_id=&path= (run_uuid also taken):
// one file of a run's artifacts.
func (h *Handler) getArtifact(ctx context.Context, q runPath) (*download, error) {
	return h.runArtifact(ctx, q.runRef, q.path)
}

// runArtifact opens artifact p of run ref, with its size when it is a
// file of the run's index.
func (h *Handler) runArtifact(ctx context.Context, ref runRef, p string) (*download, error) {
	return h.treeArtifact(ctx, h.tr.RunTree(ref.id), p, ref.fail)
}

type versionArtifactRequest struct {
	versionRef
	path string
}

func decodeGetVersionArtifact(a *args) versionArtifactRequest {
	return versionArtifactRequest{versionRef: a.version(), path: a.required("path")}
}

// getVersionArtifact serves /model-versions/get-artifact?name=&version=&path=:
// one file of a model version, read from the version's own file index.
func (h *Handler) getVersionArtifact(ctx context.Context, q versionArtifactRequest) (*download, error) {
	files, err := h.reg.Files(ctx, q.name, q.v)
	if err != nil {
		return nil, versionNotFound(err, q.name, q.v)
	}
	d := &download{name: q.path, size: -1}
	for _, f := range files {
		if f.Path == strings.Trim(q.path, "/") {
			d.size = f.Size
		}
	}
	d.rc, err = h.reg.OpenFile(ctx, q.name, q.v, q.path)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, notFound(err, "Artifact %s of model %s version %d not found", q.path, q.name, q.v)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// maxUpload bounds a file sent to upload-artifact, as MLflow's handler
// does.
const maxUpload = 10 << 20

func decodeUploadArtifact(a *args) runPath {
	var q runPath
	if q.s = a.str("run_uuid"); a.ok() && q.s == "" {
		a.fail(invalidParam("Request must specify run_uuid."))
	}
	if q.path = a.str("path"); a.ok() && q.path == "" {
		a.fail(invalidParam("Request must specify path."))
	}
	if a.ok() {
		var ok bool
		if q.path, ok = safePath(q.path); !ok {
			a.fail(invalidParam("Invalid path"))
		}
	}
	return q
}

// uploadArtifact serves the UI's ajax-api/2.0/mlflow/upload-artifact
// ?run_uuid=&path=: the body, at most 10 MB, becomes the run's artifact at
// path, with MLflow's checks in MLflow's order.
func (h *Handler) uploadArtifact(ctx context.Context, q runPath, body io.Reader, size int64) error {
	tooLarge := invalidParam("Artifact size is too large. Max size is 10MB.")
	if size > maxUpload {
		return tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(body, maxUpload+1))
	switch {
	case err != nil:
		return invalidParam("Cannot read the request body: %v", err)
	case len(data) == 0:
		return invalidParam("Request must specify data.")
	case len(data) > maxUpload:
		return tooLarge
	}
	if q.id, err = parseRunID(q.s); err != nil {
		return err
	}
	return runError(h.tr.LogReader(ctx, q.id, bytes.NewReader(data), q.path), q.s)
}

// safePath is MLflow's validate_path_is_safe: path percent-decoded, and
// whether it may be joined to a folder (no "#", no file: URI, no ".."
// segment, not absolute on POSIX or Windows).
func safePath(p string) (string, bool) {
	p = unquoteAll(p)
	switch {
	case strings.Contains(p, "#"), len(p) >= 5 && strings.EqualFold(p[:5], "file:"),
		slices.Contains(strings.Split(p, "/"), ".."), strings.HasPrefix(p, "/"):
		return p, false
	case len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') && isLetter(p[0]):
		return p, false // a Windows drive's root: C:\ or C:/
	case strings.HasPrefix(p, `\\`) && strings.Contains(strings.TrimLeft(p, `\`), `\`):
		return p, false // a Windows share: \\server\share
	}
	return p, true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// sendFile streams rc as an attachment with a content type a browser will
// not run, under a sandboxing Content-Security-Policy. rc verifies the
// content's digest as it goes and reports a mismatch at the latest instead
// of io.EOF; httpsend.Stream makes sure a damaged file never arrives
// whole (an error status for a small one, an aborted body for a large
// one).
func sendFile(ctx context.Context, w http.ResponseWriter, r *http.Request, name string, size int64, rc io.Reader) error {
	hd := w.Header()
	hd.Set("Content-Type", contentType(name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox")
	if cd := mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(name)}); cd != "" {
		hd.Set("Content-Disposition", cd)
	} else {
		hd.Set("Content-Disposition", "attachment")
	}
	return httpsend.Stream(ctx, w, r, size, rc)
}
