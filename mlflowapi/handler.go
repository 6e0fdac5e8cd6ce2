package mlflowapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	graphql "github.com/graph-gophers/graphql-go"

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

	// GraphQL (graphql.go): the schema over this handler, or why it
	// failed, and MLflow's limits.
	gql                       *graphql.Schema
	gqlErr                    error
	gqlMaxRoot, gqlMaxAliases int
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
	h.starter = tr.ForClients()
	h.newGraphQL()
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
	rt, vars, ok := lookup(r.URL.Path)
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
	if e.upload != nil {
		h.serveUpload(w, r, e)
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
	p.path = vars
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
	if at, what := badText(b); at >= 0 {
		// encoding/json would turn it into U+FFFD and store that: refuse
		// it, as MLflow does, rather than store something else than sent.
		return nil, invalidParam("The request body is not valid UTF-8 JSON text: %s at byte %d.", what, at)
	}
	return b, nil
}

// badText finds what in a JSON body does not stand for valid UTF-8 text:
// an invalid UTF-8 byte, or a \u escape of a lone surrogate. It returns
// -1 when there is none.
func badText(b []byte) (at int, what string) {
	if !utf8.Valid(b) {
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, fmt.Sprintf("invalid UTF-8 byte 0x%02x", b[i])
			}
			i += size
		}
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // an escaped character: skip it, so "\\u..." is not an escape
			continue
		}
		hi, ok := hex4(b, i+2)
		if !ok || hi < 0xd800 || hi > 0xdfff {
			continue
		}
		if hi < 0xdc00 && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if lo, ok := hex4(b, i+8); ok && lo >= 0xdc00 && lo <= 0xdfff {
				i += 11 // a surrogate pair: one character
				continue
			}
		}
		return i, fmt.Sprintf("a lone surrogate \\u%04x", hi)
	}
	return -1, ""
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
