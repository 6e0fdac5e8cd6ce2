package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mlite/mlite/internal/capread"
	"github.com/mlite/mlite/internal/httpsend"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// maxPreview is the most bytes of a text artifact shown in a preview.
const maxPreview = 512 << 10

// artifactCSP sandboxes every artifact response: even if a browser were
// made to render one as a document, it runs no script and has an opaque
// origin, so it cannot reach the viewer.
const artifactCSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"

// imageTypes are the artifact types shown inline as images.
var imageTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".bmp":  "image/bmp",
	".svg":  "image/svg+xml",
}

// textExts are extensions previewed as text even when their first bytes
// would not say so.
var textExts = map[string]bool{
	".txt": true, ".log": true, ".json": true, ".csv": true, ".tsv": true, ".yaml": true, ".yml": true,
	".md": true, ".py": true, ".go": true, ".diff": true, ".patch": true, ".toml": true, ".ini": true,
	".cfg": true, ".xml": true, ".html": true, ".htm": true, ".js": true, ".css": true, ".sh": true,
	".r": true, ".sql": true, ".ipynb": true, ".jsonl": true, ".mod": true, ".sum": true,
}

// kindOf says how to show an artifact: "image", "text" or "binary". head
// is its first bytes.
func kindOf(p string, head []byte) string {
	ext := strings.ToLower(path.Ext(p))
	if _, ok := imageTypes[ext]; ok {
		return "image"
	}
	if textExts[ext] || path.Base(p) == "MLmodel" || looksText(head) {
		return "text"
	}
	return "binary"
}

// looksText reports whether b (a file's first bytes) reads as UTF-8 text.
func looksText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1] // a rune cut at the end of the sample
	}
	return utf8.Valid(b)
}

// opener opens one file of a run or a model version.
type opener func(ctx context.Context, p string) (io.ReadCloser, error)

