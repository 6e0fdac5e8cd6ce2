package report_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/browsertest"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/report"
	"github.com/mlite/mlite/run"
)

// sweep logs two runs with params, curves (one with NaN and +Inf), final
// metrics, a tag, an image, a text file and a binary file, and registers
// the first one's model with a signature.
func sweep(t *testing.T) (*mlite.DB, []run.ID) {
	t.Helper()
	ctx := context.Background()
	db := mlitetest.New(t)
	var ids []run.ID
	for i, name := range []string{"lgbm_smote", "rf_baseline"} {
		r, err := db.StartRun(ctx, 0, mlite.RunName(name))
		if err != nil {
			t.Fatal(err)
		}
		r.LogParam("model", strings.Split(name, "_")[0])
		r.LogParam("max_depth", 6+i)
		r.SetTag("team", "risk <b>&</b>")
		for s := range 50 {
			v := 1 / float64(s+1+i)
			if i == 1 && s == 20 {
				v = math.NaN()
			}
			if i == 1 && s == 21 {
				v = math.Inf(1)
			}
			r.LogMetric("val_loss", v, mlite.Step(int64(s)))
		}
		r.LogMetric("auc", 0.9-float64(i)/10)
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		img.Set(1, 1, color.RGBA{255, 0, 0, 255})
		if err := r.LogImage(ctx, img, "plots/importance.png"); err != nil {
			t.Fatal(err)
		}
		if err := r.LogText(ctx, "threshold: 0.42\n<script>alert(1)</script>\n", "notes.txt"); err != nil {
			t.Fatal(err)
		}
		if err := r.LogBytes(ctx, []byte{0, 1, 2, 3}, "weights.bin"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"trees": 3}`), 0o644)
			sig := &mlmodel.Signature{
				Inputs:  &mlmodel.Schema{Cols: []mlmodel.ColSpec{mlmodel.Col("income", mlmodel.Double), mlmodel.Col("age", mlmodel.Long)}},
				Outputs: &mlmodel.Schema{Cols: []mlmodel.ColSpec{mlmodel.Col("default_probability", mlmodel.Double)}},
			}
			if _, _, err := db.Registry().LogModel(ctx, r.ID(), dir, &registry.LogModelOptions{Signature: sig, RegisteredModelName: "CreditDefaultModel"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID())
	}
	return db, ids
}

var fixedNow = &report.Options{Now: func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }}

func TestRunsReport(t *testing.T) {
	ctx := context.Background()
	db, ids := sweep(t)
	var buf bytes.Buffer
	if err := report.Runs(ctx, &buf, db.Tracker, ids, fixedNow); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<title>Comparison of 2 runs</title>",
		"default-src 'none'",        // nothing is loaded from outside
		"2026-12-06 12:00 UTC",      // the stamp
		"lgbm_smote", "rf_baseline", // both runs
		`<tr class="differs"><td><code>max_depth</code></td><td>6</td><td>7</td></tr>`,
		`<figcaption>val_loss</figcaption>`, // a chart of the curve
		"<polyline",
		"risk &lt;b&gt;&amp;&lt;/b&gt;",         // tags are escaped
		"&lt;script&gt;alert(1)&lt;/script&gt;", // so are text previews
		`src="data:image/png;base64,`,           // the image is inside
		"weights.bin",                           // listed, not previewed
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "<figcaption>auc</figcaption>") {
		t.Error("a metric with one value per run got a chart")
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(html); m != "" {
		t.Errorf("the report refers to something outside the file: %s", m)
	}
	// The NaN and +Inf of rf_baseline break its curve rather than bend the axes.
	if n := strings.Count(html, `stroke="#f28e2b"`); n != 2 {
		t.Errorf("rf_baseline's val_loss drawn in %d pieces, want 2 (broken at NaN and +Inf)", n)
	}
	if err := report.Runs(ctx, &buf, db.Tracker, nil, nil); err != report.ErrNoRuns {
		t.Errorf("no runs: got %v, want ErrNoRuns", err)
	}

	// A run whose artifacts are remote is reported without files.
	r := mlitetest.RunAt(t, db, "remote", "s3://bucket/p")
	if err := report.Runs(ctx, &buf, db.Tracker, []run.ID{r.ID}, fixedNow); err != nil {
		t.Errorf("a run with remote artifacts: %v", err)
	}
}

func TestVersionReport(t *testing.T) {
	ctx := context.Background()
	db, _ := sweep(t)
	reg := db.Registry()
	if _, err := reg.TransitionStage(ctx, "CreditDefaultModel", 1, "Production", false); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetAlias(ctx, "CreditDefaultModel", "champion", 1); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Version(ctx, &buf, db.Tracker, reg, "CreditDefaultModel", 1, fixedNow); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<title>CreditDefaultModel version 1</title>",
		"Production · @champion",
		"<td>income</td><td>double</td><td>required</td>",
		"<td>default_probability</td><td>double</td><td>required</td>",
		"transition_stage: None → Production",
		"<h2>Source run</h2>", "lgbm_smote",
		"<figcaption>val_loss</figcaption>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if err := report.Version(ctx, &buf, db.Tracker, reg, "NoSuchModel", 1, nil); err == nil {
		t.Error("a missing model gave no error")
	}
}

// TestReportInBrowser opens a report from file:// in a browser with no
// network: the charts are drawn, nothing is wider than the window, and
// the dark colour scheme changes the background.
func TestReportInBrowser(t *testing.T) {
	bctx := browsertest.New(t, 1400, 900, browsertest.Offline)
	db, ids := sweep(t)
	var buf bytes.Buffer
	if err := report.Runs(context.Background(), &buf, db.Tracker, ids, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string) float64 {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[float64](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	if n := eval(`[...document.querySelectorAll("svg.chart polyline")].filter(p => p.getBBox().width > 100).length`); n < 2 {
		t.Errorf("%v curves drawn wider than 100 units, want the 2 runs' val_loss", n)
	}
	if n := eval(`[...document.querySelectorAll("img.preview")].filter(i => i.complete && i.naturalWidth > 0).length`); n != 2 {
		t.Errorf("%v images shown, want 2", n)
	}
	if w := eval(`document.documentElement.scrollWidth`); w > 1400 {
		t.Errorf("the page is %v px wide in a 1400 px window", w)
	}
	light := eval(`parseInt(getComputedStyle(document.body).backgroundColor.match(/\d+/)[0])`)
	// The same file under a dark colour scheme.
	dark := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
	if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, dark); err != nil {
		t.Fatal(err)
	}
	if d := eval(`parseInt(getComputedStyle(document.body).backgroundColor.match(/\d+/)[0])`); !(light > 200 && d < 60) {
		t.Errorf("background red channel: light %v, dark %v; want light > 200 and dark < 60", light, d)
	}
}
