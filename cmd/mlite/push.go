package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/transfer"
)

func (a *app) pushCmd() *cobra.Command {
	var (
		to          string
		o           transfer.Options
		since       string
		dryRun      bool
		concurrency int
		writers     int
	)
	c := command("push --to URL", "Copy the store's experiments, runs, artifacts and models to an MLflow tracking server",
		`  mlite push --to http://mlflow.example.internal:5000
  mlite push --to $MLFLOW_TRACKING_URI --experiment credit_default_prediction --dry-run
  mlite push --to https://mlflow.team --since 2026-12-01 --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			if to == "" {
				return usagef("--to URL: the MLflow tracking server to push to")
			}
			if since != "" {
				t, err := parseSince(since)
				if err != nil {
					return usagef("--since %q: %v", since, err)
				}
				o.Since = t
			}
			o.DryRun, o.Concurrency, o.Writers = dryRun, concurrency, writers
			transfer.CredentialsFromEnv(&o)
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			return runTransfer(a, "push", &o.Progress, func() (*transfer.Report, error) {
				return transfer.Push(ctx, db.Tracker, db.Registry(), to, &o)
			}, printPushReport)
		})
	f := c.Flags()
	f.StringVar(&to, "to", "", "the MLflow tracking server's URL (http or https)")
	f.StringSliceVar(&o.Experiments, "experiment", nil, "push only these experiments (names or ids; repeatable)")
	f.StringSliceVar(&o.Runs, "run", nil, "push only these runs (ids; repeatable)")
	f.StringSliceVar(&o.Models, "model", nil, "push only these registered models (repeatable)")
	f.StringVar(&since, "since", "", "push only runs started or ended since this time (2026-12-01, RFC 3339, or a duration such as 24h)")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be sent, send nothing and record nothing")
	f.IntVar(&concurrency, "concurrency", 8, "requests in flight at once")
	f.IntVar(&writers, "writers", 2, "of those, requests writing the server's database (its SQLite takes one writer at a time)")
	return c
}

// parseSince reads a date, an RFC 3339 time or a duration back from now.
func parseSince(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date (2026-12-01), an RFC 3339 time or a duration (24h)")
}

func printPushReport(a *app, _ string, r *transfer.Report) {
	verb := "pushed to"
	if r.DryRun {
		verb = "would push to"
	}
	a.out.printf("%s %s: %d experiments and %d runs created, %d runs updated; %d params, %d tags, %d inputs, %d metric points, %d artifacts (%d bytes); %d logged models created, %d updated; %d models and %d versions created, %d registry changes; %d tags and aliases deleted\n",
		verb, r.Remote, r.Experiments, r.Runs, r.RunsUpdated, r.Params, r.Tags, r.Inputs, r.Points, r.Artifacts, r.Bytes, r.LoggedModels, r.LoggedUpdated, r.Models, r.Versions, r.Registry, r.Deleted)
	for _, s := range r.Skipped {
		a.out.printf("skipped: %s\n", s)
	}
	if !r.DryRun {
		a.out.printf("%d requests (%d writes, %d retried) in %s\n", r.Reads+r.Writes, r.Writes, r.Retries, r.Elapsed.Round(time.Millisecond))
	}
}

func (a *app) importCmd() *cobra.Command {
	var (
		o      transfer.ImportOptions
		from   string
		dryRun bool
	)
	c := command("import --from SRC", "Copy runs and models from an MLflow tracking server or an mlruns/ folder into the store",
		`  mlite import --from http://mlflow.example.internal:5000 --db team.mlite
  mlite import --from ./mlruns --dry-run`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			if from == "" {
				return usagef("--from SRC: an MLflow server's URL or an mlruns/ folder")
			}
			e := transfer.CredentialsFromEnv(&transfer.Options{})
			o.Token, o.Username, o.Password, o.InsecureTLS = e.Token, e.Username, e.Password, e.InsecureTLS
			o.DryRun = dryRun
			db, err := a.open(ctx, !dryRun)
			if err != nil {
				return err
			}
			return runTransfer(a, "import", &o.Progress, func() (*transfer.ImportReport, error) {
				return transfer.Import(ctx, db.Tracker, db.Registry(), from, &o)
			}, printImportReport)
		})
	c.Flags().StringVar(&from, "from", "", "an MLflow tracking server's URL, or an mlruns/ folder MLflow's file store wrote")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be written, write nothing")
	return c
}

func printImportReport(a *app, verb string, r *transfer.ImportReport) {
	done := verb + "ed from"
	if verb == "merge" {
		done = "merged from"
	}
	if r.DryRun {
		done = "would " + verb + " from"
	}
	a.out.printf("%s %s: %d experiments and %d runs created, %d runs updated; %d metric points, %d artifacts (%d bytes); %d logged models created, %d updated; %d models and %d versions created, %d registry changes\n",
		done, r.Source, r.Experiments, r.Runs, r.RunsUpdated, r.Points, r.Artifacts, r.Bytes, r.LoggedModels, r.LoggedUpdated, r.Models, r.Versions, r.Registry)
	for _, s := range r.Skipped {
		a.out.printf("skipped: %s\n", s)
	}
}

func (a *app) mergeCmd() *cobra.Command {
	var o transfer.ImportOptions
	c := command("merge OTHER.mlite", "Merge another store into this one: its runs, metrics, artifacts and models, idempotently",
		`  mlite merge laptop2.mlite --db team.mlite
  mlite merge ci-run.mlite --dry-run
  mlite merge ci-run.mlite --renumber-conflicts`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			other, err := mlite.Open(args[0], &mlite.Options{ReadOnly: true, NoCapture: true})
			if err != nil {
				return err
			}
			defer other.Close()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			if db.Path() == other.Path() {
				return usagef("%s: a store cannot be merged into itself", args[0])
			}
			return runTransfer(a, "merge", &o.Progress, func() (*transfer.ImportReport, error) {
				return transfer.Merge(ctx, db.Tracker, db.Registry(), other.Tracker, other.Registry(), &o)
			}, printImportReport)
		})
	c.Flags().BoolVar(&o.DryRun, "dry-run", false, "say what would be written, write nothing")
	c.Flags().BoolVar(&o.RenumberConflicts, "renumber-conflicts", false, "add a model version whose number is taken here by another run's version under the model's next number (default: report it and leave it out)")
	return c
}

// transferBars shows a progress bar per phase of a push, import or merge.
type transferBars struct {
	a     *app
	verb  string
	phase string
	bar   *progress
}

func (a *app) transferBars(verb string) *transferBars { return &transferBars{a: a, verb: verb} }

func (b *transferBars) show(p transfer.Progress) {
	if p.Phase != b.phase {
		b.bar.done()
		b.phase = p.Phase
		b.bar = b.a.newProgress(p.Total, b.verb+" "+p.Phase, false)
	}
	b.bar.set(p.Done)
}

func (b *transferBars) done() { b.bar.done() }

// runTransfer runs one push, import or merge (verb) with a progress bar
// per phase (progress is the option do's call reads), then prints its
// report as JSON or for people (human) and returns its error (or the
// printing's error when it has none).
func runTransfer[R any](a *app, verb string, progress *func(transfer.Progress), do func() (*R, error), human func(*app, string, *R)) error {
	bars := a.transferBars(verb)
	*progress = bars.show
	rep, err := do()
	bars.done()
	if rep == nil {
		return err
	}
	if !a.jsonOut {
		human(a, verb, rep)
		return err
	}
	if jerr := a.out.json(rep); err == nil {
		err = jerr
	}
	return err
}
