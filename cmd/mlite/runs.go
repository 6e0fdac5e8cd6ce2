package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/run"
)

func (a *app) runsLs() *cobra.Command {
	var (
		exps    []string
		filter  string
		orderBy []string
		maxRuns int
		view    func() run.ViewType
	)
	c := command("ls", "List runs: name, status, start, duration and the params and metrics that vary",
		`  mlite runs ls
  mlite runs ls --experiment credit --filter "metrics.auc > 0.8 and params.model = 'lgbm'"
  mlite runs ls --order-by "metrics.auc DESC" --max 5
  mlite runs ls --filter "status = 'FAILED'" --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			if maxRuns < 1 || maxRuns > run.MaxResultsLimit {
				return usagef("--max %d: want 1 to %d", maxRuns, run.MaxResultsLimit)
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			o := run.SearchOptions{Filter: filter, OrderBy: orderBy, View: view(), MaxResults: maxRuns}
			if o.ExperimentIDs, err = experimentIDs(ctx, db, exps); err != nil {
				return err
			}
			page, err := db.SearchRuns(ctx, o)
			if err != nil {
				return err
			}
			if err := a.printRuns(page.Runs, orderBy...); err != nil {
				return err
			}
			if len(page.Runs) == 0 && filter != "" {
				// Say why, when the filter names a key no run has.
				f, err := run.ParseFilter(filter)
				if err != nil {
					return err
				}
				err = db.MissingKeys(ctx, run.RunSelection{Experiments: o.ExperimentIDs, View: o.View}, f)
				if errors.Is(err, run.ErrUnknownKey) {
					fmt.Fprintf(a.stderr, "mlite: %v\n", err)
				} else if err != nil {
					return err
				}
			}
			if page.NextPageToken != "" {
				fmt.Fprintf(a.stderr, "mlite: more runs match; showing the first %d (raise --max)\n", len(page.Runs))
			}
			return nil
		})
	listing(c)
	searchFlags(c, &exps, &filter, "only runs of this experiment, by name or id (repeatable)",
		"a search filter, MLflow's syntax: \"metrics.auc > 0.8 and params.model = 'lgbm'\"")
	f := c.Flags()
	f.StringArrayVarP(&orderBy, "order-by", "o", nil, "an order, e.g. \"metrics.auc DESC\" (repeatable; default start_time DESC)")
	f.IntVarP(&maxRuns, "max", "n", 100, "the most runs to list")
	view = viewFlags(c)
	return c
}

// printRuns prints runs: a table of name, status, start, duration and the
// params and latest metrics whose values differ between the runs (those
// named in orderBy first); or every field as JSON or CSV.
func (a *app) printRuns(runs []*run.Record, orderBy ...string) error {
	if a.jsonOut {
		js := make([]runJSON, 0, len(runs))
		for _, r := range runs {
			js = append(js, toRunJSON(r))
		}
		return a.out.json(js)
	}
	params, metrics := runKeys(runs)
	if a.csvOut {
		header := []string{"run_id", "run_name", "experiment_id", "status", "start_time", "end_time", "lifecycle_stage"}
		for _, k := range params {
			header = append(header, "params."+k)
		}
		for _, k := range metrics {
			header = append(header, "metrics."+k)
		}
		var rows [][]string
		for _, r := range runs {
			row := []string{r.ID.String(), r.Name, r.ExperimentID.String(), r.Status.String(),
				strconv.FormatInt(r.StartTime, 10), strconv.FormatInt(r.EndTime, 10), r.Lifecycle.String()}
			for _, k := range params {
				row = append(row, r.Params[k])
			}
			for _, k := range metrics {
				row = append(row, metricCell(r, k, true))
			}
			rows = append(rows, row)
		}
		return a.out.csv(header, rows)
	}
	params = slices.DeleteFunc(params, func(k string) bool { return !varies(runs, func(r *run.Record) string { return paramCell(r, k) }) })
	metrics = slices.DeleteFunc(metrics, func(k string) bool {
		return !varies(runs, func(r *run.Record) string { return metricCell(r, k, true) })
	})
	// The name, status and start stay readable; params and metrics give way.
	nameWidth := 4
	for _, r := range runs {
		nameWidth = max(nameWidth, min(utf8.RuneCountInString(r.Name), 40))
	}
	// Columns: what --order-by names first, then params, then metrics.
	var cols []string
	for _, k := range params {
		cols = append(cols, "params."+k)
	}
	for _, k := range metrics {
		cols = append(cols, "metrics."+k)
	}
	cols = orderedFirst(cols, orderBy)
	t := &table{header: []string{"NAME", "STATUS", "START", "DURATION"}, minWidths: []int{nameWidth, 9, 19, 8}}
	t.header = append(t.header, cols...)
	for _, r := range runs {
		status := r.Status.String()
		if r.Lifecycle != run.Active {
			status += " (" + r.Lifecycle.String() + ")"
		}
		row := []string{r.Name, status, formatTime(r.StartTime), formatDuration(runDuration(r))}
		for _, c := range cols {
			if k, ok := strings.CutPrefix(c, "params."); ok {
				row = append(row, paramCell(r, k))
			} else {
				row = append(row, metricCell(r, strings.TrimPrefix(c, "metrics."), false))
			}
		}
		t.add(row...)
	}
	t.cellStyle = func(i, j int) string {
		if j == 1 {
			return statusStyle(runs[i].Status)
		}
		return ""
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stderr, "mlite: no runs")
		return nil
	}
	a.out.table(t)
	return nil
}

// orderedFirst moves the columns ("params.x", "metrics.y") that orderBy
// items name (e.g. "metrics.auc DESC", "metric.`val loss`") to the front,
// in orderBy's order.
func orderedFirst(cols []string, orderBy []string) []string {
	var first []string
	for _, o := range orderBy {
		f := strings.Fields(o)
		if len(f) == 0 {
			continue
		}
		kind, key, ok := strings.Cut(f[0], ".")
		if !ok {
			continue
		}
		key = strings.Trim(key, "`\"")
		var col string
		switch strings.Trim(kind, "`") {
		case "metric", "metrics":
			col = "metrics." + key
		case "param", "params", "parameter", "parameters":
			col = "params." + key
		default:
			continue
		}
		if slices.Contains(cols, col) && !slices.Contains(first, col) {
			first = append(first, col)
		}
	}
	rest := slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return slices.Contains(first, c) })
	return append(first, rest...)
}

