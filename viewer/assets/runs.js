// The runs table of an experiment: filter (the query language, errors shown
// under the box), sort by any column, nested runs under their parent
// (collapsible), the main metrics next to the name, chosen and ordered
// param and metric columns (kept in the URL), paging as you scroll, and
// selection of runs to compare.
import {fetchJSON, num, fmtNum, fmtTime, fmtDur, el} from "./common.js";
import {suggest} from "./suggest.js";

const table = document.getElementById("runs");
const exp = table.dataset.experiment;
const thead = table.tHead, tbody = table.tBodies[0];
const form = document.getElementById("filter-form");
const filterBox = document.getElementById("filter");
const orderBox = document.getElementById("order_by");
const errBox = document.getElementById("filter-error");
const summary = document.getElementById("summary");
const more = document.getElementById("more");
const compareBtn = document.getElementById("compare-button");
const colBtn = document.getElementById("columns-button");
const colPanel = document.getElementById("columns-panel");

// listArg reads a comma-separated list of the page's URL: null when absent.
function listArg(name) {
  const v = new URLSearchParams(location.search).get(name);
  return v == null ? null : v.split(",").filter(s => s !== "");
}

const state = {
  filter: filterBox.value,
  orderBy: orderBox.value,
  params: listArg("params"),   // null: the server's default (those that vary)
  metrics: listArg("metrics"), // null: the server's default (the main metrics)
  next: null,
  page: null,     // the last page: its columns
  selected: new Set(),
  collapsed: new Set(),
  seq: 0,
};

function apiURL(token) {
  const q = new URLSearchParams();
  if (state.filter) q.set("filter", state.filter);
  if (state.orderBy) q.set("order_by", state.orderBy);
  if (state.params) q.set("params", state.params.join(","));
  if (state.metrics) q.set("metrics", state.metrics.join(","));
  q.set("max_results", "100");
  if (token) q.set("page_token", token);
  return `/api/mlite/experiments/${exp}/runs?` + q.toString();
}

function pageURL() {
  const q = new URLSearchParams();
  if (state.filter) q.set("filter", state.filter);
  if (state.orderBy) q.set("order_by", state.orderBy);
  if (state.params) q.set("params", state.params.join(","));
  if (state.metrics) q.set("metrics", state.metrics.join(","));
  const s = q.toString();
  return location.pathname + (s ? "?" + s : "");
}

// sortKey of a column for order_by: attributes by name, others typed.
function sortState() {
  const m = /^(.*?)(?:\s+(ASC|DESC))?$/i.exec(state.page ? state.page.order_by : "start_time DESC");
  return {col: m[1], desc: (m[2] || "ASC").toUpperCase() === "DESC"};
}

function quoteKey(kind, key) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key.replace(/`/g, "``")}\``;
}

function header(page) {
  const s = sortState();
  const th = (label, col, cls) => {
    const on = s.col === col;
    return el("th", {class: (cls || "") + " sortable" + (on ? " sorted" : ""), title: "sort by " + label, dataset: {col},
      onclick: () => {
        state.orderBy = col + (on && !s.desc ? " DESC" : on ? " ASC" : (col.startsWith("metrics.") || col === "start_time" || col === "duration" ? " DESC" : " ASC"));
        orderBox.value = state.orderBy;
        reload();
      }}, label, on ? (s.desc ? " ▼" : " ▲") : "");
  };
  const all = el("input", {type: "checkbox", title: "select all shown", onchange: e => {
    for (const cb of tbody.querySelectorAll("input.select")) { cb.checked = e.target.checked; toggleSelect(cb.value, cb.checked); }
  }});
  const tr = el("tr", null, el("th", {class: "select"}, all), th("Name", "run_name"));
  for (const m of page.metrics) tr.append(th(m, quoteKey("metrics", m), "num metric"));
  tr.append(th("Status", "status"), th("Started", "start_time"), th("Duration", "duration", "num"), th("User", "user_id"));
  for (const p of page.params) tr.append(th(p, quoteKey("params", p), "param"));
  thead.replaceChildren(tr);
}

function toggleSelect(id, on) {
  if (on) state.selected.add(id); else state.selected.delete(id);
  compareBtn.disabled = state.selected.size < 2;
  compareBtn.textContent = `Compare selected (${state.selected.size})`;
  chartsTab.href = chartsURL();
}

