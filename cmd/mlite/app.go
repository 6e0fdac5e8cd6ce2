package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
)

// Environment variables the command reads.
const (
	envDB          = "MLITE_DB"
	envLockTimeout = "MLITE_LOCK_TIMEOUT"
)

// app is one invocation of the command: its writers, global flags and the
// store it opened, if any.
type app struct {
	stdout, stderr io.Writer

	dbFlag      string
	lockTimeout time.Duration
	readOnly    bool // --read-only, or set when the store cannot be written here
	// artifactRoot is mlite server's --default-artifact-root.
	artifactRoot string
	jsonOut      bool
	csvOut       bool
	noColor      bool

	started bool      // a command's RunE began: later errors are not usage errors
	bars    bool      // show progress bars even when stderr is not a terminal (tests)
	db      *mlite.DB // opened on demand, closed by run
	out     *printer
}

// execute runs the command line args, writing to stdout and stderr. It
// returns the error that decides the exit code; main alone maps it.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return (&app{stdout: stdout, stderr: stderr}).execute(ctx, args)
}

// execute runs the command line args in a.
func (a *app) execute(ctx context.Context, args []string) (err error) {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	defer func() {
		if a.db != nil {
			if cerr := a.db.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}
	}()
	c, err := root.ExecuteContextC(ctx)
	if err != nil && !a.started {
		var ue *usageError
		if !errors.As(err, &ue) {
			err = &usageError{err: err}
		}
		if c != nil && ue == nil {
			err.(*usageError).cmd = c.CommandPath()
		}
	}
	return err
}

// rootCmd builds the whole command tree.
func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "mlite",
		Short: "An embedded experiment tracker and model registry in one file",
		Long: `mlite keeps experiments, runs, metrics, artifacts and a model registry in one
file, the way SQLite keeps a database. This command lists, compares and edits
what a program logged with the mlite library (or the MLflow client).

The store is the file given by --db, else $MLITE_DB, else ./mlruns.mlite.
Commands that only read never create it.

Output: tables for people; --json or --csv for scripts (MLflow's field names:
run_id, run_name, status, start_time, ...). Colour only on a terminal, never
when NO_COLOR is set.

Environment:
  MLITE_DB             the store file when --db is not given
  MLITE_LOCK_TIMEOUT   default of --lock-timeout (e.g. 2s)
  NO_COLOR             disables colour
  COLUMNS              the width tables fit (default: the terminal's)

` + exitCodesHelp,
		Example: `  mlite quickstart                         # build a demo store and show what to try
  mlite runs ls --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"
  mlite runs diff lgbm_smote rf_baseline
  mlite models show CreditDefaultModel --db credit.mlite
  MLITE_DB=credit.mlite mlite metrics plot lgbm_smote val_loss`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		Version:           version(),
		PersistentPreRunE: a.setup,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbFlag, "db", "", "the store file (default $MLITE_DB, else ./"+mlite.DefaultPath+")")
	pf.DurationVar(&a.lockTimeout, "lock-timeout", 0, "how long to wait for a store another process holds (default $MLITE_LOCK_TIMEOUT, else 30s)")
	pf.BoolVar(&a.readOnly, "read-only", false, "open the store for reading only: nothing is created or changed, writes fail (exit 8)")
	pf.BoolVar(&a.jsonOut, "json", false, "print JSON for scripts")
	pf.BoolVar(&a.csvOut, "csv", false, "print CSV for scripts (tables only)")
	pf.BoolVar(&a.noColor, "no-color", false, "never use colour (as NO_COLOR does)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c.CommandPath(), err: err}
	})

	root.AddCommand(
		group("experiments", []string{"experiment", "exp"}, "List, create, rename, delete, restore and tag experiments",
			`  mlite experiments ls
  mlite experiments create credit_default --tag team=risk`,
			a.experimentsLs(), a.experimentsCreate(), a.experimentsRename(),
			a.experimentsRm(), a.experimentsRestore(), a.experimentsTag()),
		group("runs", []string{"run"}, "List, show, compare, delete and tag runs",
			`  mlite runs ls --experiment credit --filter "metrics.auc > 0.8"
  mlite runs show lgbm_smote
  mlite runs diff lgbm_smote rf_baseline`,
			a.runsLs(), a.runsShow(), a.runsDiff(), a.runsCompare(),
			a.runsRm(), a.runsRestore(), a.runsPurge(), a.runsTag(), a.runsChildren()),
		group("metrics", []string{"metric"}, "Show metric histories as tables, sparklines or PNG charts",
			`  mlite metrics history lgbm_smote val_loss
  mlite metrics plot lgbm_smote val_loss rf_baseline`,
			a.metricsHistory(), a.metricsPlot()),
		group("artifacts", []string{"artifact"}, "List, download and upload a run's artifacts",
			`  mlite artifacts ls lgbm_smote
  mlite artifacts get lgbm_smote model -o ./model
  mlite artifacts log lgbm_smote roc.png --path plots`,
			a.artifactsLs(), a.artifactsGet(), a.artifactsLog()),
		group("models", []string{"model"}, "The model registry: models, versions, stages, aliases, gates, audit log, lineage",
			`  mlite models ls
  mlite models show CreditDefaultModel
  mlite models register runs:/lgbm_smote/model CreditDefaultModel
  mlite models transition CreditDefaultModel 3 Production --archive-existing
  mlite models alias CreditDefaultModel champion 3`,
			a.modelsLs(), a.modelsShow(), a.modelsVersions(), a.modelsRegister(), a.modelsTransition(),
			a.modelsAlias(), a.modelsTag(), a.modelsGet(), a.modelsAudit(), a.modelsLineage(), a.modelsDiff(), a.modelsShadowReport(), a.modelsGate(), a.modelsLogged()),
		a.gcCmd(), a.verifyCmd(), a.compactCmd(), a.checkCmd(),
	)
	for _, c := range a.extraCmds() {
		root.AddCommand(c)
	}
	a.addCompletions(root)
	markStarted(root, a)
	return root
}

