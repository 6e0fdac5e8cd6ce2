package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// completionLimit bounds the names a completion offers.
const completionLimit = 1000

// lister lists candidate names from an open store.
type lister func(ctx context.Context, db *mlite.DB, args []string) ([]string, error)

// completeArgs returns a shell-completion function offering the names list
// returns for the argument positions given (every position when none).
// It never creates a store and gives up quickly on a locked one.
func (a *app) completeArgs(list lister, positions ...int) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(positions) > 0 && !containsInt(positions, len(args)) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		path := a.dbPath()
		if _, err := os.Stat(path); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		db, err := mlite.OpenContext(ctx, path, &mlite.Options{LockTimeout: 500 * time.Millisecond})
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		defer db.Close()
		names, err := list(ctx, db, args)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// runNames lists the names of active runs, newest first.
func runNames(ctx context.Context, db *mlite.DB, _ []string) ([]string, error) {
	page, err := db.SearchRuns(ctx, run.SearchOptions{MaxResults: completionLimit})
	if err != nil {
		return nil, err
	}
	return namesOf(page.Runs, nil, func(r *run.Record) string { return r.Name })
}

// experimentNames lists the names of every experiment.
func experimentNames(ctx context.Context, db *mlite.DB, _ []string) ([]string, error) {
	exps, err := db.Experiments(ctx, run.All)
	return namesOf(exps, err, func(e *run.Experiment) string { return e.Name })
}

// modelNames lists registered model names.
func modelNames(ctx context.Context, db *mlite.DB, _ []string) ([]string, error) {
	models, _, err := db.Registry().SearchModels(ctx, registry.SearchOptions{MaxResults: completionLimit})
	return namesOf(models, err, func(m *registry.RegisteredModel) string { return m.Name })
}

// namesOf returns the names of xs that have one, in order, or err.
func namesOf[T any](xs []T, err error, name func(T) string) ([]string, error) {
	if err != nil {
		return nil, err
	}
	var out []string
	for _, x := range xs {
		if n := name(x); n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// metricKeys lists the metric keys of the run named by the first argument.
func metricKeys(ctx context.Context, db *mlite.DB, args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	r, err := resolveRun(ctx, db, args[0], 0)
	if err != nil {
		return nil, err
	}
	return sortedKeys(r.Metrics), nil
}

// addCompletions attaches name completion to the commands that take runs,
// experiments or models.
func (a *app) addCompletions(root *cobra.Command) {
	find := func(path ...string) *cobra.Command {
		c, _, err := root.Find(path)
		if err != nil {
			return nil
		}
		return c
	}
	set := func(fn func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective), paths ...[]string) {
		for _, p := range paths {
			if c := find(p...); c != nil {
				c.ValidArgsFunction = fn
			}
		}
	}
	set(a.completeArgs(runNames),
		[]string{"runs", "diff"}, []string{"runs", "compare"}, []string{"runs", "rm"}, []string{"runs", "restore"},
		[]string{"runs", "purge"})
	set(a.completeArgs(runNames, 0),
		[]string{"runs", "show"}, []string{"runs", "tag"}, []string{"runs", "children"},
		[]string{"artifacts", "ls"}, []string{"artifacts", "get"}, []string{"artifacts", "log"})
	set(a.completeArgs(func(ctx context.Context, db *mlite.DB, args []string) ([]string, error) {
		if len(args) == 1 {
			return metricKeys(ctx, db, args)
		}
		return runNames(ctx, db, args)
	}), []string{"metrics", "plot"})
	set(a.completeArgs(func(ctx context.Context, db *mlite.DB, args []string) ([]string, error) {
		if len(args) == 1 {
			return metricKeys(ctx, db, args)
		}
		return runNames(ctx, db, args)
	}, 0, 1), []string{"metrics", "history"})
	set(a.completeArgs(experimentNames, 0),
		[]string{"experiments", "rename"}, []string{"experiments", "rm"}, []string{"experiments", "restore"},
		[]string{"experiments", "tag"})
	set(a.completeArgs(modelNames, 0),
		[]string{"models", "show"}, []string{"models", "versions"}, []string{"models", "transition"},
		[]string{"models", "alias"}, []string{"models", "tag"}, []string{"models", "audit"},
		[]string{"models", "lineage"}, []string{"models", "gate"})
	set(a.completeArgs(modelNames, 1), []string{"models", "register"})
	if c := find("runs", "ls"); c != nil {
		c.RegisterFlagCompletionFunc("experiment", a.completeArgs(experimentNames))
	}
}
