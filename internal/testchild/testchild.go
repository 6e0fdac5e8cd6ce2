// Package testchild runs a test binary again as a child process that plays
// a role, for the tests of several processes sharing one store (crashes,
// locks, concurrent writers). The parent starts children with Command or
// Start; TestMain (or an init function) of the package under test calls Main
// first, which in a child plays the role and exits.
//
// The role, the store path and one argument travel in the environment
// variables MLITE_CHILD, MLITE_CHILD_DB and MLITE_CHILD_ARG.
//
// Package testchild imports no mlite package; only tests import it.
package testchild

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Environment variables a child reads.
const (
	EnvRole = "MLITE_CHILD"
	EnvDB   = "MLITE_CHILD_DB"
	EnvArg  = "MLITE_CHILD_ARG"
)

// Main returns at once in the parent. In a child it calls play with the
// role, store path and argument it was started with and exits: with 0 when
// play returns nil, else with 1 after writing the error to standard error.
func Main(play func(role, db, arg string) error) {
	role := os.Getenv(EnvRole)
	if role == "" {
		return
	}
	if err := play(role, os.Getenv(EnvDB), os.Getenv(EnvArg)); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Command returns the command that runs the test binary bin (os.Args[0]
// when empty) as a child playing role on the store at db with arg; it runs
// no test.
func Command(bin, role, db, arg string) *exec.Cmd {
	if bin == "" {
		bin = os.Args[0]
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), EnvRole+"="+role, EnvDB+"="+db, EnvArg+"="+arg)
	return cmd
}

// Start starts a child (see Command) and returns it with a scanner of its
// standard output and a builder collecting its standard error.
func Start(t testing.TB, role, db, arg string) (*exec.Cmd, *bufio.Scanner, *strings.Builder) {
	t.Helper()
	cmd := Command("", role, db, arg)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out), stderr
}
