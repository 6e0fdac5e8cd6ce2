package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/store"
)

// serverSource reads an MLflow tracking server through its REST API and
// its artifact proxy.
type serverSource struct{ c *mlflowclient.Client }

func newServerSource(u string, o *ImportOptions) (*serverSource, error) {
	c, err := mlflowclient.New(u, &mlflowclient.Options{Token: o.Token, Username: o.Username, Password: o.Password,
		InsecureTLS: o.InsecureTLS, MaxConns: o.Concurrency, HTTP: o.HTTP})
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return &serverSource{c: c}, nil
}

func (s *serverSource) counts() int64 { r, w, _ := s.c.Counts(); return r + w }

// i64 reads an int64 that MLflow's JSON spells as a number or a string.
type i64 int64

func (v *i64) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*v = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	*v = i64(n)
	return err
}

// f64 reads a float64 that MLflow's JSON may spell "NaN", "Infinity" or
// "-Infinity".
type f64 float64

func (v *f64) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(b, `"`)) {
	case "NaN":
		*v = f64(math.NaN())
	case "Infinity", "inf":
		*v = f64(math.Inf(1))
	case "-Infinity", "-inf":
		*v = f64(math.Inf(-1))
	default:
		f, err := strconv.ParseFloat(string(bytes.Trim(b, `"`)), 64)
		*v = f64(f)
		return err
	}
	return nil
}

// pages asks for every page of one MLflow search in turn: ask fetches the
// page that token names ("" for the first) and returns the token of the
// next one, "" after the last page or to stop early.
func pages(ask func(token string) (next string, err error)) error {
	for token := ""; ; {
		next, err := ask(token)
		if err != nil || next == "" {
			return err
		}
		token = next
	}
}

// pageBody is a search's POST body req asking for the page token names.
func pageBody(req map[string]any, token string) map[string]any {
	if token != "" {
		req["page_token"] = token
	}
	return req
}

// pageQuery is a search's GET query q asking for the page token names.
func pageQuery(q url.Values, token string) url.Values {
	if token != "" {
		q.Set("page_token", token)
	}
	return q
}

func tagMap(kv []kv) map[string]string {
	m := make(map[string]string, len(kv))
	for _, t := range kv {
		m[t.Key] = t.Value
	}
	return m
}

func (s *serverSource) experiments(ctx context.Context) ([]*srcExperiment, error) {
	var out []*srcExperiment
	req := map[string]any{"max_results": 1000, "view_type": "ALL"}
	err := pages(func(token string) (string, error) {
		var page struct {
			Experiments []struct {
				ID        string `json:"experiment_id"`
				Name      string `json:"name"`
				Lifecycle string `json:"lifecycle_stage"`
				Created   i64    `json:"creation_time"`
				Updated   i64    `json:"last_update_time"`
				Tags      []kv   `json:"tags"`
			} `json:"experiments"`
			Next string `json:"next_page_token"`
		}
		if err := s.c.Post(ctx, "experiments/search", pageBody(req, token), &page); err != nil {
			return "", fmt.Errorf("transfer: experiments: %w", err)
		}
		for _, x := range page.Experiments {
			out = append(out, &srcExperiment{ID: x.ID, Name: x.Name, Deleted: x.Lifecycle == "deleted", Created: int64(x.Created), Updated: int64(x.Updated), Tags: tagMap(x.Tags)})
		}
		return page.Next, nil
	})
	return out, err
}

