package creditdemo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
)

// Version tags Build sets after validating a version.
const (
	TagValidationStatus = "validation_status"
	TagValidationAUC    = "validation_auc"
)

// register logs the best model and the best of the other family (the
// baseline) with signatures as versions of ModelName, gates Production,
// validates both, shows the gate refusing the weaker one and promotes the
// best to Production with the alias champion. It returns that version.
func (b *builder) register(ctx context.Context, trials []*trial) (int64, error) {
	best := trials[0]
	base := trials[1]
	for _, t := range trials[1:] {
		if t.Config.Model != best.Config.Model {
			base = t
			break
		}
	}
	b.printf("3. Registry: model %s.\n", ModelName)
	if _, err := b.reg.CreateModel(ctx, ModelName, map[string]string{"task": "binary-classification", "target": "defaulted"},
		"Probability that a loan defaults, from eight applicant features. Trained by the mlite quickstart sweep."); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	gate := registry.Gate{
		Target:       "Production",
		RequiredTags: map[string]string{TagValidationStatus: "passed"},
		MetricFilter: fmt.Sprintf("metrics.val_auc >= %g", ProductionAUC),
	}
	if err := b.reg.SetGate(ctx, ModelName, gate); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	b.printf("   Gate on Production: tag %s=passed and %q.\n", TagValidationStatus, gate.MetricFilter)

	vBase, err := b.logModel(ctx, base, "Baseline: the best "+base.Config.Model+" of the sweep.")
	if err != nil {
		return 0, err
	}
	vBest, err := b.logModel(ctx, best, "The best model of the sweep.")
	if err != nil {
		return 0, err
	}

	// The baseline goes to Staging, passes validation, and asks for
	// Production: the gate judges its AUC.
	if err := b.stage(ctx, vBase, "Staging", false); err != nil {
		return 0, err
	}
	if err := b.validate(ctx, vBase, base); err != nil {
		return 0, err
	}
	_, err = b.reg.TransitionStage(ctx, ModelName, vBase, "Production", true)
	var gerr *registry.GateError
	switch {
	case errors.As(err, &gerr):
		b.printf("   Version %d -> Production refused by the gate (errors.Is(err, registry.ErrGate) = %t):\n",
			vBase, errors.Is(err, registry.ErrGate))
		for _, r := range gerr.Results {
			mark := "ok  "
			if !r.Passed {
				mark = "FAIL"
			}
			b.printf("     %s %s", mark, r.Requirement)
			if r.Detail != "" {
				b.printf(" (%s)", r.Detail)
			}
			b.printf("\n")
		}
	case err != nil:
		return 0, fmt.Errorf("creditdemo: %w", err)
	default:
		b.printf("   Version %d -> Production: it passed the gate (val_auc %.4f).\n", vBase, base.ValAUC)
	}

	// The best model replaces it in Staging, is validated and promoted.
	if err := b.stage(ctx, vBest, "Staging", true); err != nil {
		return 0, err
	}
	if err := b.validate(ctx, vBest, best); err != nil {
		return 0, err
	}
	results, err := b.reg.CheckGate(ctx, ModelName, vBest, "Production")
	if err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	for _, r := range results {
		b.printf("   Gate check of version %d: %s: passed=%t\n", vBest, r.Requirement, r.Passed)
	}
	if err := b.stage(ctx, vBest, "Production", true); err != nil {
		return 0, err
	}
	if err := b.reg.SetAlias(ctx, ModelName, "champion", vBest); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	if err := b.reg.SetAlias(ctx, ModelName, "baseline", vBase); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	b.printf("   Aliases: champion -> version %d, baseline -> version %d.\n", vBest, vBase)
	vs, err := b.reg.Versions(ctx, ModelName)
	if err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	for _, v := range vs {
		b.printf("   %s version %d: %-10s from run %s\n", ModelName, v.Version, v.Stage, v.RunID)
	}
	b.printf("   Load it as models:/%s@champion or models:/%s/Production.\n", ModelName, ModelName)
	return vBest, nil
}

// stage moves version v to stage and says so.
func (b *builder) stage(ctx context.Context, v int64, stage string, archiveExisting bool) error {
	mv, err := b.reg.TransitionStage(ctx, ModelName, v, stage, archiveExisting)
	if err != nil {
		return fmt.Errorf("creditdemo: version %d to %s: %w", v, stage, err)
	}
	b.printf("   Version %d -> %s (archive_existing_versions=%t).\n", v, mv.Stage, archiveExisting)
	return nil
}

