package mlflowapi

import (
	"net/http"
	"strconv"
	"strings"
)

var (
	get       = []string{http.MethodGet}
	getOrPost = []string{http.MethodGet, http.MethodPost}
	post      = []string{http.MethodPost}
	patch     = []string{http.MethodPatch}
	del       = []string{http.MethodDelete}
)

func itoa(n int) string { return strconv.Itoa(n) }

// apiEndpoints are the endpoints served under both /api/2.0/mlflow/ and
// /ajax-api/2.0/mlflow/, by their path after that prefix (see endpoint for
// how to add one). Searches answer POST (what MLflow's client sends) and
// GET alike.
var apiEndpoints = []endpoint{
	// Tracking.
	read(get, "experiments/get", required("experiment_id"), (*Handler).experiment, experimentMember),
	read(get, "experiments/get-by-name", required("experiment_name"), (*Handler).experimentByName, experimentMember),
	read(getOrPost, "experiments/search", decodeExperimentSearch, (*Handler).searchExperiments, writeExperimentPage),
	read(get, "runs/get", (*args).run, (*Handler).getRun, runMember),
	read(getOrPost, "runs/search", decodeRunSearch, (*Handler).searchRuns, writeRunPage),
	read(get, "metrics/get-history", decodeHistory, (*Handler).getMetricHistory, writeHistory),
	read(get, "metrics/get-history-bulk-interval", decodeBulkInterval, (*Handler).getMetricHistoryBulkInterval, writeRunPoints),
	read(get, "artifacts/list", decodeListArtifacts, (*Handler).listArtifacts, writeArtifactList),
	read(post, "logged-models/search", decodeLoggedModelSearch, (*Handler).searchLoggedModels, writeLoggedModelPage),
	read(get, "logged-models/{model_id}", decodeGetLoggedModel, (*Handler).getLoggedModel, loggedModelMember),
	read(get, "logged-models/{model_id}/artifacts/directories", decodeListLoggedModelArtifacts, (*Handler).listLoggedModelArtifacts, writeModelArtifacts),

	// Tracking writes.
	write(post, "experiments/create", decodeCreateExperiment, (*Handler).createExperiment, writeExperimentID),
	write(post, "experiments/update", decodeRenameExperiment, (*Handler).renameExperiment, nil),
	write(post, "experiments/delete", (*args).experiment, (*Handler).deleteExperiment, nil),
	write(post, "experiments/restore", (*args).experiment, (*Handler).restoreExperiment, nil),
	write(post, "experiments/set-experiment-tag", decodeExperimentTag, (*Handler).setExperimentTag, nil),
	write(post, "experiments/delete-experiment-tag", decodeExperimentTagKey, (*Handler).deleteExperimentTag, nil),
	write(post, "runs/create", decodeCreateRun, (*Handler).createRun, runMember),
	write(post, "runs/update", decodeUpdateRun, (*Handler).updateRun, writeRunInfoMember),
	write(post, "runs/delete", (*args).run, (*Handler).deleteRun, nil),
	write(post, "runs/restore", (*args).run, (*Handler).restoreRun, nil),
	write(post, "runs/log-metric", decodeLogMetric, (*Handler).logMetric, nil),
	write(post, "runs/log-parameter", decodeRunTag, (*Handler).logParam, nil),
	write(post, "runs/set-tag", decodeRunTag, (*Handler).setTag, nil),
	write(post, "runs/delete-tag", decodeRunTagKey, (*Handler).deleteTag, nil),
	write(post, "runs/log-batch", decodeLogBatch, (*Handler).logBatch, nil),
	write(post, "runs/log-inputs", decodeLogInputs, (*Handler).logInputs, nil),
	write(post, "runs/outputs", decodeLogOutputs, (*Handler).logOutputs, nil),
	write(post, "logged-models", decodeCreateLoggedModel, (*Handler).createLoggedModel, loggedModelMember),
	write(patch, "logged-models/{model_id}", decodeFinalize, (*Handler).finalizeLoggedModel, loggedModelMember),
	write(del, "logged-models/{model_id}", (*args).pathModel, (*Handler).deleteLoggedModel, nil),
	write(patch, "logged-models/{model_id}/tags", decodeSetLoggedModelTags, (*Handler).setLoggedModelTags, nil),
	write(del, "logged-models/{model_id}/tags/{tag_key}", decodeDeleteLoggedModelTag, (*Handler).deleteLoggedModelTag, nil),
	write(post, "logged-models/{model_id}/params", decodeLogLoggedModelParams, (*Handler).logLoggedModelParams, nil),

	// Model registry.
	read(get, "registered-models/get", (*args).model, (*Handler).getModel, modelMember),
	read(getOrPost, "registered-models/search", decodeModelSearch, (*Handler).searchModels, writeModelPage),
	read(getOrPost, "registered-models/get-latest-versions", decodeLatestVersions, (*Handler).latestVersions, writeVersionList),
	read(get, "registered-models/alias", decodeAlias, (*Handler).versionByAlias, versionMember),
	read(get, "model-versions/get", (*args).version, (*Handler).getVersion, versionMember),
	read(getOrPost, "model-versions/search", decodeVersionSearch, (*Handler).searchVersions, writeVersionList),
	read(get, "model-versions/get-download-uri", (*args).version, (*Handler).versionDownloadURI, writeArtifactURI),

	// Model registry writes.
	write(post, "registered-models/create", decodeCreateModel, (*Handler).createModel, modelMember),
	write(post, "registered-models/rename", decodeRenameModel, (*Handler).renameModel, modelMember),
	write(patch, "registered-models/update", decodeUpdateModel, (*Handler).updateModel, modelMember),
	write(del, "registered-models/delete", (*args).model, (*Handler).deleteModel, nil),
	write(post, "registered-models/set-tag", decodeModelTag, (*Handler).setModelTag, nil),
	write(del, "registered-models/delete-tag", decodeModelTagKey, (*Handler).deleteModelTag, nil),
	write(post, "registered-models/alias", decodeSetAlias, (*Handler).setAlias, nil),
	write(del, "registered-models/alias", decodeAlias, (*Handler).deleteAlias, nil),
	write(post, "model-versions/create", decodeCreateVersion, (*Handler).createVersion, versionMember),
	write(patch, "model-versions/update", decodeUpdateVersion, (*Handler).updateVersion, versionMember),
	write(post, "model-versions/transition-stage", decodeTransition, (*Handler).transitionStage, versionMember),
	write(del, "model-versions/delete", (*args).version, (*Handler).deleteVersion, nil),
	write(post, "model-versions/set-tag", decodeVersionTag, (*Handler).setVersionTag, nil),
	write(del, "model-versions/delete-tag", decodeVersionTagKey, (*Handler).deleteVersionTag, nil),
}

