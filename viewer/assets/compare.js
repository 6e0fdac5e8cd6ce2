// The compare page: overlaid charts of the selected runs and a
// parallel-coordinates plot of their params against a chosen metric.
import {num, fmtNum, el, color, cssVar} from "./common.js";
import {lazyCharts} from "./chart.js";

const chartsBox = document.getElementById("charts");
const runs = chartsBox.dataset.runs.split(",");
lazyCharts(chartsBox, runs, JSON.parse(chartsBox.dataset.keys || "[]") || [], {});

const pcBox = document.getElementById("parallel");
const pc = JSON.parse(pcBox.dataset.pc);
const sel = document.getElementById("pc-metric");
const canvas = document.getElementById("pc-canvas");
for (const m of pc.metrics) sel.append(el("option", {value: m}, m));
sel.addEventListener("change", draw);
window.addEventListener("resize", draw);

// axis builds the scale of one column: numeric when every value is a
// number, else categorical (values in sorted order, evenly spaced).
function axis(name, values) {
  const present = values.filter(v => v != null && v !== "");
  const nums = present.map(Number);
  if (present.length && nums.every(Number.isFinite)) {
    let lo = Math.min(...nums), hi = Math.max(...nums);
    if (lo === hi) { lo -= 1; hi += 1; }
    return {name, pos: v => (v == null || v === "" || !Number.isFinite(Number(v)) ? null : (Number(v) - lo) / (hi - lo)), lo: fmtNum(lo), hi: fmtNum(hi)};
  }
  const cats = [...new Set(present.map(String))].sort();
  const n = Math.max(cats.length - 1, 1);
  return {name, pos: v => (v == null || v === "" ? null : cats.length === 1 ? 0.5 : cats.indexOf(String(v)) / n), cats};
}

function draw() {
  const metric = sel.value;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(400, pcBox.clientWidth || 900), h = 360;
  canvas.width = w * dpr; canvas.height = h * dpr;
  canvas.style.width = w + "px"; canvas.style.height = h + "px";
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.fillStyle = cssVar("--bg"); g.fillRect(0, 0, w, h);
  const cols = pc.params.map(p => axis(p, pc.runs.map(r => r.params[p])));
  if (metric) cols.push(axis(metric, pc.runs.map(r => { const v = num(r.metrics[metric]); return v == null || Number.isNaN(v) ? null : v; })));
  if (!cols.length) { g.fillStyle = cssVar("--muted"); g.fillText("Nothing to plot.", 20, 30); return; }
  const top = 40, bottom = h - 40, left = 60, right = w - 60;
  const x = i => (cols.length === 1 ? (left + right) / 2 : left + (i * (right - left)) / (cols.length - 1));
  const y = p => bottom - p * (bottom - top);
  const mvals = metric ? pc.runs.map(r => num(r.metrics[metric])).filter(Number.isFinite) : [];
  const mlo = Math.min(...mvals), mhi = Math.max(...mvals);
  // lines, coloured by the metric (blue low, red high)
  pc.runs.forEach((r, k) => {
    const m = metric ? num(r.metrics[metric]) : null;
    let stroke = color(k);
    if (Number.isFinite(m) && mhi > mlo) {
      const t = (m - mlo) / (mhi - mlo);
      stroke = `rgb(${Math.round(40 + 200 * t)},${Math.round(80 + 40 * (1 - Math.abs(t - 0.5) * 2))},${Math.round(220 - 200 * t)})`;
    }
    g.strokeStyle = stroke; g.lineWidth = 2; g.globalAlpha = 0.85;
    g.beginPath();
    let pen = false;
    cols.forEach((c, i) => {
      const v = i < pc.params.length ? r.params[c.name] : m;
      const p = c.pos(v);
      if (p == null) { pen = false; return; }
      if (pen) g.lineTo(x(i), y(p)); else g.moveTo(x(i), y(p));
      pen = true;
    });
    g.stroke();
  });
  g.globalAlpha = 1;
  // axes
  g.strokeStyle = cssVar("--axis"); g.fillStyle = cssVar("--fg"); g.lineWidth = 1; g.font = "12px system-ui, sans-serif"; g.textAlign = "center";
  cols.forEach((c, i) => {
    g.beginPath(); g.moveTo(x(i), top); g.lineTo(x(i), bottom); g.stroke();
    g.fillText(c.name.length > 18 ? c.name.slice(0, 17) + "…" : c.name, x(i), top - 18);
    if (c.cats) {
      c.cats.forEach(v => g.fillText(v.length > 12 ? v.slice(0, 11) + "…" : v, x(i), y(c.pos(v)) - 4));
    } else {
      g.fillText(c.hi, x(i), top - 4); g.fillText(c.lo, x(i), bottom + 14);
    }
  });
  canvas.dataset.drawn = String(pc.runs.length);
}
draw();
