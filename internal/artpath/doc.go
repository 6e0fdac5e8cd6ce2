// Package artpath validates and normalises artifact paths: the names of
// files inside a run's (or a model version's) artifact tree, such as
// "model/MLmodel" or "plots/roc.png". Paths come from users and from the
// network, so nothing is trusted: a path that could name something outside
// the tree, or that different systems could read differently, is refused.
//
// Vocabulary:
//
//   - Canonical path: relative, segments separated by single forward
//     slashes, no "." or ".." segments, no empty segments, no leading or
//     trailing slash, valid UTF-8 without control characters. Clean returns
//     it; the same file always has the same canonical path, so paths can be
//     compared and used as keys byte for byte.
//   - Root: the tree itself. It names no file, so Clean refuses it;
//     CleanDir accepts it and returns "".
//
// Every refusal wraps ErrInvalid, and its message names the path and the
// reason.
//
// artpath is pure: it imports only the standard library.
package artpath