// serveFile streams the file p with a safe content type: an image type
// for images, text/plain for text, application/octet-stream (as an
// attachment) for the rest; never HTML.
func (v *Viewer) serveFile(w http.ResponseWriter, r *http.Request, open opener, p string, size int64, etag string) {
	rc, err := open(r.Context(), p)
	if err != nil {
		v.errorPage(w, r, err)
		return
	}
	defer rc.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		v.errorPage(w, r, err)
		return
	}
	head = head[:n]
	kind := kindOf(p, head)
	ct := "application/octet-stream"
	switch kind {
	case "image":
		ct = imageTypes[strings.ToLower(path.Ext(p))]
	case "text":
		ct = "text/plain; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", artifactCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if etag != "" {
		h.Set("ETag", `"`+etag+`"`)
		if r.Header.Get("If-None-Match") == `"`+etag+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	disp := "inline"
	if kind == "binary" || r.URL.Query().Get("download") == "1" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": path.Base(p)}))
	// The file's reader verifies its digest and says so at the end: a
	// damaged file must not arrive whole (httpsend).
	err = httpsend.Stream(r.Context(), w, r, size, io.MultiReader(bytes.NewReader(head), rc))
	var sent *httpsend.SentError
	switch {
	case errors.As(err, &sent):
		httpsend.Abort()
	case err != nil:
		for _, k := range []string{"Content-Disposition", "Content-Security-Policy", "ETag", "Content-Length"} {
			h.Del(k)
		}
		v.errorPage(w, r, err)
	}
}

// serveArtifact serves a run's artifact file: /artifacts/{id}/raw?path=p.
func (v *Viewer) serveArtifact(w http.ResponseWriter, r *http.Request) {
	id, err := parseRunID(r.PathValue("id"))
	if err != nil {
		v.errorPage(w, r, err)
		return
	}
	p := r.URL.Query().Get("path")
	a, err := v.artifact(r.Context(), id, p)
	if err != nil {
		v.errorPage(w, r, err)
		return
	}
	open := func(ctx context.Context, p string) (io.ReadCloser, error) { return v.db.OpenArtifact(ctx, id, p) }
	v.serveFile(w, r, open, a.Path, a.Size, etagOf(a))
}

// etagOf is a stored file's ETag: its digest. A file read from a run's
// artifact folder outside the store has none (it may change at any time),
// so it gets no ETag.
func etagOf(f run.File) string {
	if f.Digest == (run.File{}).Digest {
		return ""
	}
	return fmt.Sprintf("%x", f.Digest[:16])
}

// artifact finds the index entry of a run's artifact file.
func (v *Viewer) artifact(ctx context.Context, id run.ID, p string) (run.File, error) {
	if p == "" {
		return run.File{}, errBadRequest("path: missing")
	}
	var a run.File
	err := v.db.Snapshot(ctx, func(snap *run.Snapshot) (err error) {
		a, err = snap.Artifact(id, strings.TrimPrefix(p, "/"))
		return err
	})
	if errors.Is(err, mlite.ErrNotFound) {
		return a, errNotFound("run %s has no artifact %q", id, p)
	}
	if errors.Is(err, mlite.ErrInvalid) {
		return a, errBadRequest("artifact path %q: %v", p, err)
	}
	return a, err
}

// preview is what the artifact panel shows of one file.
type preview struct {
	Path      string `json:"path"`
	Size      int64  `json:"file_size"`
	Kind      string `json:"kind"` // image, text, binary
	URL       string `json:"url"`  // the raw bytes
	Text      string `json:"text,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

func (v *Viewer) runPreview(ctx context.Context, id run.ID, p string) (*preview, error) {
	a, err := v.artifact(ctx, id, p)
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context, p string) (io.ReadCloser, error) { return v.db.OpenArtifact(ctx, id, p) }
	raw := "/artifacts/" + id.String() + "/raw?path=" + url.QueryEscape(a.Path)
	return makePreview(ctx, open, a.Path, a.Size, raw)
}

// makePreview reads up to maxPreview bytes of a text file (JSON is
// indented when it parses whole).
func makePreview(ctx context.Context, open opener, p string, size int64, raw string) (*preview, error) {
	pv := &preview{Path: p, Size: size, URL: raw}
	rc, err := open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, over, err := capread.ReadAll(rc, maxPreview)
	if err != nil {
		return nil, err
	}
	pv.Kind = kindOf(p, b[:min(len(b), 512)])
	if pv.Kind != "text" {
		return pv, nil
	}
	pv.Truncated = over
	if !pv.Truncated && strings.EqualFold(path.Ext(p), ".json") {
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			b = out.Bytes()
		}
	}
	pv.Text = strings.ToValidUTF8(string(b), "\uFFFD")
	return pv, nil
}

// readText reads a run's text artifact whole, up to maxPreview bytes; ""
// when there is none.
func (v *Viewer) readText(ctx context.Context, id run.ID, p string) (string, bool, error) {
	rc, err := v.db.OpenArtifact(ctx, id, p)
	if errors.Is(err, mlite.ErrNotFound) || errors.Is(err, run.ErrRemoteArtifacts) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer rc.Close()
	b, cut, err := capread.ReadAll(rc, maxPreview)
	if err != nil {
		return "", false, err
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), cut, nil
}

// serveModelFile serves a model version's file:
// /models/{name}/versions/{version}/raw?path=p.
func (v *Viewer) serveModelFile(w http.ResponseWriter, r *http.Request) {
	name, ver, err := parseVersion(r)
	if err != nil {
		v.errorPage(w, r, err)
		return
	}
	p := strings.TrimPrefix(r.URL.Query().Get("path"), "/")
	if p == "" {
		v.errorPage(w, r, errBadRequest("path: missing"))
		return
	}
	files, err := v.reg.Files(r.Context(), name, ver)
	if err != nil {
		v.errorPage(w, r, err)
		return
	}
	for _, f := range files {
		if f.Path == p {
			open := func(ctx context.Context, p string) (io.ReadCloser, error) { return v.reg.OpenFile(ctx, name, ver, p) }
			v.serveFile(w, r, open, f.Path, f.Size, etagOf(f))
			return
		}
	}
	v.errorPage(w, r, errNotFound("model %q version %d has no file %q", name, ver, p))
}

// parseVersion reads the {name} and {version} path values.
func parseVersion(r *http.Request) (string, int64, error) {
	name := r.PathValue("name")
	s := r.PathValue("version")
	ver, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ver < 1 {
		return "", 0, errBadRequest("version %q: want a positive integer", s)
	}
	return name, ver, nil
}
