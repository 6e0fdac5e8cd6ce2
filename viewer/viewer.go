package viewer

import (
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/mlflowapi"
	"github.com/mlite/mlite/registry"
)

// Options configure a Viewer. The zero value of every field means its
// default; a nil *Options means all defaults.
type Options struct {
	// Title is shown in the header of every page. Zero: "mlite".
	Title string
	// PollInterval is how often pages of running runs refresh. Zero: 1 s.
	PollInterval time.Duration
	// ErrorLog receives internal errors (the user sees a clean 500 page).
	// Zero: the standard logger.
	ErrorLog *log.Logger
	// NoMLflowAPI leaves MLflow's REST API (package mlflowapi, mounted
	// read-only: writes get PERMISSION_DENIED) unmounted. Zero: it is
	// served beside the UI, so that MLflow's client and UI can read the
	// store at http://host:port.
	NoMLflowAPI bool
	// MLflowWrites serves the mounted MLflow API's writes too, so that
	// MLflow clients can log into the store: for a tracking server (mlite
	// server), not for a viewer. Zero: the API is read-only.
	MLflowWrites bool
}

// defaults returns o with every zero field set to its default.
func (o *Options) defaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	if d.Title == "" {
		d.Title = "mlite"
	}
	if d.PollInterval <= 0 {
		d.PollInterval = time.Second
	}
	if d.ErrorLog == nil {
		d.ErrorLog = log.Default()
	}
	return d
}

// Viewer is the web UI of one store: an http.Handler.
type Viewer struct {
	db     *mlite.DB
	reg    *registry.Registry
	opts   Options
	tmpl   map[string]*template.Template
	assets *assetSet
	mux    *http.ServeMux
}

var _ http.Handler = (*Viewer)(nil)

// ErrNoDB is returned by New when it is given no store.
var ErrNoDB = errors.New("viewer: no store")

// New returns the viewer of db. o may be nil. It parses the templates and
// hashes the assets once; it fails only if they are broken (a bug).
func New(db *mlite.DB, o *Options) (*Viewer, error) {
	if db == nil {
		return nil, ErrNoDB
	}
	v := &Viewer{db: db, reg: db.Registry(), opts: o.defaults()}
	var err error
	if v.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("viewer: assets: %w", err)
	}
	if v.tmpl, err = v.parseTemplates(); err != nil {
		return nil, fmt.Errorf("viewer: templates: %w", err)
	}
	v.mux = http.NewServeMux()
	v.routes(v.mux)
	return v, nil
}

// ServeHTTP serves the UI. Every response says nosniff and refuses framing
// by other origins; only GET and HEAD are served (the viewer is read-only).
func (v *Viewer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "same-origin")
	v.mux.ServeHTTP(w, r)
}

// routes registers every route of the viewer: pages, assets and the mlite
// JSON API. It is the one place to read what the viewer serves.
func (v *Viewer) routes(mux *http.ServeMux) {
	// Pages.
	for pattern, fn := range map[string]func(*http.Request) (*view, error){
		"GET /{$}":                              v.experimentsPage,
		"GET /experiments/{id}":                 v.runsPage,
		"GET /experiments/{id}/charts":          v.runChartsPage,
		"GET /runs/{id}":                        v.runPage,
		"GET /runs/{id}/models":                 v.loggedModelsPage,
		"GET /chart":                            v.chartPage,
		"GET /compare":                          v.comparePage,
		"GET /models":                           v.modelsPage,
		"GET /models/{name}":                    v.modelPage,
		"GET /models/{name}/versions/{version}": v.versionPage,
		"GET /models/{name}/diff":               v.diffPage,
		"GET /models/{name}/shadow":             v.shadowPage,
	} {
		mux.HandleFunc(pattern, v.page(fn))
	}

	// Static assets, content-hashed.
	mux.HandleFunc("GET /static/{file}", v.serveAsset)
	// The icon, also where browsers look for it without a page's link.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("file", "favicon.svg")
		v.serveAsset(w, r)
	})

	// Artifacts: raw bytes, sandboxed.
	mux.HandleFunc("GET /artifacts/{id}/raw", v.serveArtifact)
	mux.HandleFunc("GET /models/{name}/versions/{version}/raw", v.serveModelFile)

	// The mlite JSON API.
	for pattern, fn := range map[string]func(*http.Request) (any, error){
		"GET /api/mlite/experiments":                              v.apiExperiments,
		"GET /api/mlite/experiments/{id}/runs":                    v.apiRuns,
		"GET /api/mlite/experiments/{id}/points":                  v.apiPoints,
		"GET /api/mlite/runs/{id}":                                v.apiRun,
		"GET /api/mlite/runs/{id}/artifacts":                      v.apiArtifacts,
		"GET /api/mlite/runs/{id}/preview":                        v.apiPreview,
		"GET /api/mlite/chart":                                    v.apiChart,
		"GET /api/mlite/models/{name}/audit":                      v.apiAudit,
		"GET /api/mlite/models/{name}/versions/{version}/lineage": v.apiLineage,
	} {
		mux.HandleFunc(pattern, v.api(fn))
	}
	mux.HandleFunc("/api/mlite/", func(w http.ResponseWriter, r *http.Request) {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		if _, pattern := mux.Handler(get); pattern != "/api/mlite/" {
			// An endpoint of the API asked with a method it refuses.
			v.api(nil)(w, r)
			return
		}
		endpointNotFound(v)(w, r)
	})

	// MLflow's REST API, package mlflowapi's: mounted, never duplicated.
	// Every other path under /api/ and /ajax-api/ (MLflow 3's /api/3.0/
	// among them) is its ENDPOINT_NOT_FOUND, never a page.
	if !v.opts.NoMLflowAPI {
		// Read-only, as the viewer is, unless this is a tracking server.
		api := mlflowapi.New(v.db, &mlflowapi.Options{ReadOnly: !v.opts.MLflowWrites})
		mux.Handle("/api/", api)
		mux.Handle("/ajax-api/", api)
		mux.Handle("/get-artifact", api)
		mux.Handle("/model-versions/get-artifact", api)
		mux.Handle("/graphql", api) // MLflow's GraphQL, which its web UI queries
	} else {
		mux.HandleFunc("/api/", endpointNotFound(v))
		mux.HandleFunc("/ajax-api/", endpointNotFound(v))
	}

	// Anything else is a clean 404 page.
	mux.HandleFunc("/", v.page(func(*http.Request) (*view, error) {
		return nil, errNotFound("no such page")
	}))
}

// endpointNotFound answers an API path nothing serves as MLflow's server
// does: JSON ENDPOINT_NOT_FOUND with 404, whatever the method.
func endpointNotFound(v *Viewer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v.sendJSONError(w, r, &reqError{http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API endpoint " + r.URL.Path, errMissing})
	}
}
