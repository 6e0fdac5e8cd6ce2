// Shared helpers of the viewer's pages: fetching JSON, formatting, and
// building DOM nodes (text always goes in through textContent, never HTML).

// fetchJSON fetches url and returns its JSON; an error response throws an
// Error whose message is the server's, with .status set.
export async function fetchJSON(url, opts) {
  const res = await fetch(url, Object.assign({headers: {"Accept": "application/json"}}, opts));
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const err = new Error((body && body.message) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// num reads a JSON number that may be the string "NaN", "Infinity" or
// "-Infinity".
export function num(v) {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return v == null ? null : Number(v);
}

export function fmtNum(v) {
  v = num(v);
  if (v == null) return "";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(6)));
}

export function fmtTime(ms) {
  if (!ms || ms <= 0) return "—";
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

export function fmtDur(ms) {
  if (!ms || ms <= 0) return "—";
  if (ms < 1000) return ms + "ms";
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + Math.floor(s % 60) + "s";
  return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
}

// el builds an element: el("a", {href: "/x", class: "y"}, "text", child...).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
  }
  for (const c of children) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// pollInterval is the live refresh interval the server chose, in ms.
export function pollInterval() {
  return Number(document.body.dataset.poll) || 1000;
}

// palette gives run i its colour.
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
export function color(i) { return PALETTE[i % PALETTE.length]; }

// cssVar reads a custom property of the page (its colours follow the light
// or dark scheme).
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// axes gives uPlot's axes the page's colours: n axes, the first the x axis,
// each with extra options from opts[i].
export function axes(...opts) {
  const fg = cssVar("--fg"), line = cssVar("--line");
  return opts.map(o => Object.assign({stroke: fg, grid: {stroke: line, width: 1}, ticks: {stroke: line, width: 1}}, o));
}
