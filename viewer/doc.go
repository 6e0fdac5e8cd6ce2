// Package viewer is mlite's web UI: an http.Handler that shows one store's
// experiments, runs, metric charts, artifacts and model registry, read-only.
//
// A Go program mounts it like any handler:
//
//	db, err := mlite.Open("mlruns.mlite", nil)
//	v, err := viewer.New(db, nil)
//	http.ListenAndServe("127.0.0.1:5000", v)
//
// Vocabulary:
//   - A page is an HTML document rendered by html/template from the embedded
//     templates (templates/*.html), parsed once by New and rendered into a
//     buffer, so an error gives a clean error page, never half a page.
//   - An asset is an embedded static file (assets/: the CSS, the plain JS
//     modules, uPlot). Its URL carries a hash of its content
//     (/static/app.css?v=1a2b3c4d), so it is cached forever (immutable).
//   - The mlite API is the JSON the pages fetch, under /api/mlite/: the runs
//     table (paged, sorted, filtered, nested runs grouped under their parent,
//     the main metrics first: metricColumns),
//     chart data downsampled on the server to two points a pixel (M4: each
//     bucket of steps keeps its first, last, lowest and highest point, so no
//     spike disappears), live run summaries, artifact
//     previews, and the registry's audit log and lineage. Errors are JSON
//     {"error_code": ..., "message": ...}, as in MLflow's REST API.
//   - MLflow's own REST API (/api/2.0/mlflow/..., /ajax-api/2.0/mlflow/...,
//     /get-artifact) and its GraphQL (/graphql) are package mlflowapi's;
//     the viewer mounts them beside the UI (unless Options.NoMLflowAPI)
//     and never duplicates them.
//   - Every page (assets/site.js) follows the browser's light or dark
//     scheme (app.css's colour variables, which the charts read too), copies
//     run ids and models:/ URIs with its Copy buttons, and takes "/" to focus
//     the filter box and Esc to clear it.
//
// Routes (see Viewer.routes): pages /, /experiments/{id} (the runs table),
// /experiments/{id}/charts (the chart view of its filtered runs), /runs/{id},
// /chart?run=..&key=.., /compare?runs=a,b, /models, /models/{name},
// /models/{name}/versions/{version}; raw files /artifacts/{id}/raw?path=..
// and /models/{name}/versions/{version}/raw?path=..; assets /static/{file}
// and the icon /favicon.ico;
// JSON /api/mlite/experiments, /api/mlite/experiments/{id}/runs,
// /api/mlite/experiments/{id}/points (the chart view's runs, as columns),
// /api/mlite/runs/{id}, /api/mlite/runs/{id}/artifacts,
// /api/mlite/runs/{id}/preview?path=.., /api/mlite/chart,
// /api/mlite/models/{name}/audit and
// /api/mlite/models/{name}/versions/{version}/lineage.
//
// Safety: the viewer never writes to the store; it mounts MLflow's API
// read-only (writes get PERMISSION_DENIED) unless Options.MLflowWrites
// makes it a tracking server. Every value from the store
// reaches a page through html/template's escaping; artifacts are served with
// a content type chosen from a short list of images and text, never as HTML,
// and with a sandboxing Content-Security-Policy and X-Content-Type-Options:
// nosniff, so an artifact cannot run script in the viewer's origin.
//
// Package viewer imports the root package mlite, mlflowapi, run, registry,
// registry/mlmodel, internal/repro, internal/capread and internal/httpsend, and only the
// standard library besides. It reads through run and registry only: a page that reads many
// things at once reads them in one run.Tracker.Snapshot; it never opens a
// store transaction nor imports store or query (layers_test.go checks).
package viewer
