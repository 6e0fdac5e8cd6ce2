// Command goapi prints, as JSON, what mlite's Go API reads in a store:
// every run with every point of every metric, and every version of every
// registered model. mlite-mlflow's tests (test_workflows.py) run it on the
// files the Python client wrote through the mlite: tracking URI.
//
//	go run ./python/tests/goapi FILE
//
// It imports the front door mlite and the read API of run and registry,
// as a user's program would; nothing imports it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

type point struct {
	Step  int64   `json:"step"`
	Value float64 `json:"value"`
}

type runOut struct {
	RunID   string             `json:"run_id"`
	Name    string             `json:"run_name"`
	Status  string             `json:"status"`
	Metrics map[string][]point `json:"metrics"`
}

type versionOut struct {
	Version int64  `json:"version"`
	Stage   string `json:"current_stage"`
	RunID   string `json:"run_id"`
	ModelID string `json:"model_id,omitempty"`
}

type out struct {
	Runs   []runOut                `json:"runs"`
	Models map[string][]versionOut `json:"models"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goapi FILE")
		os.Exit(2)
	}
	if err := dump(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "goapi:", err)
		os.Exit(1)
	}
}

func dump(ctx context.Context, path string) error {
	db, err := mlite.OpenContext(ctx, path, &mlite.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	o := out{Runs: []runOut{}, Models: map[string][]versionOut{}}
	opts := run.SearchOptions{View: run.All, MaxResults: run.MaxResultsLimit}
	for {
		page, err := db.SearchRuns(ctx, opts)
		if err != nil {
			return err
		}
		for _, r := range page.Runs {
			ro := runOut{RunID: r.ID.String(), Name: r.Name, Status: r.Status.String(), Metrics: map[string][]point{}}
			keys := make([]string, 0, len(r.Metrics))
			for k := range r.Metrics {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				pts, err := db.MetricHistory(ctx, r.ID, k, run.AllSteps)
				if err != nil {
					return err
				}
				for _, p := range pts {
					ro.Metrics[k] = append(ro.Metrics[k], point{p.Step, p.Value})
				}
			}
			o.Runs = append(o.Runs, ro)
		}
		if page.NextPageToken == "" {
			break
		}
		opts.PageToken = page.NextPageToken
	}
	reg := db.Registry()
	models, _, err := reg.SearchModels(ctx, registry.SearchOptions{MaxResults: registry.MaxSearchModels})
	if err != nil {
		return err
	}
	for _, m := range models {
		vs, err := reg.Versions(ctx, m.Name)
		if err != nil {
			return err
		}
		for _, v := range vs {
			vo := versionOut{Version: v.Version, Stage: v.Stage.String(), RunID: v.RunID}
			if v.ModelID != (run.ModelID{}) {
				vo.ModelID = v.ModelID.String()
			}
			o.Models[m.Name] = append(o.Models[m.Name], vo)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}
