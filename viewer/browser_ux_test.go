package viewer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mlite/mlite/examples/creditdemo"
	"github.com/mlite/mlite/internal/browsertest"
)

// TestBrowserTheme opens the same pages in a light and a dark browser: the
// dark one paints the page and the charts dark; both load the icon; "/"
// focuses the filter and Esc clears it; a copy button copies.
func TestBrowserTheme(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.mlite")
	rep, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 2})
	if err != nil {
		t.Fatal(err)
	}
	db, base := serveStore(t, path)
	children, err := db.Children(ctx, mustRunID(t, rep.ParentRunID))
	if err != nil || len(children) != 2 {
		t.Fatalf("children of the demo sweep: got %d, %v; want 2", len(children), err)
	}
	compare := base + "/compare?runs=" + children[0].ID.String() + "," + children[1].ID.String()
	// pixel is a JS expression: the red channel of the parallel plot's
	// top-left pixel (its background).
	const pixel = `document.getElementById("pc-canvas").getContext("2d").getImageData(2, 2, 1, 1).data[0]`
	// iconOK is true once the page's icon and /favicon.ico load as images.
	const iconOK = `(async () => {
	  for (const src of [document.querySelector("link[rel=icon]").href, "/favicon.ico"]) {
	    const r = await fetch(src); if (r.status !== 200) return false;
	    const i = new Image(); i.src = src; await i.decode(); if (!i.naturalWidth) return false;
	  }
	  return true; })()`
	for _, c := range []struct {
		name       string
		extra      []chromedp.ExecAllocatorOption
		background string
		dark       bool
	}{
		{"light", nil, "rgb(255, 255, 255)", false},
		{"dark", []chromedp.ExecAllocatorOption{chromedp.Flag("force-dark-mode", true), chromedp.Flag("blink-settings", "preferredColorScheme=0")}, "rgb(15, 20, 25)", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			bctx := browsertest.New(t, 1400, 900, c.extra...)
			sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
			defer cancel()
			err := chromedp.Do(sctx,
				chromedp.Navigate(base+"/experiments/"+rep.ExperimentID),
				waitJS(`document.querySelectorAll("#runs tbody tr.run").length > 0`),
				shot("theme-"+c.name+"-runs"),
			)
			if err != nil {
				t.Fatal(err)
			}
			bg, err := chromedp.Run(sctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
			if err != nil || bg != c.background {
				t.Errorf("body background: got %q (%v), want %q", bg, err, c.background)
			}
			if ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](iconOK, chromedp.EvalAwaitPromise)); err != nil || !ok {
				t.Errorf("the icon: loaded %v (%v), want both the page's link and /favicon.ico to load as images", ok, err)
			}
			err = chromedp.Do(sctx,
				chromedp.Navigate(compare),
				waitJS(`Number(document.getElementById("pc-canvas").dataset.drawn) === 2`),
				shot("theme-"+c.name+"-compare"),
			)
			if err != nil {
				t.Fatal(err)
			}
			red, err := chromedp.Run(sctx, chromedp.Evaluate[int](pixel))
			if err != nil || (red < 60) != c.dark {
				t.Errorf("parallel plot background red channel: got %d (%v), want dark %v", red, err, c.dark)
			}
		})
	}
}

// TestBrowserUX checks the keyboard of the runs page, a copy button, the
// version page's signature table and width at 1400x900, and the run page's
// link to the versions made from it.
func TestBrowserUX(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.mlite")
	rep, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 2})
	if err != nil {
		t.Fatal(err)
	}
	db, base := serveStore(t, path)
	mv, err := db.Registry().GetVersion(ctx, rep.Model, rep.ProductionVersion)
	if err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.New(t, 1400, 900)
	sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	name := strings.ReplaceAll(creditdemo.ParentRunName, "'", "''")
	err = chromedp.Do(sctx,
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 3`),
		chromedp.KeyEvent("/"),
		waitJS(`document.activeElement === document.getElementById("filter")`),
		// The protocol's key events type the "/" as a separate char event,
		// which a browser's own keyboard would not after preventDefault.
		js(`document.getElementById("filter").value = ""`),
		chromedp.SendKeys(chromedp.CSS(`#filter`), "attributes.run_name = '"+name+"'\n"),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 1`),
		chromedp.SendKeys(chromedp.CSS(`#filter`), kb.Escape),
		waitJS(`document.getElementById("filter").value === "" && document.querySelectorAll("#runs tbody tr.run").length === 3`),
		// The placeholder is a filter on keys the experiment has.
		waitJS(`/^metrics\.\w+ > [0-9.]+ and params\.\w+ = '.*'$/.test(document.getElementById("filter").placeholder)`),
		// A key no run has is named, with the key likely meant.
		chromedp.SendKeys(chromedp.CSS(`#filter`), "metrics.auc > 0.7\n"),
		waitJS("(document.getElementById(\"no-runs\") || {textContent: \"\"}).textContent.includes(\"no run has metric `auc`; did you mean `val_auc`?\")"),
		chromedp.Navigate(base+"/runs/"+rep.ParentRunID),
		chromedp.Click(chromedp.CSS(`button.copy[data-copy="`+rep.ParentRunID+`"]`)),
		// The button says whether the copy worked.
		waitJS(`document.querySelector("button.copy").textContent === "Copied"`),
		chromedp.Navigate(base+"/models/"+rep.Model+"/versions/"+fmt.Sprint(rep.ProductionVersion)),
		waitJS(`document.querySelectorAll("#signature table.sig tbody tr").length > 1`),
		shot("ux-version"),
	)
	if err != nil {
		loc, _ := chromedp.Run(bctx, chromedp.Location())
		t.Fatalf("%v (at %s)", err, loc)
	}
	head, err := chromedp.Run(sctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#signature table.sig")[0].querySelectorAll("th")].map(h => h.textContent).join(",")`))
	if err != nil || head != "Name,Type,Required" {
		t.Errorf("the signature's inputs table heads: got %q (%v), want Name,Type,Required", head, err)
	}
	width, err := chromedp.Run(sctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil || len(width) != 2 || width[0] > width[1] {
		t.Errorf("the version page is %v wide (page, window; %v), want no wider than the window", width, err)
	}
	err = chromedp.Do(sctx,
		chromedp.Navigate(base+"/runs/"+mv.RunID),
		waitJS(`document.querySelector("#registered a[href='/models/`+rep.Model+`/versions/`+fmt.Sprint(rep.ProductionVersion)+`']") !== null`),
		waitJS(`document.querySelector("#registered").textContent.includes("@champion") && document.querySelector("#registered .stage-production") !== null`),
		shot("ux-run-registered"),
	)
	if err != nil {
		t.Errorf("the run page of the production version's run: %v", err)
	}
}
