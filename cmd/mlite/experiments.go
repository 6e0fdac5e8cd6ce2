package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/run"
)

// viewFlags adds --deleted and --all and returns the view they select.
func viewFlags(c *cobra.Command) func() run.ViewType {
	deleted := c.Flags().Bool("deleted", false, "only deleted ones")
	all := c.Flags().Bool("all", false, "active and deleted ones")
	return func() run.ViewType {
		switch {
		case *all:
			return run.All
		case *deleted:
			return run.DeletedOnly
		}
		return run.ActiveOnly
	}
}

func (a *app) experimentsLs() *cobra.Command {
	var view func() run.ViewType
	c := command("ls", "List experiments",
		`  mlite experiments ls
  mlite experiments ls --all --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			exps, err := db.Experiments(ctx, view())
			if err != nil {
				return err
			}
			return a.printExperiments(exps)
		})
	listing(c)
	view = viewFlags(c)
	return c
}

// printExperiments prints experiments as a table, JSON or CSV.
func (a *app) printExperiments(exps []*run.Experiment) error {
	if a.jsonOut {
		js := make([]experimentJSON, 0, len(exps))
		for _, e := range exps {
			js = append(js, toExperimentJSON(e))
		}
		return a.out.json(js)
	}
	header := []string{"experiment_id", "name", "lifecycle_stage", "creation_time", "tags"}
	t := &table{header: []string{"ID", "NAME", "STAGE", "CREATED", "TAGS"}}
	var rows [][]string
	for _, e := range exps {
		var tags []string
		for _, k := range sortedKeys(e.Tags) {
			tags = append(tags, k+"="+e.Tags[k])
		}
		t.add(e.ID.String(), e.Name, e.Lifecycle.String(), formatTime(e.CreationTime), strings.Join(tags, " "))
		rows = append(rows, []string{e.ID.String(), e.Name, e.Lifecycle.String(), fmt.Sprint(e.CreationTime), strings.Join(tags, " ")})
	}
	if a.csvOut {
		return a.out.csv(header, rows)
	}
	a.out.table(t)
	return nil
}

func (a *app) experimentsCreate() *cobra.Command {
	var tags []string
	var location string
	c := command("create NAME", "Create an experiment (and the store, if missing)",
		`  mlite experiments create credit_default
  mlite experiments create churn --tag team=growth --tag owner=ana
  mlite experiments create shared --artifact-location /mnt/team/artifacts`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			tm, err := parseKV(tags)
			if err != nil {
				return err
			}
			db, err := a.open(ctx, true)
			if err != nil {
				return err
			}
			e, err := db.CreateExperimentAt(ctx, args[0], location, tm)
			if err != nil {
				return err
			}
			return a.done(e, "created experiment %s %q", e.ID, e.Name)
		})
	c.Flags().StringArrayVar(&tags, "tag", nil, "a tag key=value (repeatable)")
	c.Flags().StringVar(&location, "artifact-location", "", "keep the experiment's artifacts in this folder or URI (MLflow's artifact_location), not in the store")
	return c
}

// done prints the result of a change: v as JSON with --json, else the
// message.
func (a *app) done(v any, format string, args ...any) error {
	if a.jsonOut {
		if e, ok := v.(*run.Experiment); ok {
			v = toExperimentJSON(e)
		}
		if r, ok := v.(*run.Record); ok {
			v = toRunJSON(r)
		}
		return a.out.json(v)
	}
	a.out.printf(format+"\n", args...)
	return nil
}

// experimentAction is a command that resolves one experiment and changes it.
func (a *app) experimentAction(use, short, example string, nargs int, act func(ctx context.Context, e *run.Experiment, args []string) (string, error)) *cobra.Command {
	return command(use, short, example, cobra.ExactArgs(nargs), func(ctx context.Context, c *cobra.Command, args []string) error {
		db, e, err := a.openExperiment(ctx, args[0])
		if err != nil {
			return err
		}
		msg, err := act(ctx, e, args[1:])
		if err != nil {
			return err
		}
		if e, err = db.GetExperiment(ctx, e.ID); err != nil {
			return err
		}
		return a.done(e, "%s", msg)
	})
}

func (a *app) experimentsRename() *cobra.Command {
	return a.experimentAction("rename EXPERIMENT NEW_NAME", "Rename an experiment",
		`  mlite experiments rename credit_default credit_default_v2`, 2,
		func(ctx context.Context, e *run.Experiment, args []string) (string, error) {
			return fmt.Sprintf("renamed experiment %s %q to %q", e.ID, e.Name, args[0]),
				a.db.RenameExperiment(ctx, e.ID, args[0])
		})
}

func (a *app) experimentsRm() *cobra.Command {
	c := a.experimentAction("rm EXPERIMENT", "Delete an experiment and its runs (restore undoes it)",
		`  mlite experiments rm churn
  mlite experiments rm 3`, 1,
		func(ctx context.Context, e *run.Experiment, _ []string) (string, error) {
			return fmt.Sprintf("deleted experiment %s %q", e.ID, e.Name), a.db.DeleteExperiment(ctx, e.ID)
		})
	c.Aliases = []string{"delete"}
	return c
}

func (a *app) experimentsRestore() *cobra.Command {
	return a.experimentAction("restore EXPERIMENT", "Restore a deleted experiment and the runs deleted with it",
		`  mlite experiments restore churn`, 1,
		func(ctx context.Context, e *run.Experiment, _ []string) (string, error) {
			return fmt.Sprintf("restored experiment %s %q", e.ID, e.Name), a.db.RestoreExperiment(ctx, e.ID)
		})
}

func (a *app) experimentsTag() *cobra.Command {
	return tagCommand("tag EXPERIMENT [KEY=VALUE...]", "Set or delete experiment tags",
		`  mlite experiments tag credit_default team=risk owner=ana
  mlite experiments tag credit_default --delete owner`,
		func(ctx context.Context, ref string) (*tagTarget, error) {
			db, e, err := a.openExperiment(ctx, ref)
			if err != nil {
				return nil, err
			}
			return &tagTarget{
				set:    func(k, v string) error { return db.SetExperimentTag(ctx, e.ID, k, v) },
				remove: func(k string) error { return db.DeleteExperimentTag(ctx, e.ID, k) },
				report: func(set, deleted int) error {
					e, err := db.GetExperiment(ctx, e.ID)
					if err != nil {
						return err
					}
					return a.done(e, "tagged experiment %s %q: %d set, %d deleted", e.ID, e.Name, set, deleted)
				},
			}, nil
		})
}
