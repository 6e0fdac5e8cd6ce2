// Package transfer moves a store's contents to and from a team's MLflow
// tracking server and between stores: Push copies experiments, runs (with
// their nesting, names, start and end times, status and user), params,
// tags, dataset inputs, every metric point, artifacts, MLflow 3 logged
// models (params, tags, status, files, metric values) with the runs' links
// to them, and registered models with their versions, stages, aliases,
// tags and descriptions to a server; tags and aliases deleted here after a
// push are deleted there by the next. Import brings the same in from a
// server, an mlruns/ folder of
// MLflow's file store or an MLflow SQLite database (mlflow.db); Merge
// brings in another store.
//
// Vocabulary:
//   - The peer is the server a push talks to. It is named by the id that
//     the tag mlite.server_id of its Default experiment holds (TagServerID),
//     written by the first push to a server without one; so the same server
//     reached through another URL (localhost for 127.0.0.1, a proxy) is the
//     same peer, and a new server at an old URL is a new one. A push reads
//     the id first, every time (the one request a push with nothing to send
//     makes); a dry run asks nothing and uses the id the URL led to last. A
//     server that has no Default experiment or refuses the tag is named by
//     its URL, as pushes before ids were. The first push that learns a
//     server's id through a URL adopts the marks kept under that URL.
//   - A mark (store.SyncMark) records, in the store file and in the same
//     durable way as everything else, how far one thing was copied to a
//     peer: a local id's remote id, how many points of a series, the digest
//     of the params, tags, inputs, info or artifact last sent. A push reads
//     the marks, sends only what they do not cover, and writes a mark as
//     soon as the server confirmed the request it covers. So a second push
//     sends nothing, a push after more logging sends only the new data, and
//     a killed push resumes where the marks stop.
//   - A thing the server names itself (a run, a model version) is first
//     marked as intended (a mark with no Ref); a push that finds such a mark
//     looks the thing up on the server (by experiment, name and start time
//     for a run; by source and run for a version) before creating it, so a
//     push killed between the server's answer and the mark makes no
//     duplicate.
//
// Mark kinds (the key layout of each is the kind's own):
//
//	1 experiment  u64be local experiment id      Ref: the remote experiment id
//	2 run         run id                          Ref: the remote run id; State: digest of name, status, end time
//	3 params      run id                          State: digest of the params sent
//	4 tags        run id                          State: digest of the tags sent
//	5 inputs      run id                          State: digest of the inputs sent
//	6 series      run id | metric key            Count: points sent, in logged order
//	7 artifact    run id | path                  State: the SHA-256 of the bytes sent
//	8 model       model name                      State: digest of its description and tags
//	9 version     u16be name length | name | u64be version   Ref: the remote version number; State: digest of description, tags, stage
//	10 aliases    model name                      State: digest of its aliases (remote numbers)
//	11 exp tags   u64be local experiment id      State: digest of the tags sent
//	12 server     (empty; under the URL peer)    Ref: the server id the URL led to last
//	13 logged     logged model id (16 bytes)     Ref: the remote model id; Count: metric values sent; State: digest of params, tags, status
//	14 model file logged model id | path         State: the SHA-256 of the bytes sent
//	15 links      run id                          State: digest of the run's model inputs and outputs sent
//
// The State of kinds 4, 8, 9, 10, 11 and 13 is keyed: after the digest,
// the names of the tags (aliases for 10) sent, each as a uvarint length and
// its bytes, so that a tag or alias deleted here after a push is deleted on
// the server by the next one (a mark written before holds the digest alone
// and names nothing to delete).
//
// Import and Merge need no marks: runs and logged models keep their ids
// (MLflow's and mlite's are the same), experiments and models are
// matched by name and versions by number, and what the store already holds
// is compared, not rewritten: a metric series gains the source's points it
// lacks (as multisets, since MLflow keeps no order of a history), a run the
// files and tags it lacks. So importing again writes nothing and a killed
// import completes when run again. A param with another value here, an
// alias naming another version, a version number taken by another run's
// version: each is reported in ImportReport.Skipped and left as it is
// (ImportOptions.RenumberConflicts adds such a version under the next
// number instead).
//
// Metric points are appended remotely in the order they were logged
// locally; a series' mark only moves past points the server confirmed.
// MLflow's SQL store ignores a point identical to one it holds (key,
// value, timestamp, step), so the one batch a kill may leave unconfirmed is
// not duplicated when it is sent again.
//
// Package transfer imports run, registry, store (for marks, types and the
// bulk writes of an import, which keep ids, times and version numbers) and
// internal/mlflowclient (docs/architecture.md, "Copies"), and
// internal/capread for the small files of an mlruns folder.
package transfer
