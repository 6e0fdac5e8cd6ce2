package creditdemo

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

// Names and sizes of the story.
const (
	// ExperimentName is the experiment Build logs the sweep into.
	ExperimentName = "credit_default_prediction"
	// ModelName is the registered model Build promotes.
	ModelName = "CreditDefaultModel"
	// DefaultSeed is the data and sweep seed when Options.Seed is 0.
	DefaultSeed = 42
	// DefaultChildren is the number of child runs when Options.Children is 0.
	DefaultChildren = 36
	// MaxChildren bounds Options.Children.
	MaxChildren = 1000
	// Rows, TrainRows: the data set's size and its training share; the
	// rest is the validation set.
	Rows      = 20_000
	TrainRows = 15_000
	// ProductionAUC is the policy bar of the Production gate: a version's
	// source run must have metrics.val_auc at least this.
	ProductionAUC = 0.85
	// ParentRunName names the sweep's parent run.
	ParentRunName = "credit-default-sweep"
)

// ErrNotStore is returned (wrapped) when the path Build is asked to replace
// exists and is not an mlite store; Build leaves it alone.
var ErrNotStore = errors.New("creditdemo: path exists and is not an mlite store")

// Options configure Build. nil means all defaults.
type Options struct {
	// Out receives progress lines for people. Nil: discarded.
	Out io.Writer
	// Seed drives the data and the sweep. Zero: DefaultSeed.
	Seed int64
	// Children is the number of child runs of the sweep, from 2 to
	// MaxChildren. Zero: DefaultChildren (36).
	Children int
	// Command is how the "Next, try" lines Build prints start the mlite
	// command, such as "go run ./cmd/mlite". Empty: "mlite".
	Command string
}

// Report says what Build stored.
type Report struct {
	// Path is the store file's absolute path.
	Path string
	// ExperimentID is the id of ExperimentName.
	ExperimentID string
	// ParentRunID is the sweep's parent run.
	ParentRunID string
	// Children is the number of child runs.
	Children int
	// BestRunID and BestAUC are the child with the highest validation AUC.
	BestRunID string
	BestAUC   float64
	// Model is the registered model's name, ModelName.
	Model string
	// ProductionVersion is the version in Production, with alias champion.
	ProductionVersion int64
}

// Build creates the store at path and fills it with the seed story:
// a generated credit-default data set, the parent sweep run with its child
// runs trained for real, and the registered model ModelName in two versions
// logged with signatures (as the baseline, the best model of the other
// family; then the best model), the best one promoted through a Production
// gate to Production with the alias champion. With the default seed the gate
// refuses the baseline (its val_auc is under ProductionAUC); with a seed
// where it passes, the baseline reaches Production first and is archived
// when the best model replaces it. Progress goes to o.Out.
//
// An mlite store already at path is replaced, with its "<path>-blobs"
// folder, even if another process has it open; anything else at path is
// refused with ErrNotStore and left as it is.
//
// Build honours ctx: cancelled, it stops training, marks the runs it
// interrupted FAILED and returns an error wrapping ctx's; the store keeps
// what was logged until then.
func Build(ctx context.Context, path string, o *Options) (*Report, error) {
	var opt Options
	if o != nil {
		opt = *o
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.Children == 0 {
		opt.Children = DefaultChildren
	}
	if opt.Children < 2 || opt.Children > MaxChildren {
		return nil, fmt.Errorf("creditdemo: %d children: the sweep needs from 2 to %d: %w", opt.Children, MaxChildren, mlite.ErrInvalid)
	}
	if path == "" {
		return nil, fmt.Errorf("creditdemo: empty path: %w", mlite.ErrInvalid)
	}
	start := time.Now()
	if err := clearStore(ctx, path, opt.Out); err != nil {
		return nil, err
	}
	db, err := mlite.Open(path, nil)
	if err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	b := &builder{db: db, reg: db.Registry(), out: opt.Out, opt: opt}
	rep, err := b.build(ctx)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("creditdemo: close %s: %w", path, cerr)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opt.Out, "\nDone in %.1f s: %s\n", time.Since(start).Seconds(), rep.Path)
	q := shellQuote(rep.Path)
	cmd := opt.Command
	if cmd == "" {
		cmd = "mlite"
	}
	fmt.Fprintf(opt.Out, "\nNext, try:\n")
	for _, c := range []string{
		"ui --db " + q,
		"runs ls --db " + q + ` --order-by "metrics.val_auc DESC" --max 5`,
		"runs ls --db " + q + ` --filter "params.resampling != 'none' and metrics.val_auc > 0.85"`,
		"models show " + ModelName + " --db " + q,
		"models audit " + ModelName + " --db " + q,
		fmt.Sprintf("models lineage %s %d --db %s", ModelName, rep.ProductionVersion, q),
		"serve models:/" + ModelName + "@champion --db " + q,
	} {
		fmt.Fprintf(opt.Out, "  %s %s\n", cmd, c)
	}
	return rep, nil
}

