package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/run"
)

// cmpRow is one line of a side-by-side comparison: a field and its value
// in each run.
type cmpRow struct {
	Section string // "attributes", "params", "metrics" or "tags"
	Key     string
	Cells   []string // for tables
	Values  []any    // for JSON: string, jsonFloat or nil when missing
	Differs bool
}

// compareRows lays runs side by side: a few attributes, every param, every
// latest metric and, withTags, every tag; rows whose values differ are
// marked.
func compareRows(runs []*run.Record, withTags bool) []cmpRow {
	var rows []cmpRow
	addRow := func(section, key string, get func(r *run.Record) (string, any, bool)) {
		row := cmpRow{Section: section, Key: key}
		for i, r := range runs {
			cell, v, ok := get(r)
			if !ok {
				cell, v = "-", nil
			}
			row.Cells = append(row.Cells, cell)
			row.Values = append(row.Values, v)
			if i > 0 && !sameValue(row.Values[0], v) {
				row.Differs = true
			}
		}
		rows = append(rows, row)
	}
	addRow("attributes", "status", func(r *run.Record) (string, any, bool) { return r.Status.String(), r.Status.String(), true })
	addRow("attributes", "start_time", func(r *run.Record) (string, any, bool) {
		return formatTime(r.StartTime), r.StartTime, true
	})
	addRow("attributes", "duration", func(r *run.Record) (string, any, bool) {
		d := runDuration(r)
		return formatDuration(d), d.Milliseconds(), d >= 0
	})
	// start_time always differs; it is context, not a difference.
	rows[1].Differs = false
	params, metrics := runKeys(runs)
	for _, k := range params {
		addRow("params", k, func(r *run.Record) (string, any, bool) {
			v, ok := r.Params[k]
			return v, v, ok
		})
	}
	for _, k := range metrics {
		addRow("metrics", k, func(r *run.Record) (string, any, bool) {
			s, ok := r.Metrics[k]
			if !ok {
				return "", nil, false
			}
			return formatFloat(s.Latest.Value), jsonFloat(s.Latest.Value), true
		})
	}
	if withTags {
		tags := map[string]bool{}
		for _, r := range runs {
			for k := range r.Tags {
				tags[k] = true
			}
		}
		for _, k := range sortedKeys(tags) {
			addRow("tags", k, func(r *run.Record) (string, any, bool) {
				v, ok := r.Tags[k]
				return v, v, ok
			})
		}
	}
	return rows
}

// sameValue compares two cells' values; NaN equals NaN here (the same
// value logged twice is no difference).
func sameValue(a, b any) bool {
	fa, aok := a.(jsonFloat)
	fb, bok := b.(jsonFloat)
	if aok && bok && math.IsNaN(float64(fa)) && math.IsNaN(float64(fb)) {
		return true
	}
	return a == b
}

// printComparison prints rows as a table (differing rows marked with '*'),
// CSV or JSON.
func (a *app) printComparison(runs []*run.Record, rows []cmpRow, changedOnly bool) error {
	if changedOnly {
		kept := rows[:0]
		for _, r := range rows {
			if r.Differs {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	names := columnNames(runs)
	if a.jsonOut {
		type runRef struct {
			RunID   string `json:"run_id"`
			RunName string `json:"run_name"`
		}
		type rowJSON struct {
			Section string `json:"section"`
			Key     string `json:"key"`
			Values  []any  `json:"values"`
			Differs bool   `json:"differs"`
		}
		out := struct {
			Runs []runRef  `json:"runs"`
			Rows []rowJSON `json:"rows"`
		}{Runs: []runRef{}, Rows: []rowJSON{}}
		for _, r := range runs {
			out.Runs = append(out.Runs, runRef{r.ID.String(), r.Name})
		}
		for _, r := range rows {
			out.Rows = append(out.Rows, rowJSON{r.Section, r.Key, r.Values, r.Differs})
		}
		return a.out.json(out)
	}
	if a.csvOut {
		header := append([]string{"section", "key", "differs"}, names...)
		var out [][]string
		for _, r := range rows {
			d := "false"
			if r.Differs {
				d = "true"
			}
			line := []string{r.Section, r.Key, d}
			for _, v := range r.Values {
				line = append(line, csvValue(v))
			}
			out = append(out, line)
		}
		return a.out.csv(header, out)
	}
	t := &table{header: append([]string{"", "KEY"}, names...), minWidth: 8}
	for _, r := range rows {
		mark, style := " ", ""
		if r.Differs {
			mark, style = "*", styleYellow
		}
		key := r.Key
		if r.Section != "attributes" {
			key = r.Section + "." + r.Key
		}
		t.addStyled(style, append([]string{mark, key}, r.Cells...)...)
	}
	a.out.table(t)
	return nil
}

// csvValue renders a comparison value exactly, "" when missing.
func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case jsonFloat:
		b, _ := v.MarshalJSON()
		return strings.Trim(string(b), `"`)
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(v)
}

// columnNames names runs for table columns: their names, with the start of
// the id added when two share a name.
func columnNames(runs []*run.Record) []string {
	count := map[string]int{}
	for _, r := range runs {
		count[r.Name]++
	}
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = r.Name
		if count[r.Name] > 1 || r.Name == "" {
			names[i] = r.Name + " (" + r.ID.String()[:8] + ")"
		}
	}
	return names
}

func (a *app) runsDiff() *cobra.Command {
	return a.compareCommand("diff RUN RUN", "Show two runs' params, tags and latest metrics side by side, differences marked",
		`  mlite runs diff lgbm_smote rf_baseline
  mlite runs diff lgbm_smote rf_baseline --changed
  mlite runs diff lgbm_smote rf_baseline --json`,
		cobra.ExactArgs(2), nil)
}

func (a *app) runsCompare() *cobra.Command {
	var tags bool
	c := a.compareCommand("compare RUN...", "Compare runs in one wide table: a column per run, a row per param and metric",
		`  mlite runs compare lgbm_smote rf_baseline logreg
  mlite runs compare lgbm_smote rf_baseline logreg --changed --csv`,
		cobra.MinimumNArgs(1), &tags)
	c.Flags().BoolVar(&tags, "tags", false, "add a row per tag")
	return c
}

// compareCommand is a command that prints the runs its arguments name side
// by side (printComparison), with --changed; tags, when not nil, says
// whether tags get rows (else they always do).
func (a *app) compareCommand(use, short, example string, args cobra.PositionalArgs, tags *bool) *cobra.Command {
	var changed bool
	c := command(use, short, example, args, func(ctx context.Context, c *cobra.Command, args []string) error {
		_, runs, err := a.openRuns(ctx, args, run.Active)
		if err != nil {
			return err
		}
		return a.printComparison(runs, compareRows(runs, tags == nil || *tags), changed)
	})
	csvOK(c)
	c.Flags().BoolVar(&changed, "changed", false, "only the rows that differ")
	return c
}
