package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// source is what an import reads: an MLflow server, an mlruns/ folder.
type source interface {
	experiments(ctx context.Context) ([]*srcExperiment, error)
	runs(ctx context.Context, exp *srcExperiment) ([]*srcRun, error)
	history(ctx context.Context, r *srcRun, key string) ([]store.Point, error)
	// files lists a run's artifact files (not folders), recursively.
	files(ctx context.Context, r *srcRun) ([]srcFile, error)
	open(ctx context.Context, r *srcRun, path string) (io.ReadCloser, error)
	models(ctx context.Context) ([]*srcModel, error)
	// loggedModels lists the active logged models of an experiment.
	loggedModels(ctx context.Context, exp *srcExperiment) ([]*srcLogged, error)
	counts() (reads int64)
}

// srcLogged is a logged model at the source. Its files are read as a
// run's (tree).
type srcLogged struct {
	ID, Name, ModelType, SourceRunID, StatusMessage string
	Status                                          store.ModelStatus
	Created, Updated                                int64
	Tags, Params                                    map[string]string
	Metrics                                         []store.ModelMetric
	artifactRoot                                    string
}

func (m *srcLogged) tree() *srcRun { return &srcRun{ID: m.ID, artifactRoot: m.artifactRoot} }

type srcExperiment struct {
	ID, Name         string
	Deleted          bool
	Created, Updated int64
	Tags             map[string]string
}

type srcRun struct {
	ID, Name, Status, User string
	Deleted                bool
	Start, End             int64
	Params, Tags           map[string]string
	Metrics                []string
	Inputs                 []srcInput
	// Models are the logged models the run used and produced.
	Models []store.RunModel
	// artifactRoot is where the source keeps the run's files (its own
	// meaning: a proxy path, a folder).
	artifactRoot string
	dir          string // an mlruns/ source's run folder
}

type srcInput struct {
	Dataset store.Dataset
	Tags    map[string]string
}

type srcFile struct {
	Path string
	Size int64
}

type srcModel struct {
	Name, Description string
	Created, Updated  int64
	Tags              map[string]string
	Aliases           map[string]int64
	Versions          []*srcVersion
}

type srcVersion struct {
	Version                        int64
	Created, Updated               int64
	Description, User, Stage       string
	Source, RunID, Status, ModelID string
	Tags                           map[string]string
}

// ImportOptions configure an import; nil means defaults.
type ImportOptions struct {
	// Credentials for a server source, as in Options.
	Token, Username, Password string
	InsecureTLS               bool
	// DryRun reports what would be written without writing it.
	DryRun bool
	// RenumberConflicts adds a source's model version whose number is
	// taken here by a version of another run under the model's next
	// number, instead of reporting it and leaving it out.
	RenumberConflicts bool
	// Concurrency is how many runs are read at once; default 8.
	Concurrency int
	// Progress, if set, is called as runs are done.
	Progress func(Progress)
	// HTTP replaces the HTTP client (tests).
	HTTP *http.Client
}