function rowOf(r, page) {
  const tr = el("tr", {class: "run" + (r.depth ? " child" : ""), dataset: {run: r.run_id, depth: String(r.depth), parent: r.parent_run_id || ""}});
  const cb = el("input", {type: "checkbox", class: "select", value: r.run_id, onchange: e => toggleSelect(r.run_id, e.target.checked)});
  cb.checked = state.selected.has(r.run_id);
  const name = el("td", {class: "name"});
  name.style.paddingLeft = (0.5 + r.depth * 1.4) + "em";
  if (r.children) {
    const open = !state.collapsed.has(r.run_id);
    name.append(el("button", {type: "button", class: "toggle", "aria-expanded": String(open), title: `${r.children} child runs`,
      onclick: e => toggleChildren(r.run_id, e.currentTarget)}, open ? "▾" : "▸"), " ");
  } else if (r.depth) {
    name.append(el("span", {class: "branch"}, "↳ "));
  }
  name.append(el("a", {href: `/runs/${r.run_id}`}, r.run_name || r.run_id.slice(0, 8)));
  if (r.children) name.append(el("span", {class: "muted"}, ` (${r.children})`));
  if (r.more) name.append(el("span", {class: "muted"}, ` +${r.more} more`));
  tr.append(el("td", {class: "select"}, cb), name);
  for (const m of page.metrics) tr.append(el("td", {class: "num mono metric"}, m in r.metrics ? fmtNum(r.metrics[m]) : ""));
  tr.append(el("td", null, el("span", {class: `status status-${r.status}`}, r.status)),
    el("td", {class: "time"}, fmtTime(r.start_time)), el("td", {class: "num"}, fmtDur(r.duration_ms)), el("td", null, r.user_id));
  for (const p of page.params) tr.append(el("td", {class: "mono param"}, r.params[p] ?? ""));
  return tr;
}

// toggleChildren hides or shows every descendant row of a run.
function toggleChildren(id, btn) {
  const open = state.collapsed.has(id);
  if (open) state.collapsed.delete(id); else state.collapsed.add(id);
  btn.textContent = open ? "▾" : "▸";
  btn.setAttribute("aria-expanded", String(open));
  applyCollapse();
}

function applyCollapse() {
  const hiddenParents = new Set();
  for (const tr of tbody.rows) {
    const p = tr.dataset.parent;
    const hide = p && (state.collapsed.has(p) || hiddenParents.has(p)) && Number(tr.dataset.depth) > 0;
    tr.hidden = !!hide;
    if (hide) hiddenParents.add(tr.dataset.run);
  }
}