// setup runs before every command: it checks the global flags and makes
// the printer.
func (a *app) setup(c *cobra.Command, _ []string) error {
	if a.jsonOut && a.csvOut {
		return &usageError{cmd: c.CommandPath(), err: errors.New("give --json or --csv, not both")}
	}
	if a.csvOut && c.Annotations["csv"] != "yes" {
		return &usageError{cmd: c.CommandPath(), err: errors.New("--csv is for commands that print tables; use --json")}
	}
	if !c.Flags().Changed("lock-timeout") {
		if s := os.Getenv(envLockTimeout); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil {
				return &usageError{err: fmt.Errorf("%s=%q: %w", envLockTimeout, s, err)}
			}
			a.lockTimeout = d
		}
	}
	a.out = newPrinter(a.stdout, a.noColor)
	return nil
}

// markStarted wraps every RunE of the tree so that the app knows when
// argument checking is over: errors after that are the command's own.
func markStarted(c *cobra.Command, a *app) {
	if f := c.RunE; f != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			a.started = true
			return f(c, args)
		}
	}
	for _, sub := range c.Commands() {
		markStarted(sub, a)
	}
}

// dbPath is the store file this invocation uses.
func (a *app) dbPath() string {
	if a.dbFlag != "" {
		return a.dbFlag
	}
	if p := os.Getenv(envDB); p != "" {
		return p
	}
	return mlite.DefaultPath
}

// openDB opens the store, which must exist.
func (a *app) openDB(ctx context.Context) (*mlite.DB, error) { return a.open(ctx, false) }

// open opens the store, creating it only when create is set.
func (a *app) open(ctx context.Context, create bool) (*mlite.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	path := a.dbPath()
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, &sentinelError{msg: fmt.Sprintf("no store at %s (give --db or set %s)", path, envDB), err: mlite.ErrNotFound}
	case err == nil && fi.IsDir():
		return nil, &sentinelError{msg: fmt.Sprintf("%s is a folder, not an mlite store", path), err: mlite.ErrNotStore}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case errors.Is(err, fs.ErrNotExist) && a.readOnly:
		return nil, &sentinelError{msg: fmt.Sprintf("no store at %s, and --read-only creates none", path), err: mlite.ErrNotFound}
	}
	db, err := mlite.OpenContext(ctx, path, &mlite.Options{LockTimeout: a.lockTimeout, ReadOnly: a.readOnly, ArtifactRoot: a.artifactRoot})
	if errors.Is(err, mlite.ErrNotWritable) {
		// A shared results folder, a mounted backup, a read-only file
		// system: reading works all the same, and a write says why not.
		fmt.Fprintf(a.stderr, "mlite: %s cannot be written here; opened read-only\n", path)
		a.readOnly = true
		db, err = mlite.OpenContext(ctx, path, &mlite.Options{LockTimeout: a.lockTimeout, ReadOnly: true, ArtifactRoot: a.artifactRoot})
	}
	if err != nil {
		return nil, err
	}
	a.db = db
	return db, nil
}

// sentinelError is an error with a message of its own that matches a
// sentinel with errors.Is.
type sentinelError struct {
	msg string
	err error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.err }

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// command makes a subcommand whose RunE gets the context. args checks the
// positional arguments; its errors are usage errors.
func command(use, short, example string, args cobra.PositionalArgs, run func(ctx context.Context, c *cobra.Command, args []string) error) *cobra.Command {
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		RunE: func(c *cobra.Command, a []string) error {
			return run(c.Context(), c, a)
		},
	}
	if args != nil {
		c.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return &usageError{cmd: c.CommandPath(), err: err}
			}
			return nil
		}
	}
	return c
}

// group makes a command that only holds subcommands.
func group(use string, aliases []string, short, example string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:     use,
		Aliases: aliases,
		Short:   short,
		Example: example,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help()
		},
	}
	c.AddCommand(subs...)
	return c
}

// listing marks an ls command: list is another name for it and --csv
// applies.
func listing(c *cobra.Command) {
	c.Aliases = []string{"list"}
	csvOK(c)
}

// searchFlags adds the flags of an ls command that searches: repeatable
// --experiment (-e) and --filter (-f), with their help for this command.
func searchFlags(c *cobra.Command, exps *[]string, filter *string, expsHelp, filterHelp string) {
	c.Flags().StringArrayVarP(exps, "experiment", "e", nil, expsHelp)
	c.Flags().StringVarP(filter, "filter", "f", "", filterHelp)
}

// csvOK marks a command whose output is a table, so --csv applies.
func csvOK(c *cobra.Command) {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations["csv"] = "yes"
}