// clearStore removes the mlite store at path and its blob folder, if there
// is one; a path that is anything else is refused.
func clearStore(ctx context.Context, path string, out io.Writer) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creditdemo: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is a %s, not a file", ErrNotStore, path, fi.Mode().Type())
	}
	db, err := mlite.OpenContext(ctx, path, &mlite.Options{NoCapture: true, LockTimeout: 5 * time.Second})
	if err != nil {
		if errors.Is(err, mlite.ErrNotStore) {
			return fmt.Errorf("%w: %s: not replacing it: %w", ErrNotStore, path, err)
		}
		return fmt.Errorf("creditdemo: not replacing %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("creditdemo: not replacing %s: %w", path, err)
	}
	if err := os.RemoveAll(run.BlobDir(path)); err != nil {
		return fmt.Errorf("creditdemo: %w", err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("creditdemo: %w", err)
	}
	fmt.Fprintf(out, "Replaced the mlite store at %s.\n", path)
	return nil
}

// builder carries Build's state.
type builder struct {
	db  *mlite.DB
	reg *registry.Registry
	out io.Writer
	opt Options

	data, train, valid *Dataset
	trainDS, validDS   run.Dataset
}

func (b *builder) printf(format string, args ...any) { fmt.Fprintf(b.out, format, args...) }

func (b *builder) build(ctx context.Context) (*Report, error) {
	rep := &Report{Path: b.db.Path(), Model: ModelName}
	b.printf("Building the quickstart store %s (seed %d).\n\n", rep.Path, b.opt.Seed)

	// 1. The data.
	b.data = Generate(b.opt.Seed, Rows)
	b.train, b.valid = b.data.Slice(0, TrainRows), b.data.Slice(TrainRows, Rows)
	var err error
	if b.trainDS, err = datasetInput("credit-default-train", b.train, b.opt.Seed); err != nil {
		return nil, err
	}
	if b.validDS, err = datasetInput("credit-default-validation", b.valid, b.opt.Seed); err != nil {
		return nil, err
	}
	b.printf("1. Data: %d loans generated, %.1f%% defaults (%d); %d for training, %d for validation.\n",
		b.data.Len(), 100*b.data.PositiveRate(), b.data.Positives(), b.train.Len(), b.valid.Len())
	b.printf("   Datasets %s (digest %s) and %s (digest %s).\n", b.trainDS.Name, b.trainDS.Digest, b.validDS.Name, b.validDS.Digest)

	// 2. The experiment and the sweep.
	exp, err := b.db.CreateExperiment(ctx, ExperimentName, map[string]string{
		run.TagNote: "Credit default prediction on a heavily imbalanced data set: logistic regression and " +
			"gradient-boosted trees, with and without resampling. Built by the mlite quickstart.",
		"task": "binary-classification",
	})
	if err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	rep.ExperimentID = exp.ID.String()
	parent, err := b.db.StartRun(ctx, exp.ID, run.Name(ParentRunName),
		run.Description(fmt.Sprintf("A sweep of %d configurations; each child run trains one model.", b.opt.Children)))
	if err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	rep.ParentRunID = parent.ID().String()
	trials, err := b.sweep(ctx, exp.ID, parent)
	if err != nil {
		parent.Fail(context.WithoutCancel(ctx), err)
		return nil, err
	}
	rep.Children = len(trials)
	best := trials[0]
	rep.BestRunID, rep.BestAUC = best.RunID.String(), best.ValAUC
	b.printf("   Best child: %s, val_auc %.4f (run %s); logged on the parent run.\n", best.Name, best.ValAUC, best.RunID)

	// 3. The registry.
	v, err := b.register(ctx, trials)
	if err != nil {
		return nil, err
	}
	rep.ProductionVersion = v
	return rep, nil
}

// datasetInput describes a data set as a dataset input, its schema inferred
// from its rows and its profile measured.
func datasetInput(name string, d *Dataset, seed int64) (run.Dataset, error) {
	s, err := mlmodel.InferSchema(d.Rows)
	if err != nil {
		return run.Dataset{}, fmt.Errorf("creditdemo: dataset schema: %w", err)
	}
	js, err := s.JSON()
	if err != nil {
		return run.Dataset{}, fmt.Errorf("creditdemo: dataset schema: %w", err)
	}
	schema, _ := json.Marshal(map[string]any{"mlflow_colspec": json.RawMessage(js)})
	profile, _ := json.Marshal(map[string]any{"num_rows": d.Len(), "num_elements": d.Len() * len(FeatureNames),
		"num_defaults": d.Positives(), "default_rate": d.PositiveRate()})
	source, _ := json.Marshal(map[string]any{"generator": "github.com/mlite/mlite/examples/creditdemo.Generate", "seed": seed})
	return run.Dataset{Name: name, Digest: d.Digest(), SourceType: "code", Source: string(source),
		Schema: string(schema), Profile: string(profile)}, nil
}

// logInputs records the training and validation sets as r's inputs.
func (b *builder) logInputs(ctx context.Context, r *run.Run) error {
	if err := r.LogInput(ctx, b.trainDS, "training"); err != nil {
		return err
	}
	return r.LogInput(ctx, b.validDS, "eval")
}

// sweep trains the grid as child runs of parent, on a few goroutines, and
// returns the trials best first.
func (b *builder) sweep(ctx context.Context, exp run.ExperimentID, parent *run.Run) ([]*trial, error) {
	grid := Grid(b.opt.Children, b.opt.Seed)
	if err := parent.LogParams(map[string]any{
		"seed": b.opt.Seed, "n_children": len(grid), "n_rows": b.data.Len(), "n_train": b.train.Len(),
		"n_valid": b.valid.Len(), "models": LogisticRegression + "," + BoostedTrees,
		"resampling": strings.Join(strategies, ","),
	}); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	if err := b.logInputs(ctx, parent); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	if err := parent.LogMetrics(map[string]float64{
		"train_default_rate": b.train.PositiveRate(), "valid_default_rate": b.valid.PositiveRate()}); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	if err := parent.LogBytes(ctx, sampleCSV(b.data, 200), "data/sample.csv"); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	workers := min(runtime.GOMAXPROCS(0), 4, len(grid))
	b.printf("2. Experiment %q (id %s): parent run %s (%s) sweeps %d configurations on %d goroutines.\n",
		ExperimentName, exp, ParentRunName, parent.ID(), len(grid), workers)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		t   *trial
		err error
	}
	jobs := make(chan Config)
	results := make(chan result)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range jobs {
				t, err := b.child(ctx, exp, parent.ID(), c)
				results <- result{t, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, c := range grid {
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var trials []*trial
	var firstErr error
	for res := range results {
		if res.err != nil {
			if firstErr == nil {
				firstErr = res.err
				cancel()
			}
			continue
		}
		trials = append(trials, res.t)
		t := res.t
		b.printf("   [%2d/%d] %-34s val_auc %.4f  f1 %.3f  recall %.3f  (%.2f s)\n", len(trials), len(grid),
			t.Name, t.ValAUC, t.Matrix.F1(), t.Matrix.Recall(), t.Elapsed.Seconds())
	}
	if firstErr != nil {
		return nil, firstErr
	}
	slices.SortStableFunc(trials, func(x, y *trial) int { return cmpFloat(y.ValAUC, x.ValAUC) })
	best := trials[0]
	if err := parent.LogMetric("best_val_auc", best.ValAUC); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	for _, kv := range [][2]string{{"best_run_id", best.RunID.String()}, {"best_run_name", best.Name}, {"best_model", best.Config.Model}} {
		if err := parent.SetTag(kv[0], kv[1]); err != nil {
			return nil, fmt.Errorf("creditdemo: %w", err)
		}
	}
	if err := parent.LogBytes(ctx, leaderboardCSV(trials), "sweep/leaderboard.csv"); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	if err := parent.End(ctx); err != nil {
		return nil, fmt.Errorf("creditdemo: %w", err)
	}
	return trials, nil
}

// child trains one configuration as a child run of parent.
func (b *builder) child(ctx context.Context, exp run.ExperimentID, parent run.ID, c Config) (*trial, error) {
	r, err := b.db.StartRun(ctx, exp, run.Parent(parent), run.Name(c.Name()),
		run.Tags(map[string]string{"model_family": c.Model, "resampling": c.Resampling}))
	if err != nil {
		return nil, fmt.Errorf("creditdemo: %s: %w", c.Name(), err)
	}
	if err := b.logInputs(ctx, r); err != nil {
		r.Fail(context.WithoutCancel(ctx), err)
		return nil, fmt.Errorf("creditdemo: %s: %w", c.Name(), err)
	}
	t, err := train(ctx, r, c, b.train, b.valid)
	if err != nil {
		// Record the failure even when ctx was cancelled.
		r.Fail(context.WithoutCancel(ctx), err)
		return nil, fmt.Errorf("creditdemo: %s: %w", c.Name(), err)
	}
	// A finished model ends its run even if ctx is cancelled meanwhile.
	if err := r.End(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("creditdemo: %s: %w", c.Name(), err)
	}
	return t, nil
}

// sampleCSV writes the first n rows of d with their labels as CSV.
func sampleCSV(d *Dataset, n int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append(slices.Clone(FeatureNames), "defaulted"))
	for i := range min(n, d.Len()) {
		rec := make([]string, 0, len(FeatureNames)+1)
		for _, v := range d.X[i] {
			rec = append(rec, strconv.FormatFloat(v, 'f', -1, 64))
		}
		w.Write(append(rec, strconv.Itoa(int(d.Y[i]))))
	}
	w.Flush()
	return buf.Bytes()
}

// leaderboardCSV lists the trials, best first.
func leaderboardCSV(trials []*trial) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"rank", "run_id", "run_name", "model", "resampling", "val_auc", "val_logloss", "precision", "recall", "f1"})
	for i, t := range trials {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
		w.Write([]string{strconv.Itoa(i + 1), t.RunID.String(), t.Name, t.Config.Model, t.Config.Resampling,
			f(t.ValAUC), f(t.ValLoss), f(t.Matrix.Precision()), f(t.Matrix.Recall()), f(t.Matrix.F1())})
	}
	w.Flush()
	return buf.Bytes()
}

// shellQuote quotes p for a POSIX shell when it needs it.
func shellQuote(p string) string {
	if p != "" && !strings.ContainsFunc(p, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}
