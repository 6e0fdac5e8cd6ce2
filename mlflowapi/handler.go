package mlflowapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// Options configure New. The zero value of every field means its default.
type Options struct {
	// Logger receives a record for each request that failed on the
	// server's side (an INTERNAL_ERROR or another 5xx) and each download
	// cut short. Zero: slog.Default().
	Logger *slog.Logger
	// ReadOnly refuses every write (experiments, runs, registry, artifact
	// uploads and deletes) with PERMISSION_DENIED, for servers that only
	// show a store, like the viewer. Zero: writes are served.
	ReadOnly bool
}

// Handler answers MLflow's REST API over one open store. It is safe for
// concurrent use.
type Handler struct {
	tr *run.Tracker
	// starter starts the runs clients create: the same store and blobs
	// as tr, without the server's own reproducibility capture (the
	// client sends its source, git and user tags).
	starter *run.Tracker
	reg     *registry.Registry
	log     *slog.Logger
	ro      bool // Options.ReadOnly
}

var _ http.Handler = (*Handler)(nil)

// New returns the MLflow REST API over db, reads and writes. o may be nil.
// The handler serves /api/2.0/mlflow/..., /ajax-api/2.0/mlflow/..., the
// artifact proxy /api/2.0/mlflow-artifacts/artifacts/... and the artifact
// download routes /get-artifact and /model-versions/get-artifact; every
// other path is ENDPOINT_NOT_FOUND, so a server mounts it only where those
// paths go. With it, the mlflow client logs to db after
// mlflow.set_tracking_uri("http://host:port").
func New(db *mlite.DB, o *Options) *Handler {
	return newHandler(db.Tracker, db.Registry(), o)
}

func newHandler(tr *run.Tracker, reg *registry.Registry, o *Options) *Handler {
	if o == nil {
		o = &Options{}
	}
	h := &Handler{tr: tr, reg: reg, log: o.Logger, ro: o.ReadOnly}
	// With Blobs given, run.New cannot fail.
	h.starter, _ = run.New(tr.Store(), &run.Options{NoCapture: true, NoGitState: true, Blobs: tr.Blobs(), Now: tr.Now})
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// The path prefixes MLflow's server registers every endpoint under.
const (
	apiPrefix  = "/api/2.0/mlflow/"
	ajaxPrefix = "/ajax-api/2.0/mlflow/"
)

// ServeHTTP routes the request by path and method and writes MLflow's JSON
// answer or error body.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if loc, ok := proxyPath(r.URL.Path); ok {
		// The artifact proxy streams bodies of any type and size.
		h.serveArtifactsProxy(w, r, loc)
		return
	}
	rt, ok := lookup(r.URL.Path)
	if !ok {
		h.writeError(w, r, &apiError{code: codeEndpointNotFound, msg: "No API endpoint " + r.URL.Path})
		return
	}
	e := rt.find(r.Method)
	if e != nil && h.ro && e.writes && r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.writeError(w, r, errReadOnly(r))
		return
	}
	if e == nil {
		methods := rt.methods()
		w.Header().Set("Allow", strings.Join(methods, ", "))
		h.writeError(w, r, &apiError{
			code:   codeBadRequest,
			status: http.StatusMethodNotAllowed,
			msg:    "Method " + r.Method + " is not allowed for " + r.URL.Path + "; use " + strings.Join(methods, " or "),
		})
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	p, err := decodeRequest(method, r.Header.Get("Content-Type"), r.URL.RawQuery, body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.serve(w, r, e, p)
}

// errReadOnly is the answer to a write when Options.ReadOnly is set.
func errReadOnly(r *http.Request) error {
	return &apiError{code: codePermissionDenied, msg: "This server is read-only: " + r.Method + " " + r.URL.Path + " would change the store."}
}

// readBody reads at most maxBodyBytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &apiError{code: codeRequestLimitExceeds, status: http.StatusRequestEntityTooLarge,
			msg: "Request body is larger than the limit of " + itoa(maxBodyBytes) + " bytes."}
	}
	if err != nil {
		return nil, invalidParam("Cannot read the request body: %v", err)
	}
	return b, nil
}