// ImportReport says what an import wrote (or, with DryRun, would write).
type ImportReport struct {
	Source      string `json:"source"`
	DryRun      bool   `json:"dry_run"`
	Experiments int    `json:"experiments_created"`
	Runs        int    `json:"runs_created"`
	RunsUpdated int    `json:"runs_updated"`
	Counts
	// Skipped lists what was not imported, and why (conflicts included).
	Skipped []string      `json:"skipped"`
	Reads   int64         `json:"reads"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Import copies into the store what src holds and the store lacks: src is
// an MLflow tracking server's URL, the path of an mlruns/ folder that
// MLflow's file store wrote, or an MLflow SQLite database (mlflow.db). Runs keep their ids; experiments are matched
// by name, registered models by name and versions by number. What is
// already here is compared, not rewritten: importing again writes nothing,
// an import after more logging at the source adds only the new data (every
// new metric point, file, tag), and an import that was killed completes
// when run again. A version that exists here with another source run is a
// conflict: reported in Skipped and left as it is.
func Import(ctx context.Context, t *run.Tracker, reg *registry.Registry, src string, o *ImportOptions) (*ImportReport, error) {
	start := time.Now()
	opts := importDefaults(o, 8)
	var (
		s   source
		err error
	)
	switch {
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		s, err = newServerSource(src, &opts)
	default:
		fi, serr := os.Stat(src)
		switch {
		case serr != nil:
			err = fmt.Errorf("transfer: import from %s: %w", src, serr)
		case fi.IsDir():
			s, err = newMlrunsSource(src)
		case isSQLite(src):
			s, err = newSQLiteSource(src)
		default:
			err = fmt.Errorf("transfer: import from %s: want an MLflow server's URL (http:// or https://), an mlruns/ folder or an MLflow SQLite database (mlflow.db)", src)
		}
	}
	if err != nil {
		return nil, err
	}
	if c, ok := s.(interface{ close() error }); ok {
		defer c.close()
	}
	return importFrom(ctx, start, t, reg, s, src, opts)
}

// importDefaults is o (nil: the zero options) with concurrency runs read
// at once unless o says how many.
func importDefaults(o *ImportOptions, concurrency int) ImportOptions {
	var opts ImportOptions
	if o != nil {
		opts = *o
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = concurrency
	}
	return opts
}

// importFrom brings what s holds into (t, reg) and reports it as an
// import from name that began at start.
func importFrom(ctx context.Context, start time.Time, t *run.Tracker, reg *registry.Registry, s source, name string, opts ImportOptions) (*ImportReport, error) {
	im := &importer{t: t, st: t.Store(), reg: reg, src: s, o: opts, rep: ImportReport{Source: name, DryRun: opts.DryRun, Skipped: []string{}}}
	err := im.run(ctx)
	im.rep.Reads = s.counts()
	im.rep.Elapsed = time.Since(start)
	rep := im.rep
	return &rep, err
}

type importer struct {
	t   *run.Tracker
	st  *store.Store
	reg *registry.Registry
	src source
	o   ImportOptions
	rep ImportReport
	mu  sync.Mutex
}

func (im *importer) count(fn func(r *ImportReport)) {
	im.mu.Lock()
	defer im.mu.Unlock()
	fn(&im.rep)
}

func (im *importer) skip(format string, args ...any) {
	im.count(func(r *ImportReport) { r.Skipped = append(r.Skipped, fmt.Sprintf(format, args...)) })
}

func (im *importer) run(ctx context.Context) error {
	exps, err := im.src.experiments(ctx)
	if err != nil {
		return err
	}
	var all []*srcRun
	local := map[string]store.ExperimentID{}
	for _, x := range exps {
		if x.Deleted {
			im.skip("experiment %q: deleted at the source", x.Name)
			continue
		}
		id, err := im.experiment(ctx, x)
		if err != nil {
			return err
		}
		local[x.ID] = id
		runs, err := im.src.runs(ctx, x)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Deleted {
				im.skip("run %s (%s): deleted at the source", r.ID, r.Name)
				continue
			}
			r.Tags = cloneMap(r.Tags)
			r.Tags["\x00exp"] = x.ID
			all = append(all, r)
		}
	}
	// Parents first, so that a child's parent exists when it is created.
	byID := map[string]*srcRun{}
	for _, r := range all {
		byID[r.ID] = r
	}
	depth := func(r *srcRun) int {
		d := 0
		for p := r.Tags[run.TagParentRunID]; p != "" && d < 100; d++ {
			pr := byID[p]
			if pr == nil {
				break
			}
			p = pr.Tags[run.TagParentRunID]
		}
		return d
	}
	levels := map[int][]*srcRun{}
	maxDepth := 0
	for _, r := range all {
		d := depth(r)
		levels[d] = append(levels[d], r)
		maxDepth = max(maxDepth, d)
	}
	var done int64
	for d := 0; d <= maxDepth; d++ {
		lv := levels[d]
		err := parallel(ctx, len(lv), im.o.Concurrency, func(ctx context.Context, i int) error {
			r := lv[i]
			exp := local[r.Tags["\x00exp"]]
			delete(r.Tags, "\x00exp")
			if err := im.importRun(ctx, exp, r); err != nil {
				return err
			}
			im.count(func(*ImportReport) {
				done++
				if im.o.Progress != nil {
					im.o.Progress(Progress{Phase: "runs", Done: done, Total: int64(len(all))})
				}
			})
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Logged models once their source runs are here, then the runs'
	// links to them.
	for _, x := range exps {
		if x.Deleted {
			continue
		}
		lms, err := im.src.loggedModels(ctx, x)
		if err != nil {
			return err
		}
		err = parallel(ctx, len(lms), im.o.Concurrency, func(ctx context.Context, i int) error {
			return im.importLogged(ctx, local[x.ID], lms[i])
		})
		if err != nil {
			return err
		}
	}
	for _, r := range all {
		if err := im.links(ctx, r); err != nil {
			return err
		}
	}
	models, err := im.src.models(ctx)
	if err != nil {
		return err
	}
	for _, m := range models {
		if err := im.importModel(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	maps.Copy(out, m)
	return out
}

// mergeTags sets in *dst each tag of src whose value differs there (a
// missing tag reads as ""), making the map when it has none, and says
// whether it set any.
func mergeTags(dst *map[string]string, src map[string]string) bool {
	changed := false
	for k, v := range src {
		if (*dst)[k] != v {
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[k] = v
			changed = true
		}
	}
	return changed
}

// mergeParams adds to *dst, in key order, each param of src it lacks,
// making the map when it has none, and says whether it added any. Params
// are write-once: one *dst holds with another value is kept, and skipped
// with a note naming what holds it.
func (im *importer) mergeParams(what string, dst *map[string]string, src map[string]string) bool {
	changed := false
	for _, k := range slices.Sorted(maps.Keys(src)) {
		v := src[k]
		if old, ok := (*dst)[k]; ok && old != v {
			im.skip("%s: param %s is %q here and %q at the source; kept %q", what, k, old, v, old)
		} else if !ok {
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[k] = v
			changed = true
		}
	}
	return changed
}

// experiment returns the local experiment of x's name, creating it.
func (im *importer) experiment(ctx context.Context, x *srcExperiment) (store.ExperimentID, error) {
	var id store.ExperimentID
	err := im.update(ctx, func(tx *store.Tx) error {
		have, err := tx.ExperimentByName(x.Name)
		if errors.Is(err, store.ErrNotFound) {
			im.count(func(r *ImportReport) { r.Experiments++ })
			if im.o.DryRun {
				return nil
			}
			nx := &store.Experiment{Name: x.Name, CreationTime: x.Created, LastUpdateTime: x.Updated, Tags: cloneMap(x.Tags)}
			if err := tx.CreateExperiment(nx); err != nil {
				return err
			}
			id = nx.ID
			return nil
		}
		if err != nil {
			return err
		}
		id = have.ID
		if have.Lifecycle != store.Active {
			return fmt.Errorf("transfer: experiment %q is deleted in this store; restore it (mlite experiments restore) to import into it: %w", x.Name, store.ErrConflict)
		}
		if mergeTags(&have.Tags, x.Tags) && !im.o.DryRun {
			return tx.PutExperiment(have)
		}
		return nil
	})
	return id, err
}

// update runs fn in a write transaction, or a read one for a dry run
// (whose fn must not write).
func (im *importer) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	if im.o.DryRun {
		return im.st.View(ctx, fn)
	}
	return im.st.Update(ctx, fn)
}

var statuses = map[string]store.Status{"RUNNING": store.Running, "SCHEDULED": store.Scheduled, "FINISHED": store.Finished, "FAILED": store.Failed, "KILLED": store.Killed}

func (im *importer) importRun(ctx context.Context, exp store.ExperimentID, r *srcRun) error {
	id, err := store.ParseRunID(r.ID)
	if err != nil {
		im.skip("run %q: its id is not 32 hex characters", r.ID)
		return nil
	}
	what := fmt.Sprintf("run %s (%s)", r.ID, r.Name)
	status, ok := statuses[r.Status]
	if !ok {
		status = store.Finished
	}
	var parent store.RunID
	if p, err := store.ParseRunID(r.Tags[run.TagParentRunID]); err == nil {
		parent = p
	}
	// Info, params, tags and inputs, in one transaction.
	var rec *store.Run
	err = im.update(ctx, func(tx *store.Tx) error {
		have, err := tx.Run(id)
		if errors.Is(err, store.ErrNotFound) {
			im.count(func(rep *ImportReport) { rep.Runs++ })
			if _, err := tx.Experiment(exp); err != nil {
				if im.o.DryRun {
					rec = &store.Run{ID: id}
					return nil
				}
				return err
			}
			if _, err := tx.Run(parent); err != nil {
				parent = store.RunID{}
			}
			// The files come into the store, whatever the experiment's
			// own artifact location: the run's artifact URI is the store's.
			nr := &store.Run{ID: id, ExperimentID: exp, Name: r.Name, Status: status, StartTime: r.Start, EndTime: r.End,
				User: r.User, ArtifactURI: store.ArtifactLocation(exp) + "/" + id.String() + "/artifacts", Parent: parent,
				Params: cloneMap(r.Params), Tags: cloneMap(r.Tags), Metrics: map[string]*store.Series{}}
			if err := im.inputs(tx, exp, nr, r.Inputs); err != nil {
				return err
			}
			rec = nr
			if im.o.DryRun {
				return nil
			}
			return tx.CreateRun(nr)
		}
		if err != nil {
			return err
		}
		if have.ExperimentID != exp {
			return fmt.Errorf("transfer: %s: in experiment %s here, another at the source: %w", what, have.ExperimentID, store.ErrConflict)
		}
		changed := im.mergeParams(what, &have.Params, r.Params)
		if mergeTags(&have.Tags, r.Tags) {
			changed = true
		}
		if have.Name != r.Name || have.Status != status || have.EndTime != r.End {
			have.Name, have.Status, have.EndTime = r.Name, status, r.End
			changed = true
		}
		n := len(have.Inputs)
		if err := im.inputs(tx, exp, have, r.Inputs); err != nil {
			return err
		}
		changed = changed || len(have.Inputs) != n
		rec = have
		if changed {
			im.count(func(rep *ImportReport) { rep.RunsUpdated++ })
			if !im.o.DryRun {
				return tx.PutRun(have)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := im.metrics(ctx, r, rec, what); err != nil {
		return err
	}
	return im.artifacts(ctx, r, id, what)
}

// inputs adds to rec the inputs it lacks, and their datasets to the
// experiment.
func (im *importer) inputs(tx *store.Tx, exp store.ExperimentID, rec *store.Run, ins []srcInput) error {
	for _, in := range ins {
		if slices.ContainsFunc(rec.Inputs, func(h store.Input) bool { return h.Name == in.Dataset.Name && h.Digest == in.Dataset.Digest }) {
			continue
		}
		rec.Inputs = append(rec.Inputs, store.Input{Name: in.Dataset.Name, Digest: in.Dataset.Digest, Tags: cloneMap(in.Tags)})
		if im.o.DryRun {
			continue
		}
		if _, err := tx.Dataset(exp, in.Dataset.Name, in.Dataset.Digest); errors.Is(err, store.ErrNotFound) {
			ds := in.Dataset
			if err := tx.PutDataset(exp, &ds); err != nil {
				return err
			}
		}
	}
	return nil
}

func pointLess(a, b store.Point) int {
	return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.Time, b.Time), cmp.Compare(math.Float64bits(a.Value), math.Float64bits(b.Value)))
}

// metrics appends to each series the source's points it lacks: the
// source's history minus the points already here, as multisets (MLflow
// keeps no order of a history).
func (im *importer) metrics(ctx context.Context, r *srcRun, rec *store.Run, what string) error {
	for _, k := range r.Metrics {
		pts, err := im.src.history(ctx, r, k)
		if err != nil {
			return fmt.Errorf("transfer: %s: metric %s: %w", what, k, err)
		}
		var have []store.Point
		if s := rec.Metrics[k]; s != nil {
			if s.Count >= uint64(len(pts)) {
				continue
			}
			if err := im.st.View(ctx, func(tx *store.Tx) error {
				have, err = tx.History(nil, rec, k, store.AllSteps)
				return err
			}); err != nil {
				return err
			}
		}
		todo := missing(pts, have)
		if len(todo) == 0 {
			continue
		}
		im.count(func(rep *ImportReport) { rep.Points += int64(len(todo)) })
		if im.o.DryRun {
			continue
		}
		if err := im.st.Update(ctx, func(tx *store.Tx) error {
			cur, err := tx.Run(rec.ID)
			if err != nil {
				return err
			}
			if err := tx.AppendPoints(cur, k, todo); err != nil {
				return err
			}
			return tx.PutRun(cur)
		}); err != nil {
			return fmt.Errorf("transfer: %s: metric %s: %w", what, k, err)
		}
		if err := im.st.View(ctx, func(tx *store.Tx) error {
			cur, err := tx.Run(rec.ID)
			if err == nil {
				rec.Metrics = cur.Metrics
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// missing returns the points of src that have does not hold (as multisets),
// in src's order.
func missing(src, have []store.Point) []store.Point {
	if len(have) == 0 {
		return src
	}
	h := slices.Clone(have)
	slices.SortFunc(h, pointLess)
	used := make([]bool, len(h))
	var out []store.Point
	for _, p := range src {
		i, found := slices.BinarySearchFunc(h, p, pointLess)
		for found && i < len(h) && used[i] {
			i++
			found = i < len(h) && pointLess(h[i], p) == 0
		}
		if found {
			used[i] = true
			continue
		}
		out = append(out, p)
	}
	return out
}

func (im *importer) artifacts(ctx context.Context, r *srcRun, id store.RunID, what string) error {
	return im.files(ctx, r, store.RunFiles(id), what)
}

// files copies the files of the source's tree r (a run's, or a logged
// model's read as one) that index ix lacks or holds with another size.
func (im *importer) files(ctx context.Context, r *srcRun, ix store.Index, what string) error {
	files, err := im.src.files(ctx, r)
	if err != nil {
		return fmt.Errorf("transfer: %s: artifacts: %w", what, err)
	}
	have := map[string]int64{}
	if err := im.st.View(ctx, func(tx *store.Tx) error {
		return tx.Files(ix, "", func(a store.Artifact) error { have[a.Path] = a.Size; return nil })
	}); err != nil {
		return err
	}
	for _, f := range files {
		if size, ok := have[f.Path]; ok && (size == f.Size || f.Size < 0) {
			continue
		}
		if im.o.DryRun {
			im.count(func(rep *ImportReport) { rep.Artifacts++; rep.Bytes += max(f.Size, 0) })
			continue
		}
		rd, err := im.src.open(ctx, r, f.Path)
		if err != nil {
			return fmt.Errorf("transfer: %s: artifact %s: %w", what, f.Path, err)
		}
		info, err := im.t.Blobs().Put(ctx, rd)
		rd.Close()
		if err != nil {
			return fmt.Errorf("transfer: %s: artifact %s: %w", what, f.Path, err)
		}
		if f.Size >= 0 && info.Size != f.Size {
			return fmt.Errorf("transfer: %s: artifact %s: got %d bytes, the source listed %d", what, f.Path, info.Size, f.Size)
		}
		if err := im.st.Update(ctx, func(tx *store.Tx) error {
			return tx.PutFile(ix, store.Artifact{Path: f.Path, Digest: info.Digest, Size: info.Size, Mode: 0o644})
		}); err != nil {
			return err
		}
		im.count(func(rep *ImportReport) { rep.Artifacts++; rep.Bytes += info.Size })
	}
	return nil
}

var stages = map[string]store.Stage{"None": store.StageNone, "Staging": store.StageStaging, "Production": store.StageProduction, "Archived": store.StageArchived}

func (im *importer) importModel(ctx context.Context, m *srcModel) error {
	return im.update(ctx, func(tx *store.Tx) error {
		have, err := tx.RegisteredModel(m.Name)
		created := false
		if errors.Is(err, store.ErrNotFound) {
			im.count(func(rep *ImportReport) { rep.Models++ })
			have = &store.RegisteredModel{Name: m.Name, CreationTime: m.Created, LastUpdatedTime: m.Updated, Description: m.Description,
				Tags: cloneMap(m.Tags), Aliases: map[string]int64{}, NextVersion: 1}
			created = true
			if !im.o.DryRun {
				if err := tx.CreateRegisteredModel(have); err != nil {
					return err
				}
			}
		} else if err != nil {
			return err
		}
		changed := false
		if have.Description != m.Description && m.Description != "" {
			have.Description = m.Description
			changed = true
		}
		if mergeTags(&have.Tags, m.Tags) {
			changed = true
		}
		next := have.NextVersion
		local := map[int64]int64{}
		for _, v := range m.Versions {
			n, err := im.importVersion(tx, have, v)
			if err != nil {
				return err
			}
			if n != 0 {
				local[v.Version] = n
			}
		}
		for _, a := range slices.Sorted(maps.Keys(m.Aliases)) {
			n := local[m.Aliases[a]]
			if n == 0 {
				im.skip("model %q: alias %s: version %d was not imported", m.Name, a, m.Aliases[a])
				continue
			}
			if old, ok := have.Aliases[a]; ok && old != n {
				im.skip("model %q: alias %s names version %d here and %d at the source; kept %d", m.Name, a, old, n, old)
			} else if !ok {
				if have.Aliases == nil {
					have.Aliases = map[string]int64{}
				}
				have.Aliases[a] = n
				changed = true
			}
		}
		if !changed && have.NextVersion == next && !created {
			return nil
		}
		if changed && !created {
			im.count(func(rep *ImportReport) { rep.Registry++ })
		}
		if im.o.DryRun {
			return nil
		}
		return tx.PutRegisteredModel(have)
	})
}

// importVersion brings source version v into model m and returns its
// number here (0 when it was not imported). A version made from the same
// run under the same number, or (after a renumbering merge) from the same
// run and source under another number, is the same version: its stage,
// description and new tags are brought up to date. A free number is
// taken; a number taken by a version of another run is a conflict.
func (im *importer) importVersion(tx *store.Tx, m *store.RegisteredModel, v *srcVersion) (int64, error) {
	name := m.Name
	what := fmt.Sprintf("model %q version %d", name, v.Version)
	stage := stages[v.Stage]
	cur, err := tx.ModelVersion(name, v.Version)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	same := err == nil && cur.RunID == v.RunID
	if !same {
		var found *store.ModelVersion
		if err := tx.ModelVersions(name, func(mv *store.ModelVersion) error {
			if found == nil && mv.RunID == v.RunID && mv.Source == v.Source {
				found = mv
			}
			return nil
		}); err != nil {
			return 0, err
		}
		if found != nil {
			cur, same = found, true
		}
	}
	if same {
		changed := false
		if cur.Stage != stage || cur.Description != v.Description {
			cur.Stage, cur.Description = stage, v.Description
			changed = true
		}
		if mergeTags(&cur.Tags, v.Tags) {
			changed = true
		}
		if changed {
			im.count(func(rep *ImportReport) { rep.Registry++ })
			if !im.o.DryRun {
				return cur.Version, tx.PutModelVersion(cur)
			}
		}
		return cur.Version, nil
	}
	number := v.Version
	if cur != nil {
		if !im.o.RenumberConflicts {
			im.skip("%s: conflict: made from run %s here and from run %s at the source; left as it is (renumber to add it)", what, cur.RunID, v.RunID)
			return 0, nil
		}
		number = m.NextVersion
		im.skip("%s: conflict: made from run %s here and from run %s at the source; added as version %d", what, cur.RunID, v.RunID, number)
	}
	m.NextVersion = max(m.NextVersion, number+1)
	im.count(func(rep *ImportReport) { rep.Versions++ })
	if im.o.DryRun {
		return number, nil
	}
	if err := tx.PutRegisteredModel(m); err != nil {
		return 0, err
	}
	mv := &store.ModelVersion{Name: name, Version: number, CreationTime: v.Created, LastUpdatedTime: v.Updated, Description: v.Description,
		UserID: v.User, Stage: stage, Source: v.Source, RunID: v.RunID, Status: store.VersionStatus(3), Tags: cloneMap(v.Tags)}
	if mid, err := store.ParseModelID(v.ModelID); err == nil {
		if _, err := tx.LoggedModel(mid); err == nil {
			mv.ModelID = mid
		}
	}
	if err := tx.PutModelVersion(mv); err != nil {
		return 0, fmt.Errorf("transfer: %s: %w", what, err)
	}
	return number, im.versionFiles(tx, name, number, v.Source, mv.ModelID, what)
}

// versionFiles gives version number of model name the files of its source:
// its source run's under the source path, or its logged model's.
func (im *importer) versionFiles(tx *store.Tx, name string, number int64, source string, model store.ModelID, what string) error {
	rest, ok := strings.CutPrefix(source, "runs:/")
	if id, isModel := registry.LoggedModelURI(source); isModel && id == model {
		// A version made from a logged model has the model's files.
		return tx.Files(store.ModelFiles(id), "", func(a store.Artifact) error { return tx.PutModelVersionFile(name, number, a) })
	}
	if !ok {
		im.skip("%s: source %s is not a runs:/ URI; the version has no files here", what, source)
		return nil
	}
	rid, dir, _ := strings.Cut(rest, "/")
	id, err := store.ParseRunID(rid)
	if err != nil {
		im.skip("%s: source %s names no run", what, source)
		return nil
	}
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	n := 0
	err = tx.Artifacts(id, prefix, func(a store.Artifact) error {
		a.Path = strings.TrimPrefix(a.Path, prefix)
		n++
		return tx.PutModelVersionFile(name, number, a)
	})
	if err != nil {
		return fmt.Errorf("transfer: %s: files: %w", what, err)
	}
	if n == 0 {
		im.skip("%s: its source run %s has no files under %q here", what, rid, dir)
	}
	return nil
}