// runKeys returns the param and metric keys any of runs has, sorted.
func runKeys(runs []*run.Record) (params, metrics []string) {
	ps, ms := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			ps[k] = true
		}
		for k := range r.Metrics {
			ms[k] = true
		}
	}
	return sortedKeys(ps), sortedKeys(ms)
}

// varies reports whether cell gives two runs different values.
func varies(runs []*run.Record, cell func(*run.Record) string) bool {
	for _, r := range runs[min(1, len(runs)):] {
		if cell(r) != cell(runs[0]) {
			return true
		}
	}
	return false
}

func paramCell(r *run.Record, k string) string {
	if v, ok := r.Params[k]; ok {
		return v
	}
	return "-"
}

// metricCell renders run r's latest value of metric k, exactly for scripts
// or shortened for a table; "" (scripts) or "-" (tables) when it has none.
func metricCell(r *run.Record, k string, exact bool) string {
	s, ok := r.Metrics[k]
	switch {
	case !ok && exact:
		return ""
	case !ok:
		return "-"
	case exact:
		return strconv.FormatFloat(s.Latest.Value, 'g', -1, 64)
	}
	return formatFloat(s.Latest.Value)
}

func (a *app) runsShow() *cobra.Command {
	return command("show RUN", "Show a run: info, params, latest metrics, tags and inputs",
		`  mlite runs show lgbm_smote
  mlite runs show 3f2a9c0d4e5b4a7f8e1d2c3b4a596877 --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, r, err := a.openRun(ctx, args[0])
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(toRunShowJSON(r))
			}
			exp, err := db.GetExperiment(ctx, r.ExperimentID)
			if err != nil {
				return err
			}
			info := &table{}
			info.add("Run", r.Name)
			info.add("Run ID", r.ID.String())
			info.add("Experiment", fmt.Sprintf("%s (%s)", exp.Name, exp.ID))
			info.add("Status", r.Status.String())
			if r.Lifecycle != run.Active {
				info.add("Lifecycle", r.Lifecycle.String())
			}
			info.cellStyle = func(i, j int) string {
				switch {
				case j == 1 && info.rows[i][0] == "Status":
					return statusStyle(r.Status)
				case j == 1 && info.rows[i][0] == "Lifecycle":
					return styleRed
				}
				return ""
			}
			info.add("Start", formatTime(r.StartTime))
			info.add("End", formatTime(r.EndTime))
			info.add("Duration", formatDuration(runDuration(r)))
			info.add("User", r.User)
			if !r.Parent.IsZero() {
				parent := r.Parent.String()
				if p, err := db.GetRun(ctx, r.Parent); err == nil {
					parent = p.Name + " (" + parent + ")"
				}
				info.add("Parent", parent)
			}
			info.add("Artifacts", r.ArtifactURI)
			a.out.table(info)
			a.section("Params", len(r.Params))
			t := &table{header: []string{"KEY", "VALUE"}}
			for _, k := range sortedKeys(r.Params) {
				t.add(k, r.Params[k])
			}
			a.printSection(t)
			a.section("Metrics", len(r.Metrics))
			t = &table{header: []string{"KEY", "LATEST", "STEP", "MIN", "MAX", "POINTS"}}
			for _, k := range sortedKeys(r.Metrics) {
				s := r.Metrics[k]
				t.add(k, formatFloat(s.Latest.Value), strconv.FormatInt(s.Latest.Step, 10),
					formatFloat(s.Min), formatFloat(s.Max), strconv.FormatUint(s.Count, 10))
			}
			a.printSection(t)
			a.section("Tags", len(r.Tags))
			t = &table{header: []string{"KEY", "VALUE"}}
			for _, k := range sortedKeys(r.Tags) {
				t.add(k, r.Tags[k])
			}
			a.printSection(t)
			if len(r.Inputs) > 0 {
				a.section("Inputs", len(r.Inputs))
				t = &table{header: []string{"NAME", "DIGEST", "CONTEXT"}}
				for _, in := range r.Inputs {
					t.add(in.Name, in.Digest, in.Tags[run.TagDatasetContext])
				}
				a.printSection(t)
			}
			return nil
		})
}

// section prints a section title of a show command.
func (a *app) section(title string, n int) {
	a.out.printf("\n%s\n", a.out.paint(styleBold, fmt.Sprintf("%s (%d)", title, n)))
}

// printSection prints a section's table indented by two spaces (an empty
// first column), or nothing when it is empty.
func (a *app) printSection(t *table) {
	if len(t.rows) == 0 {
		return
	}
	t.header = append([]string{""}, t.header...)
	for i, r := range t.rows {
		t.rows[i] = append([]string{""}, r...)
	}
	if cs := t.cellStyle; cs != nil {
		t.cellStyle = func(i, j int) string {
			if j == 0 {
				return ""
			}
			return cs(i, j-1)
		}
	}
	t.minWidths = append([]int{0}, t.minWidths...)
	a.out.table(t)
}

// runAction is a command that resolves runs and changes each.
func (a *app) runAction(use, short, example, verb string, prefer run.Lifecycle, act func(ctx context.Context, id run.ID) error) *cobra.Command {
	c := command(use, short, example, cobra.MinimumNArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
		_, runs, err := a.openRuns(ctx, args, prefer)
		if err != nil {
			return err
		}
		var js []map[string]string
		for _, r := range runs {
			if err := act(ctx, r.ID); err != nil {
				return err
			}
			if a.jsonOut {
				js = append(js, map[string]string{"run_id": r.ID.String(), "run_name": r.Name, "action": verb})
				continue
			}
			a.out.printf("%s run %s (%s)\n", verb, r.Name, r.ID)
		}
		if a.jsonOut {
			return a.out.json(js)
		}
		return nil
	})
	return c
}

func (a *app) runsRm() *cobra.Command {
	c := a.runAction("rm RUN...", "Delete runs (restore undoes it; purge makes it final)",
		`  mlite runs rm lgbm_smote
  mlite runs rm 3f2a9c0d4e5b4a7f8e1d2c3b4a596877 rf_baseline`, "deleted", run.Active,
		func(ctx context.Context, id run.ID) error { return a.db.DeleteRun(ctx, id) })
	c.Aliases = []string{"delete"}
	return c
}

func (a *app) runsRestore() *cobra.Command {
	return a.runAction("restore RUN...", "Restore deleted runs",
		`  mlite runs restore lgbm_smote`, "restored", run.Deleted,
		func(ctx context.Context, id run.ID) error { return a.db.RestoreRun(ctx, id) })
}

func (a *app) runsPurge() *cobra.Command {
	return a.runAction("purge RUN...", "Delete deleted runs and all their data for good (then gc frees their artifacts)",
		`  mlite runs rm old_sweep && mlite runs purge old_sweep && mlite gc`, "purged", run.Deleted,
		func(ctx context.Context, id run.ID) error { return a.db.PurgeRun(ctx, id) })
}

func (a *app) runsTag() *cobra.Command {
	return tagCommand("tag RUN [KEY=VALUE...]", "Set or delete run tags",
		`  mlite runs tag lgbm_smote reviewed=yes
  mlite runs tag lgbm_smote --delete reviewed`,
		func(ctx context.Context, ref string) (*tagTarget, error) {
			db, r, err := a.openRun(ctx, ref)
			if err != nil {
				return nil, err
			}
			return &tagTarget{
				set:    func(k, v string) error { return db.SetRunTag(ctx, r.ID, k, v) },
				remove: func(k string) error { return db.DeleteRunTag(ctx, r.ID, k) },
				report: func(set, deleted int) error {
					r, err := db.GetRun(ctx, r.ID)
					if err != nil {
						return err
					}
					return a.done(r, "tagged run %s (%s): %d set, %d deleted", r.Name, r.ID, set, deleted)
				},
			}, nil
		})
}

func (a *app) runsChildren() *cobra.Command {
	c := command("children RUN", "List a run's child runs (a sweep's trials)",
		`  mlite runs children sweep_parent
  mlite runs children sweep_parent --csv`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, r, err := a.openRun(ctx, args[0])
			if err != nil {
				return err
			}
			kids, err := db.Children(ctx, r.ID)
			if err != nil {
				return err
			}
			return a.printRuns(kids)
		})
	csvOK(c)
	return c
}
