// Command mlite is the command-line face of an mlite store: it lists and
// edits experiments and runs, shows metric histories as tables, sparklines
// or PNG charts, moves artifacts in and out, drives the model registry
// (versions, stages, aliases, gates, audit log, lineage) and looks after the
// file (gc, verify, compact, check).
//
// The command is thin: each subcommand parses its flags, calls the library
// (packages mlite, run, registry) and prints. Tables are for people; --json
// and --csv are for scripts and use MLflow's snake_case field names (run_id,
// run_name, status, start_time, ...). Colour is used only on a terminal and
// never when NO_COLOR is set; long work shows a progress bar on a terminal
// and nothing on a pipe.
//
// Commands:
//
//	experiments ls|create|rename|rm|restore|tag
//	runs ls|show|diff|compare|rm|restore|purge|tag|children
//	metrics history|plot
//	artifacts ls|get|log
//	models ls|show|versions|register|transition|alias|tag|get|audit|lineage|gate
//	gc, verify, compact, check
//	quickstart [--ui], ui, server (MLflow's tracking API with writes, and the viewer),
//	serve MODEL_URI (MLflow's scoring server for a go_mlite model)
//	report RUN... | MODEL_URI (one self-contained HTML file for stakeholders)
//	completion bash|zsh|fish|powershell
//
// A RUN argument is a full run id or a run name unique in the store.
// Every command's --help has examples.
//
// The store is the file given by --db, else the MLITE_DB environment
// variable, else ./mlruns.mlite. Commands that only read never create it.
// --lock-timeout (or MLITE_LOCK_TIMEOUT) bounds the wait for a store another
// process holds. --read-only opens the store for reading only (nothing is
// created or changed); a store that cannot be written here (a read-only
// file system, a file the user may only read) is opened read-only by
// itself, with a note on stderr, and ui and server serve it read-only.
//
// # Exit codes
//
// main alone turns errors into exit codes:
//
//	0    success
//	1    any other failure (I/O, a failed download, ...)
//	2    bad input or usage: unknown command or flag, wrong arguments,
//	     a malformed filter, order or value
//	3    not found: no such store file, experiment, run, model, version,
//	     alias or artifact
//	4    the store is locked by another process (past --lock-timeout)
//	5    damaged: the file is not an mlite store, is corrupt or was written by
//	     a newer mlite; verify or check found problems
//	6    a promotion gate refused a stage transition or alias
//	7    already exists or conflicts with what is stored (a duplicate name,
//	     a param changed, a deleted run or experiment that must be restored
//	     first)
//	8    a write to a read-only store (--read-only, or a file that cannot be
//	     written here)
//	130  interrupted (SIGINT or SIGTERM)
//
// Package main is the top of the house (docs/architecture.md): it imports
// the root package mlite, run, registry, serving, the viewer, the quickstart
// application examples/creditdemo and internal/httpguard (its servers'
// guard), plus cobra, progressbar, x/term and x/image. Like every surface it
// reads and writes through run and registry only, never through store or
// query (layers_test.go checks).
package main
