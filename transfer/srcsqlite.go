package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	_ "modernc.org/sqlite" // a pure-Go SQLite: no cgo, so mlite cross-builds as before

	"github.com/mlite/mlite/store"
)

// sqliteSource reads the SQLite database of MLflow's SQL store (mlflow.db,
// the schema of MLflow 3: experiments, runs, params, tags, metrics,
// datasets, inputs, registered_models, model_versions and their tags and
// aliases), read-only. Run artifacts are read from where the run's
// artifact_uri says when that is a local path or a file:// URI.
type sqliteSource struct {
	db    *sql.DB
	path  string
	reads atomic.Int64
}

// isSQLite reports whether the file at path starts with SQLite's header.
func isSQLite(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [16]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:]) == "SQLite format 3\x00"
}

func newSQLiteSource(path string) (*sqliteSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("transfer: open %s: %w", path, err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('experiments', 'runs', 'metrics', 'params', 'tags')").Scan(&n); err != nil || n != 5 {
		db.Close()
		if err == nil {
			err = errors.New("it lacks MLflow's tables (experiments, runs, metrics, params, tags)")
		}
		return nil, fmt.Errorf("transfer: %s: not an MLflow database: %w", path, err)
	}
	return &sqliteSource{db: db, path: path}, nil
}

func (s *sqliteSource) counts() int64 { return s.reads.Load() }

func (s *sqliteSource) close() error { return s.db.Close() }

