package mlflowapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/mlite/mlite/internal/httpsend"
)

// An endpoint is declared, not hand-written: a line of the route table
// (routes.go) names its methods and path and three functions, which the
// layer here strings together:
//
//	decode func(a *args) Req                                    the request's parameters, by MLflow's rules
//	call   func(h *Handler, ctx context.Context, req Req) (Resp, error)  one call into run or registry
//	encode func(w *jsonWriter, resp Resp)                       the response's fields, in proto order
//
// The layer reads the body or query string (decodeRequest), runs decode
// (whose first failing read is the answer), runs call, gives its error
// MLflow's code and message (see below), and writes encode's fields as the
// response object, or MLflow's error body. The same Req, Resp and
// functions serve any number of routes.
//
// To add an endpoint:
//
//  1. Write its request type and decoder. The decoder reads each
//     parameter once through args (str, required, strs, int, float, bool,
//     enum, tags, objects, run, version, ...), in the order MLflow's
//     handler checks them, so the first error is MLflow's; a rule of its
//     own is a.fail(err). A decoder of one parameter is a.required's
//     closure: required("name").
//
//  2. Write its call, a Handler method (ctx, Req) (Resp, error): one call
//     into run or registry, and what reading back the response takes.
//
//  3. Write its encoder, or reuse one (experimentMember, runMember,
//     modelMember, versionMember, ...); nil when MLflow answers {}.
//
//  4. Add a line to apiEndpoints (ajaxEndpoints for a route MLflow serves
//     only under /ajax-api/, rootEndpoints for a whole path):
//     read(methods, path, decode, call, encode) for a read, write(...)
//     for a change of the store (which Options.ReadOnly refuses),
//     file(...) for a download, whose call returns a *download that the
//     layer streams, upload(...) for a write whose body is a file, not
//     JSON: its parameters come from the query string and its call reads
//     the body. For example:
//
//     write(post, "runs/set-tag", decodeRunTag, (*Handler).setTag, nil),
//
// Errors: a call's error that is already an *apiError is answered as it
// is. Otherwise, when Req is or embeds a subject (runRef, experimentRef,
// modelRef, versionRef, read by a.run(), a.experiment(), a.model(),
// a.version(); keyed[S] adds a key and value to one), the subject gives it
// MLflow's message for that run, experiment, model or version (unknown,
// deleted, ...); what is left is mapped by mlite's sentinel errors
// (asAPIError).
type endpoint struct {
	methods []string // in the order an Allow header lists them
	path    string   // after the prefix, or the whole path of a root route
	writes  bool     // refused under Options.ReadOnly
	json    func(h *Handler, ctx context.Context, p *params, w *jsonWriter) error
	file    func(h *Handler, ctx context.Context, p *params) (*download, error)
	upload  func(h *Handler, ctx context.Context, p *params, body io.Reader, size int64) error
}

// read declares an endpoint answering JSON that changes nothing.
func read[Req, Resp any](methods []string, path string, decode func(*args) Req,
	call func(*Handler, context.Context, Req) (Resp, error), encode func(*jsonWriter, Resp)) endpoint {
	return endpoint{methods: methods, path: path, json: serveJSON(decode, call, encode)}
}

// write declares an endpoint answering JSON that changes the store.
func write[Req, Resp any](methods []string, path string, decode func(*args) Req,
	call func(*Handler, context.Context, Req) (Resp, error), encode func(*jsonWriter, Resp)) endpoint {
	return endpoint{methods: methods, path: path, writes: true, json: serveJSON(decode, call, encode)}
}

// file declares a download: the layer streams the file call opens.
func file[Req any](methods []string, path string, decode func(*args) Req,
	call func(*Handler, context.Context, Req) (*download, error)) endpoint {
	return endpoint{methods: methods, path: path, file: func(h *Handler, ctx context.Context, p *params) (*download, error) {
		req, err := decodeArgs(p, decode)
		if err != nil {
			return nil, err
		}
		d, err := call(h, ctx, req)
		if err != nil {
			return nil, callError(req, err)
		}
		return d, nil
	}}
}

// upload declares a write whose request body is a file of size bytes (-1
// when unknown), which call reads; the answer is MLflow's empty one.
func upload[Req any](methods []string, path string, decode func(*args) Req,
	call func(*Handler, context.Context, Req, io.Reader, int64) error) endpoint {
	return endpoint{methods: methods, path: path, writes: true,
		upload: func(h *Handler, ctx context.Context, p *params, body io.Reader, size int64) error {
			req, err := decodeArgs(p, decode)
			if err != nil {
				return err
			}
			if err := call(h, ctx, req, body, size); err != nil {
				return callError(req, err)
			}
			return nil
		}}
}

func serveJSON[Req, Resp any](decode func(*args) Req, call func(*Handler, context.Context, Req) (Resp, error),
	encode func(*jsonWriter, Resp)) func(*Handler, context.Context, *params, *jsonWriter) error {
	return func(h *Handler, ctx context.Context, p *params, w *jsonWriter) error {
		req, err := decodeArgs(p, decode)
		if err != nil {
			return err
		}
		resp, err := call(h, ctx, req)
		if err != nil {
			return callError(req, err)
		}
		if encode != nil {
			encode(w, resp)
		}
		return nil
	}
}

