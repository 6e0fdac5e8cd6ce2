// The chart view of an experiment's filtered runs: a scatter of any metric
// against any param or metric (one point per run, coloured by a param, the
// best run of each colour listed), the parallel-coordinates plot, and per
// metric the curves of the selected runs together (the server's
// min/max-preserving chart data).
import {fetchJSON, num, fmtNum, el, color, axes} from "./common.js";
import {lazyCharts} from "./chart.js";
import {Parallel} from "./parallel.js";
import {suggest} from "./suggest.js";

const root = document.getElementById("runcharts");
const exp = root.dataset.experiment;
const args = new URLSearchParams(location.search);
const summary = document.getElementById("summary");
const errBox = document.getElementById("filter-error");
const ySel = document.getElementById("scatter-y"), xSel = document.getElementById("scatter-x"), cSel = document.getElementById("scatter-colour");
const scatterBox = document.getElementById("scatter");
const tip = scatterBox.querySelector(".pc-tip");

// maxCurves is how many runs' curves are drawn when none are selected.
const maxCurves = 20;
// maxColours is the most values a param may have to colour the points by.
const maxColours = 10;

document.getElementById("table-tab").href += location.search;

// column returns the values of "params.k" or "metrics.k", one per run
// (null where a run has none); metrics as numbers.
function column(d, key) {
  const [kind, k] = [key.slice(0, key.indexOf(".")), key.slice(key.indexOf(".") + 1)];
  const c = (kind === "params" ? d.params : d.metrics)[k] || [];
  return kind === "metrics" ? c.map(v => (v == null ? null : num(v))) : c;
}

// scale reads a column as numbers: numeric values as they are, other
// values as the index of their category (sorted).
function scale(values) {
  const present = values.filter(v => v != null);
  if (present.every(v => typeof v === "number" || (v !== "" && Number.isFinite(Number(v))))) {
    return {vals: values.map(v => (v == null ? null : Number(v))), cats: null};
  }
  const cats = [...new Set(present.map(String))].sort();
  const at = new Map(cats.map((c, i) => [c, i]));
  return {vals: values.map(v => (v == null ? null : at.get(String(v)))), cats};
}

// lowerIsBetter guesses the direction of a metric from its name.
const lowerIsBetter = key => /loss|error|err\b|rmse|mae|mse|mape|perplexity|fn\b|fp\b/i.test(key);

// defaults picks the scatter's axes: y the main metric; x the numeric
// param that most runs with a y have, varying over the fewest values (at
// least 3), a seed last; the colour the param named like a model, else
// the one with the fewest values (2 to maxColours).
function defaults(d) {
  const metrics = Object.keys(d.metrics);
  const y = d.main_metrics[0] || metrics[0] || "";
  const yc = d.metrics[y] || [];
  const vals = k => d.params[k].filter((v, i) => v != null && yc[i] != null);
  const distinct = k => new Set(vals(k)).size;
  const numeric = k => vals(k).every(v => Number.isFinite(Number(v)));
  const vary = d.varying.filter(k => distinct(k) >= 2);
  const seed = k => /seed|random_state/i.test(k);
  const xs = vary.filter(k => numeric(k) && distinct(k) >= 3)
    .sort((a, b) => (seed(a) - seed(b)) || (vals(b).length - vals(a).length) || (distinct(a) - distinct(b)));
  const colours = vary.filter(k => distinct(k) <= maxColours)
    .sort((a, b) => (/model/i.test(b) - /model/i.test(a)) || (numeric(a) - numeric(b)) || (distinct(a) - distinct(b)));
  return {
    y: "metrics." + y,
    x: xs.length ? "params." + xs[0] : vary.length ? "params." + vary[0] : "metrics." + (d.main_metrics[1] || metrics[0] || ""),
    colour: colours.length ? "params." + colours[0] : "",
  };
}

function options(sel, keys, chosen, none) {
  sel.replaceChildren(...(none ? [el("option", {value: ""}, none)] : []), ...keys.map(k => el("option", {value: k}, k)));
  sel.value = chosen;
}

let scatter = null;

