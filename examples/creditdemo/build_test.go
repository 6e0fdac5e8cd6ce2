package creditdemo

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestBuild builds the default story and checks everything it promises.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole store")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "quickstart.mlite")
	var out strings.Builder
	rep, err := Build(ctx, path, &Options{Out: &out})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out.String())
	}
	for _, want := range []string{"refused by the gate", "champion", "mlite ui --db " + path,
		`mlite runs ls --db ` + path + ` --order-by "metrics.val_auc DESC" --max 5`, "mlite models show CreditDefaultModel --db " + path} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Build's output lacks %q:\n%s", want, out.String())
		}
	}

	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	exp, err := db.GetExperimentByName(ctx, ExperimentName)
	if err != nil {
		t.Fatal(err)
	}
	if exp.ID.String() != rep.ExperimentID {
		t.Errorf("experiment id %s, report says %s", exp.ID, rep.ExperimentID)
	}
	parentID, err := store.ParseRunID(rep.ParentRunID)
	if err != nil {
		t.Fatal(err)
	}
	parent, err := db.GetRun(ctx, parentID)
	if err != nil {
		t.Fatal(err)
	}
	if parent.Status != run.Finished || parent.Name != ParentRunName {
		t.Errorf("parent run %q is %s, want %q FINISHED", parent.Name, parent.Status, ParentRunName)
	}
	children, err := db.Children(ctx, parentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(children) < 30 || len(children) != rep.Children || len(children) != DefaultChildren {
		t.Fatalf("%d child runs, report says %d; want %d (at least 30)", len(children), rep.Children, DefaultChildren)
	}

	bestAUC, bestID := -1.0, run.ID{}
	families := map[string]bool{}
	for _, c := range children {
		if c.Status != run.Finished {
			t.Errorf("child %s is %s, want FINISHED", c.Name, c.Status)
		}
		if c.ExperimentID != exp.ID {
			t.Errorf("child %s in experiment %s, want %s", c.Name, c.ExperimentID, exp.ID)
		}
		families[c.Params["model"]+" "+c.Params["resampling"]] = true
		s := c.Metrics["val_auc"]
		if s == nil {
			t.Fatalf("child %s has no val_auc", c.Name)
		}
		auc := s.Latest.Value
		if !(auc > 0.5 && auc < 1) {
			t.Errorf("child %s: val_auc %v, want strictly between 0.5 and 1", c.Name, auc)
		}
		if auc > bestAUC {
			bestAUC, bestID = auc, c.ID
		}
		for _, key := range []string{"val_auc", "train_loss", "val_logloss"} {
			h, err := db.MetricHistory(ctx, c.ID, key, run.AllSteps)
			if err != nil {
				t.Fatal(err)
			}
			steps := map[int64]bool{}
			for _, p := range h {
				steps[p.Step] = true
			}
			if len(h) < 5 || len(steps) != len(h) {
				t.Errorf("child %s: %s history of %d points at %d steps, want several, one per step", c.Name, key, len(h), len(steps))
			}
		}
		for _, key := range []string{"val_logloss", "precision", "recall", "f1", "threshold"} {
			if c.Metrics[key] == nil {
				t.Errorf("child %s lacks metric %s", c.Name, key)
			}
		}
		if len(c.Inputs) != 2 {
			t.Errorf("child %s has %d dataset inputs, want 2 (training and eval)", c.Name, len(c.Inputs))
		}
		files, err := db.ListArtifacts(ctx, c.ID, "", true)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, f := range files {
			paths = append(paths, f.Path)
		}
		for _, want := range []string{"plots/feature_importance.png", "plots/confusion_matrix.png", "model/" + ModelFile} {
			if !slices.Contains(paths, want) {
				t.Errorf("child %s: artifacts %v lack %s", c.Name, paths, want)
			}
		}
		for _, p := range []string{"plots/feature_importance.png", "plots/confusion_matrix.png"} {
			rc, err := db.OpenArtifact(ctx, c.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(rc)
			rc.Close()
			if err != nil {
				t.Errorf("child %s: %s does not decode: %v", c.Name, p, err)
			} else if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
				t.Errorf("child %s: %s is %v", c.Name, p, b)
			}
		}
	}
	if len(families) != 6 {
		t.Errorf("model and resampling pairs %v, want 6", families)
	}
	if bestID.String() != rep.BestRunID || bestAUC != rep.BestAUC {
		t.Errorf("best child %s (%v), report says %s (%v)", bestID, bestAUC, rep.BestRunID, rep.BestAUC)
	}
	if parent.Tags["best_run_id"] != rep.BestRunID || parent.Metrics["best_val_auc"] == nil ||
		parent.Metrics["best_val_auc"].Latest.Value != rep.BestAUC {
		t.Errorf("parent logs best run %s, best_val_auc %v; want %s, %v",
			parent.Tags["best_run_id"], parent.Metrics["best_val_auc"], rep.BestRunID, rep.BestAUC)
	}
	if rep.BestAUC < ProductionAUC {
		t.Errorf("best val_auc %v is below the Production bar %v", rep.BestAUC, ProductionAUC)
	}

	// The best run's logged model: an MLmodel with a signature.
	rc, err := db.OpenArtifact(ctx, bestID, "model/"+mlmodel.FileName)
	if err != nil {
		t.Fatalf("best run's MLmodel: %v", err)
	}
	mm, err := mlmodel.Decode(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if mm.Signature == nil || mm.Signature.Inputs == nil || mm.Signature.Outputs == nil {
		t.Fatalf("MLmodel signature %+v, want inputs and outputs", mm.Signature)
	}
	if got := mm.Signature.Inputs.Names(); !slices.Equal(got, FeatureNames) {
		t.Errorf("signature inputs %v, want %v", got, FeatureNames)
	}
	if mm.Flavors[mlmodel.GoFlavor]["model_file"] != ModelFile {
		t.Errorf("go_mlite flavor %v, want model_file %s", mm.Flavors[mlmodel.GoFlavor], ModelFile)
	}

	// The registry: Production has the champion, the best run's model.
	reg := db.Registry()
	champ, err := reg.Resolve(ctx, "models:/"+ModelName+"@champion")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := reg.Resolve(ctx, "models:/"+ModelName+"/Production")
	if err != nil {
		t.Fatal(err)
	}
	if champ.Version != prod.Version || prod.Version != rep.ProductionVersion {
		t.Errorf("champion is version %d, Production %d, report says %d", champ.Version, prod.Version, rep.ProductionVersion)
	}
	if prod.Stage != registry.Production || prod.RunID != rep.BestRunID || prod.Tags[TagValidationStatus] != "passed" {
		t.Errorf("Production version %d: stage %s, run %s, tags %v; want Production, run %s, validated",
			prod.Version, prod.Stage, prod.RunID, prod.Tags, rep.BestRunID)
	}
	versions, err := reg.Versions(ctx, ModelName)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) < 2 {
		t.Fatalf("%d versions of %s, want at least 2", len(versions), ModelName)
	}
	for _, v := range versions {
		if v.Version != prod.Version && v.Stage == registry.Production {
			t.Errorf("version %d is also in Production", v.Version)
		}
	}
	gates, err := reg.Gates(ctx, ModelName)
	if err != nil {
		t.Fatal(err)
	}
	if len(gates) != 1 || gates[0].Target != "Production" || gates[0].RequiredTags[TagValidationStatus] != "passed" ||
		!strings.Contains(gates[0].MetricFilter, "metrics.val_auc >=") {
		t.Errorf("gates %+v, want the Production gate", gates)
	}
	// The gate holds: the weaker version may not enter Production.
	weaker := versions[0]
	if weaker.Version == prod.Version {
		weaker = versions[1]
	}
	if _, err := reg.TransitionStage(ctx, ModelName, weaker.Version, "Production", false); !errors.Is(err, registry.ErrGate) {
		t.Errorf("promoting the weaker version %d: err %v, want ErrGate", weaker.Version, err)
	}

	// The registered file scores the regenerated validation set to the
	// logged AUC: the model and the data are reproducible.
	rc, err = reg.OpenFile(ctx, ModelName, prod.Version, ModelFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadModel(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	valid := Generate(DefaultSeed, Rows).Slice(TrainRows, Rows)
	if got := AUC(m.PredictAll(valid.X), valid.Y); got != rep.BestAUC {
		t.Errorf("the Production model scores val_auc %v, the run logged %v", got, rep.BestAUC)
	}

	problems, err := db.Check(ctx)
	if err != nil || len(problems) > 0 {
		t.Errorf("Check: %v, problems %v", err, problems)
	}
	vr, err := db.Verify(ctx, nil)
	if err != nil || !vr.OK() {
		t.Errorf("Verify: %v, problems %v", err, vr.Problems)
	}
}

func TestBuildReplacesStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "q.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateExperiment(ctx, "old", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(run.BlobDir(path), "stale")
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(ctx, path, &Options{Children: 2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Children != 2 {
		t.Errorf("Children: 2 gave %d children", rep.Children)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old blob folder's file: %v, want it removed", err)
	}
	db, err = mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.GetExperimentByName(ctx, "old"); !errors.Is(err, mlite.ErrNotFound) {
		t.Errorf("the old store's experiment: %v, want ErrNotFound", err)
	}
}

func TestBuildRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	foreign := filepath.Join(dir, "notes.txt")
	content := []byte("not a store\n")
	if err := os.WriteFile(foreign, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, foreign, nil); !errors.Is(err, ErrNotStore) {
		t.Errorf("Build over a text file: err %v, want ErrNotStore", err)
	}
	if got, _ := os.ReadFile(foreign); string(got) != string(content) {
		t.Errorf("the text file now holds %q, want it untouched", got)
	}
	if _, err := Build(ctx, dir, nil); !errors.Is(err, ErrNotStore) {
		t.Errorf("Build over a folder: err %v, want ErrNotStore", err)
	}
	for _, n := range []int{1, -3, MaxChildren + 1} {
		if _, err := Build(ctx, filepath.Join(dir, "x.mlite"), &Options{Children: n}); !errors.Is(err, mlite.ErrInvalid) {
			t.Errorf("Children %d: err %v, want ErrInvalid", n, err)
		}
	}
	if _, err := Build(ctx, "", nil); !errors.Is(err, mlite.ErrInvalid) {
		t.Errorf("empty path: err %v, want ErrInvalid", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.mlite")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Build left a file: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/q.mlite":    "/tmp/q.mlite",
		"/tmp/my q.mlite": "'/tmp/my q.mlite'",
		"it's":            `'it'\''s'`,
		"":                "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

// cancelOn cancels when the progress output contains a marker.
type cancelOn struct {
	mark   string
	cancel context.CancelFunc
	seen   strings.Builder
}

// TestBuildCommand checks that the "Next, try" lines name the command given.
func TestBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store")
	}
	path := filepath.Join(t.TempDir(), "q.mlite")
	var out strings.Builder
	if _, err := Build(context.Background(), path, &Options{Out: &out, Children: 2, Command: "go run ./cmd/mlite"}); err != nil {
		t.Fatalf("Build: %v\n%s", err, out.String())
	}
	_, hints, ok := strings.Cut(out.String(), "Next, try:\n")
	if !ok {
		t.Fatalf("Build's output has no \"Next, try:\" lines:\n%s", out.String())
	}
	lines := strings.Split(strings.TrimRight(hints, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "  go run ./cmd/mlite ") {
			t.Errorf("hint %q: want it to start with the command given, go run ./cmd/mlite", l)
		}
	}
	if len(lines) < 5 || !strings.Contains(hints, "go run ./cmd/mlite ui --db "+path) {
		t.Errorf("got hints\n%s\nwant the ui command among them", hints)
	}
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.seen.Write(p)
	if strings.Contains(w.seen.String(), w.mark) {
		w.cancel()
	}
	return len(p), nil
}

func TestBuildCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a build")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "q.mlite")
	out := &cancelOn{mark: "[ 3/", cancel: cancel}
	_, err := Build(ctx, path, &Options{Out: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Build cancelled after 3 children: err %v, want context.Canceled\n%s", err, out.seen.String())
	}
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exp, err := db.GetExperimentByName(context.Background(), ExperimentName)
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.ListRuns(context.Background(), exp.ID, run.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) < 4 || len(page.Runs) > DefaultChildren {
		t.Errorf("%d runs after cancelling, want the parent and at least 3 children, not all", len(page.Runs))
	}
	for _, r := range page.Runs {
		if r.Status == run.Running {
			t.Errorf("run %s is still RUNNING after Build returned", r.Name)
		}
	}
	if problems, err := db.Check(context.Background()); err != nil || len(problems) > 0 {
		t.Errorf("Check: %v, problems %v", err, problems)
	}
}
