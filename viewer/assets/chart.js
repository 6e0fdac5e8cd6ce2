// A metric chart: one metric of one or more runs, overlaid, drawn with
// uPlot. The server downsamples each series to about the chart's pixel width,
// keeping every bucket's lowest and highest point; zooming fetches finer data
// for the zoomed range. x is the step, the wall time or the time since the
// run started; y may be logarithmic and smoothed.
import {fetchJSON, num, el, color, axes} from "./common.js";

// ema smooths ys with TensorBoard's debiased exponential moving average.
function ema(ys, w) {
  if (!w) return ys;
  const out = new Array(ys.length);
  let last = 0, n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (y == null || !Number.isFinite(y)) { out[i] = y; continue; }
    last = last * w + (1 - w) * y;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

export class Chart {
  // container: an element to fill; opts: {runs: [ids], key, height, x, log, smoothing}
  constructor(container, opts) {
    this.box = container;
    this.runs = opts.runs;
    this.key = opts.key;
    this.height = opts.height || 240;
    this.x = opts.x || "step";
    this.log = !!opts.log;
    this.smoothing = opts.smoothing || 0;
    this.range = null;       // {from, to} steps when zoomed
    this.view = null;        // {min, max} x scale when zoomed
    this.data = null;        // the last response
    this.plot = null;
    this.loading = null;
    this.build();
    container.chart = this; // for tests and the console
  }

  build() {
    const b = this.box;
    b.classList.add("chart");
    b.dataset.key = this.key;
    const xSel = el("select", {class: "x-axis", title: "x axis", onchange: e => { this.x = e.target.value; this.view = null; this.draw(); }},
      el("option", {value: "step"}, "step"), el("option", {value: "wall"}, "wall time"), el("option", {value: "relative"}, "relative time"));
    xSel.value = this.x;
    const logBox = el("input", {type: "checkbox", class: "log", onchange: e => { this.log = e.target.checked; this.draw(); }});
    logBox.checked = this.log;
    const smooth = el("input", {type: "range", class: "smoothing", min: "0", max: "0.99", step: "0.01", value: String(this.smoothing),
      oninput: e => { this.smoothing = Number(e.target.value); this.draw(); }});
    const reset = el("button", {type: "button", class: "reset", title: "show the whole range", onclick: () => this.resetZoom()}, "reset zoom");
    this.status = el("span", {class: "chart-status muted"});
    this.head = el("div", {class: "chart-head"},
      el("a", {class: "chart-title", href: `/chart?run=${this.runs.join(",")}&key=${encodeURIComponent(this.key)}`}, this.key),
      el("label", null, "x ", xSel), el("label", null, logBox, " log"), el("label", null, "smooth ", smooth), reset, this.status);
    this.area = el("div", {class: "chart-area"});
    b.replaceChildren(this.head, this.area);
    if (typeof ResizeObserver !== "undefined") {
      let w = 0;
      new ResizeObserver(() => {
        const nw = this.width();
        if (this.plot && Math.abs(nw - w) > 4) { w = nw; this.plot.setSize({width: nw, height: this.height}); }
      }).observe(this.area);
    }
  }

  width() { return Math.max(200, Math.floor(this.area.clientWidth || this.box.clientWidth || 600)); }

  // load fetches the data for the current range and draws it.
  async load() {
    const w = this.width();
    let url = `/api/mlite/chart?key=${encodeURIComponent(this.key)}&width=${w}`;
    for (const r of this.runs) url += `&run=${r}`;
    if (this.range) url += `&from=${this.range.from}&to=${this.range.to}`;
    const p = fetchJSON(url);
    this.loading = p;
    try {
      const d = await p;
      if (this.loading !== p) return;
      this.data = d;
      this.status.textContent = "";
      this.draw();
    } catch (e) {
      this.status.textContent = e.message;
      this.box.dataset.error = e.message;
    }
  }

  refresh() { return this.load(); }

  resetZoom() { this.range = null; this.view = null; this.load(); }

  // xs returns a series' x values in the current x mode.
  xs(s) {
    if (this.x === "wall") return s.times.map(t => t / 1000);
    if (this.x === "relative") return s.times.map(t => (t - s.start_time) / 1000);
    return s.steps;
  }

  draw() {
    const d = this.data;
    if (!d) return;
    let points = 0;
    const tables = [], labels = [];
    d.series.forEach((s, i) => {
      const xs = this.xs(s);
      let ys = s.values.map(num);
      if (this.log) ys = ys.map(y => (y > 0 ? y : null));
      const idx = xs.map((_, j) => j).sort((a, b) => xs[a] - xs[b]);
      const sx = idx.map(j => xs[j]);
      const sy = ema(idx.map(j => (ys[j] == null || Number.isFinite(ys[j]) ? ys[j] : null)), this.smoothing);
      // join needs unique x values: keep the last point of each x.
      const ux = [], uy = [];
      for (let j = 0; j < sx.length; j++) {
        if (ux.length && ux[ux.length - 1] === sx[j]) { uy[uy.length - 1] = sy[j]; continue; }
        ux.push(sx[j]); uy.push(sy[j]);
      }
      tables.push([ux, uy]);
      labels.push({name: s.run_name || s.run_id.slice(0, 8), i: this.runs.indexOf(s.run_id)});
      points += s.steps.length;
    });
    this.box.dataset.points = String(points);
    this.box.dataset.range = this.range ? `${this.range.from}:${this.range.to}` : "";
    this.box.dataset.series = String(d.series.length);
    if (this.plot) { this.plot.destroy(); this.plot = null; }
    if (!tables.length) {
      this.area.replaceChildren(el("p", {class: "empty"}, "No data for this metric."));
      return;
    }
    this.area.replaceChildren();
    const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const series = [{label: this.x === "step" ? "step" : this.x === "wall" ? "time" : "seconds"}];
    const few = tables.every(t => t[0].length <= 2);
    labels.forEach((l, k) => series.push({label: l.name, stroke: color(l.i >= 0 ? l.i : k), width: 1.5, spanGaps: true, points: {show: few, size: 6}}));
    const self = this;
    const opts = {
      width: this.width(),
      height: this.height,
      scales: {x: {time: this.x === "wall"}, y: {distr: this.log ? 3 : 1}},
      series,
      legend: {show: true, live: true},
      cursor: {drag: {x: true, y: false, setScale: false}},
      axes: axes({}, {size: 60}),
      hooks: {
        setSelect: [u => {
          if (u.select.width < 4) return;
          const min = u.posToVal(u.select.left, "x"), max = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({left: 0, width: 0, top: 0, height: 0}, false);
          self.zoom(min, max);
        }],
      },
    };
    if (this.view) opts.scales.x.range = () => [this.view.min, this.view.max];
    this.plot = new uPlot(opts, data, this.area);
  }

  // zoom shows [min, max] of the x axis and fetches finer data for the
  // steps in it.
  zoom(min, max) {
    this.view = {min, max};
    let from = Infinity, to = -Infinity;
    if (this.x === "step") {
      from = Math.floor(min); to = Math.ceil(max);
    } else {
      // the steps of the points inside, and one neighbour each side so
      // lines reach the edges
      for (const s of this.data.series) {
        const xs = this.xs(s);
        let before = -Infinity, after = Infinity;
        for (let j = 0; j < xs.length; j++) {
          const st = s.steps[j];
          if (xs[j] < min) before = Math.max(before, st);
          else if (xs[j] > max) after = Math.min(after, st);
          else { from = Math.min(from, st); to = Math.max(to, st); }
        }
        if (Number.isFinite(before)) from = Math.min(from, before);
        if (Number.isFinite(after)) to = Math.max(to, after);
      }
    }
    if (!Number.isFinite(from) || !Number.isFinite(to)) { this.draw(); return; }
    this.range = {from, to};
    this.load();
  }
}

// lazyCharts makes a chart for each key in parent, loading each when it
// scrolls into view; it returns the charts by key.
export function lazyCharts(parent, runs, keys, opts) {
  const charts = new Map();
  const io = typeof IntersectionObserver !== "undefined" ? new IntersectionObserver(entries => {
    for (const e of entries) {
      if (e.isIntersecting) { io.unobserve(e.target); charts.get(e.target.dataset.key).load(); }
    }
  }, {rootMargin: "200px"}) : null;
  for (const key of keys) {
    const box = el("div", {class: "chart-box"});
    parent.append(box);
    const c = new Chart(box, Object.assign({runs, key}, opts));
    charts.set(key, c);
    if (io) io.observe(box); else c.load();
  }
  return charts;
}
