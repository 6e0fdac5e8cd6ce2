// Package shadow records shadow deployments in the store and reads them
// back. A shadow deployment (mlite serve --shadow) is recorded as a run of
// the experiment mlite-shadow, so that it needs no record type of its own:
// its tags name the model, both URIs and the shadow's version; its metrics
// hold, per scored row (step = row number), each model's answer (primary,
// shadow), their largest difference (abs_diff) and whether they disagree
// (disagree, 0 or 1), and per request (step = request number) both
// latencies (primary_latency_ms, shadow_latency_ms) and whether the shadow
// failed (shadow_error). Read summarizes such a run (Stats: agreement,
// score drift, latency percentiles); RegisterChecks lets a promotion gate
// require one.
//
// Package shadow imports mlite, run, registry and serving.
package shadow
