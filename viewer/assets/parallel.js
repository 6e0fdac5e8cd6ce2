// A parallel-coordinates plot of runs: one axis per param and one for a
// metric, one line per run coloured by the metric (a legend shows the
// scale), the line under the pointer highlighted and named; a click opens
// its run. Drawn on a canvas: thousands of lines stay cheap.
import {num, fmtNum, el, color, cssVar} from "./common.js";

// axis builds the scale of one column: numeric when every value is a
// number, else categorical (values in sorted order, evenly spaced).
function axis(name, values) {
  const present = values.filter(v => v != null && v !== "");
  const nums = present.map(Number);
  if (present.length && nums.every(Number.isFinite)) {
    let lo = Infinity, hi = -Infinity;
    for (const v of nums) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (lo === hi) { lo -= 1; hi += 1; }
    return {name, pos: v => (v == null || v === "" || !Number.isFinite(Number(v)) ? null : (Number(v) - lo) / (hi - lo)), lo: fmtNum(lo), hi: fmtNum(hi)};
  }
  const cats = [...new Set(present.map(String))].sort();
  const at = new Map(cats.map((c, i) => [c, i]));
  const n = Math.max(cats.length - 1, 1);
  return {name, pos: v => (v == null || v === "" ? null : cats.length === 1 ? 0.5 : at.get(String(v)) / n), cats};
}

// heat is the colour of t in [0, 1]: blue low, red high.
function heat(t) {
  return `rgb(${Math.round(40 + 200 * t)},${Math.round(80 + 40 * (1 - Math.abs(t - 0.5) * 2))},${Math.round(220 - 200 * t)})`;
}

