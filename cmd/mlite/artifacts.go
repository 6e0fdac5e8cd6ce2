package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

func (a *app) artifactsLs() *cobra.Command {
	var recursive bool
	c := command("ls RUN [PATH]", "List a run's artifacts (one folder level, or all files with -r)",
		`  mlite artifacts ls lgbm_smote
  mlite artifacts ls lgbm_smote model -r`,
		cobra.RangeArgs(1, 2), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, r, dir, err := a.openRunPath(ctx, args)
			if err != nil {
				return err
			}
			files, err := db.ListArtifacts(ctx, r.ID, dir, recursive)
			if err != nil {
				return err
			}
			var js []fileInfoJSON
			for _, f := range files {
				j := fileInfoJSON{Path: f.Path, IsDir: f.IsDir, FileSize: f.Size}
				if !f.IsDir {
					j.Digest = f.Digest.String()
				}
				js = append(js, j)
			}
			switch {
			case a.jsonOut:
				if js == nil {
					js = []fileInfoJSON{}
				}
				return a.out.json(js)
			case a.csvOut:
				var rows [][]string
				for _, j := range js {
					rows = append(rows, []string{j.Path, strconv.FormatBool(j.IsDir), strconv.FormatInt(j.FileSize, 10), j.Digest})
				}
				return a.out.csv([]string{"path", "is_dir", "file_size", "digest"}, rows)
			}
			if len(files) == 0 {
				fmt.Fprintf(a.stderr, "mlite: no artifacts under %q\n", "/"+dir)
				return nil
			}
			t := &table{header: []string{"PATH", "SIZE"}}
			for _, f := range files {
				if f.IsDir {
					t.add(f.Path+"/", "-")
				} else {
					t.add(f.Path, formatBytes(f.Size))
				}
			}
			a.out.table(t)
			return nil
		})
	csvOK(c)
	c.Flags().BoolVarP(&recursive, "recursive", "r", false, "every file below PATH")
	return c
}

// artifactFiles returns the files p names in run id: the file itself, or
// every file below the folder p.
func artifactFiles(ctx context.Context, db *mlite.DB, id run.ID, p string) ([]run.FileInfo, error) {
	files, err := db.ListArtifacts(ctx, id, p, true)
	if err != nil || len(files) > 0 {
		return files, err
	}
	clean := strings.Trim(p, "/")
	if clean != "" {
		parent := path.Dir(clean)
		if parent == "." {
			parent = ""
		}
		entries, err := db.ListArtifacts(ctx, id, parent, false)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Path == clean && !e.IsDir {
				return []run.FileInfo{e}, nil
			}
		}
	}
	return nil, &sentinelError{msg: fmt.Sprintf("run has no artifact %q", p), err: mlite.ErrNotFound}
}

func (a *app) artifactsGet() *cobra.Command {
	var out string
	c := command("get RUN [PATH]", "Download a run's artifact file or folder (all of them without PATH)",
		`  mlite artifacts get lgbm_smote model -o ./downloads
  mlite artifacts get lgbm_smote plots/roc.png`,
		cobra.RangeArgs(1, 2), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, r, p, err := a.openRunPath(ctx, args)
			if err != nil {
				return err
			}
			files, err := artifactFiles(ctx, db, r.ID, p)
			if err != nil {
				return err
			}
			var total int64
			for _, f := range files {
				total += f.Size
			}
			stop := a.watchDownload(out, files, total)
			local, err := db.DownloadArtifacts(ctx, r.ID, p, out)
			stop()
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(map[string]any{"run_id": r.ID.String(), "path": p, "local_path": local, "files": len(files), "bytes": total})
			}
			a.out.printf("downloaded %d files (%s) to %s\n", len(files), formatBytes(total), local)
			return nil
		})
	c.Flags().StringVarP(&out, "output", "o", ".", "the local folder to download into")
	return c
}

// watchDownload shows a progress bar of a download into dst on a terminal,
// by watching the files appear (the library writes each under a temporary
// name and renames it into place). stop ends it.
func (a *app) watchDownload(dst string, files []run.FileInfo, total int64) (stop func()) {
	bar := a.newProgress(total, "downloading", true)
	if bar == nil {
		return func() {}
	}
	start := time.Now()
	measure := func() int64 {
		var n int64
		dirs := map[string]bool{}
		for _, f := range files {
			local := filepath.Join(dst, filepath.FromSlash(f.Path))
			dirs[filepath.Dir(local)] = true
			if fi, err := os.Stat(local); err == nil && !fi.ModTime().Before(start.Add(-time.Second)) {
				n += fi.Size()
			}
		}
		for d := range dirs {
			tmps, _ := filepath.Glob(filepath.Join(d, ".mlite-download-*.tmp"))
			for _, t := range tmps {
				if fi, err := os.Stat(t); err == nil {
					n += fi.Size()
				}
			}
		}
		return min(n, total)
	}
	return bar.every(150*time.Millisecond, func() { bar.set(measure()) })
}

func (a *app) artifactsLog() *cobra.Command {
	var dir string
	c := command("log RUN FILE...", "Upload local files or folders as a run's artifacts",
		`  mlite artifacts log lgbm_smote roc.png confusion.png --path plots
  mlite artifacts log lgbm_smote ./model        # the folder's files under model/`,
		cobra.MinimumNArgs(2), func(ctx context.Context, c *cobra.Command, args []string) error {
			var total int64
			infos := make([]fs.FileInfo, 0, len(args)-1)
			for _, f := range args[1:] {
				fi, err := os.Stat(f)
				if err != nil {
					return err
				}
				if !fi.IsDir() {
					total += fi.Size()
				}
				infos = append(infos, fi)
			}
			db, r, err := a.openRun(ctx, args[0])
			if err != nil {
				return err
			}
			bar := a.newProgress(total, "uploading", true)
			defer bar.done()
			var logged []string
			for i, f := range args[1:] {
				name := path.Join(dir, infos[i].Name())
				switch {
				case infos[i].IsDir():
					stop := a.spin("uploading " + f)
					err = db.LogArtifacts(ctx, r.ID, f, name)
					stop()
				case bar != nil:
					// On a terminal the bytes are counted as they stream.
					err = a.logWithProgress(ctx, db, r.ID, f, name, bar)
				default:
					err = db.LogArtifact(ctx, r.ID, f, dir)
				}
				if err != nil {
					return err
				}
				logged = append(logged, name)
			}
			bar.done()
			if a.jsonOut {
				return a.out.json(map[string]any{"run_id": r.ID.String(), "paths": logged})
			}
			for _, p := range logged {
				a.out.printf("logged %s to run %s (%s)\n", p, r.Name, r.ID)
			}
			return nil
		})
	c.Flags().StringVar(&dir, "path", "", "the artifact folder to put them in (default: the root)")
	return c
}

// logWithProgress streams a local file into the run, counting its bytes on
// the bar.
func (a *app) logWithProgress(ctx context.Context, db *mlite.DB, id run.ID, local, name string, bar *progress) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	return db.LogReader(ctx, id, bar.reader(f), name)
}
