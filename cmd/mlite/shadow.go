package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/serving"
	"github.com/mlite/mlite/shadow"
)

// startShadow starts the shadow scoring of sh beside primary, recorded by
// package shadow; stop ends it.
func (a *app) startShadow(ctx context.Context, db *mlite.DB, primary, sh *serving.Model, sample float64) (*serving.Shadow, func() error, error) {
	s, r, stop, err := shadow.Start(ctx, db, primary, sh, sample)
	if err != nil {
		return nil, nil, err
	}
	a.out.printf("mlite: shadowing with %s, recorded in run %s (experiment %s)\n", sh.URI, r.ID(), shadow.Experiment)
	return s, stop, nil
}

// registerShadowChecks registers the shadow checks model name's gates
// require (see shadow.RegisterChecks).
func registerShadowChecks(ctx context.Context, db *mlite.DB, name string) error {
	err := shadow.RegisterChecks(ctx, db.Tracker, db.Registry(), name)
	if err != nil {
		return &usageError{err: err}
	}
	return nil
}

func (a *app) modelsShadowReport() *cobra.Command {
	var runID string
	c := command("shadow-report NAME", "Summarize a shadow deployment: requests, agreement, score drift and latency percentiles",
		`  mlite models shadow-report CreditDefaultModel
  mlite models shadow-report CreditDefaultModel --run <run_id> --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			var rec *run.Record
			if runID != "" {
				id, err := run.ParseID(runID)
				if err != nil {
					return usagef("--run %s: %v", runID, err)
				}
				if rec, err = db.GetRun(ctx, id); err != nil {
					return err
				}
			} else {
				runs, err := shadow.Runs(ctx, db.Tracker, args[0], 0, 1)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return fmt.Errorf("no shadow deployment of model %q recorded (serve it with --shadow): %w", args[0], mlite.ErrNotFound)
				}
				rec = runs[0]
			}
			st, err := shadow.Read(ctx, db.Tracker, rec)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(st)
			}
			t := &table{}
			t.add("Run", st.Run)
			t.add("Primary", st.Primary)
			t.add("Shadow", st.Shadow)
			t.add("Requests shadowed", strconv.Itoa(st.Requests))
			t.add("Shadow errors", strconv.Itoa(st.ShadowErrors))
			if st.Dropped != "" {
				t.add("Dropped (queue full)", st.Dropped)
			}
			t.add("Rows compared", strconv.Itoa(st.Rows))
			t.add("Agreement", fmt.Sprintf("%.4f%% (disagreement %.4f%%)", 100*(1-st.Disagreement), 100*st.Disagreement))
			t.add("Score drift", fmt.Sprintf("mean shadow - primary %.6g, mean |difference| %.6g", st.MeanDiff, st.MeanAbsDiff))
			t.add("Primary latency", fmt.Sprintf("p50 %.3f ms, p95 %.3f ms, p99 %.3f ms", st.PrimaryLatency[0], st.PrimaryLatency[1], st.PrimaryLatency[2]))
			t.add("Shadow latency", fmt.Sprintf("p50 %.3f ms, p95 %.3f ms, p99 %.3f ms", st.ShadowLatency[0], st.ShadowLatency[1], st.ShadowLatency[2]))
			a.out.table(t)
			return nil
		})
	c.Flags().StringVar(&runID, "run", "", "the shadow run to report (default: the model's latest)")
	return c
}
