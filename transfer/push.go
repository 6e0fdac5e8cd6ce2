package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mlite/mlite/internal/jsonfloat"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// MLflow's log_batch limits (mlflow/utils/validation.py).
const (
	maxMetricsPerBatch = 1000
	maxParamsTagsBatch = 100
	maxBatchBytes      = 900_000 // under MAX_BATCH_LOG_REQUEST_SIZE (1e6), with room for the JSON around
)

// Options configure a push; nil means defaults.
type Options struct {
	// Token, Username and Password authenticate to the server as MLflow's
	// MLFLOW_TRACKING_TOKEN, _USERNAME and _PASSWORD do; InsecureTLS skips
	// verifying its certificate (MLFLOW_TRACKING_INSECURE_TLS). The library
	// never reads the environment: CredentialsFromEnv does.
	Token, Username, Password string
	InsecureTLS               bool

	// Experiments limits the push to these experiments (names or ids);
	// Runs to these runs (ids), Models to these registered models. Empty
	// means all. A run filter keeps the experiments of its runs; the
	// registry is pushed only when Models is given or neither Experiments
	// nor Runs is.
	Experiments, Runs, Models []string
	// Since keeps only the runs started or ended at or after it.
	Since time.Time
	// DryRun reports what would be sent without contacting the server or
	// writing marks: things never pushed count as new.
	DryRun bool
	// Concurrency is how many requests are in flight at once; default 8.
	Concurrency int
	// Writers is how many of them may write the server's tracking store
	// (log_batch and the like; not artifact uploads) at once; default 2.
	// An MLflow server spends its time in its database, which takes one
	// writer at a time (SQLite) or a few; more writers in flight only
	// queue there, and past its connection pool (15 by default) they fail.
	Writers int
	// Retries and Timeout are passed to the HTTP client (see
	// mlflowclient.Options); zero means its defaults.
	Retries int
	Timeout time.Duration
	// Progress, if set, is called as work is done (from several
	// goroutines, one call at a time).
	Progress func(Progress)
	// HTTP replaces the HTTP client (tests).
	HTTP *http.Client
}

// CredentialsFromEnv fills o's credentials from MLflow's environment
// variables and returns o.
func CredentialsFromEnv(o *Options) *Options {
	e := mlflowclient.FromEnv()
	o.Token, o.Username, o.Password, o.InsecureTLS = e.Token, e.Username, e.Password, e.InsecureTLS
	return o
}

// Progress is how far a push is: Done of Total units of Phase.
type Progress struct {
	Phase       string // "runs", "registry"
	Done, Total int64
}

// Counts are what a push sent, or an import or a merge wrote, that both
// report alike.
type Counts struct {
	Points    int64 `json:"metric_points"`
	Artifacts int   `json:"artifacts"`
	Bytes     int64 `json:"artifact_bytes"`
	// LoggedModels counts the logged models created; LoggedUpdated those
	// whose params, tags, metric values, files or status changed.
	LoggedModels  int `json:"logged_models_created"`
	LoggedUpdated int `json:"logged_models_updated"`
	Models        int `json:"models_created"`
	Versions      int `json:"versions_created"`
	Registry      int `json:"registry_changes"`
}