func (s *serverSource) runs(ctx context.Context, x *srcExperiment) ([]*srcRun, error) {
	var out []*srcRun
	req := map[string]any{"experiment_ids": []string{x.ID}, "max_results": 1000, "run_view_type": "ALL"}
	err := pages(func(token string) (string, error) {
		var page struct {
			Runs []struct {
				Info struct {
					ID          string `json:"run_id"`
					Name        string `json:"run_name"`
					Status      string `json:"status"`
					Start       i64    `json:"start_time"`
					End         i64    `json:"end_time"`
					User        string `json:"user_id"`
					Lifecycle   string `json:"lifecycle_stage"`
					ArtifactURI string `json:"artifact_uri"`
				} `json:"info"`
				Data struct {
					Metrics []struct {
						Key string `json:"key"`
					} `json:"metrics"`
					Params []kv `json:"params"`
					Tags   []kv `json:"tags"`
				} `json:"data"`
				Inputs struct {
					Datasets []struct {
						Tags    []kv `json:"tags"`
						Dataset struct {
							Name       string `json:"name"`
							Digest     string `json:"digest"`
							SourceType string `json:"source_type"`
							Source     string `json:"source"`
							Schema     string `json:"schema"`
							Profile    string `json:"profile"`
						} `json:"dataset"`
					} `json:"dataset_inputs"`
				} `json:"inputs"`
				Outputs struct {
					Models []struct {
						ID   string `json:"model_id"`
						Step i64    `json:"step"`
					} `json:"model_outputs"`
				} `json:"outputs"`
			} `json:"runs"`
			Next string `json:"next_page_token"`
		}
		if err := s.c.Post(ctx, "runs/search", pageBody(req, token), &page); err != nil {
			return "", fmt.Errorf("transfer: runs of experiment %q: %w", x.Name, err)
		}
		for _, r := range page.Runs {
			sr := &srcRun{ID: r.Info.ID, Name: r.Info.Name, Status: r.Info.Status, User: r.Info.User, Deleted: r.Info.Lifecycle == "deleted",
				Start: int64(r.Info.Start), End: int64(r.Info.End), Params: tagMap(r.Data.Params), Tags: tagMap(r.Data.Tags), artifactRoot: r.Info.ArtifactURI}
			for _, m := range r.Data.Metrics {
				sr.Metrics = append(sr.Metrics, m.Key)
			}
			for _, o := range r.Outputs.Models {
				if id, err := store.ParseModelID(o.ID); err == nil {
					sr.Models = append(sr.Models, store.RunModel{Model: id, Output: true, Step: int64(o.Step)})
				}
			}
			for _, in := range r.Inputs.Datasets {
				d := in.Dataset
				sr.Inputs = append(sr.Inputs, srcInput{Dataset: store.Dataset{Name: d.Name, Digest: d.Digest, SourceType: d.SourceType, Source: d.Source, Schema: d.Schema, Profile: d.Profile}, Tags: tagMap(in.Tags)})
			}
			out = append(out, sr)
		}
		return page.Next, nil
	})
	if err != nil {
		return nil, err
	}
	// MLflow's runs/search leaves the runs' model inputs out: runs/get
	// has them.
	for _, r := range out {
		var got struct {
			Run struct {
				Inputs struct {
					Models []struct {
						ID string `json:"model_id"`
					} `json:"model_inputs"`
				} `json:"inputs"`
			} `json:"run"`
		}
		if err := s.c.Get(ctx, "runs/get", url.Values{"run_id": {r.ID}}, &got); err != nil {
			return nil, fmt.Errorf("transfer: run %s: %w", r.ID, err)
		}
		for _, in := range got.Run.Inputs.Models {
			if id, err := store.ParseModelID(in.ID); err == nil {
				r.Models = append(r.Models, store.RunModel{Model: id})
			}
		}
	}
	return out, nil
}

func (s *serverSource) history(ctx context.Context, r *srcRun, key string) ([]store.Point, error) {
	var out []store.Point
	q := url.Values{"run_id": {r.ID}, "metric_key": {key}, "max_results": {"25000"}}
	err := pages(func(token string) (string, error) {
		var page struct {
			Metrics []struct {
				Value f64 `json:"value"`
				Time  i64 `json:"timestamp"`
				Step  i64 `json:"step"`
			} `json:"metrics"`
			Next string `json:"next_page_token"`
		}
		if err := s.c.Get(ctx, "metrics/get-history", pageQuery(q, token), &page); err != nil {
			return "", err
		}
		for _, m := range page.Metrics {
			out = append(out, store.Point{Step: int64(m.Step), Time: int64(m.Time), Value: float64(m.Value)})
		}
		return page.Next, nil
	})
	return out, err
}

func (s *serverSource) files(ctx context.Context, r *srcRun) ([]srcFile, error) {
	root, err := mlflowclient.ArtifactPath(r.artifactRoot)
	if err != nil {
		return nil, err
	}
	var out []srcFile
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		if depth > 64 {
			return fmt.Errorf("transfer: artifacts of run %s: folders nested over 64 deep", r.ID)
		}
		list, err := s.c.List(ctx, root, dir)
		if err != nil {
			return err
		}
		for _, f := range list {
			if strings.Contains("/"+f.Path+"/", "/../") || f.Path == "" || f.Path == dir {
				return fmt.Errorf("transfer: artifacts of run %s: the server listed %q under %q: %w", r.ID, f.Path, dir, mlflowclient.ErrBadAnswer)
			}
			if f.IsDir {
				if err := walk(f.Path, depth+1); err != nil {
					return err
				}
				continue
			}
			out = append(out, srcFile{Path: f.Path, Size: f.Size()})
		}
		return nil
	}
	return out, walk("", 0)
}

func (s *serverSource) open(ctx context.Context, r *srcRun, p string) (io.ReadCloser, error) {
	root, err := mlflowclient.ArtifactPath(r.artifactRoot)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := s.c.Download(ctx, root, p, pw)
		pw.CloseWithError(err)
	}()
	return pr, nil
}

