package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// Exit codes; see the package documentation.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitLocked      = 4
	exitCorrupt     = 5
	exitGate        = 6
	exitConflict    = 7
	exitReadOnly    = 8
	exitInterrupted = 130
)

// exitCodesHelp is the exit-code table shown by `mlite --help`.
const exitCodesHelp = `Exit codes:
  0    success
  1    any other failure
  2    bad input or usage (unknown command or flag, bad arguments, malformed filter)
  3    not found (no store file, experiment, run, model, version, artifact)
  4    the store is locked by another process (see --lock-timeout)
  5    not an mlite store, corrupt, or written by a newer mlite; verify/check found problems
  6    a promotion gate refused the transition or alias
  7    already exists, or conflicts with what is stored (incl. deleted: restore first)
  8    a write to a store that is read-only (--read-only, or a file that cannot be written here)
  130  interrupted`

func main() {
	os.Exit(mainCode())
}

// mainCode runs the command line of this process and returns its exit code.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err == nil {
		return exitOK
	}
	printError(os.Stderr, err)
	return exitCode(err)
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue), errors.Is(err, mlite.ErrInvalid), errors.Is(err, run.ErrBadQuery):
		return exitUsage
	case errors.Is(err, registry.ErrGate):
		return exitGate
	case errors.Is(err, mlite.ErrLocked):
		return exitLocked
	case errors.Is(err, mlite.ErrNotStore), errors.Is(err, mlite.ErrVersion), errors.Is(err, mlite.ErrCorrupt):
		return exitCorrupt
	case errors.Is(err, mlite.ErrNotFound):
		return exitNotFound
	case errors.Is(err, mlite.ErrExists), errors.Is(err, mlite.ErrConflict), errors.Is(err, mlite.ErrDeleted):
		return exitConflict
	case errors.Is(err, mlite.ErrReadOnly), errors.Is(err, mlite.ErrNotWritable):
		return exitReadOnly
	}
	return exitFailure
}

// printError writes err for a person: "mlite: " and the message. A search
// error is shown as the query package renders it, with its caret line; a
// usage error adds where to find help.
func printError(w io.Writer, err error) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "mlite: interrupted")
		return
	}
	var qe *run.QueryError
	if errors.As(err, &qe) {
		fmt.Fprintf(w, "mlite: %s\n", strings.TrimRight(qe.Error(), "\n"))
		return
	}
	var ge *registry.GateError
	if errors.As(err, &ge) {
		fmt.Fprintf(w, "mlite: %s version %d may not enter %s: its gate is not passed\n", ge.Model, ge.Version, ge.Target)
		for _, r := range ge.Results {
			mark := "ok  "
			if !r.Passed {
				mark = "FAIL"
			}
			line := fmt.Sprintf("  %s %s", mark, r.Requirement)
			if r.Detail != "" {
				line += ": " + r.Detail
			}
			fmt.Fprintln(w, line)
		}
		return
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "mlite: ") {
		msg = "mlite: " + msg
	}
	fmt.Fprintln(w, msg)
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd != "" {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", ue.cmd)
	}
}

// usageError is a mistake in the command line itself: exit code 2.
type usageError struct {
	cmd string // the command path, for the help hint
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}
