// Package report writes one self-contained HTML file about a run, a
// comparison of runs or a model version, for showing stakeholders what a
// model learned without giving them a server: params, metrics (tables and
// charts), tags, dataset inputs, the model's signature and lineage, and
// previews of the artifacts. The file needs no network: charts are inline
// SVG drawn here from the store's min/max-preserving downsampled series,
// images are data URIs, and a Content-Security-Policy forbids every
// external load. It follows the reader's light or dark colour scheme.
//
// Package report reads through run and registry (and registry/mlmodel for
// the signature); cmd/mlite's `mlite report` is its command.
package report