// logModel logs t's model into its run with a signature and an input example
// and registers it as a new version of ModelName.
func (b *builder) logModel(ctx context.Context, t *trial, description string) (int64, error) {
	dir, err := os.MkdirTemp("", "mlite-demo-model-")
	if err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	defer os.RemoveAll(dir)
	data, err := t.Model.Marshal()
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), data, 0o644); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	sig, err := mlmodel.InferSignature(b.valid.Rows, mlmodel.Named(t.Model.PredictAll(b.valid.X), "default_probability"))
	if err != nil {
		return 0, fmt.Errorf("creditdemo: infer signature: %w", err)
	}
	_, v, err := b.reg.LogModel(ctx, t.RunID, dir, &registry.LogModelOptions{
		ModelType:    t.Model.Type,
		Signature:    sig,
		InputExample: b.valid.Rows[:5],
		Metadata: map[string]any{
			"val_auc":                 t.ValAUC,
			"threshold":               t.Model.Threshold,
			"training_dataset_digest": b.trainDS.Digest,
			"scoring":                 "github.com/mlite/mlite/examples/creditdemo.ReadModel",
		},
		RegisteredModelName: ModelName,
	})
	if err != nil {
		return 0, fmt.Errorf("creditdemo: log model of %s: %w", t.Name, err)
	}
	if err := b.reg.UpdateVersionDescription(ctx, ModelName, v.Version,
		fmt.Sprintf("%s %s (val_auc %.4f).", description, t.Name, t.ValAUC)); err != nil {
		return 0, fmt.Errorf("creditdemo: %w", err)
	}
	b.printf("   Logged %s's model with its signature (%d inputs) to runs:/%s/model; registered as version %d.\n",
		t.Name, len(sig.Inputs.Cols), t.RunID, v.Version)
	return v.Version, nil
}

// validate downloads version v as a user would, loads it, checks its input
// example against its signature and re-scores the validation set: the AUC must
// be the one its run logged. Then it tags the version validation_status=passed.
func (b *builder) validate(ctx context.Context, v int64, t *trial) error {
	dir, err := os.MkdirTemp("", "mlite-demo-validate-")
	if err != nil {
		return fmt.Errorf("creditdemo: %w", err)
	}
	defer os.RemoveAll(dir)
	if _, err := b.reg.Download(ctx, fmt.Sprintf("models:/%s/%d", ModelName, v), dir); err != nil {
		return fmt.Errorf("creditdemo: validate version %d: %w", v, err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("creditdemo: validate version %d: "+format, append([]any{v}, args...)...)
	}
	f, err := os.Open(filepath.Join(dir, mlmodel.FileName))
	if err != nil {
		return fail("%w", err)
	}
	mm, err := mlmodel.Decode(f)
	f.Close()
	if err != nil {
		return fail("%w", err)
	}
	if mm.Signature == nil || mm.Signature.Inputs == nil {
		return fail("no input signature")
	}
	file, _ := mm.Flavors[mlmodel.GoFlavor]["model_file"].(string)
	mf, err := os.Open(filepath.Join(dir, filepath.FromSlash(file)))
	if err != nil {
		return fail("model file: %w", err)
	}
	m, err := ReadModel(mf)
	mf.Close()
	if err != nil {
		return fail("%w", err)
	}
	if mm.SavedInputExample != nil {
		raw, err := os.ReadFile(filepath.Join(dir, mm.SavedInputExample.ArtifactPath))
		if err != nil {
			return fail("input example: %w", err)
		}
		var ex struct {
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		}
		if err := json.Unmarshal(raw, &ex); err != nil {
			return fail("input example: %w", err)
		}
		if _, err := mm.Signature.Inputs.EnforceSplit(ex.Columns, ex.Data); err != nil {
			return fail("input example does not fit the signature: %w", err)
		}
	}
	auc := AUC(m.PredictAll(b.valid.X), b.valid.Y)
	rec, err := b.db.GetRun(ctx, t.RunID)
	if err != nil {
		return fail("%w", err)
	}
	logged := math.NaN()
	if s := rec.Metrics["val_auc"]; s != nil {
		logged = s.Latest.Value
	}
	if auc != logged {
		return fail("re-scored val_auc %v, the run logged %v", auc, logged)
	}
	// The status last: it is what the gate reads.
	for _, kv := range [][2]string{
		{TagValidationAUC, strconv.FormatFloat(auc, 'f', 6, 64)},
		{"validation_rows", strconv.Itoa(b.valid.Len())},
		{TagValidationStatus, "passed"},
	} {
		if err := b.reg.SetVersionTag(ctx, ModelName, v, kv[0], kv[1]); err != nil {
			return fmt.Errorf("creditdemo: %w", err)
		}
	}
	b.printf("   Version %d validated: downloaded, loaded, input example fits the signature, re-scored val_auc %.4f = logged; tagged %s=passed.\n",
		v, auc, TagValidationStatus)
	return nil
}
