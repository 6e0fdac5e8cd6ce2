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
//     models:/Name@champion. Resolve finds it; Download writes its files.
//   - LogModel writes a model directory into a run's artifacts with an
//     MLmodel file (registry/mlmodel) and the run's
//     mlflow.log-model.history tag, and may register it.
//   - A Gate (beyond MLflow) guards a stage or an alias of a model: required
//     version tags, a runs filter the source run must match (query
//     language: "metrics.auc >= 0.9"), and Go checks registered with
//     RegisterCheck. A refused change is a *GateError (ErrGate) listing
//     every requirement; nothing changes.
//   - The audit log (beyond MLflow): every change is an Event (who, when,
//     what, from, to, gate results) appended in the change's own
//     transaction. Audit and VersionAudit read it; Lineage joins a
//     version's events with its source run, experiment, parent, git state
//     and files.
//   - A Snapshot (Registry.Snapshot) is a consistent read-only view for a
//     page or a response that reads a model, its versions, their files and
//     its history at once; GetModel, Versions, Files, Audit and the other
//     single reads are one-call snapshots. The surfaces (command, viewer,
//     REST API) read the registry through these, never through store.
//   - SearchModels and SearchVersions take MLflow's filters and orders for
//     registered models and model versions, with page tokens.
//
// Errors wrap the store's sentinels: store.ErrNotFound, store.ErrExists,
// store.ErrInvalid (including unknown aliases, as MLflow's
// INVALID_PARAMETER_VALUE), store.ErrConflict (a version changed while its
// gate's checks ran), and ErrGate.
//
// Package registry imports store, blob, query, run, registry/mlmodel (which
// reads MLmodel files) and the internal validation, reproducibility and
// artifact-path helpers; the root package and the surfaces import it.
package registry
