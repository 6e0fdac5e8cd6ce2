package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/run"
)

// modelsLogged is `mlite models logged`: MLflow 3 logged models.
func (a *app) modelsLogged() *cobra.Command {
	return group("logged", nil, "MLflow 3 logged models (models:/m-<id>): what mlflow.<flavor>.log_model records",
		`  mlite models logged ls
  mlite models logged ls --experiment credit_default_prediction --filter "metrics.auc > 0.8"
  mlite models logged show m-3f2a...`,
		a.loggedLs(), a.loggedShow())
}

// shortStatus is "READY" for LOGGED_MODEL_READY.
func shortStatus(s run.ModelStatus) string { return strings.TrimPrefix(s.String(), "LOGGED_MODEL_") }

func (a *app) loggedLs() *cobra.Command {
	var (
		experiments []string
		filter      string
		runName     string
		maxN        int
	)
	c := command("ls", "List logged models, newest first",
		`  mlite models logged ls
  mlite models logged ls --experiment credit_default_prediction --json
  mlite models logged ls --run 4f1c... --filter "name = 'model'"`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			s := run.LoggedModelSearch{Filter: filter, MaxResults: maxN}
			if len(experiments) == 0 {
				xs, err := db.Experiments(ctx, run.ActiveOnly)
				if err != nil {
					return err
				}
				for _, x := range xs {
					s.ExperimentIDs = append(s.ExperimentIDs, x.ID)
				}
			}
			ids, err := experimentIDs(ctx, db, experiments)
			if err != nil {
				return err
			}
			s.ExperimentIDs = append(s.ExperimentIDs, ids...)
			if runName != "" {
				r, err := resolveRun(ctx, db, runName, run.Active)
				if err != nil {
					return err
				}
				clause := "source_run_id = " + quote(r.ID.String())
				if s.Filter != "" {
					clause += " AND " + s.Filter
				}
				s.Filter = clause
			}
			page, err := db.SearchLoggedModels(ctx, s)
			if err != nil {
				return err
			}
			if page.NextPageToken != "" {
				defer fmt.Fprintf(a.stderr, "mlite: more logged models match; showing the first %d (raise --max)\n", len(page.Models))
			}
			if a.jsonOut {
				js := make([]loggedModelJSON, 0, len(page.Models))
				for _, m := range page.Models {
					js = append(js, toLoggedModelJSON(m))
				}
				return a.out.json(js)
			}
			header := []string{"model_id", "name", "experiment_id", "status", "model_type", "source_run_id", "creation_timestamp_ms"}
			t := &table{header: []string{"MODEL ID", "NAME", "EXPERIMENT", "STATUS", "TYPE", "SOURCE RUN", "CREATED"}}
			var rows [][]string
			for _, m := range page.Models {
				t.add(m.ID.String(), m.Name, m.ExperimentID.String(), shortStatus(m.Status), dash(m.ModelType), dash(m.SourceRunID), formatTime(m.CreationTime))
				rows = append(rows, []string{m.ID.String(), m.Name, m.ExperimentID.String(), shortStatus(m.Status), m.ModelType, m.SourceRunID,
					strconv.FormatInt(m.CreationTime, 10)})
			}
			if a.csvOut {
				return a.out.csv(header, rows)
			}
			if len(page.Models) == 0 {
				fmt.Fprintln(a.stderr, "mlite: no logged models")
				return nil
			}
			a.out.table(t)
			return nil
		})
	listing(c)
	searchFlags(c, &experiments, &filter, "an experiment name or id (repeatable; default: every active one)",
		"a filter, e.g. \"metrics.auc > 0.8 AND params.C = '1.0'\"")
	f := c.Flags()
	f.StringVar(&runName, "run", "", "only models logged by this run (id or name)")
	f.IntVarP(&maxN, "max", "n", 100, "the most models to list")
	return c
}

func (a *app) loggedShow() *cobra.Command {
	return command("show MODEL_ID", "Show a logged model: status, params, tags, metrics and files",
		`  mlite models logged show m-3f2a...
  mlite models logged show models:/m-3f2a... --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			id, err := run.ParseModelID(strings.TrimPrefix(args[0], "models:/"))
			if err != nil {
				return err
			}
			m, err := db.GetLoggedModel(ctx, id)
			if err != nil {
				return err
			}
			files, err := db.ListModelArtifacts(ctx, id, "", true)
			remote := errors.Is(err, run.ErrRemoteArtifacts)
			if err != nil && !remote {
				return err
			}
			if a.jsonOut {
				return a.out.json(toLoggedModelJSON(m))
			}
			info := &table{}
			info.add("Model", m.ID.String())
			info.add("Name", m.Name)
			info.add("Experiment", m.ExperimentID.String())
			info.add("Status", shortStatus(m.Status))
			if m.Lifecycle != run.Active {
				info.add("Lifecycle", m.Lifecycle.String())
			}
			if m.ModelType != "" {
				info.add("Type", m.ModelType)
			}
			if m.SourceRunID != "" {
				info.add("Source run", m.SourceRunID)
			}
			info.add("URI", "models:/"+m.ID.String())
			if remote {
				info.add("Artifacts", m.ArtifactLocation+" (remote: mlite does not reach it)")
			}
			info.add("Created", formatTime(m.CreationTime))
			info.add("Updated", formatTime(m.LastUpdatedTime))
			for _, k := range sortedKeys(m.Tags) {
				info.add("Tag", k+"="+m.Tags[k])
			}
			for _, k := range sortedKeys(m.Params) {
				info.add("Param", k+"="+m.Params[k])
			}
			a.out.table(info)
			a.section("Metrics", len(m.Metrics))
			mt := &table{header: []string{"KEY", "VALUE", "STEP", "DATASET", "RUN"}}
			for _, x := range m.Metrics {
				ds := x.DatasetName
				if x.DatasetDigest != "" {
					ds += " (" + x.DatasetDigest + ")"
				}
				mt.add(x.Key, formatFloat(x.Value), strconv.FormatInt(x.Step, 10), dash(ds), dash(x.RunID))
			}
			a.printSection(mt)
			a.section("Files", len(files))
			ft := &table{header: []string{"PATH", "SIZE"}}
			for _, f := range files {
				ft.add(f.Path, formatBytes(f.Size))
			}
			a.printSection(ft)
			return nil
		})
}