func decodeArgs[Req any](p *params, decode func(*args) Req) (Req, error) {
	a := &args{p: p}
	req := decode(a)
	return req, a.err
}

// A subject is what a request is about (a run, an experiment, a model, a
// version): it gives a call's error MLflow's message for it.
type subject interface{ fail(err error) error }

// callError is the answer to a call's error about req.
func callError(req any, err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return err
	}
	if s, ok := req.(subject); ok {
		return s.fail(err)
	}
	return err
}

// serveUpload answers r with upload endpoint e: the parameters are the
// query string's, the body is the file.
func (h *Handler) serveUpload(w http.ResponseWriter, r *http.Request, e *endpoint) {
	q, _ := url.ParseQuery(r.URL.RawQuery) // lenient, like Flask
	body := io.Reader(http.NoBody)
	if r.Body != nil {
		body = r.Body
	}
	if err := e.upload(h, r.Context(), &params{query: q}, body, r.ContentLength); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nil)
}

// serve answers r with endpoint e and decoded parameters p.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, e *endpoint, p *params) {
	ctx := r.Context()
	if e.file != nil {
		d, err := e.file(h, ctx, p)
		if err == nil {
			err = h.send(w, r, d)
		}
		if err != nil {
			h.fail(w, r, err)
		}
		return
	}
	jw := &jsonWriter{b: make([]byte, 0, 512)}
	jw.open()
	if err := e.json(h, ctx, p, jw); err != nil {
		h.writeError(w, r, err)
		return
	}
	jw.close()
	writeJSON(w, http.StatusOK, jw.b)
}

// download is a file a call opened for the layer to stream.
type download struct {
	name string // its path, for the content type and file name
	size int64  // -1 when unknown
	rc   io.ReadCloser
}

// send streams d and closes it.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, d *download) error {
	defer d.rc.Close()
	return sendFile(r.Context(), w, r, d.name, d.size, d.rc)
}

// fail answers err, or logs it when the response has begun.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var sent *httpsend.SentError
	if errors.As(err, &sent) {
		h.log.WarnContext(r.Context(), "mlflowapi: download cut short", "path", r.URL.Path, "err", sent.Err)
		httpsend.Abort()
	}
	h.writeError(w, r, err)
}

// args reads a request's parameters for a decoder and keeps the first
// error: a read after it returns its zero value, and the endpoint answers
// that error.
type args struct {
	p   *params
	err error
}

// fail records err unless an error came first.
func (a *args) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// ok reports whether every read so far succeeded.
func (a *args) ok() bool { return a.err == nil }

// keep returns v and records err.
func keep[T any](a *args, v T, err error) T {
	if a.err != nil {
		var zero T
		return zero
	}
	a.err = err
	return v
}

func (a *args) has(name string) bool { return a.p.has(name) }

func (a *args) str(name string) string {
	s, err := a.p.str(name)
	return keep(a, s, err)
}

func (a *args) required(name string) string {
	s, err := a.p.required(name)
	return keep(a, s, err)
}

func (a *args) strs(name string) []string {
	s, err := a.p.strs(name)
	return keep(a, s, err)
}

// runID is the required run_id, or run_uuid in its place, as given.
func (a *args) runID() string {
	s, err := a.p.runID()
	return keep(a, s, err)
}

// int returns an integer parameter and whether it was given.
func (a *args) int(name string) (int64, bool) {
	n, ok, err := a.p.int(name)
	return keep(a, n, err), ok && a.ok()
}

func (a *args) float(name string) (float64, bool) {
	f, ok, err := a.p.float(name)
	return keep(a, f, err), ok && a.ok()
}

func (a *args) bool(name string) bool {
	b, _, err := a.p.bool(name)
	return keep(a, b, err)
}

// enum returns an enum parameter's number and whether it was given.
func (a *args) enum(name string, values map[string]int64) (int64, bool) {
	n, ok, err := a.p.enum(name, values)
	return keep(a, n, err), ok && a.ok()
}

func (a *args) objects(name string) []*params {
	o, err := a.p.objects(name)
	return keep(a, o, err)
}

func (a *args) object(name string) *params {
	o, err := a.p.object(name)
	return keep(a, o, err)
}

func (a *args) keyValues(name string) []keyValue {
	kv, err := a.p.keyValues(name)
	return keep(a, kv, err)
}

// optional returns string parameter name, or nil when it is absent.
func (a *args) optional(name string) *string {
	if !a.ok() || !a.has(name) {
		return nil
	}
	s := a.str(name)
	return &s
}

// tags reads repeated key-value parameter name as a map (the last value
// of a key wins); nil when there are none.
func (a *args) tags(name string) map[string]string {
	kvs := a.keyValues(name)
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.key] = kv.value
	}
	return m
}

// in reads nested message o with a's error.
func (a *args) in(o *params, read func(*args)) {
	if !a.ok() {
		return
	}
	sub := &args{p: o}
	read(sub)
	a.fail(sub.err)
}

// required is the decoder of a request of one required string.
func required(name string) func(*args) string {
	return func(a *args) string { return a.required(name) }
}

// none is the response of an endpoint that answers {}.
type none = struct{}
