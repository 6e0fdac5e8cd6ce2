package viewer

import (
	"context"
	"fmt"
	"net/url"
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
	rep, db, base := serveDemo(t, 2)
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
	rep, db, base := serveDemo(t, 2)
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
		browsertest.Type(`#filter`, "attributes.run_name = '"+name+"'\n"),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 1`),
		browsertest.Type(`#filter`, kb.Escape),
		waitJS(`document.getElementById("filter").value === "" && document.querySelectorAll("#runs tbody tr.run").length === 3`),
		// The placeholder is a filter on keys the experiment has.
		waitJS(`/^metrics\.\w+ > [0-9.]+ and params\.\w+ = '.*'$/.test(document.getElementById("filter").placeholder)`),
		// A key no run has is named, with the key likely meant.
		browsertest.Type(`#filter`, "metrics.auc > 0.7\n"),
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

// TestBrowserSweepTable opens the runs table of the demo sweep at
// 1400x900: the lone sweep parent is open, the summary counts the sweep,
// the main metrics sit next to the name with every metric column inside
// the window, and a chosen column order survives a reload from the URL.
func TestBrowserSweepTable(t *testing.T) {
	rep, _, base := serveDemo(t, 12)
	bctx := browsertest.New(t, 1400, 900)
	sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	// inWindow is true when every metric column of the table lies inside
	// the table's frame, unscrolled, and the page is no wider than the
	// window.
	const inWindow = `(() => {
	  const wrap = document.getElementById("runs-wrap"), right = wrap.getBoundingClientRect().left + wrap.clientWidth;
	  const ths = [...document.querySelectorAll("#runs thead th.metric")];
	  return ths.length > 0 && wrap.scrollLeft === 0 && ths.every(th => th.getBoundingClientRect().right <= right) &&
	    document.documentElement.scrollWidth <= window.innerWidth; })()`
	const heads = `[...document.querySelectorAll("#runs thead th")].map(th => th.dataset.col || "").filter(c => c).join(",")`
	err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 13`),
		shot("sweep-table"),
	)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, expr string, want any) {
		t.Helper()
		got, err := chromedp.Run(sctx, chromedp.Evaluate[any](expr))
		if err != nil || got != want {
			t.Errorf("%s: got %v (%v), want %v", what, got, err, want)
		}
	}
	check("summary", `document.getElementById("summary").textContent`, "13 matching runs: 12 child runs in 1 sweep")
	check("child rows shown", `[...document.querySelectorAll("#runs tbody tr.run.child")].filter(tr => !tr.hidden && tr.offsetHeight > 0).length`, 12.0)
	check("the parent's toggle", `document.querySelector("#runs button.toggle").getAttribute("aria-expanded")`, "true")
	check("metric columns inside the window", inWindow, true)
	check("columns", heads, "run_name,metrics.val_auc,metrics.val_logloss,metrics.f1,metrics.precision,metrics.recall,status,start_time,duration,user_id,"+
		"params.batch_size,params.epochs,params.l2,params.lambda,params.learning_rate,params.max_bins,params.max_depth,params.min_child_hessian,params.model,"+
		"params.models,params.n_children,params.n_estimators,params.n_fit_rows,params.n_rows,params.n_train,params.n_valid,params.resampling,params.seed,params.subsample")

	// Choose the metrics train_auc and val_auc, train_auc moved first, and
	// the param model alone; the URL keeps them.
	err = chromedp.Do(sctx,
		chromedp.Click(chromedp.CSS(`#columns-button`)),
		waitJS(`!document.getElementById("columns-panel").hidden`),
		js(`for (const cb of document.querySelectorAll("#columns-panel input[type=checkbox]")) cb.checked = ["train_auc", "val_auc", "model"].includes(cb.value)`),
		js(`document.querySelector("#columns-panel fieldset:nth-of-type(2) .col-item[data-key=train_auc] button.up").click()`),
		js(`[...document.querySelectorAll("#columns-panel button")].find(b => b.textContent === "Apply").click()`),
		waitJS(heads+` === "run_name,metrics.val_auc,metrics.train_auc,status,start_time,duration,user_id,params.model"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	// train_auc was below val_auc (the chosen columns first, in order,
	// then the others by name): one move up puts it first.
	err = chromedp.Do(sctx,
		chromedp.Click(chromedp.CSS(`#columns-button`)),
		js(`document.querySelector("#columns-panel fieldset:nth-of-type(2) .col-item[data-key=train_auc] button.up").click()`),
		js(`[...document.querySelectorAll("#columns-panel button")].find(b => b.textContent === "Apply").click()`),
		waitJS(heads+` === "run_name,metrics.train_auc,metrics.val_auc,status,start_time,duration,user_id,params.model"`),
		waitJS(`new URLSearchParams(location.search).get("metrics") === "train_auc,val_auc" && new URLSearchParams(location.search).get("params") === "model"`),
		chromedp.Reload(),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 13`),
		waitJS(heads+` === "run_name,metrics.train_auc,metrics.val_auc,status,start_time,duration,user_id,params.model"`),
		shot("sweep-table-columns"),
	)
	if err != nil {
		got, _ := chromedp.Run(sctx, chromedp.Evaluate[string](heads+` + " at " + location.search`))
		t.Fatalf("%v (columns %s)", err, got)
	}
}

// TestBrowserRunCharts opens the chart view of the demo sweep's filtered
// runs: the scatter draws a point for every filtered run and names the
// run under the pointer, the best run of each colour is listed, the
// parallel-coordinates plot has a legend and highlights the line under
// the pointer, and each metric's curves show the filtered runs together.
func TestBrowserRunCharts(t *testing.T) {
	rep, _, base := serveDemo(t, 12)
	bctx := browsertest.New(t, 1400, 900)
	sctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	filter := url.QueryEscape("params.model = 'gradient_boosted_trees'")
	// hoverAt moves the pointer over the element el to (x, y) in its own
	// pixels.
	const hoverAt = `window.hoverAt = (el, x, y) => { const r = el.getBoundingClientRect();
	  el.dispatchEvent(new MouseEvent("mousemove", {clientX: r.left + x, clientY: r.top + y, bubbles: true})); };`
	err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID+"/charts?filter="+filter),
		waitJS(`document.getElementById("runcharts").dataset.ready === "true"`),
		waitJS(`document.getElementById("summary").textContent.startsWith("6 matching runs")`),
		// Every filtered run is a point.
		waitJS(`document.getElementById("scatter").dataset.points === "6" && document.getElementById("scatter").dataset.total === "6"`),
		waitJS(canvasInk(`#scatter canvas`)+` > 500`),
		waitJS(`document.querySelectorAll("#best tbody tr").length === Number(document.getElementById("scatter").dataset.series)`),
		// The pointer on a point names its run.
		js(hoverAt+`{ const u = document.getElementById("scatter").plot, [xs, ys] = u.data[1];
		  hoverAt(u.over, u.valToPos(xs[0], "x"), u.valToPos(ys[0], "y")); }`),
		waitJS(`(() => { const b = document.getElementById("scatter"), tip = b.querySelector(".pc-tip");
		  return b.dataset.hover !== "" && !tip.hidden && tip.textContent.includes("val_auc"); })()`),
		shot("runcharts-scatter"),
		// The parallel plot: a line for each run, a legend, the line under
		// the pointer highlighted and named.
		waitJS(`document.getElementById("pc-canvas").dataset.drawn === "6"`),
		waitJS(`document.querySelector("#parallel .pc-legend .pc-scale") !== null && document.querySelector("#parallel .pc-legend").textContent.includes("val_auc")`),
		js(hoverAt+`{ const p = document.getElementById("parallel").plot, c = document.getElementById("pc-canvas");
		  hoverAt(c, (p.x(0) + p.x(1)) / 2, (p.pts[2][0] + p.pts[2][1]) / 2); }`),
		waitJS(`(() => { const c = document.getElementById("pc-canvas"), tip = document.querySelector("#parallel .pc-tip");
		  const p = document.getElementById("parallel").plot, r = p.data.runs.find(r => r.id === c.dataset.hover);
		  return !!r && !tip.hidden && tip.textContent.startsWith(r.name); })()`),
		shot("runcharts-parallel"),
		// The curves of each metric with a history, of the six runs.
		js(`document.getElementById("charts").scrollIntoView()`),
		waitJS(`document.querySelectorAll("#charts .chart").length === 3`),
		waitJS(`[...document.querySelectorAll("#charts .chart")].some(c => c.dataset.series === "6")`),
		waitJS(canvasInk(`#charts canvas`)+` > 500`),
		shot("runcharts-curves"),
	)
	if err != nil {
		diag, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify({scatter: {...document.getElementById("scatter").dataset}, pc: {...document.getElementById("pc-canvas").dataset},
		  summary: document.getElementById("summary").textContent, error: document.getElementById("filter-error").textContent})`))
		t.Fatalf("%v (state %s)", err, diag)
	}
	// Another y: the URL keeps it, and every run is still a point.
	err = chromedp.Do(sctx,
		js(`{ const s = document.getElementById("scatter-y"); s.value = "metrics.f1"; s.dispatchEvent(new Event("change")); }`),
		waitJS(`new URLSearchParams(location.search).get("y") === "metrics.f1"`),
		waitJS(`document.getElementById("scatter").dataset.points === "6" && document.querySelector("#best thead").textContent.includes("metrics.f1")`),
		chromedp.Reload(),
		waitJS(`document.getElementById("runcharts").dataset.ready === "true" && document.getElementById("scatter-y").value === "metrics.f1"`),
		// Runs selected in the table are the chart view's curves.
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID),
		waitJS(`document.querySelectorAll("#runs tbody tr.run.child input.select").length === 12`),
		chromedp.Click(chromedp.CSS(`#runs tbody tr.run.child:nth-child(2) input.select`)),
		chromedp.Click(chromedp.CSS(`#runs tbody tr.run.child:nth-child(3) input.select`)),
		waitJS(`new URL(document.getElementById("charts-tab").href).searchParams.get("runs").split(",").length === 2`),
		chromedp.Click(chromedp.CSS(`#charts-tab`)),
		waitJS(`document.getElementById("runcharts") !== null && document.getElementById("runcharts").dataset.ready === "true"`),
		waitJS(`document.getElementById("curves-note").textContent.includes("2 runs selected")`),
		js(`document.getElementById("charts").scrollIntoView()`),
		waitJS(`document.querySelectorAll("#charts .chart").length === 3 && (() => { const loaded = [...document.querySelectorAll("#charts .chart")].filter(c => c.dataset.series);
		  return loaded.length > 0 && loaded.every(c => c.dataset.series === "2"); })()`),
		// The table tab goes back to the same filtered table.
		chromedp.Click(chromedp.CSS(`#table-tab`)),
		waitJS(`location.pathname === "/experiments/`+rep.ExperimentID+`" && document.querySelectorAll("#runs tbody tr.run").length === 13`),
	)
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowserFilterSuggest types filters with the autocomplete: a kind
// goes on to its keys, arrows and Enter take a key, Esc closes the list
// and then clears the box; a key no run has is named in the table and in
// the chart view.
func TestBrowserFilterSuggest(t *testing.T) {
	rep, _, base := serveDemo(t, 2)
	bctx := browsertest.New(t, 1400, 900)
	sctx, cancel := context.WithTimeout(bctx, 45*time.Second)
	defer cancel()
	const shown = `[...document.querySelectorAll("#filter-suggest li")].filter(() => !document.getElementById("filter-suggest").hidden).map(li => li.textContent)`
	err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID),
		waitJS(`document.querySelectorAll("#runs tbody tr.run").length === 3`),
		browsertest.Type(`#filter`, "metrics.va"),
		// The keys that begin so first, then those that have it inside.
		waitJS(`(() => { const s = `+shown+`; return s.join() === "metrics.val_auc,metrics.val_logloss,metrics.valid_default_rate,metrics.best_val_auc"; })()`),
		browsertest.Type(`#filter`, kb.ArrowDown+kb.Enter),
		waitJS(`document.getElementById("filter").value === "metrics.val_auc " && document.getElementById("filter-suggest").hidden`),
		browsertest.Type(`#filter`, "> 0.5 and pa"),
		waitJS(shown+`[0] === "params."`),
		browsertest.Type(`#filter`, kb.Tab),
		waitJS(`document.getElementById("filter").value === "metrics.val_auc > 0.5 and params." && `+shown+`.includes("params.model")`),
		browsertest.Type(`#filter`, "mod"),
		waitJS(shown+`[0] === "params.model"`),
		shot("filter-suggest"),
		browsertest.Type(`#filter`, kb.ArrowDown+kb.Enter+"!= 'x'"+kb.Enter),
		waitJS(`document.getElementById("filter").value === "metrics.val_auc > 0.5 and params.model != 'x'"`),
		waitJS(`new URLSearchParams(location.search).get("filter") === "metrics.val_auc > 0.5 and params.model != 'x'" && document.querySelectorAll("#runs tbody tr.run").length === 2`),
		// Esc closes an open list, and keeps the text; the next Esc clears it.
		browsertest.Type(`#filter`, " and ta"),
		waitJS(shown+`[0] === "tags."`),
		browsertest.Type(`#filter`, kb.Escape),
		waitJS(`document.getElementById("filter-suggest").hidden && document.getElementById("filter").value.endsWith(" and ta")`),
		browsertest.Type(`#filter`, kb.Escape),
		waitJS(`document.getElementById("filter").value === "" && document.querySelectorAll("#runs tbody tr.run").length === 3`),
		// A key no run has: the table and the chart view name it and the key meant.
		browsertest.Type(`#filter`, "metrics.auc > 0.7"+kb.Enter),
		waitJS("(document.getElementById(\"no-runs\") || {textContent: \"\"}).textContent.includes(\"no run has metric `auc`; did you mean `val_auc`?\")"),
		chromedp.Navigate(base+"/experiments/"+rep.ExperimentID+"/charts?filter="+url.QueryEscape("metrics.auc > 0.7")),
		waitJS("document.getElementById(\"summary\").textContent.includes(\"no run has metric `auc`; did you mean `val_auc`?\")"),
		js(`{ const f = document.getElementById("filter"); f.focus(); f.setSelectionRange(f.value.length, f.value.length); }`),
		browsertest.Type(`#filter`, " and metrics.val_l"),
		waitJS(shown+`.join() === "metrics.val_logloss"`),
	)
	if err != nil {
		got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify({value: document.getElementById("filter").value, list: `+shown+`})`))
		t.Fatalf("%v (filter box %s)", err, got)
	}
}
