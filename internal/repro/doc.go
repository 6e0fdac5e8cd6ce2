// Package repro captures a run's reproducibility record as system tags: who
// ran what program, from which git commit, on which machine, built with which
// Go toolchain and modules. It also owns the names of MLflow's system tags
// (the "mlflow." keys a tracker reads or writes) and of mlite's own ("mlite.").
//
// Vocabulary:
//   - system tag: a run tag whose key starts with "mlflow." or "mlite.",
//     written by the tracker rather than by the user (see IsSystem).
//   - work tree: the directory checked out from a git repository; its git
//     directory holds HEAD, refs, packed-refs and config. A linked work tree
//     or a submodule has a ".git" file that points at its git directory.
//
// Capture is fast (about a tenth of a millisecond) and never fails: it reads
// the git directory's files itself instead of running git, and leaves out
// any tag it cannot find. GitState runs git to learn whether the work tree is
// dirty and to take the diff; it may be slow, so the caller runs it in the
// background and sets TagGitDirty (and stores the diff) when it returns.
//
// Tags Capture returns (each only when known):
//
//	mlflow.user               Options.User, else LOGNAME, USER, LNAME or USERNAME
//	                          (Python's getpass order), else os/user, else "unknown"
//	mlflow.source.name        the program, os.Args[0] made absolute
//	mlflow.source.type        "LOCAL"
//	mlflow.source.git.commit  the commit HEAD names
//	mlflow.source.git.branch  the branch HEAD is on (absent when detached)
//	mlflow.source.git.repoURL the url of remote "origin", credentials removed
//	mlite.go.version          runtime.Version()
//	mlite.go.os, mlite.go.arch  runtime.GOOS, runtime.GOARCH
//	mlite.go.main             main module "path@version"
//	mlite.go.deps             one "path version" line per dependency, sorted
//	mlite.go.build            the build settings, one "key=value" line each
//	mlite.host                os.Hostname()
//	mlite.cmdline             os.Args, shell-quoted where needed
//
// No value is ever cut silently: a list too long for a tag value
// (MaxTagValueLength) keeps the whole lines or arguments that fit and ends
// with "… and N more".
//
// It imports only the standard library and internal/capread.
package repro