// Report says what a push sent (or, with DryRun, would send).
type Report struct {
	Remote      string `json:"remote"`
	DryRun      bool   `json:"dry_run"`
	Experiments int    `json:"experiments_created"`
	Runs        int    `json:"runs_created"`
	RunsUpdated int    `json:"runs_updated"`
	Params      int    `json:"params"`
	Tags        int    `json:"tags"`
	Inputs      int    `json:"inputs"`
	Counts
	// Deleted counts the tags and aliases deleted on the server because
	// they were deleted here after a push sent them.
	Deleted int `json:"deleted"`
	// Skipped lists what was not pushed, and why.
	Skipped []string `json:"skipped"`
	// Reads, Writes and Retries count the requests answered by the server.
	Reads   int64         `json:"reads"`
	Writes  int64         `json:"writes"`
	Retries int64         `json:"retries"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ErrPush wraps every error of a push that reached the server and failed:
// the marks of what had arrived are kept, so pushing again resumes.
var ErrPush = errors.New("transfer: push incomplete")

// pusher is one push.
type pusher struct {
	t    *run.Tracker
	st   *store.Store
	reg  *registry.Registry
	c    *mlflowclient.Client
	peer string
	o    Options
	sem  chan struct{} // requests in flight
	wsem chan struct{} // writing requests in flight

	mu       sync.Mutex
	inputsMu sync.Mutex
	rep      Report
	exps     map[store.ExperimentID]string // local -> remote experiment id
	runIDs   map[store.RunID]string        // local -> remote run id
}

// Push copies what the store holds and the server lacks to the MLflow
// tracking server at serverURL (see the package doc). It returns what it
// sent; on an error it returns what it sent until then, and the marks of
// everything the server confirmed are in the store.
func Push(ctx context.Context, t *run.Tracker, reg *registry.Registry, serverURL string, o *Options) (*Report, error) {
	start := time.Now()
	p := &pusher{t: t, st: t.Store(), reg: reg, exps: map[store.ExperimentID]string{}, runIDs: map[store.RunID]string{}}
	if o != nil {
		p.o = *o
	}
	if p.o.Concurrency <= 0 {
		p.o.Concurrency = 8
	}
	if p.o.Writers <= 0 {
		p.o.Writers = 2
	}
	p.sem = make(chan struct{}, p.o.Concurrency)
	p.wsem = make(chan struct{}, min(p.o.Writers, p.o.Concurrency))
	c, err := mlflowclient.New(serverURL, &mlflowclient.Options{
		Token: p.o.Token, Username: p.o.Username, Password: p.o.Password, InsecureTLS: p.o.InsecureTLS,
		Retries: p.o.Retries, Timeout: p.o.Timeout, MaxConns: p.o.Concurrency, HTTP: p.o.HTTP,
	})
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	p.c = c
	p.rep = Report{Remote: c.URL(), DryRun: p.o.DryRun, Skipped: []string{}}
	err = p.push(ctx)
	p.rep.Reads, p.rep.Writes, p.rep.Retries = c.Counts()
	p.rep.Elapsed = time.Since(start)
	rep := p.rep
	if err != nil && !p.o.DryRun && !errors.Is(err, ErrPush) && ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", ErrPush, err)
	}
	return &rep, err
}

func (p *pusher) push(ctx context.Context) error {
	plan, err := p.plan(ctx)
	if err != nil {
		return err
	}
	if err := p.identify(ctx); err != nil {
		return err
	}
	if err := p.pushExperiments(ctx, plan); err != nil {
		return err
	}
	if err := p.pushRuns(ctx, plan); err != nil {
		return err
	}
	if plan.registry {
		return p.pushRegistry(ctx, plan)
	}
	return nil
}

// plan is what a push looks at.
type plan struct {
	exps     []*store.Experiment
	runs     []*store.Run // parents before children
	registry bool
}

func (p *pusher) plan(ctx context.Context) (*plan, error) {
	pl := &plan{registry: len(p.o.Models) > 0 || len(p.o.Experiments) == 0 && len(p.o.Runs) == 0}
	wantRuns := map[store.RunID]bool{}
	for _, s := range p.o.Runs {
		id, err := store.ParseRunID(s)
		if err != nil {
			return nil, fmt.Errorf("transfer: --run %q: %w", s, err)
		}
		wantRuns[id] = true
	}
	err := p.t.Snapshot(ctx, func(s *run.Snapshot) error {
		wantExps := map[store.ExperimentID]bool{}
		for _, name := range p.o.Experiments {
			found := false
			_ = s.Experiments(run.All, func(x *store.Experiment) error {
				if x.Name == name || x.ID.String() == name {
					wantExps[x.ID] = true
					found = true
				}
				return nil
			})
			if !found {
				return fmt.Errorf("transfer: experiment %q: %w", name, store.ErrNotFound)
			}
		}
		var runs []*store.Run
		err := s.Runs(run.RunSelection{View: run.ActiveOnly}, func(v *run.RunView) error {
			if len(wantExps) > 0 && !wantExps[v.ExperimentID()] || len(wantRuns) > 0 && !wantRuns[v.ID()] {
				return nil
			}
			if !p.o.Since.IsZero() {
				since := p.o.Since.UnixMilli()
				if v.StartTime() < since && v.EndTime() < since {
					return nil
				}
			}
			r, err := s.Run(v.ID())
			if err != nil {
				return err
			}
			runs = append(runs, r)
			return nil
		})
		if err != nil {
			return err
		}
		if len(wantRuns) > 0 && len(runs) < len(wantRuns) {
			for id := range wantRuns {
				if !slices.ContainsFunc(runs, func(r *store.Run) bool { return r.ID == id }) {
					return fmt.Errorf("transfer: run %s: not an active run of this store: %w", id, store.ErrNotFound)
				}
			}
		}
		pl.runs = orderRuns(runs)
		need := map[store.ExperimentID]bool{}
		for _, r := range runs {
			need[r.ExperimentID] = true
		}
		for id := range wantExps {
			need[id] = true
		}
		return s.Experiments(run.All, func(x *store.Experiment) error {
			if !need[x.ID] && (len(wantExps) > 0 || len(wantRuns) > 0 || x.Lifecycle != store.Active) {
				return nil
			}
			if x.Lifecycle != store.Active {
				p.skip("experiment %q: deleted here; its runs are not pushed", x.Name)
				return nil
			}
			c := *x
			pl.exps = append(pl.exps, &c)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Runs of deleted experiments stay here.
	active := map[store.ExperimentID]bool{}
	for _, x := range pl.exps {
		active[x.ID] = true
	}
	pl.runs = slices.DeleteFunc(pl.runs, func(r *store.Run) bool { return !active[r.ExperimentID] })
	return pl, nil
}

// orderRuns sorts runs by start time, id, then moves every child after its
// parent, so that a parent's remote id is known when its child is created.
func orderRuns(runs []*store.Run) []*store.Run {
	slices.SortFunc(runs, func(a, b *store.Run) int {
		if a.StartTime != b.StartTime {
			return int(a.StartTime - b.StartTime)
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	byID := map[store.RunID]*store.Run{}
	for _, r := range runs {
		byID[r.ID] = r
	}
	out := make([]*store.Run, 0, len(runs))
	done := map[store.RunID]bool{}
	var visit func(r *store.Run, depth int)
	visit = func(r *store.Run, depth int) {
		if done[r.ID] {
			return
		}
		if par, ok := byID[r.Parent]; ok && r.Parent != (store.RunID{}) && depth < 1000 {
			visit(par, depth+1)
		}
		if !done[r.ID] {
			done[r.ID] = true
			out = append(out, r)
		}
	}
	for _, r := range runs {
		visit(r, 0)
	}
	return out
}

func (p *pusher) skip(format string, args ...any) {
	p.mu.Lock()
	p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf(format, args...))
	p.mu.Unlock()
}

func (p *pusher) count(fn func(r *Report)) {
	p.mu.Lock()
	fn(&p.rep)
	p.mu.Unlock()
}

func (p *pusher) progress(phase string, done, total int64) {
	if p.o.Progress == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.o.Progress(Progress{Phase: phase, Done: done, Total: total})
}

// mark reads a mark of the peer.
func (p *pusher) mark(ctx context.Context, kind store.SyncKind, key []byte) (store.SyncMark, bool, error) {
	return p.markOf(ctx, p.peer, kind, key)
}

// marks reads the marks of keys at once (the zero mark where there is
// none).
func (p *pusher) marks(ctx context.Context, kind store.SyncKind, keys [][]byte) ([]store.SyncMark, error) {
	ms := make([]store.SyncMark, len(keys))
	err := p.st.View(ctx, func(tx *store.Tx) error {
		for i, k := range keys {
			var err error
			if ms[i], _, err = tx.SyncMark(p.peer, kind, k); err != nil {
				return err
			}
		}
		return nil
	})
	return ms, err
}

// setMark writes marks durably; a dry run writes none.
func (p *pusher) setMarks(ctx context.Context, kind store.SyncKind, keys [][]byte, ms []store.SyncMark) error {
	if p.o.DryRun {
		return nil
	}
	return p.st.Update(ctx, func(tx *store.Tx) error {
		for i, k := range keys {
			if err := tx.PutSyncMark(p.peer, kind, k, ms[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (p *pusher) setMark(ctx context.Context, kind store.SyncKind, key []byte, m store.SyncMark) error {
	return p.setMarks(ctx, kind, [][]byte{key}, []store.SyncMark{m})
}

// call sends one request with a slot of the in-flight budget.
func (p *pusher) call(ctx context.Context, fn func() error) error {
	return withSlot(ctx, p.sem, fn)
}

// write is call for a request that writes the server's tracking store: it
// takes a slot of the writers' budget too.
func (p *pusher) write(ctx context.Context, fn func() error) error {
	return withSlot(ctx, p.wsem, func() error { return p.call(ctx, fn) })
}

// withSlot runs fn holding a slot of sem, waiting for one until ctx ends.
func withSlot(ctx context.Context, sem chan struct{}, fn func() error) error {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-sem }()
	return fn()
}

func (p *pusher) post(ctx context.Context, path string, in, out any) error {
	return p.write(ctx, func() error { return p.c.Post(ctx, path, in, out) })
}

func (p *pusher) del(ctx context.Context, path string, in any) error {
	return p.write(ctx, func() error { return p.c.Delete(ctx, path, in) })
}

// dropGone deletes on the server, with del, the names that the keyed state
// old says a push sent and m lacks: tags (or aliases) deleted here since.
// One the server no longer has counts as deleted.
func (p *pusher) dropGone(ctx context.Context, old []byte, m map[string]string, del func(name string) error) error {
	for _, k := range gone(old, m) {
		if !p.o.DryRun {
			if err := del(k); err != nil && !errors.Is(err, mlflowclient.ErrNotFound) {
				return fmt.Errorf("deleting %q: %w", k, err)
			}
		}
		p.count(func(r *Report) { r.Deleted++ })
	}
	return nil
}

func (p *pusher) get(ctx context.Context, path string, q url.Values, out any) error {
	return p.call(ctx, func() error { return p.c.Get(ctx, path, q, out) })
}

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func kvs(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, kv{k, m[k]})
	}
	return out
}

func (p *pusher) pushExperiments(ctx context.Context, pl *plan) error {
	for _, x := range pl.exps {
		m, ok, err := p.mark(ctx, markExperiment, expKey(x.ID))
		if err != nil {
			return err
		}
		remote := m.Ref
		if !ok || remote == "" {
			if p.o.DryRun {
				p.count(func(r *Report) { r.Experiments++ })
				p.exps[x.ID] = ""
				continue
			}
			if remote, err = p.ensureExperiment(ctx, x); err != nil {
				return err
			}
			if err := p.setMark(ctx, markExperiment, expKey(x.ID), store.SyncMark{Ref: remote}); err != nil {
				return err
			}
		}
		p.exps[x.ID] = remote
		tags := x.Tags
		sum := (&digest{}).strMap(tags).sum()
		tm, _, err := p.mark(ctx, markExpTags, expKey(x.ID))
		if err != nil {
			return err
		}
		if sameState(tm.State, sum) {
			continue
		}
		for _, t := range kvs(tags) {
			if !p.o.DryRun {
				if err := p.post(ctx, "experiments/set-experiment-tag", map[string]string{"experiment_id": remote, "key": t.Key, "value": t.Value}, nil); err != nil {
					return fmt.Errorf("transfer: experiment %q: tag %q: %w", x.Name, t.Key, err)
				}
			}
			p.count(func(r *Report) { r.Tags++ })
		}
		err = p.dropGone(ctx, tm.State, tags, func(k string) error {
			return p.post(ctx, "experiments/delete-experiment-tag", map[string]string{"experiment_id": remote, "key": k}, nil)
		})
		if err != nil {
			return fmt.Errorf("transfer: experiment %q: %w", x.Name, err)
		}
		if err := p.setMark(ctx, markExpTags, expKey(x.ID), store.SyncMark{State: keyedState(sum, tags)}); err != nil {
			return err
		}
	}
	return nil
}

type remoteExperiment struct {
	Experiment struct {
		ID        string `json:"experiment_id"`
		Name      string `json:"name"`
		Lifecycle string `json:"lifecycle_stage"`
	} `json:"experiment"`
}

// ensureExperiment finds the server's experiment of x's name or creates it.
func (p *pusher) ensureExperiment(ctx context.Context, x *store.Experiment) (string, error) {
	var got remoteExperiment
	err := p.get(ctx, "experiments/get-by-name", url.Values{"experiment_name": {x.Name}}, &got)
	switch {
	case err == nil:
		if got.Experiment.ID == "" {
			return "", fmt.Errorf("transfer: experiment %q: the server answered without an id: %w", x.Name, mlflowclient.ErrBadAnswer)
		}
		if got.Experiment.Lifecycle == "deleted" {
			return "", fmt.Errorf("transfer: experiment %q is deleted on the server; restore it there (mlflow experiments restore --experiment-id %s) or rename it here", x.Name, got.Experiment.ID)
		}
		return got.Experiment.ID, nil
	case !errors.Is(err, mlflowclient.ErrNotFound):
		return "", fmt.Errorf("transfer: experiment %q: %w", x.Name, err)
	}
	var created struct {
		ID string `json:"experiment_id"`
	}
	if err := p.post(ctx, "experiments/create", map[string]any{"name": x.Name}, &created); err != nil {
		if errors.Is(err, mlflowclient.ErrExists) {
			return p.ensureExperiment(ctx, x)
		}
		return "", fmt.Errorf("transfer: experiment %q: %w", x.Name, err)
	}
	if created.ID == "" {
		return "", fmt.Errorf("transfer: experiment %q: the server answered without an id: %w", x.Name, mlflowclient.ErrBadAnswer)
	}
	p.count(func(r *Report) { r.Experiments++ })
	return created.ID, nil
}

// parallel runs fn for each of n items on up to workers goroutines and
// returns the first error. After an error no item starts, but those under
// way finish (their requests are not cut off, so what arrives is marked).
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				mu.Lock()
				stop := first != nil
				mu.Unlock()
				if i >= n || stop || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func (p *pusher) pushRuns(ctx context.Context, pl *plan) error {
	// First every run's remote id, parents before children (one level of
	// the tree at a time), so that children can name their parent.
	total := int64(len(pl.runs))
	var done atomic.Int64
	depth := map[store.RunID]int{}
	levels := [][]*store.Run{}
	for _, r := range pl.runs {
		d := 0
		if pd, ok := depth[r.Parent]; ok {
			d = pd + 1
		}
		depth[r.ID] = d
		for len(levels) <= d {
			levels = append(levels, nil)
		}
		levels[d] = append(levels[d], r)
	}
	for _, lv := range levels {
		err := parallel(ctx, len(lv), p.o.Concurrency, func(ctx context.Context, i int) error {
			id, err := p.ensureRun(ctx, lv[i])
			if err != nil {
				return err
			}
			p.mu.Lock()
			p.runIDs[lv[i].ID] = id
			p.mu.Unlock()
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Logged models next: they name their source run, and runs link them.
	if err := p.pushLoggedModels(ctx, pl); err != nil {
		return err
	}
	return parallel(ctx, len(pl.runs), p.o.Concurrency, func(ctx context.Context, i int) error {
		if err := p.pushRun(ctx, pl.runs[i]); err != nil {
			return err
		}
		p.progress("runs", done.Add(1), total)
		return nil
	})
}

type remoteRun struct {
	Run struct {
		Info struct {
			RunID       string      `json:"run_id"`
			RunName     string      `json:"run_name"`
			StartTime   json.Number `json:"start_time"`
			UserID      string      `json:"user_id"`
			ArtifactURI string      `json:"artifact_uri"`
		} `json:"info"`
	} `json:"run"`
}

// ensureRun returns r's remote run id, creating the run if no mark says it
// exists; a mark left by a push killed during the creation is resolved by
// looking for the run on the server first.
func (p *pusher) ensureRun(ctx context.Context, r *store.Run) (string, error) {
	m, ok, err := p.mark(ctx, markRun, runKey(r.ID))
	if err != nil {
		return "", err
	}
	if ok && m.Ref != "" {
		return m.Ref, nil
	}
	if p.o.DryRun {
		p.count(func(rep *Report) { rep.Runs++ })
		return "", nil
	}
	exp := p.exps[r.ExperimentID]
	if ok {
		id, err := p.findRun(ctx, exp, r)
		if err != nil {
			return "", err
		}
		if id != "" {
			return id, p.setMark(ctx, markRun, runKey(r.ID), store.SyncMark{Ref: id})
		}
	} else if err := p.setMark(ctx, markRun, runKey(r.ID), store.SyncMark{}); err != nil {
		return "", err
	}
	var got remoteRun
	req := map[string]any{"experiment_id": exp, "start_time": r.StartTime, "run_name": r.Name, "user_id": r.User}
	// The tags go with the run when they fit one batch: a request less.
	tags := p.remoteTags(r)
	size := 0
	for k, v := range tags {
		size += len(k) + len(v) + 32
	}
	withTags := len(tags) <= maxParamsTagsBatch && size < maxBatchBytes
	if withTags {
		req["tags"] = kvs(tags)
	}
	if err := p.post(ctx, "runs/create", req, &got); err != nil {
		return "", fmt.Errorf("transfer: run %s (%s): %w", r.ID, r.Name, err)
	}
	id := got.Run.Info.RunID
	if id == "" {
		return "", fmt.Errorf("transfer: run %s: the server answered without a run id: %w", r.ID, mlflowclient.ErrBadAnswer)
	}
	p.count(func(rep *Report) { rep.Runs++ })
	if err := p.setMark(ctx, markRun, runKey(r.ID), store.SyncMark{Ref: id}); err != nil {
		return "", err
	}
	if withTags {
		p.count(func(rep *Report) { rep.Tags += len(tags) })
		return id, p.setMark(ctx, markTags, runKey(r.ID), store.SyncMark{State: keyedState((&digest{}).strMap(tags).sum(), tags)})
	}
	return id, nil
}

// findRun looks for a run of experiment exp that a killed push created for
// r: same name, start time and user, and no mark of another run names it.
func (p *pusher) findRun(ctx context.Context, exp string, r *store.Run) (string, error) {
	taken, err := p.takenRefs(ctx, markRun, func([]byte) bool { return true })
	if err != nil {
		return "", err
	}
	found := ""
	req := map[string]any{"experiment_ids": []string{exp}, "max_results": 1000, "run_view_type": "ALL"}
	err = pages(func(token string) (string, error) {
		var page struct {
			Runs []struct {
				Info struct {
					RunID     string      `json:"run_id"`
					RunName   string      `json:"run_name"`
					StartTime json.Number `json:"start_time"`
					UserID    string      `json:"user_id"`
				} `json:"info"`
			} `json:"runs"`
			Next string `json:"next_page_token"`
		}
		if err := p.post(ctx, "runs/search", pageBody(req, token), &page); err != nil {
			return "", fmt.Errorf("transfer: looking for run %s on the server: %w", r.ID, err)
		}
		for _, x := range page.Runs {
			if x.Info.RunName == r.Name && x.Info.StartTime.String() == strconv.FormatInt(r.StartTime, 10) && x.Info.UserID == r.User && !taken[x.Info.RunID] {
				found = x.Info.RunID
				return "", nil
			}
		}
		return page.Next, nil
	})
	return found, err
}

// takenRefs returns the server's ids that this peer's marks of kind name,
// of the marks whose key keeps.
func (p *pusher) takenRefs(ctx context.Context, kind store.SyncKind, keep func(key []byte) bool) (map[string]bool, error) {
	taken := map[string]bool{}
	err := p.st.View(ctx, func(tx *store.Tx) error {
		return tx.SyncMarks(p.peer, kind, func(k []byte, m store.SyncMark) error {
			if keep(k) {
				taken[m.Ref] = true
			}
			return nil
		})
	})
	return taken, err
}

// mapSlice returns f of each of xs, in order.
func mapSlice[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// remoteTags returns the tags to send for r: its own, with the parent's id
// and other local run ids named by system tags turned into remote ones.
func (p *pusher) remoteTags(r *store.Run) map[string]string {
	tags := make(map[string]string, len(r.Tags))
	for k, v := range r.Tags {
		tags[k] = v
	}
	if par, ok := tags[run.TagParentRunID]; ok {
		if id, err := store.ParseRunID(par); err == nil {
			p.mu.Lock()
			remote, ok := p.runIDs[id]
			p.mu.Unlock()
			if ok && remote != "" {
				tags[run.TagParentRunID] = remote
			}
		}
	}
	return tags
}

func infoDigest(r *store.Run) []byte {
	return (&digest{}).str(r.Name).str(r.Status.String()).int(r.EndTime).sum()
}

func (p *pusher) pushRun(ctx context.Context, r *store.Run) error {
	p.mu.Lock()
	remote := p.runIDs[r.ID]
	p.mu.Unlock()
	key := runKey(r.ID)
	what := fmt.Sprintf("run %s (%s)", r.ID, r.Name)

	// Params and tags: a changed section is sent whole (setting what the
	// server holds again changes nothing there).
	sections := []struct {
		kind store.SyncKind
		m    map[string]string
		f    string
	}{{markParams, r.Params, "params"}, {markTags, p.remoteTags(r), "tags"}}
	for _, s := range sections {
		sum := (&digest{}).strMap(s.m).sum()
		m, _, err := p.mark(ctx, s.kind, key)
		if err != nil {
			return err
		}
		if sameState(m.State, sum) {
			continue
		}
		items := kvs(s.m)
		for len(items) > 0 {
			n, size := 0, 0
			for n < len(items) && n < maxParamsTagsBatch && size+len(items[n].Key)+len(items[n].Value)+32 < maxBatchBytes {
				size += len(items[n].Key) + len(items[n].Value) + 32
				n++
			}
			n = max(n, 1)
			if !p.o.DryRun {
				if err := p.post(ctx, "runs/log-batch", map[string]any{"run_id": remote, s.f: items[:n]}, nil); err != nil {
					return fmt.Errorf("transfer: %s: %s: %w", what, s.f, err)
				}
			}
			if s.kind == markParams {
				p.count(func(rep *Report) { rep.Params += n })
			} else {
				p.count(func(rep *Report) { rep.Tags += n })
			}
			items = items[n:]
		}
		state := sum
		if s.kind == markTags {
			// Tags deleted here since the last push go there too (params
			// cannot be deleted in MLflow).
			err := p.dropGone(ctx, m.State, s.m, func(k string) error {
				return p.post(ctx, "runs/delete-tag", map[string]string{"run_id": remote, "key": k}, nil)
			})
			if err != nil {
				return fmt.Errorf("transfer: %s: %w", what, err)
			}
			state = keyedState(sum, s.m)
		}
		if err := p.setMark(ctx, s.kind, key, store.SyncMark{State: state}); err != nil {
			return err
		}
	}
	if err := p.pushInputs(ctx, r, remote, what); err != nil {
		return err
	}
	if err := p.pushLinks(ctx, r, remote, what); err != nil {
		return err
	}
	if err := p.pushMetrics(ctx, r, remote, what); err != nil {
		return err
	}
	if err := p.pushArtifacts(ctx, r, remote, what); err != nil {
		return err
	}
	// The run's end last: a run finished on the server has all its data.
	m, _, err := p.mark(ctx, markRun, key)
	if err != nil {
		return err
	}
	sum := infoDigest(r)
	if string(m.State) == string(sum) {
		return nil
	}
	if !p.o.DryRun {
		req := map[string]any{"run_id": remote, "status": r.Status.String(), "run_name": r.Name}
		if r.EndTime != 0 {
			req["end_time"] = r.EndTime
		}
		if err := p.post(ctx, "runs/update", req, nil); err != nil {
			return fmt.Errorf("transfer: %s: status: %w", what, err)
		}
	}
	p.count(func(rep *Report) { rep.RunsUpdated++ })
	m.State = sum
	return p.setMark(ctx, markRun, key, m)
}

func (p *pusher) pushInputs(ctx context.Context, r *store.Run, remote, what string) error {
	if len(r.Inputs) == 0 {
		return nil
	}
	d := &digest{}
	for _, in := range r.Inputs {
		d.str(in.Name).str(in.Digest).strMap(in.Tags)
	}
	sum := d.sum()
	m, _, err := p.mark(ctx, markInputs, runKey(r.ID))
	if err != nil || string(m.State) == string(sum) {
		return err
	}
	sets, err := p.t.Datasets(ctx, r.ExperimentID)
	if err != nil {
		return err
	}
	type dataset struct {
		Name       string `json:"name"`
		Digest     string `json:"digest"`
		SourceType string `json:"source_type"`
		Source     string `json:"source"`
		Schema     string `json:"schema,omitempty"`
		Profile    string `json:"profile,omitempty"`
	}
	type input struct {
		Tags    []kv    `json:"tags"`
		Dataset dataset `json:"dataset"`
	}
	var ins []input
	for _, in := range r.Inputs {
		i := slices.IndexFunc(sets, func(d *store.Dataset) bool { return d.Name == in.Name && d.Digest == in.Digest })
		if i < 0 {
			p.skip("%s: input %s (%s): the experiment has no such dataset", what, in.Name, in.Digest)
			continue
		}
		ds := sets[i]
		ins = append(ins, input{Tags: kvs(in.Tags), Dataset: dataset{ds.Name, ds.Digest, ds.SourceType, ds.Source, ds.Schema, ds.Profile}})
	}
	// MLflow's SQL store races with itself when two requests add the same
	// dataset to an experiment (a UNIQUE constraint fails): inputs go one
	// request at a time.
	p.inputsMu.Lock()
	defer p.inputsMu.Unlock()
	for len(ins) > 0 {
		n := min(len(ins), 100)
		if !p.o.DryRun {
			if err := p.post(ctx, "runs/log-inputs", map[string]any{"run_id": remote, "datasets": ins[:n]}, nil); err != nil {
				return fmt.Errorf("transfer: %s: inputs: %w", what, err)
			}
		}
		p.count(func(rep *Report) { rep.Inputs += n })
		ins = ins[n:]
	}
	return p.setMark(ctx, markInputs, runKey(r.ID), store.SyncMark{State: sum})
}

// metric is one point as log_batch takes it.
type metric struct {
	Key       string          `json:"key"`
	Value     jsonfloat.Float `json:"value"`
	Timestamp int64           `json:"timestamp"`
	Step      int64           `json:"step"`
}

// batch is one log_batch of points: for each series, the range of its
// points (indices in logged order) the batch carries.
type batch struct {
	metrics []metric
	spans   map[string]span
}

func (p *pusher) pushMetrics(ctx context.Context, r *store.Run, remote, what string) error {
	keys := slices.Sorted(maps.Keys(r.Metrics))
	marks, err := p.marks(ctx, markSeries, mapSlice(keys, func(k string) []byte { return runSubKey(r.ID, k) }))
	if err != nil {
		return err
	}
	sent := map[string]*spans{}
	var todo []string
	for i, k := range keys {
		sp, err := decodeSpans(marks[i])
		if err != nil {
			return fmt.Errorf("transfer: %s: metric %s: %w", what, k, err)
		}
		sent[k] = sp
		if r.Metrics[k].Count > sp.prefix || len(sp.more) > 0 {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	var batches []*batch
	cur := &batch{spans: map[string]span{}}
	var buf []run.Point
	err = p.t.Snapshot(ctx, func(s *run.Snapshot) error {
		for _, k := range todo {
			var err error
			if buf, err = s.History(buf[:0], r, k, run.AllSteps); err != nil {
				return err
			}
			for i := sent[k].prefix; i < uint64(len(buf)); i++ {
				if sent[k].has(i) {
					continue
				}
				sp, ok := cur.spans[k]
				if ok && sp.to != i {
					// A gap (points that arrived before): each batch
					// carries one span per series.
					batches = append(batches, cur)
					cur = &batch{spans: map[string]span{}}
					ok = false
				}
				if !ok {
					sp = span{i, i}
				}
				pt := buf[i]
				cur.metrics = append(cur.metrics, metric{k, jsonfloat.Float(pt.Value), pt.Time, pt.Step})
				sp.to = i + 1
				cur.spans[k] = sp
				if len(cur.metrics) == maxMetricsPerBatch {
					batches = append(batches, cur)
					cur = &batch{spans: map[string]span{}}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(cur.metrics) > 0 {
		batches = append(batches, cur)
	}
	if p.o.DryRun {
		for _, b := range batches {
			p.count(func(rep *Report) { rep.Points += int64(len(b.metrics)) })
		}
		return nil
	}
	// Batches go out in parallel; each one's points are marked as soon as
	// it arrived, as spans of each series' indices.
	var mu sync.Mutex
	return parallel(ctx, len(batches), p.o.Concurrency, func(ctx context.Context, i int) error {
		b := batches[i]
		if err := p.post(ctx, "runs/log-batch", map[string]any{"run_id": remote, "metrics": b.metrics}, nil); err != nil {
			return fmt.Errorf("transfer: %s: metrics: %w", what, err)
		}
		p.count(func(rep *Report) { rep.Points += int64(len(b.metrics)) })
		mu.Lock()
		defer mu.Unlock()
		var keys [][]byte
		var ms []store.SyncMark
		for k, sp := range b.spans {
			sent[k].add(sp)
			keys = append(keys, runSubKey(r.ID, k))
			ms = append(ms, sent[k].mark())
		}
		return p.setMarks(ctx, markSeries, keys, ms)
	})
}

func (p *pusher) pushArtifacts(ctx context.Context, r *store.Run, remote, what string) error {
	files, err := p.t.ListArtifacts(ctx, r.ID, "", true)
	if err != nil {
		return err
	}
	todo, err := p.filesToSend(ctx, markArtifact, r.ID[:], files)
	if err != nil || len(todo) == 0 {
		return err
	}
	uri := ""
	if !p.o.DryRun {
		var info remoteRun
		if err := p.get(ctx, "runs/get", url.Values{"run_id": {remote}}, &info); err != nil {
			return fmt.Errorf("transfer: %s: %w", what, err)
		}
		uri = info.Run.Info.ArtifactURI
	}
	return p.sendFiles(ctx, markArtifact, r.ID[:], p.t.RunTree(r.ID), todo, uri, what)
}
