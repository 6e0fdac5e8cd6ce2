package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

func (a *app) gcCmd() *cobra.Command {
	var (
		dryRun bool
		grace  time.Duration
	)
	c := command("gc", "Delete artifact blobs no run or model version refers to",
		`  mlite gc --dry-run
  mlite runs purge old_sweep && mlite gc`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			stop := a.spin("collecting garbage")
			rep, err := db.GC(ctx, run.GCOptions{DryRun: dryRun, Grace: grace})
			stop()
			if err != nil {
				return err
			}
			if a.jsonOut {
				deleted := make([]string, 0, len(rep.Deleted))
				for _, d := range rep.Deleted {
					deleted = append(deleted, d.String())
				}
				return a.out.json(map[string]any{
					"dry_run": rep.DryRun, "blobs": rep.Blobs, "bytes": rep.Bytes, "deleted": deleted,
					"kept": rep.Kept, "kept_bytes": rep.KeptBytes, "young": rep.Young,
				})
			}
			verb := "deleted"
			if rep.DryRun {
				verb = "would delete"
			}
			a.out.printf("%s %d unreferenced blobs (%s); kept %d (%s)", verb, rep.Blobs, formatBytes(rep.Bytes), rep.Kept, formatBytes(rep.KeptBytes))
			if rep.Young > 0 {
				a.out.printf("; spared %d younger than the grace period", rep.Young)
			}
			a.out.printf("\n")
			return nil
		})
	c.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be deleted and delete nothing")
	c.Flags().DurationVar(&grace, "grace", 0, "spare unreferenced blobs younger than this (default 1h; negative: none)")
	return c
}

func (a *app) verifyCmd() *cobra.Command {
	return command("verify", "Re-hash every artifact blob something refers to and report missing or damaged ones",
		`  mlite verify
  mlite verify --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			var bar *progress
			rep, err := db.Verify(ctx, func(done, total int) {
				if bar == nil && done == 0 {
					bar = a.newProgress(int64(total), "verifying", false)
				}
				bar.set(int64(done))
			})
			bar.done()
			if err != nil {
				return err
			}
			if a.jsonOut {
				type problemJSON struct {
					Digest  string   `json:"digest"`
					Missing bool     `json:"missing"`
					Error   string   `json:"error"`
					Refs    []string `json:"refs"`
				}
				probs := []problemJSON{}
				for _, p := range rep.Problems {
					pj := problemJSON{Digest: p.Digest.String(), Missing: p.Missing, Refs: []string{}}
					if p.Err != nil {
						pj.Error = p.Err.Error()
					}
					for _, r := range p.Refs {
						pj.Refs = append(pj.Refs, r.String())
					}
					probs = append(probs, pj)
				}
				if err := a.out.json(map[string]any{"ok": rep.OK(), "blobs": rep.Blobs, "refs": rep.Refs, "bytes": rep.Bytes, "problems": probs}); err != nil {
					return err
				}
			} else {
				for _, p := range rep.Problems {
					a.out.printf("%s\n", a.out.paint(styleRed, p.String()))
				}
				a.out.printf("verified %d blobs (%s, %d references): %d problems\n", rep.Blobs, formatBytes(rep.Bytes), rep.Refs, len(rep.Problems))
			}
			if !rep.OK() {
				return &sentinelError{msg: fmt.Sprintf("verify found %d missing or damaged blobs", len(rep.Problems)), err: mlite.ErrCorrupt}
			}
			return nil
		})
}

func (a *app) compactCmd() *cobra.Command {
	return command("compact", "Rewrite the store file without free pages (after deleting many runs)",
		`  mlite runs purge old_sweep && mlite compact`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			stop := a.spin("compacting")
			before, after, err := db.Compact(ctx)
			if err != nil {
				stop()
				return err
			}
			// Artifacts stored raw at logging, to compress later.
			rep, err := db.CompressArtifacts(ctx)
			stop()
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(map[string]any{"before_bytes": before, "after_bytes": after,
					"artifacts_compressed": rep.Compressed, "artifacts_before_bytes": rep.Before, "artifacts_after_bytes": rep.After})
			}
			a.out.printf("compacted %s: %s -> %s\n", db.Path(), formatBytes(before), formatBytes(after))
			if rep.Compressed > 0 {
				a.out.printf("compressed %d artifacts: %s -> %s\n", rep.Compressed, formatBytes(rep.Before), formatBytes(rep.After))
			}
			return nil
		})
}

func (a *app) checkCmd() *cobra.Command {
	c := command("check", "Check the store file's integrity: pages, records, indexes, metric chunks",
		`  mlite check
  mlite check --db credit.mlite --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			stop := a.spin("checking")
			probs, err := db.Check(ctx)
			if err != nil {
				stop()
				return err
			}
			// Raw artifacts awaiting compression, lost marks included, as
			// a compression pass with a rescan finds them: space, not a
			// problem.
			backlog, err := db.ArtifactBacklog(ctx)
			stop()
			if err != nil {
				return err
			}
			if a.jsonOut {
				type problemJSON struct {
					Where string `json:"where"`
					What  string `json:"what"`
				}
				js := []problemJSON{}
				for _, p := range probs {
					js = append(js, problemJSON{p.Where, p.What})
				}
				if err := a.out.json(map[string]any{"ok": len(probs) == 0, "problems": js,
					"format_version":           db.FormatVersion(),
					"artifacts_pending":        backlog.Pending,
					"artifacts_pending_bytes":  backlog.PendingBytes,
					"artifacts_unmarked":       backlog.Unmarked,
					"artifacts_unmarked_bytes": backlog.UnmarkedBytes}); err != nil {
					return err
				}
			} else {
				for _, p := range probs {
					a.out.printf("%s\n", a.out.paint(styleRed, p.String()))
				}
				if len(probs) == 0 {
					a.out.printf("%s: ok\n", db.Path())
				}
				if n := backlog.Pending + backlog.Unmarked; n > 0 {
					a.out.printf("%d artifact blobs stored raw await compression (%s, %d of them with a lost mark); mlite compact compresses them\n",
						n, formatBytes(backlog.PendingBytes+backlog.UnmarkedBytes), backlog.Unmarked)
				}
			}
			if len(probs) > 0 {
				return &sentinelError{msg: fmt.Sprintf("check found %d problems in %s", len(probs), db.Path()), err: mlite.ErrCorrupt}
			}
			return nil
		})
	c.Long = `Check walks the whole store file and reports every inconsistency: pages,
records, indexes, metric chunks. It also counts the artifact blobs stored raw
that await compression (by the background pass of a process that logs
artifacts, or mlite compact), those whose mark was lost in a crash
included: space, not a problem. With --json it prints {"ok", "problems",
"format_version", "artifacts_pending", "artifacts_unmarked" and their
"_bytes"}: the file's format version (docs/format.md). It exits 5 when it
finds a problem.`
	return c
}
