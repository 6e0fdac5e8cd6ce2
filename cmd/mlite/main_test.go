package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/fixture"
	"github.com/mlite/mlite/internal/flock"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

var update = flag.Bool("update", false, "rewrite the cmp golden files in the scripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mlite": func() { os.Exit(mainCode()) },
	})
}

// TestScript runs the end-to-end scripts in testdata/script: each builds
// its store with the CLI and the logrun command, then checks the CLI's
// tables, JSON, CSV, errors and exit codes.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TZ", "UTC")
			env.Setenv("NO_COLOR", "")
			env.Setenv("COLUMNS", "")
			env.Setenv("MLITE_DB", "")
			env.Setenv("MLITE_LOCK_TIMEOUT", "")
			env.Setenv("BAD_UTF8", "bad\xffname") // not UTF-8: refused everywhere
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "mountable" {
				return canMount(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"romount":  cmdROMount,
			"logrun":   cmdLogrun,
			"exits":    cmdExits,
			"lockdb":   cmdLockdb,
			"unlockdb": cmdUnlockdb,
			"maskids":  cmdMaskids,
			"fixture":  cmdFixture,
		},
	})
}

// runIDPattern matches run ids and blob digests.
var runIDPattern = regexp.MustCompile(`\b[0-9a-f]{32}([0-9a-f]{32})?\b`)

// timePattern matches times as tables show them.
var timePattern = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

// cmdMaskids copies a file (or the last command's stdout or stderr) with
// every run id replaced by RUN_ID and every digest by DIGEST, for golden
// comparisons:
//
//	maskids [-times] stdout|stderr|FILE OUTFILE
//
// With -times, table times (2026-01-02 15:04:05) become YYYY-MM-DD hh:mm:ss.
func cmdMaskids(ts *testscript.TestScript, neg bool, args []string) {
	times, args := scriptArgs(ts, neg, args, "-times", 2, "maskids [-times] stdout|stderr|FILE OUTFILE")
	in := ts.ReadFile(args[0])
	if times {
		in = timePattern.ReplaceAllString(in, "YYYY-MM-DD hh:mm:ss")
	}
	s := runIDPattern.ReplaceAllStringFunc(in, func(m string) string {
		if len(m) == 64 {
			return "DIGEST"
		}
		return "RUN_ID"
	})
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(s), 0o644))
}

// scriptArgs reads the arguments of a script command that takes an
// optional leading flag and then n arguments, and says whether the flag
// was given; other arguments, or a negated command, stop the script with
// the usage.
func scriptArgs(ts *testscript.TestScript, neg bool, args []string, flag string, n int, usage string) (bool, []string) {
	set := len(args) > 0 && args[0] == flag
	if set {
		args = args[1:]
	}
	if neg || len(args) != n {
		ts.Fatalf("usage: %s", usage)
	}
	return set, args
}

// cmdFixture copies a format fixture of the repository
// (testdata/stores/vN: a store and its blob folder) to FILE; with -newer it
// then raises the copy's format number above the one this mlite reads, as
// a newer mlite would have written it:
//
//	fixture [-newer] vN FILE
func cmdFixture(ts *testscript.TestScript, neg bool, args []string) {
	newer, args := scriptArgs(ts, neg, args, "-newer", 2, "fixture [-newer] vN FILE")
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "stores", args[0], "store.mlite"))
	ts.Check(err)
	dst := ts.MkAbs(args[1])
	ts.Check(fixture.Copy(src, dst))
	ts.Check(fixture.Copy(run.BlobDir(src), run.BlobDir(dst)))
	if newer {
		ts.Check(fixture.SetFormatVersion(dst, store.FormatVersion+1))
	}
}

// cmdExits runs a command and checks its exit code:
//
//	exits CODE command args...
//
// Its stdout and stderr are kept for the stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE command args...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// heldLocks are the store locks lockdb holds, by script.
var heldLocks = map[*testscript.TestScript]*flock.Lock{}

