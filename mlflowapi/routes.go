package mlflowapi

import (
	"net/http"
	"strconv"
	"strings"
)

// route is one endpoint: the methods it answers and its function. A json
// function writes the fields of the response object into w, which is
// discarded if it fails; a raw function writes the whole response itself
// (file downloads).
type route struct {
	methods []string
	writes  bool // its methods other than GET change the store
	json    func(h *Handler, r *http.Request, p *params, w *jsonWriter) error
	raw     func(h *Handler, w http.ResponseWriter, r *http.Request, p *params) error
}

var (
	get       = []string{http.MethodGet}
	getOrPost = []string{http.MethodGet, http.MethodPost}
	post      = []string{http.MethodPost}
	patch     = []string{http.MethodPatch}
	del       = []string{http.MethodDelete}
	aliasOps  = []string{http.MethodGet, http.MethodPost, http.MethodDelete}
)

func jsonRoute(m []string, f func(*Handler, *http.Request, *params, *jsonWriter) error) route {
	return route{methods: m, json: f}
}

// writeRoute is a json route whose methods other than GET write.
func writeRoute(m []string, f func(*Handler, *http.Request, *params, *jsonWriter) error) route {
	return route{methods: m, json: f, writes: true}
}

func rawRoute(m []string, f func(*Handler, http.ResponseWriter, *http.Request, *params) error) route {
	return route{methods: m, raw: f}
}

func itoa(n int) string { return strconv.Itoa(n) }

// apiRoutes are the endpoints served under both /api/2.0/mlflow/ and
// /ajax-api/2.0/mlflow/, by their path after that prefix. Searches answer
// POST (what MLflow's client sends) and GET alike. Writes are writeRoutes,
// which Options.ReadOnly refuses.
var apiRoutes = map[string]route{
	// Tracking.
	"experiments/get":                   jsonRoute(get, (*Handler).getExperiment),
	"experiments/get-by-name":           jsonRoute(get, (*Handler).getExperimentByName),
	"experiments/search":                jsonRoute(getOrPost, (*Handler).searchExperiments),
	"runs/get":                          jsonRoute(get, (*Handler).getRun),
	"runs/search":                       jsonRoute(getOrPost, (*Handler).searchRuns),
	"metrics/get-history":               jsonRoute(get, (*Handler).getMetricHistory),
	"metrics/get-history-bulk-interval": jsonRoute(get, (*Handler).getMetricHistoryBulkInterval),
	"artifacts/list":                    jsonRoute(get, (*Handler).listArtifacts),

	// Tracking writes.
	"experiments/create":                writeRoute(post, (*Handler).createExperiment),
	"experiments/update":                writeRoute(post, (*Handler).updateExperiment),
	"experiments/delete":                writeRoute(post, (*Handler).deleteExperiment),
	"experiments/restore":               writeRoute(post, (*Handler).restoreExperiment),
	"experiments/set-experiment-tag":    writeRoute(post, (*Handler).setExperimentTag),
	"experiments/delete-experiment-tag": writeRoute(post, (*Handler).deleteExperimentTag),
	"runs/create":                       writeRoute(post, (*Handler).createRun),
	"runs/update":                       writeRoute(post, (*Handler).updateRun),
	"runs/delete":                       writeRoute(post, (*Handler).deleteRun),
	"runs/restore":                      writeRoute(post, (*Handler).restoreRun),
	"runs/log-metric":                   writeRoute(post, (*Handler).logMetric),
	"runs/log-parameter":                writeRoute(post, (*Handler).logParam),
	"runs/set-tag":                      writeRoute(post, (*Handler).setTag),
	"runs/delete-tag":                   writeRoute(post, (*Handler).deleteTag),
	"runs/log-batch":                    writeRoute(post, (*Handler).logBatch),
	"runs/log-inputs":                   writeRoute(post, (*Handler).logInputs),
	"logged-models/search":              jsonRoute(post, (*Handler).searchLoggedModels),

	// Model registry.
	"registered-models/get":                 jsonRoute(get, (*Handler).getRegisteredModel),
	"registered-models/search":              jsonRoute(getOrPost, (*Handler).searchRegisteredModels),
	"registered-models/get-latest-versions": jsonRoute(getOrPost, (*Handler).getLatestVersions),
	"registered-models/alias":               writeRoute(aliasOps, (*Handler).registeredModelAlias),
	"model-versions/get":                    jsonRoute(get, (*Handler).getModelVersion),
	"model-versions/search":                 jsonRoute(getOrPost, (*Handler).searchModelVersions),
	"model-versions/get-download-uri":       jsonRoute(get, (*Handler).getModelVersionDownloadURI),

	// Model registry writes.
	"registered-models/create":        writeRoute(post, (*Handler).createRegisteredModel),
	"registered-models/rename":        writeRoute(post, (*Handler).renameRegisteredModel),
	"registered-models/update":        writeRoute(patch, (*Handler).updateRegisteredModel),
	"registered-models/delete":        writeRoute(del, (*Handler).deleteRegisteredModel),
	"registered-models/set-tag":       writeRoute(post, (*Handler).setRegisteredModelTag),
	"registered-models/delete-tag":    writeRoute(del, (*Handler).deleteRegisteredModelTag),
	"model-versions/create":           writeRoute(post, (*Handler).createModelVersion),
	"model-versions/update":           writeRoute(patch, (*Handler).updateModelVersion),
	"model-versions/transition-stage": writeRoute(post, (*Handler).transitionModelVersionStage),
	"model-versions/delete":           writeRoute(del, (*Handler).deleteModelVersion),
	"model-versions/set-tag":          writeRoute(post, (*Handler).setModelVersionTag),
	"model-versions/delete-tag":       writeRoute(del, (*Handler).deleteModelVersionTag),
}

// ajaxRoutes are served only under /ajax-api/2.0/mlflow/, as in MLflow.
var ajaxRoutes = map[string]route{
	"metrics/get-history-bulk": jsonRoute(get, (*Handler).getMetricHistoryBulk),
}

// rootRoutes are MLflow's non-proto download routes, by full path.
var rootRoutes = map[string]route{
	"/get-artifact":                rawRoute(get, (*Handler).getArtifact),
	"/model-versions/get-artifact": rawRoute(get, (*Handler).getModelVersionArtifact),
}

// lookup finds the route of path.
func lookup(path string) (route, bool) {
	if rest, ok := strings.CutPrefix(path, apiPrefix); ok {
		rt, ok := apiRoutes[rest]
		return rt, ok
	}
	if rest, ok := strings.CutPrefix(path, ajaxPrefix); ok {
		if rt, ok := apiRoutes[rest]; ok {
			return rt, true
		}
		rt, ok := ajaxRoutes[rest]
		return rt, ok
	}
	rt, ok := rootRoutes[path]
	return rt, ok
}
