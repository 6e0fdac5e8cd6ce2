package mlite_test

// The golden dump of a store: everything the public API reads from it, as
// JSON with sorted keys, and the comparison that reports a difference by
// record and field (`run 0a1b…: params["max_depth"]: got "9", want "10"`).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// obj is a JSON object of the dump.
type obj = map[string]any

// dumpReader reads a store for the dump. Its GetRun is the tracker's
// unless a test gives a faulty one, to prove the comparison catches a
// reader that loses a field.
type dumpReader struct {
	db     *mlite.DB
	getRun func(ctx context.Context, id run.ID) (*run.Record, error)
}

// dumpStore returns the dump of db, read through the public API.
func dumpStore(ctx context.Context, db *mlite.DB) (obj, error) {
	return dumpReader{db: db, getRun: db.GetRun}.dump(ctx)
}

func (d dumpReader) dump(ctx context.Context) (obj, error) {
	st := d.db.Store()
	id := st.FileID()
	out := obj{"store": obj{"format_version": int64(st.FormatVersion()), "file_id": hex.EncodeToString(id[:])}}
	exps, runs, err := d.tracking(ctx)
	if err != nil {
		return nil, err
	}
	out["experiments"], out["runs"] = exps, runs
	if out["searches"], err = d.searches(ctx); err != nil {
		return nil, err
	}
	if out["models"], err = d.models(ctx); err != nil {
		return nil, err
	}
	if out["audit"], err = d.audit(ctx); err != nil {
		return nil, err
	}
	if out["sync_marks"], err = d.syncMarks(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// syncMarks dumps every sync mark: per peer, "kind key-in-hex" -> mark.
func (d dumpReader) syncMarks(ctx context.Context) (obj, error) {
	out := obj{}
	err := d.db.Store().View(ctx, func(tx *store.Tx) error {
		clear(out)
		peers, err := tx.SyncPeers()
		if err != nil {
			return err
		}
		for _, p := range peers {
			marks := obj{}
			for k := 0; k < 256; k++ {
				if err := tx.SyncMarks(p, store.SyncKind(k), func(key []byte, m store.SyncMark) error {
					marks[fmt.Sprintf("%d %x", k, key)] = obj{"ref": m.Ref, "count": int64(m.Count), "state": hex.EncodeToString(m.State)}
					return nil
				}); err != nil {
					return err
				}
			}
			out[p] = marks
		}
		return nil
	})
	return out, err
}

// tracking dumps every experiment (active and deleted) and every run in
// them, plus the runs the fixture says it purged.
func (d dumpReader) tracking(ctx context.Context) (obj, obj, error) {
	exps, runs := obj{}, obj{}
	xs, err := d.db.Experiments(ctx, run.All)
	if err != nil {
		return nil, nil, err
	}
	for _, x := range xs {
		ids, err := d.runIDs(ctx, x.ID)
		if err != nil {
			return nil, nil, err
		}
		sets, err := d.db.Datasets(ctx, x.ID)
		if err != nil {
			return nil, nil, err
		}
		datasets := obj{}
		for _, s := range sets {
			datasets[s.Name+"@"+s.Digest] = obj{"source_type": s.SourceType, "source": s.Source, "schema": s.Schema, "profile": s.Profile}
		}
		logged, err := d.loggedModels(ctx, x.ID)
		if err != nil {
			return nil, nil, err
		}
		exps[x.ID.String()] = obj{
			"name": x.Name, "artifact_location": x.ArtifactLocation, "lifecycle": x.Lifecycle.String(),
			"creation_time": x.CreationTime, "last_update_time": x.LastUpdateTime, "tags": strMap(x.Tags),
			"runs": ids, "datasets": datasets, "logged_models": logged,
		}
		for _, rid := range ids {
			s := rid.(string)
			id, err := store.ParseRunID(s)
			if err != nil {
				return nil, nil, err
			}
			if runs[s], err = d.run(ctx, id); err != nil {
				return nil, nil, fmt.Errorf("run %s: %w", s, err)
			}
		}
		for p := range strings.SplitSeq(x.Tags[purgedRunTag], ",") {
			if p == "" {
				continue
			}
			id, err := store.ParseRunID(p)
			if err != nil {
				return nil, nil, err
			}
			_, err = d.getRun(ctx, id)
			runs[p] = obj{"get_run": errText(err)}
		}
	}
	return exps, runs, nil
}

// errText names what a read of something gone returned.
func errText(err error) string {
	switch {
	case err == nil:
		return "found"
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	}
	return err.Error()
}

// runIDs lists experiment exp's runs, newest first, page by page.
func (d dumpReader) runIDs(ctx context.Context, exp run.ExperimentID) ([]any, error) {
	ids := []any{}
	o := run.ListOptions{View: run.All, MaxResults: 3}
	for {
		page, err := d.db.ListRuns(ctx, exp, o)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Runs {
			ids = append(ids, r.ID.String())
		}
		if page.NextPageToken == "" {
			return ids, nil
		}
		o.PageToken = page.NextPageToken
	}
}

func (d dumpReader) run(ctx context.Context, id run.ID) (obj, error) {
	r, err := d.getRun(ctx, id)
	if err != nil {
		return nil, err
	}
	metrics := obj{}
	for key, s := range r.Metrics {
		pts, err := d.db.MetricHistory(ctx, id, key, run.AllSteps)
		if err != nil {
			return nil, err
		}
		hist := make([]any, len(pts))
		for i, p := range pts {
			hist[i] = point(p)
		}
		metrics[key] = obj{
			"index": int64(s.Index), "count": int64(s.Count), "nans": int64(s.NaNs), "chunks": int64(s.Chunks),
			"latest": point(s.Latest), "min": float(s.Min), "max": float(s.Max), "sum": aggregate(s.Sum),
			"min_step": s.MinStep, "max_step": s.MaxStep, "history": hist,
		}
	}
	inputs := []any{}
	for _, in := range r.Inputs {
		inputs = append(inputs, obj{"name": in.Name, "digest": in.Digest, "tags": strMap(in.Tags)})
	}
	kids, err := d.db.Children(ctx, id)
	if err != nil {
		return nil, err
	}
	children := []any{}
	for _, k := range kids {
		children = append(children, k.ID.String())
	}
	var files []store.Artifact
	err = d.db.Store().View(ctx, func(tx *store.Tx) error {
		files = files[:0]
		return tx.Artifacts(id, "", func(a store.Artifact) error { files = append(files, a); return nil })
	})
	if err != nil {
		return nil, err
	}
	artifacts, err := fileMap(files, func(p string) (io.ReadCloser, error) { return d.db.OpenArtifact(ctx, id, p) })
	if err != nil {
		return nil, err
	}
	links, err := d.modelLinks(ctx, id)
	if err != nil {
		return nil, err
	}
	parent := ""
	if !r.Parent.IsZero() {
		parent = r.Parent.String()
	}
	return obj{
		"experiment_id": r.ExperimentID.String(), "name": r.Name, "status": r.Status.String(),
		"lifecycle": r.Lifecycle.String(), "deleted_with_experiment": r.DeletedWithExperiment,
		"start_time": r.StartTime, "end_time": r.EndTime, "user": r.User, "artifact_uri": r.ArtifactURI,
		"parent": parent, "params": strMap(r.Params), "tags": strMap(r.Tags), "metrics": metrics,
		"inputs": inputs, "children": children, "artifacts": artifacts, "model_links": links,
	}, nil
}

// fileMap dumps artifact entries with the SHA-256 of the bytes open reads
// for each: the blob decodes and holds what the index says.
func fileMap(files []store.Artifact, open func(path string) (io.ReadCloser, error)) (obj, error) {
	out := obj{}
	for _, a := range files {
		rc, err := open(a.Path)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", a.Path, err)
		}
		out[a.Path] = obj{"digest": hex.EncodeToString(a.Digest[:]), "size": a.Size,
			"mode": "0" + strconv.FormatUint(uint64(a.Mode), 8), "content_sha256": hex.EncodeToString(h.Sum(nil))}
	}
	return out, nil
}

// searches are run searches that read the indexes: the default order over
// every experiment, and an order by a metric (the metric_order index).
func (d dumpReader) searches(ctx context.Context) (obj, error) {
	out := obj{}
	for _, o := range []run.SearchOptions{
		{View: run.All},
		{View: run.All, OrderBy: []string{"metrics.val_auc DESC"}, Filter: "metrics.val_auc > 0"},
		{View: run.ActiveOnly, Filter: "params.max_depth = '10' and tags.model = 'lgbm'"},
	} {
		page, err := d.db.SearchRuns(ctx, o)
		if err != nil {
			return nil, err
		}
		ids := []any{}
		for _, r := range page.Runs {
			ids = append(ids, r.ID.String())
		}
		out[fmt.Sprintf("view=%d filter=%q order_by=%q", o.View, o.Filter, o.OrderBy)] = ids
	}
	return out, nil
}

// models dumps every registered model with its versions and their files.
func (d dumpReader) models(ctx context.Context) (obj, error) {
	reg := d.db.Registry()
	var names []string
	err := d.db.Store().View(ctx, func(tx *store.Tx) error {
		names = names[:0]
		return tx.ForEachRegisteredModel(func(m *store.RegisteredModel) error { names = append(names, m.Name); return nil })
	})
	if err != nil {
		return nil, err
	}
	out := obj{}
	for _, name := range names {
		m, err := reg.GetModel(ctx, name)
		if err != nil {
			return nil, err
		}
		gates, err := reg.Gates(ctx, name)
		if err != nil {
			return nil, err
		}
		gs := obj{}
		for _, g := range gates {
			gs[g.Target] = obj{"required_tags": strMap(g.RequiredTags), "metric_filter": g.MetricFilter, "checks": strList(g.Checks)}
		}
		aliases := obj{}
		for a, v := range m.Aliases {
			mv, err := reg.GetVersionByAlias(ctx, name, a)
			if err != nil {
				return nil, err
			}
			aliases[a] = obj{"version": v, "resolves_to": mv.Version}
		}
		latest, err := reg.LatestVersions(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		lv := obj{}
		for _, mv := range latest {
			lv[mv.Stage.String()] = mv.Version
		}
		versions, err := d.versions(ctx, reg, name)
		if err != nil {
			return nil, err
		}
		out[name] = obj{
			"creation_time": m.CreationTime, "last_updated_time": m.LastUpdatedTime, "description": m.Description,
			"tags": strMap(m.Tags), "aliases": aliases, "next_version": m.NextVersion, "gates": gs,
			"latest_versions": lv, "versions": versions,
		}
	}
	return out, nil
}

func (d dumpReader) versions(ctx context.Context, reg *registry.Registry, name string) (obj, error) {
	vs, err := reg.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	out := obj{}
	for _, mv := range vs {
		files, err := reg.Files(ctx, name, mv.Version)
		if err != nil {
			return nil, err
		}
		fm, err := fileMap(files, func(p string) (io.ReadCloser, error) { return reg.OpenFile(ctx, name, mv.Version, p) })
		if err != nil {
			return nil, err
		}
		out[strconv.FormatInt(mv.Version, 10)] = obj{
			"creation_time": mv.CreationTime, "last_updated_time": mv.LastUpdatedTime, "description": mv.Description,
			"user_id": mv.UserID, "stage": mv.Stage.String(), "source": mv.Source, "run_id": mv.RunID,
			"status": mv.Status.String(), "tags": strMap(mv.Tags), "files": fm, "model_id": versionModelID(mv),
		}
	}
	return out, nil
}

// audit dumps the whole audit log, keyed by sequence number.
func (d dumpReader) audit(ctx context.Context) (obj, error) {
	out := obj{}
	err := d.db.Store().View(ctx, func(tx *store.Tx) error {
		clear(out)
		return tx.AuditEvents(0, func(ev *store.AuditEvent) error {
			gates := []any{}
			for _, g := range ev.Gates {
				gates = append(gates, obj{"requirement": g.Requirement, "passed": g.Passed, "detail": g.Detail})
			}
			out[auditKey(ev.Seq)] = obj{"time": ev.Time, "user": ev.User, "action": ev.Action, "model": ev.Model,
				"version": ev.Version, "key": ev.Key, "from": ev.From, "to": ev.To, "gates": gates}
			return nil
		})
	})
	return out, err
}

// auditKey names audit event seq so that the keys sort in log order.
func auditKey(seq uint64) string { return fmt.Sprintf("%06d", seq) }

// point is a metric point as one line: "step time value".
func point(p run.Point) string { return fmt.Sprintf("%d %d %s", p.Step, p.Time, float(p.Value)) }

// float spells a float64 exactly: the shortest decimal that reads back to
// the same bits, "-0", "+Inf", "-Inf", and NaN with its payload bits.
func float(v float64) string {
	if math.IsNaN(v) {
		return fmt.Sprintf("NaN(%#016x)", math.Float64bits(v))
	}
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// aggregate spells a computed float64 as float does, but any NaN as "NaN":
// the payload of a NaN that arithmetic makes (+Inf + -Inf) differs between
// processors, and the generator must write the same dump on all of them.
func aggregate(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return float(v)
}

func strMap(m map[string]string) obj {
	out := obj{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func strList(s []string) []any {
	out := []any{}
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

// encodeDump renders a dump as indented JSON with sorted keys.
func encodeDump(d obj) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeDump reads a dump, numbers kept exact.
func decodeDump(data []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var d obj
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	return d, nil
}

// normalise gives a dump built in memory the form it has when read from
// its JSON, so that it compares with a golden file.
func normalise(d obj) (obj, error) {
	b, err := encodeDump(d)
	if err != nil {
		return nil, err
	}
	return decodeDump(b)
}

// recordKinds names the records of each top-level section of a dump.
var recordKinds = map[string]string{
	"store": "store", "experiments": "experiment", "runs": "run", "searches": "search",
	"models": "model", "audit": "audit event", "sync_marks": "sync marks of peer",
}

// keyedFields are the dump's fields whose keys are data (param names,
// paths, version numbers), shown as ["key"] rather than .key.
var keyedFields = map[string]bool{
	"params": true, "tags": true, "metrics": true, "artifacts": true, "files": true, "datasets": true,
	"versions": true, "aliases": true, "gates": true, "latest_versions": true, "required_tags": true,
}

// diffDumps returns every difference between got and want, one line each,
// naming the record and the field: `run 0a1b…: params["max_depth"]: got
// "9", want "10"`.
func diffDumps(got, want obj) []string {
	var out []string
	for _, section := range unionKeys(got, want) {
		g, gok := got[section]
		w, wok := want[section]
		kind, known := recordKinds[section]
		gm, gisObj := g.(obj)
		wm, wisObj := w.(obj)
		if !known || !gok || !wok || !gisObj || !wisObj || section == "store" {
			diffValue(&out, section, "", g, gok, w, wok)
			continue
		}
		for _, rec := range unionKeys(gm, wm) {
			gr, gok := gm[rec]
			wr, wok := wm[rec]
			name := kind + " " + rec
			if kind == "model" || kind == "search" {
				name = kind + " " + strconv.Quote(rec)
			}
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s: missing, want %s", name, show(wr)))
			case !wok:
				out = append(out, fmt.Sprintf("%s: unexpected, got %s", name, show(gr)))
			default:
				diffValue(&out, name, "", gr, true, wr, true)
			}
		}
	}
	return out
}

// diffValue compares one value of record rec at field path.
func diffValue(out *[]string, rec, path string, got any, gok bool, want any, wok bool) {
	report := func() {
		field := path
		if field == "" {
			field = "(whole record)"
		}
		g, w := "nothing", "nothing"
		if gok {
			g = show(got)
		}
		if wok {
			w = show(want)
		}
		*out = append(*out, fmt.Sprintf("%s: %s: got %s, want %s", rec, field, g, w))
	}
	if !gok || !wok {
		report()
		return
	}
	switch w := want.(type) {
	case obj:
		g, ok := got.(obj)
		if !ok {
			report()
			return
		}
		keyed := keyedFields[lastField(path)]
		for _, k := range unionKeys(g, w) {
			gv, gok := g[k]
			wv, wok := w[k]
			sub := path + "." + k
			if path == "" {
				sub = k
			}
			if keyed {
				sub = path + "[" + strconv.Quote(k) + "]"
			}
			diffValue(out, rec, sub, gv, gok, wv, wok)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			report()
			return
		}
		for i := range max(len(g), len(w)) {
			var gv, wv any
			if i < len(g) {
				gv = g[i]
			}
			if i < len(w) {
				wv = w[i]
			}
			diffValue(out, rec, fmt.Sprintf("%s[%d]", path, i), gv, i < len(g), wv, i < len(w))
		}
	default:
		if fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", want, want) {
			report()
		}
	}
}

// lastField returns the name of the last field of a path: "metrics" for
// `metrics["loss"].history`'s parent `metrics`, "" for an index.
func lastField(path string) string {
	if strings.HasSuffix(path, "]") {
		return ""
	}
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		return path[i+1:]
	}
	return path
}

// show renders a value for a message, cut to 80 characters.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func unionKeys(a, b obj) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
