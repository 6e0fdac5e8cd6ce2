package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
	"github.com/spf13/cobra"
)

// resolveRun finds the run s names: a full run id, or a run name unique in
// the store. When several runs share the name, the one in lifecycle prefer
// wins if it is alone there (restore looks for the deleted one).
func resolveRun(ctx context.Context, db *mlite.DB, s string, prefer run.Lifecycle) (*run.Record, error) {
	if id, err := run.ParseID(s); err == nil {
		r, err := db.GetRun(ctx, id)
		if err == nil || !errors.Is(err, mlite.ErrNotFound) {
			return r, err
		}
	}
	page, err := db.SearchRuns(ctx, run.SearchOptions{
		Filter: "attributes.run_name = " + quote(s), View: run.All, MaxResults: 50,
	})
	if err != nil {
		return nil, err
	}
	found := page.Runs
	if len(found) > 1 {
		var same []*run.Record
		for _, r := range found {
			if r.Lifecycle == prefer {
				same = append(same, r)
			}
		}
		if len(same) == 1 {
			found = same
		}
	}
	switch len(found) {
	case 0:
		return nil, &sentinelError{msg: fmt.Sprintf("no run with id or name %q", s), err: mlite.ErrNotFound}
	case 1:
		return found[0], nil
	}
	var ids []string
	for _, r := range found {
		ids = append(ids, fmt.Sprintf("%s (experiment %s, %s)", r.ID, r.ExperimentID, r.Lifecycle))
	}
	return nil, &sentinelError{
		msg: fmt.Sprintf("run name %q is not unique; give one of these run ids:\n  %s", s, strings.Join(ids, "\n  ")),
		err: mlite.ErrInvalid,
	}
}

// resolveRuns resolves each of names; see resolveRun.
func resolveRuns(ctx context.Context, db *mlite.DB, names []string, prefer run.Lifecycle) ([]*run.Record, error) {
	runs := make([]*run.Record, 0, len(names))
	for _, n := range names {
		r, err := resolveRun(ctx, db, n, prefer)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// experimentIDs finds the experiments refs name (see resolveExperiment).
func experimentIDs(ctx context.Context, db *mlite.DB, refs []string) ([]run.ExperimentID, error) {
	var ids []run.ExperimentID
	for _, ref := range refs {
		e, err := resolveExperiment(ctx, db, ref)
		if err != nil {
			return nil, err
		}
		ids = append(ids, e.ID)
	}
	return ids, nil
}

// resolveExperiment finds the experiment s names: its id or its name,
// active or deleted.
func resolveExperiment(ctx context.Context, db *mlite.DB, s string) (*run.Experiment, error) {
	if id, err := run.ParseExperimentID(s); err == nil {
		e, err := db.GetExperiment(ctx, id)
		if err == nil || !errors.Is(err, mlite.ErrNotFound) {
			return e, err
		}
	}
	e, err := db.GetExperimentByName(ctx, s)
	if errors.Is(err, mlite.ErrNotFound) {
		return nil, &sentinelError{msg: fmt.Sprintf("no experiment with id or name %q", s), err: mlite.ErrNotFound}
	}
	return e, err
}

// quote renders s as a single-quoted string of the query language.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// orEmpty returns m, or an empty map for nil so JSON shows {} not null.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// runDuration is how long a run ran (until now if it still runs).
func runDuration(r *run.Record) time.Duration {
	if r.StartTime == 0 {
		return -1
	}
	end := r.EndTime
	if end == 0 {
		if r.Status != run.Running {
			return -1
		}
		end = time.Now().UnixMilli()
	}
	return time.Duration(end-r.StartTime) * time.Millisecond
}

// statusStyle colours a run status.
func statusStyle(s run.Status) string {
	switch s {
	case run.Finished:
		return styleGreen
	case run.Failed, run.Killed:
		return styleRed
	case run.Running:
		return styleBlue
	}
	return ""
}

// parseKV splits "key=value" arguments into a map.
func parseKV(args []string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, usagef("%q: want key=value", a)
		}
		m[k] = v
	}
	return m, nil
}

// tagTarget is what a tag command changes: set and remove change one tag;
// report prints the result once every change is made.
type tagTarget struct {
	set    func(k, v string) error
	remove func(k string) error
	report func(set, deleted int) error
}

// tagCommand is the tag command of experiments, runs and models: it sets
// the KEY=VALUE arguments in key order, then deletes the --delete keys, of
// what open finds for the first argument.
func tagCommand(use, short, example string, open func(ctx context.Context, ref string) (*tagTarget, error)) *cobra.Command {
	var del []string
	c := command(use, short, example, cobra.MinimumNArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
		tags, err := parseKV(args[1:])
		if err != nil {
			return err
		}
		if len(tags) == 0 && len(del) == 0 {
			return usagef("give KEY=VALUE tags to set or --delete KEY")
		}
		t, err := open(ctx, args[0])
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(tags) {
			if err := t.set(k, tags[k]); err != nil {
				return err
			}
		}
		for _, k := range del {
			if err := t.remove(k); err != nil {
				return err
			}
		}
		return t.report(len(tags), len(del))
	})
	c.Flags().StringArrayVar(&del, "delete", nil, "a tag key to delete (repeatable)")
	return c
}

// openRun opens the store and finds the run ref names, preferring an active
// one (see resolveRun).
func (a *app) openRun(ctx context.Context, ref string) (*mlite.DB, *run.Record, error) {
	db, runs, err := a.openRuns(ctx, []string{ref}, run.Active)
	if err != nil {
		return nil, nil, err
	}
	return db, runs[0], nil
}

// openRunPath opens the store and finds the run of a command's RUN [PATH]
// arguments, and the artifact path ("" without one).
func (a *app) openRunPath(ctx context.Context, args []string) (*mlite.DB, *run.Record, string, error) {
	db, r, err := a.openRun(ctx, args[0])
	p := ""
	if len(args) > 1 {
		p = args[1]
	}
	return db, r, p, err
}

// openRuns opens the store and finds the runs refs name (see resolveRuns).
func (a *app) openRuns(ctx context.Context, refs []string, prefer run.Lifecycle) (*mlite.DB, []*run.Record, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	runs, err := resolveRuns(ctx, db, refs, prefer)
	return db, runs, err
}

// openExperiment opens the store and finds the experiment ref names (see
// resolveExperiment).
func (a *app) openExperiment(ctx context.Context, ref string) (*mlite.DB, *run.Experiment, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	e, err := resolveExperiment(ctx, db, ref)
	return db, e, err
}