func (s *sqliteSource) query(ctx context.Context, q string, args []any, scan func(rows *sql.Rows) error) error {
	s.reads.Add(1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("transfer: %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("transfer: %s: %w", s.path, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("transfer: %s: %w", s.path, err)
	}
	return nil
}

// kvs reads key/value rows into a map.
func (s *sqliteSource) kvs(ctx context.Context, q string, args ...any) (map[string]string, error) {
	out := map[string]string{}
	err := s.query(ctx, q, args, func(rows *sql.Rows) error {
		var k string
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v.String
		return nil
	})
	return out, err
}

func (s *sqliteSource) experiments(ctx context.Context) ([]*srcExperiment, error) {
	var out []*srcExperiment
	err := s.query(ctx, "SELECT experiment_id, name, lifecycle_stage, creation_time, last_update_time FROM experiments ORDER BY experiment_id", nil, func(rows *sql.Rows) error {
		var (
			id           int64
			name         string
			stage        sql.NullString
			created, upd sql.NullInt64
		)
		if err := rows.Scan(&id, &name, &stage, &created, &upd); err != nil {
			return err
		}
		out = append(out, &srcExperiment{ID: strconv.FormatInt(id, 10), Name: name, Deleted: stage.String == "deleted", Created: created.Int64, Updated: upd.Int64})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range out {
		if x.Tags, err = s.kvs(ctx, "SELECT key, value FROM experiment_tags WHERE experiment_id = ?", x.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqliteSource) runs(ctx context.Context, x *srcExperiment) ([]*srcRun, error) {
	var out []*srcRun
	err := s.query(ctx, "SELECT run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri FROM runs WHERE experiment_id = ? ORDER BY start_time, run_uuid", []any{x.ID}, func(rows *sql.Rows) error {
		var (
			id                             string
			name, user, status, stage, uri sql.NullString
			start, end                     sql.NullInt64
		)
		if err := rows.Scan(&id, &name, &user, &status, &start, &end, &stage, &uri); err != nil {
			return err
		}
		out = append(out, &srcRun{ID: id, Name: name.String, User: user.String, Status: status.String, Start: start.Int64, End: end.Int64,
			Deleted: stage.String == "deleted", artifactRoot: uri.String})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range out {
		if r.Params, err = s.kvs(ctx, "SELECT key, value FROM params WHERE run_uuid = ?", r.ID); err != nil {
			return nil, err
		}
		if r.Models, err = s.runModels(ctx, r.ID); err != nil {
			return nil, err
		}
		if r.Tags, err = s.kvs(ctx, "SELECT key, value FROM tags WHERE run_uuid = ?", r.ID); err != nil {
			return nil, err
		}
		if err := s.query(ctx, "SELECT DISTINCT key FROM metrics WHERE run_uuid = ? ORDER BY key", []any{r.ID}, func(rows *sql.Rows) error {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			r.Metrics = append(r.Metrics, k)
			return nil
		}); err != nil {
			return nil, err
		}
		type in struct {
			uuid string
			ds   store.Dataset
		}
		var ins []in
		if err := s.query(ctx, `SELECT i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile
			FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
			WHERE i.destination_type = 'RUN' AND i.destination_id = ? AND i.source_type = 'DATASET'`, []any{r.ID}, func(rows *sql.Rows) error {
			var (
				v               in
				schema, profile sql.NullString
			)
			if err := rows.Scan(&v.uuid, &v.ds.Name, &v.ds.Digest, &v.ds.SourceType, &v.ds.Source, &schema, &profile); err != nil {
				return err
			}
			v.ds.Schema, v.ds.Profile = schema.String, profile.String
			ins = append(ins, v)
			return nil
		}); err != nil {
			return nil, err
		}
		for _, v := range ins {
			tags, err := s.kvs(ctx, "SELECT name, value FROM input_tags WHERE input_uuid = ?", v.uuid)
			if err != nil {
				return nil, err
			}
			r.Inputs = append(r.Inputs, srcInput{Dataset: v.ds, Tags: tags})
		}
	}
	return out, nil
}

func (s *sqliteSource) history(ctx context.Context, r *srcRun, key string) ([]store.Point, error) {
	var out []store.Point
	err := s.query(ctx, "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY timestamp, step, value", []any{r.ID, key}, func(rows *sql.Rows) error {
		var (
			p     store.Point
			isNaN bool
		)
		if err := rows.Scan(&p.Value, &p.Time, &p.Step, &isNaN); err != nil {
			return err
		}
		if isNaN {
			p.Value = math.NaN()
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// localArtifacts returns the folder of a run's artifacts when its
// artifact_uri is a local path or a file:// URI.
func localArtifacts(uri string) (string, bool) {
	switch {
	case strings.HasPrefix(uri, "file://"):
		u, err := url.Parse(uri)
		if err != nil {
			return "", false
		}
		return u.Path, true
	case filepath.IsAbs(uri):
		return uri, true
	}
	return "", false
}

func (s *sqliteSource) files(ctx context.Context, r *srcRun) ([]srcFile, error) {
	dir, ok := localArtifacts(r.artifactRoot)
	if !ok {
		return nil, fmt.Errorf("run %s keeps its artifacts at %s, which is not a local folder: import them through the server (mlite import --from http://...)", r.ID, r.artifactRoot)
	}
	return walkFiles(dir)
}

func (s *sqliteSource) open(ctx context.Context, r *srcRun, p string) (io.ReadCloser, error) {
	dir, ok := localArtifacts(r.artifactRoot)
	if !ok {
		return nil, fmt.Errorf("run %s: artifacts at %s are not local", r.ID, r.artifactRoot)
	}
	s.reads.Add(1)
	return openUnder(dir, p)
}

func (s *sqliteSource) models(ctx context.Context) ([]*srcModel, error) {
	var out []*srcModel
	err := s.query(ctx, "SELECT name, creation_time, last_updated_time, description FROM registered_models ORDER BY name", nil, func(rows *sql.Rows) error {
		var (
			m            srcModel
			created, upd sql.NullInt64
			desc         sql.NullString
		)
		if err := rows.Scan(&m.Name, &created, &upd, &desc); err != nil {
			return err
		}
		m.Created, m.Updated, m.Description = created.Int64, upd.Int64, desc.String
		out = append(out, &m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, m := range out {
		if m.Tags, err = s.kvs(ctx, "SELECT key, value FROM registered_model_tags WHERE name = ?", m.Name); err != nil {
			return nil, err
		}
		if m.Tags["mlflow.prompt.is_prompt"] == "true" {
			continue
		}
		m.Aliases = map[string]int64{}
		if err := s.query(ctx, "SELECT alias, version FROM registered_model_aliases WHERE name = ?", []any{m.Name}, func(rows *sql.Rows) error {
			var a string
			var v int64
			if err := rows.Scan(&a, &v); err != nil {
				return err
			}
			m.Aliases[a] = v
			return nil
		}); err != nil {
			return nil, err
		}
		if err := s.query(ctx, `SELECT version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status
			FROM model_versions WHERE name = ? AND current_stage != 'Deleted_Internal' ORDER BY version`, []any{m.Name}, func(rows *sql.Rows) error {
			var (
				v                                        srcVersion
				created, upd                             sql.NullInt64
				desc, user, stage, source, runID, status sql.NullString
			)
			if err := rows.Scan(&v.Version, &created, &upd, &desc, &user, &stage, &source, &runID, &status); err != nil {
				return err
			}
			v.Created, v.Updated, v.Description, v.User, v.Stage, v.Source, v.RunID, v.Status = created.Int64, upd.Int64, desc.String, user.String, stage.String, source.String, runID.String, status.String
			m.Versions = append(m.Versions, &v)
			return nil
		}); err != nil {
			return nil, err
		}
		for _, v := range m.Versions {
			if v.Tags, err = s.kvs(ctx, "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?", m.Name, v.Version); err != nil {
				return nil, err
			}
		}
		kept = append(kept, m)
	}
	return kept, nil
}

func (s *sqliteSource) loggedModels(ctx context.Context, x *srcExperiment) ([]*srcLogged, error) {
	if ok, err := s.has(ctx, "logged_models", ""); !ok || err != nil {
		return nil, err
	}
	var out []*srcLogged
	err := s.query(ctx, `SELECT model_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage,
		model_type, source_run_id, status_message FROM logged_models WHERE experiment_id = ? ORDER BY creation_timestamp_ms, model_id`, []any{x.ID}, func(rows *sql.Rows) error {
		var (
			m                      srcLogged
			status                 int64
			stage, mtype, src, msg sql.NullString
		)
		if err := rows.Scan(&m.ID, &m.Name, &m.artifactRoot, &m.Created, &m.Updated, &status, &stage, &mtype, &src, &msg); err != nil {
			return err
		}
		if stage.String == "deleted" {
			return nil
		}
		st, ok := store.ParseModelStatus(strconv.FormatInt(status, 10))
		if !ok {
			return fmt.Errorf("logged model %s: status %d", m.ID, status)
		}
		m.Status, m.ModelType, m.SourceRunID, m.StatusMessage = st, mtype.String, src.String, msg.String
		out = append(out, &m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range out {
		if m.Params, err = s.kvs(ctx, "SELECT param_key, param_value FROM logged_model_params WHERE model_id = ?", m.ID); err != nil {
			return nil, err
		}
		if m.Tags, err = s.kvs(ctx, "SELECT tag_key, tag_value FROM logged_model_tags WHERE model_id = ?", m.ID); err != nil {
			return nil, err
		}
		err := s.query(ctx, `SELECT metric_name, metric_value, metric_timestamp_ms, metric_step, run_id, dataset_name, dataset_digest
			FROM logged_model_metrics WHERE model_id = ? ORDER BY metric_timestamp_ms, metric_step, metric_name`, []any{m.ID}, func(rows *sql.Rows) error {
			var (
				x         store.ModelMetric
				v         sql.NullFloat64
				run       sql.NullString
				name, dig sql.NullString
			)
			if err := rows.Scan(&x.Key, &v, &x.Time, &x.Step, &run, &name, &dig); err != nil {
				return err
			}
			x.Value, x.RunID, x.DatasetName, x.DatasetDigest = v.Float64, run.String, name.String, dig.String
			if !v.Valid {
				x.Value = math.NaN()
			}
			m.Metrics = append(m.Metrics, x)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runModels reads the logged models run id used and produced.
func (s *sqliteSource) runModels(ctx context.Context, id string) ([]store.RunModel, error) {
	if ok, err := s.has(ctx, "inputs", "step"); !ok || err != nil {
		return nil, err
	}
	var out []store.RunModel
	err := s.query(ctx, `SELECT destination_type, destination_id, step FROM inputs
		WHERE source_id = ? AND (source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT' OR source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT')`, []any{id}, func(rows *sql.Rows) error {
		var (
			kind, model string
			step        sql.NullInt64
		)
		if err := rows.Scan(&kind, &model, &step); err != nil {
			return err
		}
		mid, err := store.ParseModelID(model)
		if err != nil {
			return nil // MLflow records any id a client gives; mlite keeps model ids only
		}
		l := store.RunModel{Model: mid, Output: kind == "MODEL_OUTPUT"}
		if l.Output {
			l.Step = step.Int64
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// has reports whether the database has table, and column in it if column
// is not "" (the tables of MLflow 3's logged models are missing from a
// database of MLflow 2).
func (s *sqliteSource) has(ctx context.Context, table, column string) (bool, error) {
	n := 0
	q, args := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", []any{table}
	if column != "" {
		q, args = "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", []any{table, column}
	}
	err := s.query(ctx, q, args, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n > 0, err
}