function render(page, append) {
  state.page = page;
  if (!append) { header(page); tbody.replaceChildren(); }
  const frag = document.createDocumentFragment();
  for (const r of page.rows) frag.append(rowOf(r, page));
  tbody.append(frag);
  if (!append && !page.rows.length) {
    tbody.append(el("tr", null, el("td", {colspan: String(6 + page.params.length + page.metrics.length), class: "empty", id: "no-runs"},
      page.hint ? `No runs match: ${page.hint}` : "No runs match.")));
  }
  if (!append) placeholder(page);
  applyCollapse();
  state.next = page.next_page_token || null;
  more.hidden = !state.next;
  watchEnd();
  summary.textContent = summaryText(page, tbody.querySelectorAll("tr.run:not(.child)").length);
  table.dataset.total = String(page.total);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// summaryText counts the matching runs the way a sweep is thought of:
// "37 matching runs: 36 child runs in 1 sweep".
function summaryText(page, shown) {
  const parts = [];
  if (page.sweeps) parts.push(`${plural(page.total - page.roots, "child run")} in ${plural(page.sweeps, "sweep")}`);
  const others = page.roots - page.sweeps;
  if (others) parts.push(plural(others, page.sweeps ? "other top-level run" : "top-level run"));
  let s = plural(page.total, "matching run") + (page.total ? ": " + parts.join(", ") : "");
  if (shown < page.roots) s += ` (${shown} of ${page.roots} top-level shown)`;
  return s + (state.filter ? ` for filter ${state.filter}` : "");
}

// placeholder makes the filter box's example a filter on keys the
// experiment has, with values of its newest run.
function placeholder(page) {
  if (filterBox.dataset.example) return;
  const r = page.rows.find(r => page.metrics.some(k => Number.isFinite(num(r.metrics[k])))) ||
    page.rows.find(r => Object.keys(r.metrics).length || Object.keys(r.params).length);
  if (!r) return;
  const parts = [];
  const m = page.metrics.find(k => Number.isFinite(num(r.metrics[k]))) || Object.keys(r.metrics).find(k => Number.isFinite(num(r.metrics[k])));
  if (m) parts.push(`${quoteKey("metrics", m)} > ${fmtNum(num(r.metrics[m]) * 0.9)}`);
  const p = page.params.find(k => k in r.params) || Object.keys(r.params)[0];
  if (p) parts.push(`${quoteKey("params", p)} = '${r.params[p].replaceAll("'", "''")}'`);
  if (!parts.length) return;
  filterBox.placeholder = parts.join(" and ");
  filterBox.dataset.example = "true";
}

const chartsTab = document.getElementById("charts-tab");

// chartsURL is the chart view of the same filtered runs, with the curves
// of the selected runs if two or more are selected.
function chartsURL() {
  const q = new URLSearchParams();
  if (state.filter) q.set("filter", state.filter);
  if (state.orderBy) q.set("order_by", state.orderBy);
  if (state.selected.size >= 2) q.set("runs", [...state.selected].join(","));
  const s = q.toString();
  return `/experiments/${exp}/charts` + (s ? "?" + s : "");
}

async function reload() {
  const seq = ++state.seq;
  history.replaceState(null, "", pageURL());
  chartsTab.href = chartsURL();
  table.classList.add("loading");
  try {
    const page = await fetchJSON(apiURL());
    if (seq !== state.seq) return;
    errBox.hidden = true;
    errBox.textContent = "";
    filterBox.removeAttribute("aria-invalid");
    render(page, false);
    if (!performance.getEntriesByName("mlite-drawn").length) performance.mark("mlite-drawn"); // the first page drawn
  } catch (e) {
    if (seq !== state.seq) return;
    errBox.textContent = e.message;
    errBox.hidden = false;
    filterBox.setAttribute("aria-invalid", "true");
  } finally {
    table.classList.remove("loading");
    table.dataset.seq = String(seq);
  }
}

async function loadMore() {
  if (!state.next || state.busy) return;
  state.busy = true;
  const seq = state.seq;
  try {
    const page = await fetchJSON(apiURL(state.next));
    if (seq === state.seq) render(page, true);
  } catch (e) {
    summary.textContent = e.message;
  } finally {
    state.busy = false;
  }
}

function columnsPanel() {
  const p = state.page;
  if (!p) return;
  // box lists the shown columns first, in their order (↑ moves one up),
  // then the others.
  const box = (kind, keys, shown) => {
    const fs = el("fieldset", null, el("legend", null, kind));
    for (const k of [...shown, ...keys.filter(k => !shown.includes(k))]) {
      const cb = el("input", {type: "checkbox", value: k});
      cb.checked = shown.includes(k);
      const up = el("button", {type: "button", class: "up", title: "move up", onclick: e => {
        const item = e.currentTarget.parentNode;
        if (item.previousElementSibling && item.previousElementSibling.tagName === "DIV") item.parentNode.insertBefore(item, item.previousElementSibling);
      }}, "↑");
      fs.append(el("div", {class: "col-item", dataset: {key: k}}, up, el("label", null, cb, " ", k)));
    }
    return fs;
  };
  const ps = box("Parameters", p.all_params, p.params), ms = box("Metrics", p.all_metrics, p.metrics);
  const apply = el("button", {type: "button", onclick: () => {
    state.params = [...ps.querySelectorAll("input:checked")].map(c => c.value);
    state.metrics = [...ms.querySelectorAll("input:checked")].map(c => c.value);
    colPanel.hidden = true;
    reload();
  }}, "Apply");
  const dflt = el("button", {type: "button", onclick: () => { state.params = state.metrics = null; colPanel.hidden = true; reload(); }}, "Defaults");
  colPanel.replaceChildren(ps, ms, el("p", null, apply, " ", dflt));
}

form.addEventListener("submit", e => {
  e.preventDefault();
  state.filter = filterBox.value.trim();
  reload();
});
colBtn.addEventListener("click", () => { colPanel.hidden = !colPanel.hidden; if (!colPanel.hidden) columnsPanel(); });
compareBtn.addEventListener("click", () => {
  if (state.selected.size >= 2) location.href = "/compare?runs=" + [...state.selected].join(",");
});
more.addEventListener("click", loadMore);
// The table scrolls inside its frame: the next page loads when its last
// row comes near the frame's bottom.
const endObserver = typeof IntersectionObserver !== "undefined" ?
  new IntersectionObserver(es => { if (es.some(e => e.isIntersecting)) loadMore(); }, {root: document.getElementById("runs-wrap"), rootMargin: "400px"}) : null;
function watchEnd() {
  if (!endObserver) return;
  endObserver.disconnect();
  let last = tbody.lastElementChild;
  while (last && last.hidden) last = last.previousElementSibling;
  if (last && state.next) endObserver.observe(last);
}
suggest(filterBox, () => state.page && {params: state.page.all_params, metrics: state.page.all_metrics, tags: state.page.all_tags});
toggleSelect("", false);
reload();
