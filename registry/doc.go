// Package registry is mlite's model registry: registered models, their
// numbered versions, MLflow's stages (None, Staging, Production,
// Archived), aliases, tags, and the models:/ URIs that name a version.
//
// Vocabulary:
//   - A RegisteredModel has a unique name, a description, tags, aliases
//     (alias -> version) and the number its next version gets. Numbers
//     start at 1 and are never reused, even after a version is deleted.
//   - A ModelVersion is created from a source, runs:/<run_id>/<path>. It
//     copies the source run's artifact index under that path (the blobs
//     are shared, not copied), so its files stay loadable after the run is
//     deleted and purged. The registry is a run.Referrer of the tracker,
//     so GC keeps those blobs.
//   - A models:/ URI names a version: models:/Name/3, models:/Name/latest,
//     models:/Name/Production (the newest version in that stage) or
//     models:/Name@champion. Resolve finds it.
//
// Errors wrap the store's sentinels: store.ErrNotFound, store.ErrExists,
// store.ErrInvalid (including unknown aliases, as MLflow's
// INVALID_PARAMETER_VALUE).
//
// Not here yet: promotion gates, the audit log, search of models and
// versions.
//
// Package registry imports store, blob, run and the internal validation
// and artifact-path helpers. Package registry/mlmodel reads MLmodel files.
package registry