// ajaxEndpoints are served only under /ajax-api/2.0/mlflow/, as in MLflow.
var ajaxEndpoints = []endpoint{
	read(get, "metrics/get-history-bulk", decodeBulk, (*Handler).getMetricHistoryBulk, writeBulk),
	read(post, "experiments/search-datasets", decodeDatasetSearch, (*Handler).searchDatasets, writeDatasetSummaries),
	upload(post, "upload-artifact", decodeUploadArtifact, (*Handler).uploadArtifact),
	file(get, "logged-models/{model_id}/artifacts/files", decodeLoggedModelFile, (*Handler).getLoggedModelFile),
}

// rootEndpoints are MLflow's non-proto routes, by full path: downloads
// and GraphQL (graphql.go).
var rootEndpoints = []endpoint{
	file(get, "/get-artifact", decodeGetArtifact, (*Handler).getArtifact),
	file(get, "/model-versions/get-artifact", decodeGetVersionArtifact, (*Handler).getVersionArtifact),
	read(getOrPost, "/graphql", decodeGraphQL, (*Handler).graphql, writeGraphQL),
}

// A route is the endpoints at one path, one per method.
type route []*endpoint

// table is the routes of one prefix: by exact path, and the paths with
// parameters ("logged-models/{model_id}/tags/{tag_key}"), whose segments
// in braces match any one non-empty segment.
type table struct {
	exact    map[string]route
	patterns []pattern
}

type pattern struct {
	segs []string
	rt   route
}

// routes indexes endpoints by path.
func routes(eps []endpoint) table {
	t := table{exact: make(map[string]route, len(eps))}
	byPattern := map[string]int{}
	for i := range eps {
		e := &eps[i]
		if !strings.Contains(e.path, "{") {
			t.exact[e.path] = append(t.exact[e.path], e)
			continue
		}
		j, ok := byPattern[e.path]
		if !ok {
			j = len(t.patterns)
			byPattern[e.path] = j
			t.patterns = append(t.patterns, pattern{segs: strings.Split(e.path, "/")})
		}
		t.patterns[j].rt = append(t.patterns[j].rt, e)
	}
	return t
}

// find returns the route of path and the values of its parameters.
func (t table) find(path string) (route, map[string]string, bool) {
	if rt, ok := t.exact[path]; ok {
		return rt, nil, true
	}
	segs := strings.Split(path, "/")
	for _, p := range t.patterns {
		if len(p.segs) != len(segs) {
			continue
		}
		var vars map[string]string
		for i, s := range p.segs {
			if name, ok := strings.CutPrefix(s, "{"); ok && segs[i] != "" {
				if vars == nil {
					vars = map[string]string{}
				}
				vars[strings.TrimSuffix(name, "}")] = segs[i]
			} else if s != segs[i] {
				vars = nil
				break
			}
		}
		if vars != nil {
			return p.rt, vars, true
		}
	}
	return nil, nil, false
}

// paths lists the table's paths, parameters in braces.
func (t table) paths() []string {
	var out []string
	for p := range t.exact {
		out = append(out, p)
	}
	for _, p := range t.patterns {
		out = append(out, strings.Join(p.segs, "/"))
	}
	return out
}

var (
	apiRoutes  = routes(apiEndpoints)
	ajaxRoutes = routes(ajaxEndpoints)
	rootRoutes = routes(rootEndpoints)
)

// lookup finds the route of path and the values of its path parameters.
func lookup(path string) (route, map[string]string, bool) {
	if rest, ok := strings.CutPrefix(path, apiPrefix); ok {
		return apiRoutes.find(rest)
	}
	if rest, ok := strings.CutPrefix(path, ajaxPrefix); ok {
		if rt, vars, ok := apiRoutes.find(rest); ok {
			return rt, vars, true
		}
		return ajaxRoutes.find(rest)
	}
	return rootRoutes.find(path)
}

// find returns the endpoint of rt answering method (GET's for HEAD).
func (rt route) find(method string) *endpoint {
	for _, e := range rt {
		for _, m := range e.methods {
			if method == m || method == http.MethodHead && m == http.MethodGet {
				return e
			}
		}
	}
	return nil
}

// methods lists the methods rt answers.
func (rt route) methods() []string {
	var ms []string
	for _, e := range rt {
		ms = append(ms, e.methods...)
	}
	return ms
}
