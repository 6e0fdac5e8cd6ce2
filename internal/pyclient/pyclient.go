// Package pyclient runs the real mlflow Python client in tests: Need finds
// a python3 that imports mlflow (skipping the test without one, failing it
// when MLITE_MLFLOW_REQUIRED=1 as CI sets), Run runs a script with it.
//
// Package pyclient imports no mlite package.
package pyclient

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Need returns the python3 that can import mlflow, or skips t (fails it
// when MLITE_MLFLOW_REQUIRED=1).
func Need(t testing.TB) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("MLITE_MLFLOW_REQUIRED") == "1" {
		skip = t.Fatalf
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		skip("python3 not found; the real-client test needs it and the mlflow client (see .ci/run)")
		return ""
	}
	if out, err := exec.Command(py, "-c", "import mlflow").CombinedOutput(); err != nil {
		skip("python3 cannot import mlflow (%v: %s); install the mlflow client (see .ci/run)", err, bytes.TrimSpace(out))
		return ""
	}
	return py
}

// Env is the environment scripts run in: this process's, with the
// client's retries off (a 5xx fails at once), no stray credentials, and
// extra on top.
func Env(extra ...string) []string {
	return append(os.Environ(), append([]string{
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES=0",
		"MLFLOW_HTTP_REQUEST_TIMEOUT=20",
		"PYTHONDONTWRITEBYTECODE=1",
		"GIT_PYTHON_REFRESH=quiet",
		"MLFLOW_TRACKING_USERNAME=", "MLFLOW_TRACKING_PASSWORD=", "MLFLOW_TRACKING_TOKEN=",
	}, extra...)...)
}

// Run runs python code with py in env (see Env) and returns its stdout and
// stderr and its error; it gives up after 90 seconds.
func Run(py, code string, env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", code}, args...)...)
	cmd.Env = env
	cmd.Dir = os.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}