export class Parallel {
  // box: an element to fill; data: {params: [keys], runs: [{id, name,
  // params: {k: v}, metrics: {k: v}}]}.
  constructor(box, data) {
    this.box = box;
    this.data = data;
    this.metric = "";
    this.hover = -1;
    box.plot = this; // for tests and the console
    this.canvas = box.querySelector("canvas") || box.appendChild(el("canvas"));
    this.tip = el("div", {class: "pc-tip", hidden: true});
    this.legend = el("div", {class: "pc-legend"});
    const frame = el("div", {class: "pc-frame"});
    this.canvas.replaceWith(frame);
    frame.append(this.canvas, this.tip);
    frame.after(this.legend);
    let pending = false;
    this.canvas.addEventListener("mousemove", e => {
      const r = this.canvas.getBoundingClientRect();
      this.mouse = {x: e.clientX - r.left, y: e.clientY - r.top};
      if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; this.pick(); }); }
    });
    this.canvas.addEventListener("mouseleave", () => { this.mouse = null; this.pick(); });
    this.canvas.addEventListener("click", () => { if (this.hover >= 0) location.href = `/runs/${this.data.runs[this.hover].id}`; });
    window.addEventListener("resize", () => this.draw());
  }

  // show draws the plot with metric on the last axis and as the colour.
  show(metric) { this.metric = metric; this.hover = -1; this.draw(); }

  layout() {
    const d = this.data, metric = this.metric;
    this.cols = d.params.map(p => axis(p, d.runs.map(r => r.params[p])));
    this.mv = d.runs.map(r => { const v = metric ? num(r.metrics[metric]) : null; return v == null || Number.isNaN(v) ? null : v; });
    if (metric) this.cols.push(axis(metric, this.mv));
    const fin = this.mv.filter(Number.isFinite);
    this.mlo = fin.length ? fin.reduce((a, b) => Math.min(a, b)) : 0;
    this.mhi = fin.length ? fin.reduce((a, b) => Math.max(a, b)) : 0;
    this.w = Math.max(400, this.box.clientWidth || 900);
    this.h = 360;
    const top = 40, bottom = this.h - 40, left = 60, right = this.w - 60, n = this.cols.length;
    this.x = i => (n === 1 ? (left + right) / 2 : left + (i * (right - left)) / (n - 1));
    this.y = p => bottom - p * (bottom - top);
    this.top = top; this.bottom = bottom;
    // pts[k][i]: run k's y on axis i, or null
    this.pts = d.runs.map((r, k) => this.cols.map((c, i) => {
      const p = c.pos(i < d.params.length ? r.params[c.name] : this.mv[k]);
      return p == null ? null : this.y(p);
    }));
  }

  stroke(k) {
    const m = this.mv[k];
    return Number.isFinite(m) && this.mhi > this.mlo ? heat((m - this.mlo) / (this.mhi - this.mlo)) : color(k);
  }

  line(g, k) {
    g.beginPath();
    let pen = false;
    this.pts[k].forEach((py, i) => {
      if (py == null) { pen = false; return; }
      if (pen) g.lineTo(this.x(i), py); else g.moveTo(this.x(i), py);
      pen = true;
    });
    g.stroke();
  }

  draw() {
    this.layout();
    const {canvas, w, h, cols} = this;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr; canvas.height = h * dpr;
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = cssVar("--bg"); g.fillRect(0, 0, w, h);
    if (!cols.length) { g.fillStyle = cssVar("--muted"); g.fillText("Nothing to plot.", 20, 30); this.drawLegend(); return; }
    const runs = this.data.runs, hot = this.hover;
    g.lineWidth = runs.length > 500 ? 1 : 2;
    g.globalAlpha = hot >= 0 ? 0.2 : runs.length > 500 ? 0.35 : 0.85;
    runs.forEach((_, k) => { if (k !== hot) { g.strokeStyle = this.stroke(k); this.line(g, k); } });
    g.globalAlpha = 1;
    if (hot >= 0) { g.lineWidth = 4; g.strokeStyle = cssVar("--fg"); this.line(g, hot); g.lineWidth = 2.5; g.strokeStyle = this.stroke(hot); this.line(g, hot); }
    g.strokeStyle = cssVar("--axis"); g.fillStyle = cssVar("--fg"); g.lineWidth = 1; g.font = "12px system-ui, sans-serif"; g.textAlign = "center";
    cols.forEach((c, i) => {
      g.beginPath(); g.moveTo(this.x(i), this.top); g.lineTo(this.x(i), this.bottom); g.stroke();
      g.fillText(c.name.length > 18 ? c.name.slice(0, 17) + "…" : c.name, this.x(i), this.top - 18);
      if (c.cats) {
        c.cats.forEach(v => g.fillText(v.length > 12 ? v.slice(0, 11) + "…" : v, this.x(i), this.y(c.pos(v)) - 4));
      } else {
        g.fillText(c.hi, this.x(i), this.top - 4); g.fillText(c.lo, this.x(i), this.bottom + 14);
      }
    });
    canvas.dataset.drawn = String(runs.length);
    canvas.dataset.hover = hot >= 0 ? runs[hot].id : "";
    this.drawLegend();
  }

  // drawLegend shows what the colours mean: the metric's scale, low to
  // high, or the runs' own colours when there is no metric to colour by.
  drawLegend() {
    const runs = this.data.runs;
    if (this.metric && this.mhi > this.mlo) {
      this.legend.replaceChildren(el("span", {class: "pc-key"}, `colour: ${this.metric}`), " ", el("span", null, fmtNum(this.mlo)),
        el("span", {class: "pc-scale", style: `background: linear-gradient(to right, ${heat(0)}, ${heat(0.5)}, ${heat(1)})`}), el("span", null, fmtNum(this.mhi)));
    } else {
      this.legend.replaceChildren(...runs.slice(0, 20).map((r, k) => el("span", {class: "pc-run"}, el("span", {class: "swatch", style: `background: ${color(k)}`}), " ", r.name || r.id.slice(0, 8))),
        runs.length > 20 ? el("span", {class: "muted"}, ` and ${runs.length - 20} more`) : "");
    }
  }

  // pick highlights the run whose line passes nearest the pointer (within
  // 8 px) and names it.
  pick() {
    let best = -1;
    if (this.mouse && this.cols.length > 1) {
      const {x: mx, y: my} = this.mouse;
      let i = 0;
      while (i < this.cols.length - 2 && this.x(i + 1) < mx) i++;
      const x0 = this.x(i), x1 = this.x(i + 1), t = Math.min(1, Math.max(0, (mx - x0) / (x1 - x0)));
      let dist = 8;
      this.pts.forEach((p, k) => {
        if (p[i] == null || p[i + 1] == null) return;
        const d = Math.abs(p[i] + t * (p[i + 1] - p[i]) - my);
        if (d < dist) { dist = d; best = k; }
      });
    }
    if (best === this.hover) return;
    this.hover = best;
    this.draw();
    if (best < 0) { this.tip.hidden = true; this.canvas.style.cursor = ""; return; }
    const r = this.data.runs[best];
    this.tip.textContent = (r.name || r.id.slice(0, 8)) + (this.metric ? `: ${this.metric} ${fmtNum(r.metrics[this.metric])}` : "");
    this.tip.style.left = (this.mouse.x + 12) + "px"; this.tip.style.top = (this.mouse.y + 12) + "px";
    this.tip.hidden = false;
    this.canvas.style.cursor = "pointer";
  }
}
