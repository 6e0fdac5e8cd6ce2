package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/report"
	"github.com/mlite/mlite/run"
)

func (a *app) reportCmd() *cobra.Command {
	var out, title string
	c := command("report RUN... | MODEL_URI", "Write one self-contained HTML file about a run, a comparison of runs or a model version",
		`  mlite report lgbm_smote -o lgbm.html
  mlite report lgbm_smote rf_baseline logreg_v2 -o sweep.html
  mlite report models:/CreditDefaultModel/Production -o champion.html`,
		cobra.MinimumNArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			opts := &report.Options{Title: title}
			var buf bytes.Buffer
			if strings.HasPrefix(args[0], "models:/") {
				if len(args) > 1 {
					return usagef("give one model URI, or runs to compare")
				}
				mv, err := db.Registry().Resolve(ctx, args[0])
				if err != nil {
					return err
				}
				err = report.Version(ctx, &buf, db.Tracker, db.Registry(), mv.Name, mv.Version, opts)
				if err != nil {
					return err
				}
			} else {
				runs, err := resolveRuns(ctx, db, args, run.Active)
				if err != nil {
					return err
				}
				ids := make([]run.ID, len(runs))
				for i, r := range runs {
					ids[i] = r.ID
				}
				if err := report.Runs(ctx, &buf, db.Tracker, ids, opts); err != nil {
					return err
				}
			}
			if out == "-" {
				_, err := a.stdout.Write(buf.Bytes())
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(map[string]any{"path": out, "bytes": buf.Len()})
			}
			a.out.printf("mlite: wrote %s (%d KiB); it opens in any browser, offline\n", out, (buf.Len()+1023)/1024)
			return nil
		})
	c.Long = `Report writes one HTML file that needs no server and no network: for a run,
its params, metrics with their charts, tags, datasets, code (git) and
previews of its images and text artifacts; for several runs, the same side by
side with the values that differ marked and every run's curve on one chart;
for a model version (models:/Name/3, /Production, @alias), the version, its
signature, lineage and history, and the report of its source run.`
	c.Flags().StringVarP(&out, "output", "o", "report.html", "the file to write ('-' for standard output)")
	c.Flags().StringVar(&title, "title", "", "the report's title (default: named after what it shows)")
	return c
}

// writeFileAtomic writes data to path through a temporary file beside it,
// so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
