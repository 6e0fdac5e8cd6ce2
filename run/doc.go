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
//
// Package run imports store and the internal validation, naming and
// reproducibility helpers.
package run