// drawScatter draws one point per run that has both x and y, one series
// per colour.
function drawScatter(d) {
  const names = d.run_names, ids = d.run_ids;
  const y = scale(column(d, ySel.value)), x = scale(column(d, xSel.value));
  const groups = new Map(); // colour value -> run indexes
  const cv = cSel.value ? column(d, cSel.value) : null;
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    if (x.vals[i] == null || y.vals[i] == null || !Number.isFinite(x.vals[i]) || !Number.isFinite(y.vals[i])) continue;
    const g = cv ? (cv[i] == null ? "(none)" : String(cv[i])) : "runs";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(i);
    n++;
  }
  const keys = [...groups.keys()].sort();
  // Categories spread their points a little, the same way each time.
  const jitter = i => (x.cats ? ((i * 2654435761 % 1000) / 1000 - 0.5) * 0.3 : 0);
  const data = [null, ...keys.map(g => [groups.get(g).map(i => x.vals[i] + jitter(i)), groups.get(g).map(i => y.vals[i])])];
  const series = [{}, ...keys.map((g, k) => ({label: `${g} (${groups.get(g).length})`, stroke: color(k), fill: color(k) + "99",
    paths: uPlot.paths.points(), points: {show: true, size: 7, width: 1}}))];
  if (scatter) { scatter.destroy(); scatter = null; }
  scatterBox.querySelector("p.empty")?.remove();
  scatterBox.dataset.points = String(n);
  scatterBox.dataset.total = String(ids.length);
  scatterBox.dataset.series = String(keys.length);
  best(d, keys, groups, y);
  if (!n) {
    scatterBox.append(el("p", {class: "empty"}, `No run has both ${ySel.value} and ${xSel.value}.`));
    return;
  }
  // Numbers get a margin, so that no point sits on the frame.
  const pad = (u, lo, hi) => { const p = (hi - lo) * 0.05 || Math.abs(lo) * 0.05 || 1; return [lo - p, hi + p]; };
  const catAxis = cats => cats ? {splits: () => cats.map((_, i) => i), values: (u, vs) => vs.map(v => cats[v] ?? "")} : {};
  const opts = {
    mode: 2,
    width: Math.max(400, scatterBox.clientWidth - 20), height: 420,
    scales: {x: {time: false, range: x.cats ? [-0.5, x.cats.length - 0.5] : pad}, y: {range: y.cats ? [-0.5, y.cats.length - 0.5] : pad}},
    series,
    legend: {show: true, live: false},
    cursor: {drag: {x: false, y: false}, points: {show: false}},
    axes: axes(Object.assign({label: xSel.value}, catAxis(x.cats)), Object.assign({label: ySel.value, size: 60}, catAxis(y.cats))),
  };
  scatter = new uPlot(opts, data, scatterBox);
  scatter.runs = keys.map(g => groups.get(g));
  scatterBox.plot = scatter; // for tests and the console
  scatter.over.addEventListener("mousemove", e => hover(e, x, y, names));
  scatter.over.addEventListener("mouseleave", () => { tip.hidden = true; scatterBox.dataset.hover = ""; });
  scatter.over.addEventListener("click", () => { if (scatterBox.dataset.hover) location.href = `/runs/${scatterBox.dataset.hover}`; });
}

// hover names the run nearest the pointer (within 10 px).
function hover(e, x, y, names) {
  const u = scatter, mx = e.offsetX, my = e.offsetY;
  let best = null, dist = 10;
  u.runs.forEach((runs, s) => {
    const [xs, ys] = u.data[s + 1];
    for (let j = 0; j < runs.length; j++) {
      const dx = u.valToPos(xs[j], "x") - mx, dy = u.valToPos(ys[j], "y") - my;
      const dd = Math.hypot(dx, dy);
      if (dd < dist) { dist = dd; best = runs[j]; }
    }
  });
  if (best == null) { tip.hidden = true; scatterBox.dataset.hover = ""; u.over.style.cursor = ""; return; }
  const d = state.data;
  scatterBox.dataset.hover = d.run_ids[best];
  const xv = x.cats ? x.cats[x.vals[best]] : fmtNum(x.vals[best]), yv = y.cats ? y.cats[y.vals[best]] : fmtNum(y.vals[best]);
  tip.textContent = `${names[best] || d.run_ids[best].slice(0, 8)}: ${ySel.value} ${yv}, ${xSel.value} ${xv}`;
  const r = u.over.getBoundingClientRect(), b = scatterBox.getBoundingClientRect();
  tip.style.left = (r.left - b.left + mx + 12) + "px"; tip.style.top = (r.top - b.top + my + 12) + "px";
  tip.hidden = false;
  u.over.style.cursor = "pointer";
}

