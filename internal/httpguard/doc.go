// Package httpguard keeps mlite's HTTP servers (mlite ui, server and serve)
// safe on a laptop and fit to share with a team:
//
//   - a Host allowlist, so that a web page the user visits cannot reach the
//     server through DNS rebinding (403 "Invalid Host header", as MLflow 3);
//   - an Origin check on state-changing API requests from other sites (403
//     "Cross-origin request blocked");
//   - authentication by HTTP basic auth and/or a bearer token, which the
//     mlflow client sends from MLFLOW_TRACKING_USERNAME/PASSWORD and
//     MLFLOW_TRACKING_TOKEN unmodified;
//   - request bodies that must keep moving (a client that announces a body
//     and stalls is cut off), and security headers.
//
// Options come from the command line (see cmd/mlite); Credentials reads
// them from the environment or a file. docs/security.md says what this
// protects against and how to expose a server safely.
//
// Package httpguard imports no mlite package.
package httpguard
