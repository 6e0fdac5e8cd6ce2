// Package run is mlite's tracking API: experiments, runs, nested runs,
// params, metrics, tags, dataset inputs and the reproducibility record
// captured when a run starts. It speaks MLflow's concepts, names, limits
// and system tags, over a store.Store.
//
// Vocabulary:
//   - A Tracker is the API over one open store; the root package mlite
//     embeds it in mlite.DB.
//   - A *Run is a live handle returned by StartRun or ResumeRun: the thing
//     a training loop logs through. A Record is a snapshot of a stored run
//     (info, params, tags, latest metrics, inputs) as read back.
//   - Logging calls on a *Run (LogParam, LogMetric, SetTag) validate at
//     once, buffer, and return; they are durable after Run.Flush, Run.End
//     or closing the store. A param logged again with another value fails
//     at once with an error wrapping store.ErrConflict.
//   - Artifacts are files kept with a run: their bytes live in the blob
//     folder beside the store (package blob), their index (path -> digest,
//     size, mode) in the store. GC deletes blobs nothing refers to; Verify
//     re-hashes those something does. A Referrer (the model registry) adds
//     holders of references besides runs.
//   - A Snapshot (Tracker.Snapshot) is a consistent read-only view for a
//     page or a response that reads many things at once: experiments, run
//     records, zero-copy RunViews, metric histories and downsampled
//     series, artifact entries. Snapshot.Runs visits the runs of some
//     experiments with a lifecycle view and a filter, choosing scan or
//     index lookup; it keeps the shared rule that deleted runs are hidden
//     unless asked for. The surfaces (command, viewer, REST API) read
//     through Tracker's methods and Snapshot, never through store, and use
//     the types, parsers (ParseID, ParseFilter) and page tokens (PageToken)
//     run re-exports, so they need not import store or query.
//     When a filter matches no run, Snapshot.MissingKeys (or
//     Tracker.MissingKeys) says which metric, param or tag it names that no
//     run has and the key likely meant, so every surface explains an empty
//     answer in the same words.
//   - A LoggedModel is an MLflow 3 logged model (id m-<32 hex>): params,
//     tags, metrics linked to it (LogBatch with Metric.ModelID), a status
//     (PENDING until FinalizeLoggedModel), its own artifact tree kept like a
//     run's, and links to the runs that produced or used it (LinkModels).
//     SearchLoggedModels speaks MLflow's logged-model search.
//   - SearchRuns and SearchExperiments evaluate the query language (package
//     query) against the stored records, with keyset page tokens.
//
// Package run imports store, blob, query and the internal validation,
// artifact-path, naming and reproducibility helpers; registry, the root
// package and the surfaces import it.
package run