func (s *serverSource) models(ctx context.Context) ([]*srcModel, error) {
	var out []*srcModel
	q := url.Values{"max_results": {"1000"}}
	err := pages(func(token string) (string, error) {
		var page struct {
			Models []struct {
				Name        string `json:"name"`
				Created     i64    `json:"creation_timestamp"`
				Updated     i64    `json:"last_updated_timestamp"`
				Description string `json:"description"`
				Tags        []kv   `json:"tags"`
				Aliases     []struct {
					Alias   string `json:"alias"`
					Version i64    `json:"version"`
				} `json:"aliases"`
			} `json:"registered_models"`
			Next string `json:"next_page_token"`
		}
		if err := s.c.Get(ctx, "registered-models/search", pageQuery(q, token), &page); err != nil {
			return "", fmt.Errorf("transfer: registered models: %w", err)
		}
		for _, m := range page.Models {
			tags := tagMap(m.Tags)
			if tags["mlflow.prompt.is_prompt"] == "true" {
				continue
			}
			sm := &srcModel{Name: m.Name, Description: m.Description, Created: int64(m.Created), Updated: int64(m.Updated), Tags: tags, Aliases: map[string]int64{}}
			for _, a := range m.Aliases {
				sm.Aliases[a.Alias] = int64(a.Version)
			}
			vs, err := s.versions(ctx, m.Name)
			if err != nil {
				return "", err
			}
			sm.Versions = vs
			out = append(out, sm)
		}
		return page.Next, nil
	})
	return out, err
}

func (s *serverSource) versions(ctx context.Context, name string) ([]*srcVersion, error) {
	var out []*srcVersion
	q := url.Values{"filter": {"name = '" + strings.ReplaceAll(name, "'", "\\'") + "'"}, "max_results": {"1000"}}
	err := pages(func(token string) (string, error) {
		var page struct {
			Versions []struct {
				Version     i64    `json:"version"`
				Created     i64    `json:"creation_timestamp"`
				Updated     i64    `json:"last_updated_timestamp"`
				Description string `json:"description"`
				User        string `json:"user_id"`
				Stage       string `json:"current_stage"`
				Source      string `json:"source"`
				RunID       string `json:"run_id"`
				Status      string `json:"status"`
				Tags        []kv   `json:"tags"`
				ModelID     string `json:"model_id"`
			} `json:"model_versions"`
			Next string `json:"next_page_token"`
		}
		if err := s.c.Get(ctx, "model-versions/search", pageQuery(q, token), &page); err != nil {
			return "", fmt.Errorf("transfer: versions of model %q: %w", name, err)
		}
		for _, v := range page.Versions {
			out = append(out, &srcVersion{Version: int64(v.Version), Created: int64(v.Created), Updated: int64(v.Updated), Description: v.Description,
				User: v.User, Stage: v.Stage, Source: v.Source, RunID: v.RunID, Status: v.Status, ModelID: v.ModelID, Tags: tagMap(v.Tags)})
		}
		return page.Next, nil
	})
	return out, err
}

func (s *serverSource) loggedModels(ctx context.Context, x *srcExperiment) ([]*srcLogged, error) {
	var out []*srcLogged
	err := pages(func(token string) (string, error) {
		var page struct {
			Models []struct {
				Info struct {
					ID          string `json:"model_id"`
					Name        string `json:"name"`
					Created     i64    `json:"creation_timestamp_ms"`
					Updated     i64    `json:"last_updated_timestamp_ms"`
					ArtifactURI string `json:"artifact_uri"`
					Status      string `json:"status"`
					ModelType   string `json:"model_type"`
					SourceRunID string `json:"source_run_id"`
					Message     string `json:"status_message"`
					Tags        []kv   `json:"tags"`
				} `json:"info"`
				Data struct {
					Params  []kv `json:"params"`
					Metrics []struct {
						Key           string `json:"key"`
						Value         f64    `json:"value"`
						Time          i64    `json:"timestamp"`
						Step          i64    `json:"step"`
						DatasetName   string `json:"dataset_name"`
						DatasetDigest string `json:"dataset_digest"`
						RunID         string `json:"run_id"`
					} `json:"metrics"`
				} `json:"data"`
			} `json:"models"`
			Next string `json:"next_page_token"`
		}
		err := s.c.Post(ctx, "logged-models/search", pageBody(map[string]any{"experiment_ids": []string{x.ID}, "max_results": 100}, token), &page)
		if errors.Is(err, mlflowclient.ErrNotFound) && token == "" {
			return "", nil // a server of MLflow 2
		}
		if err != nil {
			return "", fmt.Errorf("transfer: logged models of experiment %q: %w", x.Name, err)
		}
		for _, m := range page.Models {
			i := m.Info
			st, ok := store.ParseModelStatus(i.Status)
			if !ok {
				return "", fmt.Errorf("transfer: logged model %s: status %q: %w", i.ID, i.Status, mlflowclient.ErrBadAnswer)
			}
			sm := &srcLogged{ID: i.ID, Name: i.Name, ModelType: i.ModelType, SourceRunID: i.SourceRunID, StatusMessage: i.Message, Status: st,
				Created: int64(i.Created), Updated: int64(i.Updated), Tags: tagMap(i.Tags), Params: tagMap(m.Data.Params), artifactRoot: i.ArtifactURI}
			for _, v := range m.Data.Metrics {
				sm.Metrics = append(sm.Metrics, store.ModelMetric{Key: v.Key, Value: float64(v.Value), Time: int64(v.Time), Step: int64(v.Step),
					DatasetName: v.DatasetName, DatasetDigest: v.DatasetDigest, RunID: v.RunID})
			}
			out = append(out, sm)
		}
		if len(page.Models) == 0 {
			return "", nil
		}
		return page.Next, nil
	})
	return out, err
}