// best lists the best run of each colour by y.
function best(d, keys, groups, y) {
  const table = document.getElementById("best");
  const low = lowerIsBetter(ySel.value);
  table.tHead.replaceChildren(el("tr", null, el("th", null, cSel.value || ""), el("th", null, `best ${ySel.value} (${low ? "lowest" : "highest"})`), el("th", null, "run"), el("th", {class: "num"}, "runs")));
  table.tBodies[0].replaceChildren(...keys.map((g, k) => {
    const runs = groups.get(g);
    const i = runs.reduce((a, b) => ((low ? y.vals[b] < y.vals[a] : y.vals[b] > y.vals[a]) ? b : a));
    return el("tr", null, el("td", null, el("span", {class: "swatch", style: `background: ${color(k)}`}), " ", g),
      el("td", {class: "num mono"}, y.cats ? y.cats[y.vals[i]] : fmtNum(y.vals[i])),
      el("td", null, el("a", {href: `/runs/${d.run_ids[i]}`}, d.run_names[i] || d.run_ids[i].slice(0, 8))), el("td", {class: "num"}, String(runs.length)));
  }));
  table.hidden = !keys.length;
}

// parallel draws the runs that have the chosen metric: the params that
// vary among them (at most 12, those most of them have first) against it.
function parallel(d) {
  const sel = document.getElementById("pc-metric");
  const metrics = Object.keys(d.metrics);
  options(sel, metrics, d.main_metrics[0] || metrics[0] || "");
  const plot = new Parallel(document.getElementById("parallel"), {params: [], runs: []});
  const show = () => {
    const mc = d.metrics[sel.value] || [], runs = [];
    for (let i = 0; i < d.run_ids.length; i++) {
      if (mc[i] == null) continue;
      const p = {};
      for (const k of d.varying) if (d.params[k] && d.params[k][i] != null) p[k] = d.params[k][i];
      runs.push({id: d.run_ids[i], name: d.run_names[i], params: p, metrics: {[sel.value]: mc[i]}});
    }
    const has = k => runs.filter(r => k in r.params).length;
    const params = d.varying.filter(k => new Set(runs.map(r => r.params[k])).size > 1)
      .sort((a, b) => has(b) - has(a)).slice(0, 12);
    plot.data = {params, runs};
    plot.show(sel.value);
  };
  sel.addEventListener("change", show);
  show();
}

// curves draws, per metric with a history, the curves of the runs
// selected (runs=...) or else of the first maxCurves in the table's order.
function curves(d) {
  const note = document.getElementById("curves-note");
  const chosen = (args.get("runs") || "").split(",").filter(s => s);
  let runs = chosen;
  if (!runs.length) {
    const has = i => d.histories.some(k => d.metrics[k][i] != null);
    runs = d.order.filter(has).slice(0, maxCurves).map(i => d.run_ids[i]);
    const all = d.order.filter(has).length;
    note.textContent = all > runs.length ? `The curves of the first ${runs.length} of ${all} runs (by ${d.order_by}); select runs in the table to choose.` :
      `The curves of all ${runs.length} runs.`;
  } else {
    note.textContent = `The curves of the ${runs.length} runs selected in the table.`;
  }
  if (runs.length) lazyCharts(document.getElementById("charts"), runs, d.histories, {});
}

const state = {data: null};
suggest(document.getElementById("filter"), () => state.data && {params: state.data.all_params, metrics: state.data.all_metrics, tags: state.data.all_tags});

async function load() {
  const q = new URLSearchParams();
  for (const k of ["filter", "order_by"]) if (args.get(k)) q.set(k, args.get(k));
  let d;
  try {
    d = await fetchJSON(`/api/mlite/experiments/${exp}/points?` + q.toString());
  } catch (e) {
    errBox.textContent = e.message;
    errBox.hidden = false;
    return;
  }
  state.data = d;
  const nRuns = d.total;
  summary.textContent = `${nRuns} matching run${nRuns === 1 ? "" : "s"}` + (args.get("filter") ? ` for filter ${args.get("filter")}` : "") +
    (!nRuns && d.hint ? `: ${d.hint}` : "");
  const pk = Object.keys(d.params).map(k => "params." + k), mk = Object.keys(d.metrics).map(k => "metrics." + k);
  const def = defaults(d);
  options(ySel, [...mk, ...pk], args.get("y") || def.y);
  options(xSel, [...pk, ...mk], args.get("x") || def.x);
  options(cSel, Object.keys(d.params).filter(k => new Set(d.params[k]).size <= maxColours + 1).map(k => "params." + k), args.has("colour") ? args.get("colour") : def.colour, "(none)");
  for (const [sel, name] of [[ySel, "y"], [xSel, "x"], [cSel, "colour"]]) {
    sel.addEventListener("change", () => {
      args.set(name, sel.value);
      history.replaceState(null, "", location.pathname + "?" + args.toString());
      drawScatter(d);
    });
  }
  drawScatter(d);
  parallel(d);
  curves(d);
  performance.mark("mlite-drawn"); // the scatter and the parallel plot drawn
  root.dataset.ready = "true";
}
load();