// cmdLockdb holds the lock of a store file, as another process writing to
// it would, until unlockdb or the end of the script:
//
//	lockdb FILE
func cmdLockdb(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lockdb FILE")
	}
	lk, err := flock.Acquire(context.Background(), ts.MkAbs(args[0])+".lock", true, 5*time.Second)
	ts.Check(err)
	heldLocks[ts] = lk
	ts.Defer(func() { cmdUnlockdb(ts, false, nil) })
}

// cmdUnlockdb releases the lock lockdb took.
func cmdUnlockdb(ts *testscript.TestScript, neg bool, args []string) {
	if lk := heldLocks[ts]; lk != nil {
		lk.Unlock()
		delete(heldLocks, ts)
	}
}

// cmdLogrun logs one finished run with the library, with fixed times so
// that tables are stable:
//
//	logrun [-exp NAME] [-parent RUN] [-status S] [-start RFC3339] [-dur D] DB NAME [FIELD...]
//
// A FIELD is p.KEY=VALUE (param), t.KEY=VALUE (tag), m.KEY=V1,V2,...
// (a metric, one point per value at steps 0, 1, ...) or a.PATH=TEXT (an
// artifact file holding TEXT). The run's id is printed.
func cmdLogrun(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! logrun")
	}
	fs := flag.NewFlagSet("logrun", flag.ContinueOnError)
	exp := fs.String("exp", "Default", "experiment")
	parent := fs.String("parent", "", "parent run name")
	status := fs.String("status", "FINISHED", "final status")
	startS := fs.String("start", "2026-01-02T03:04:05Z", "start time")
	dur := fs.Duration("dur", 90*time.Second, "duration")
	ts.Check(fs.Parse(args))
	if fs.NArg() < 2 {
		ts.Fatalf("usage: logrun [flags] DB NAME [FIELD...]")
	}
	start, err := time.Parse(time.RFC3339, *startS)
	ts.Check(err)
	ctx := context.Background()
	db, err := mlite.Open(ts.MkAbs(fs.Arg(0)), &mlite.Options{NoSync: true, NoCapture: true, User: "tester"})
	ts.Check(err)
	defer func() { ts.Check(db.Close()) }()
	e, err := db.SetExperiment(ctx, *exp)
	ts.Check(err)
	opts := []run.StartOption{run.Name(fs.Arg(1)), run.StartTime(start)}
	if *parent != "" {
		p, err := resolveRun(ctx, db, *parent, 0)
		ts.Check(err)
		opts = append(opts, run.Parent(p.ID))
	}
	r, err := db.StartRun(ctx, e.ID, opts...)
	ts.Check(err)
	for _, f := range fs.Args()[2:] {
		kind, kv, _ := strings.Cut(f, ".")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("logrun: field %q: want p.KEY=VALUE, t.KEY=VALUE, m.KEY=V1,V2 or a.PATH=TEXT", f)
		}
		switch kind {
		case "p":
			ts.Check(r.LogParam(k, v))
		case "t":
			ts.Check(r.SetTag(k, v))
		case "m":
			for i, s := range strings.Split(v, ",") {
				x, err := strconv.ParseFloat(s, 64)
				ts.Check(err)
				ts.Check(r.LogMetric(k, x, run.Step(int64(i)), run.TimestampMillis(start.UnixMilli()+int64(i)*1000)))
			}
		case "a":
			ts.Check(r.LogText(ctx, v, k))
		default:
			ts.Fatalf("logrun: field %q: unknown kind %q", f, kind)
		}
	}
	ts.Check(r.Flush(ctx))
	if *status != "RUNNING" {
		st, err := parseStatus(*status)
		ts.Check(err)
		ts.Check(db.SetTerminated(ctx, r.ID(), st, start.Add(*dur).UnixMilli()))
	}
	fmt.Fprintln(ts.Stdout(), r.ID())
}

func parseStatus(s string) (run.Status, error) {
	for _, st := range []run.Status{run.Running, run.Scheduled, run.Finished, run.Failed, run.Killed} {
		if st.String() == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown status %q", s)
}
