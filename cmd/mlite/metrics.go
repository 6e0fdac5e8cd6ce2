package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// noMetric is the error for a run without metric key.
func noMetric(r *run.Record, key string) error {
	return &sentinelError{msg: fmt.Sprintf("run %s (%s) has no metric %q", r.Name, r.ID, key), err: mlite.ErrNotFound}
}

func (a *app) metricsHistory() *cobra.Command {
	c := command("history RUN KEY", "Print every point of a run's metric: step, value, timestamp",
		`  mlite metrics history lgbm_smote val_loss
  mlite metrics history lgbm_smote val_loss --csv > val_loss.csv`,
		cobra.ExactArgs(2), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, r, err := a.openRun(ctx, args[0])
			if err != nil {
				return err
			}
			key := args[1]
			if r.Metrics[key] == nil {
				return noMetric(r, key)
			}
			pts, err := db.MetricHistory(ctx, r.ID, key, run.AllSteps)
			if err != nil {
				return err
			}
			switch {
			case a.jsonOut:
				js := make([]metricPointJSON, 0, len(pts))
				for _, p := range pts {
					js = append(js, metricPointJSON{key, jsonFloat(p.Value), p.Time, p.Step})
				}
				return a.out.json(js)
			case a.csvOut:
				rows := make([][]string, 0, len(pts))
				for _, p := range pts {
					rows = append(rows, []string{strconv.FormatInt(p.Step, 10), csvValue(jsonFloat(p.Value)), strconv.FormatInt(p.Time, 10)})
				}
				return a.out.csv([]string{"step", "value", "timestamp"}, rows)
			}
			t := &table{header: []string{"STEP", "VALUE", "TIME"}}
			for _, p := range pts {
				t.add(strconv.FormatInt(p.Step, 10), strconv.FormatFloat(p.Value, 'g', -1, 64), formatTime(p.Time))
			}
			a.out.table(t)
			return nil
		})
	csvOK(c)
	return c
}

func (a *app) metricsPlot() *cobra.Command {
	var (
		png    string
		width  int
		height int
	)
	c := command("plot RUN KEY [RUN...]", "Plot a metric of one or more runs: a sparkline, or a PNG chart with --png",
		`  mlite metrics plot lgbm_smote val_loss
  mlite metrics plot lgbm_smote val_loss rf_baseline logreg
  mlite metrics plot lgbm_smote val_loss rf_baseline --png val_loss.png`,
		cobra.MinimumNArgs(2), func(ctx context.Context, c *cobra.Command, args []string) error {
			if width < 8 || height < 8 || width > 10000 || height > 10000 {
				return usagef("--width and --height: want 8 to 10000")
			}
			key := args[1]
			names := append([]string{args[0]}, args[2:]...)
			db, runs, err := a.openRuns(ctx, names, run.Active)
			if err != nil {
				return err
			}
			ids := make([]run.ID, 0, len(runs))
			for _, r := range runs {
				if r.Metrics[key] == nil {
					return noMetric(r, key)
				}
				ids = append(ids, r.ID)
			}
			n := width
			if png == "" && !c.Flags().Changed("width") {
				n = 40
			}
			pts, err := db.Downsample(ctx, ids, key, run.AllSteps, n)
			if err != nil {
				return err
			}
			series := make([]plotSeries, len(runs))
			labels := columnNames(runs)
			for i, r := range runs {
				series[i] = plotSeries{Name: labels[i], Points: pts[r.ID]}
			}
			if png != "" {
				if err := writeChart(png, key, series, width, height); err != nil {
					return err
				}
				if a.jsonOut {
					return a.out.json(map[string]any{"file": png, "width": width, "height": height, "key": key})
				}
				a.out.printf("wrote %s (%dx%d, %s of %d runs)\n", png, width, height, key, len(runs))
				return nil
			}
			return a.printSparklines(runs, key, series, n)
		})
	csvOK(c)
	f := c.Flags()
	f.StringVar(&png, "png", "", "write a PNG line chart to this file instead")
	f.IntVar(&width, "width", 800, "chart width in pixels (with --png) or sparkline width in characters (default 40)")
	f.IntVar(&height, "height", 480, "chart height in pixels (with --png)")
	return c
}

// printSparklines prints one sparkline per run on a shared scale, with the
// series' first, last, lowest and highest values.
func (a *app) printSparklines(runs []*run.Record, key string, series []plotSeries, width int) error {
	if a.jsonOut {
		type runPoints struct {
			RunID   string            `json:"run_id"`
			RunName string            `json:"run_name"`
			Points  []metricPointJSON `json:"points"`
		}
		out := struct {
			Key  string      `json:"key"`
			Runs []runPoints `json:"runs"`
		}{Key: key}
		for i, r := range runs {
			rp := runPoints{RunID: r.ID.String(), RunName: r.Name, Points: []metricPointJSON{}}
			for _, p := range series[i].Points {
				rp.Points = append(rp.Points, metricPointJSON{key, jsonFloat(p.Value), p.Time, p.Step})
			}
			out.Runs = append(out.Runs, rp)
		}
		return a.out.json(out)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.Points {
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
			}
		}
	}
	t := &table{header: []string{"RUN", key, "FIRST", "LAST", "MIN", "MAX", "POINTS"}, minWidth: width}
	var rows [][]string
	for i, r := range runs {
		s := r.Metrics[key]
		pts := series[i].Points
		first := math.NaN()
		if len(pts) > 0 {
			first = pts[0].Value
		}
		row := []string{series[i].Name, sparkline(pts, width, lo, hi), formatFloat(first), formatFloat(s.Latest.Value),
			formatFloat(s.Min), formatFloat(s.Max), strconv.FormatUint(s.Count, 10)}
		t.add(row...)
		rows = append(rows, row)
	}
	if a.csvOut {
		return a.out.csv([]string{"run_name", "sparkline", "first", "last", "min", "max", "points"}, rows)
	}
	a.out.table(t)
	return nil
}

// sparkBlocks are the eight heights of a sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws pts (ordered by step) as at most width block characters
// scaled between lo and hi: each character is the mean of its share of the
// points; NaN and infinite values leave a blank.
func sparkline(pts []run.Point, width int, lo, hi float64) string {
	if len(pts) == 0 || width <= 0 {
		return ""
	}
	cols := min(width, len(pts))
	var b strings.Builder
	for c := range cols {
		from, to := c*len(pts)/cols, (c+1)*len(pts)/cols
		sum, n := 0.0, 0
		for _, p := range pts[from:to] {
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				sum += p.Value
				n++
			}
		}
		if n == 0 {
			b.WriteRune(' ')
			continue
		}
		v := sum / float64(n)
		i := 0
		if hi > lo {
			i = int(math.Round((v - lo) / (hi - lo) * float64(len(sparkBlocks)-1)))
			i = max(0, min(i, len(sparkBlocks)-1))
		}
		b.WriteRune(sparkBlocks[i])
	}
	return b.String()
}

// writeChart draws the chart and writes it to path.
func writeChart(path, title string, series []plotSeries, width, height int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := drawChart(f, title, series, width, height); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
