package viewer

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

//go:embed templates/*.html
var templateFS embed.FS

// The causes of the viewer's request errors, which become a 404 or a 400
// page or JSON body (callers of the handler never see them).
var (
	// errMissing: the page, run, model or file asked for does not exist.
	errMissing = errors.New("viewer: not found")
	// errBad: a parameter is missing, malformed or out of range.
	errBad = errors.New("viewer: bad request")
)

// reqError is a handler error with the status and MLflow error code to
// answer with.
type reqError struct {
	status int
	code   string
	msg    string
	err    error
}

func (e *reqError) Error() string { return e.msg }
func (e *reqError) Unwrap() error { return e.err }

func errNotFound(format string, args ...any) error {
	return &reqError{http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf(format, args...), errMissing}
}

func errBadRequest(format string, args ...any) error {
	return &reqError{http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf(format, args...), errBad}
}

// classify turns any handler error into the status, code and message to
// show. Store errors that are the caller's fault (not found, invalid) keep
// their status; any other error is a 500, logged, and its text shown too,
// as MLflow's server does: the viewer serves its own user on loopback, who
// needs to see "corrupt record at byte …" more than to have it hidden.
func (v *Viewer) classify(r *http.Request, err error) (int, string, string) {
	var re *reqError
	switch {
	case errors.As(err, &re):
		return re.status, re.code, re.msg
	case errors.Is(err, mlite.ErrNotFound):
		return http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", err.Error()
	case errors.Is(err, mlite.ErrInvalid), errors.Is(err, run.ErrRemoteArtifacts):
		return http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error()
	case errors.Is(err, r.Context().Err()) && r.Context().Err() != nil:
		return 499, "CANCELLED", "request cancelled"
	}
	v.opts.ErrorLog.Printf("viewer: %s %s: %v", r.Method, r.URL.Path, err)
	return http.StatusInternalServerError, "INTERNAL_ERROR", "internal error: " + err.Error()
}

// view is what a page handler returns: the template to render and its data.
type view struct {
	Template string // the page's file name, e.g. "run.html"
	Title    string
	Nav      string // which header link is current: "experiments", "models"
	Data     any
}

// pageData is the value every page template gets.
type pageData struct {
	Site  string
	Title string
	Nav   string
	Poll  int64 // live refresh interval, ms
	Data  any
	// Status and Message are set on the error page.
	Status  int
	Message string
}

// get calls fn for a GET or HEAD request and refuses any other method: the
// viewer is read-only.
func get[T any](r *http.Request, fn func(*http.Request) (T, error)) (T, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		var zero T
		return zero, &reqError{http.StatusMethodNotAllowed, "BAD_REQUEST", "the viewer is read-only: method " + r.Method + " not allowed", errBad}
	}
	return fn(r)
}

// page adapts a page handler: it renders the view into a buffer and sends
// it whole, or sends the error page.
func (v *Viewer) page(fn func(*http.Request) (*view, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pv, err := get(r, fn)
		if err != nil {
			v.errorPage(w, r, err)
			return
		}
		pd := &pageData{Site: v.opts.Title, Title: pv.Title, Nav: pv.Nav, Poll: v.opts.PollInterval.Milliseconds(), Data: pv.Data}
		var buf bytes.Buffer
		if err := v.execute(&buf, pv.Template, pd); err != nil {
			v.errorPage(w, r, err)
			return
		}
		v.sendHTML(w, http.StatusOK, buf.Bytes())
	}
}

func (v *Viewer) execute(buf *bytes.Buffer, name string, pd *pageData) error {
	t, ok := v.tmpl[name]
	if !ok {
		return fmt.Errorf("viewer: BUG: no template %q", name)
	}
	return t.ExecuteTemplate(buf, "layout", pd)
}

// errorPage renders the clean error page for err.
func (v *Viewer) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	status, _, msg := v.classify(r, err)
	pd := &pageData{Site: v.opts.Title, Title: http.StatusText(status), Status: status, Message: msg}
	var buf bytes.Buffer
	if err := v.execute(&buf, "error.html", pd); err != nil {
		v.opts.ErrorLog.Printf("viewer: error page: %v", err)
		buf.Reset()
		buf.WriteString("<!doctype html><title>error</title><p>" + template.HTMLEscapeString(msg))
	}
	if status == 499 {
		return
	}
	v.sendHTML(w, status, buf.Bytes())
}

// pageCSP is the Content-Security-Policy of the viewer's own pages: scripts
// and styles come only from the viewer itself.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"

func (v *Viewer) sendHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// api adapts a JSON handler: the value is encoded into a buffer and sent
// whole; an error becomes {"error_code", "message"} with its status.
func (v *Viewer) api(fn func(*http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		val, err := get(r, fn)
		if err != nil {
			v.sendJSONError(w, r, err)
			return
		}
		if raw, ok := val.(rawJSON); ok {
			v.sendJSON(w, http.StatusOK, raw)
			return
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(val); err != nil {
			v.sendJSONError(w, r, err)
			return
		}
		v.sendJSON(w, http.StatusOK, buf.Bytes())
	}
}

// apiError is the body of a JSON error, as in MLflow's REST API.
type apiError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func (v *Viewer) sendJSONError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := v.classify(r, err)
	if status == 499 {
		return
	}
	b, _ := json.Marshal(apiError{code, msg})
	v.sendJSON(w, status, append(b, '\n'))
}

func (v *Viewer) sendJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// parseTemplates parses each page template together with the layout, once.
func (v *Viewer) parseTemplates() (map[string]*template.Template, error) {
	funcs := v.funcs()
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template)
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t := template.New(name).Funcs(funcs)
		if _, err := t.New("layout").Parse(string(layout)); err != nil {
			return nil, fmt.Errorf("layout: %w", err)
		}
		partials, _ := fs.Glob(templateFS, "templates/_*.html")
		for _, pp := range partials {
			b, err := fs.ReadFile(templateFS, pp)
			if err != nil {
				return nil, err
			}
			if _, err := t.New(path.Base(pp)).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("%s: %w", pp, err)
			}
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(name + "#body").Parse(string(b)); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}
