package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/examples/creditdemo"
)

// quickstartDB is where quickstart writes unless --db says otherwise; it
// never uses MLITE_DB, so it cannot overwrite the store a user works on.
const quickstartDB = "quickstart.mlite"

// extraCmds are the commands that build or serve a whole store.
func (a *app) extraCmds() []*cobra.Command {
	return []*cobra.Command{a.quickstartCmd(), a.uiCmd(), a.serverCmd(), a.serveCmd(), a.predictCmd(), a.reportCmd(), a.pushCmd(), a.importCmd(), a.mergeCmd()}
}

func (a *app) quickstartCmd() *cobra.Command {
	var (
		ui       bool
		force    bool
		seed     int64
		children int
		f        uiFlags
	)
	c := command("quickstart", "Build a demo store (a real credit-default sweep and a promoted model) and show what to try",
		`  mlite quickstart
  mlite quickstart --ui
  mlite quickstart --db demo.mlite --force`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			path := quickstartDB
			if c.Flags().Changed("db") {
				path = a.dbFlag
			}
			if _, err := os.Stat(path); err == nil && !force && !isDemoStore(ctx, path) {
				return &sentinelError{msg: fmt.Sprintf("%s exists and is not a quickstart store; give --force to replace it, or another --db", path), err: mlite.ErrExists}
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			var progress io.Writer = a.stdout
			if a.jsonOut {
				progress = a.stderr
			}
			if children != 0 && children < 2 {
				return usagef("--children %d: want at least 2", children)
			}
			rep, err := creditdemo.Build(ctx, path, &creditdemo.Options{Out: progress, Seed: seed, Children: children, Command: invokedAs(os.Args[0])})
			if err != nil {
				return err
			}
			if a.jsonOut {
				if err := a.out.json(map[string]any{
					"path": rep.Path, "experiment_id": rep.ExperimentID, "parent_run_id": rep.ParentRunID,
					"children": rep.Children, "best_run_id": rep.BestRunID, "best_auc": jsonFloat(rep.BestAUC),
					"model": rep.Model, "production_version": rep.ProductionVersion,
				}); err != nil {
					return err
				}
			}
			if !ui {
				return nil
			}
			a.dbFlag = path
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			return a.serveUI(ctx, db, f)
		})
	c.Long = `Quickstart builds a demo store: a generated, heavily imbalanced credit-default
data set, a sweep of small models trained for real as child runs of one parent
run, their params, learning curves, plots and model files, and the registered
model CreditDefaultModel taken through a gated promotion to Production with
the alias champion. It prints what it did and the commands to try next.

It writes ./quickstart.mlite unless --db is given (MLITE_DB is not used). It
rebuilds a store an earlier quickstart made, and replaces any other existing
file only with --force.`
	c.Flags().BoolVar(&ui, "ui", false, "then serve the web viewer of the new store")
	c.Flags().BoolVar(&force, "force", false, "replace an existing store at the path")
	c.Flags().Int64Var(&seed, "seed", 0, "the seed of the data and the sweep (default 42)")
	c.Flags().IntVar(&children, "children", 0, "the number of child runs of the sweep, at least 2 (default 36)")
	f.add(c)
	return c
}

// invokedAs is the command a user types to run this program again, judged
// from arg0 (os.Args[0]): "go run ./cmd/mlite" for a binary go run built in
// its cache (<tmp>/go-build.../exe/mlite), else "mlite".
func invokedAs(arg0 string) string {
	dir := filepath.Dir(arg0)
	if filepath.Base(dir) == "exe" && strings.Contains(filepath.ToSlash(dir), "/go-build") {
		return "go run ./cmd/mlite"
	}
	return "mlite"
}

// isDemoStore reports whether the store at path is one quickstart built:
// it holds the demo's experiment and registered model, so rebuilding it
// loses nothing the user made.
func isDemoStore(ctx context.Context, path string) bool {
	db, err := mlite.OpenContext(ctx, path, nil)
	if err != nil {
		return false
	}
	defer db.Close()
	if _, err := db.GetExperimentByName(ctx, creditdemo.ExperimentName); err != nil {
		return false
	}
	_, err = db.Registry().GetModel(ctx, creditdemo.ModelName)
	return err == nil
}
