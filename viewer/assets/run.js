// The run page: artifact previews, a chart per metric, and live refresh
// while the run is RUNNING.
import {fetchJSON, fmtNum, el, pollInterval} from "./common.js";
import {lazyCharts, Chart} from "./chart.js";

const page = document.getElementById("run-page");
const runID = page.dataset.run;
const preview = document.getElementById("preview");

// Artifacts: images inline, text as text, the rest downloadable.
async function show(path) {
  preview.replaceChildren(el("p", {class: "muted"}, "Loading " + path + "…"));
  try {
    const p = await fetchJSON(`/api/mlite/runs/${runID}/preview?path=${encodeURIComponent(path)}`);
    const head = el("div", {class: "preview-head"}, el("strong", null, p.path), " ",
      el("a", {href: p.url + "&download=1"}, "download"));
    let body;
    if (p.kind === "image") {
      body = el("img", {src: p.url, alt: p.path, class: "preview-image"});
    } else if (p.kind === "text") {
      body = el("pre", {class: "code preview-text"}, p.text);
      if (p.truncated) head.append(el("span", {class: "muted"}, " (first 512 KiB)"));
    } else {
      body = el("p", null, `Binary file, ${p.file_size} bytes: `, el("a", {href: p.url + "&download=1"}, "download it"), ".");
    }
    preview.replaceChildren(head, body);
    preview.dataset.kind = p.kind;
    preview.dataset.path = p.path;
  } catch (e) {
    preview.replaceChildren(el("p", {class: "error-message"}, e.message));
  }
}

document.getElementById("artifacts").addEventListener("click", e => {
  const a = e.target.closest("a.artifact");
  if (!a) return;
  e.preventDefault();
  for (const x of document.querySelectorAll("a.artifact.current")) x.classList.remove("current");
  a.classList.add("current");
  show(a.dataset.path);
});
// Open the first image (or else the first file) at once.
{
  const files = [...document.querySelectorAll("a.artifact")];
  const first = files.find(a => /\.(png|jpe?g|gif|webp|svg)$/i.test(a.dataset.path)) || files[0];
  if (first) first.click();
}

// Charts: one per metric.
const chartsBox = document.getElementById("charts");
const keys = JSON.parse(chartsBox.dataset.keys || "[]") || [];
const charts = lazyCharts(chartsBox, [runID], keys.slice(0, 60), {});

// Live refresh while the run is RUNNING.
let status = page.dataset.status;
const counts = new Map();
for (const tr of document.querySelectorAll("#metrics tr[data-key]")) counts.set(tr.dataset.key, tr.querySelector(".count").textContent);

async function poll() {
  let s;
  try {
    s = await fetchJSON(`/api/mlite/runs/${runID}`);
  } catch (e) {
    setTimeout(poll, pollInterval() * 3);
    return;
  }
  const tbody = document.querySelector("#metrics tbody");
  for (const [key, m] of Object.entries(s.metrics).sort()) {
    let tr = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    if (!tr) {
      for (const e of tbody.querySelectorAll("td.empty")) e.parentElement.remove();
      tr = el("tr", {dataset: {key}}, el("td", null, el("a", {href: `/chart?run=${runID}&key=${encodeURIComponent(key)}`}, key)),
        el("td", {class: "num mono latest"}), el("td", {class: "num step"}), el("td", {class: "num min"}), el("td", {class: "num max"}), el("td", {class: "num count"}));
      tbody.append(tr);
    }
    tr.querySelector(".latest").textContent = fmtNum(m.value);
    tr.querySelector(".step").textContent = String(m.step);
    tr.querySelector(".min").textContent = fmtNum(m.min);
    tr.querySelector(".max").textContent = fmtNum(m.max);
    tr.querySelector(".count").textContent = String(m.count);
    const c = String(m.count);
    if (counts.get(key) !== c) {
      counts.set(key, c);
      let chart = charts.get(key);
      if (!chart && m.count < 2) continue;
      if (!chart) {
        const box = el("div", {class: "chart-box"});
        chartsBox.append(box);
        chart = new Chart(box, {runs: [runID], key});
        charts.set(key, chart);
      }
      chart.refresh();
    }
  }
  if (s.status !== status) {
    status = s.status;
    const badge = document.getElementById("run-status");
    badge.textContent = status;
    badge.className = "status status-" + status;
    document.getElementById("info-status").textContent = status;
    page.dataset.status = status;
  }
  page.dataset.polled = String(Date.now());
  if (status === "RUNNING") setTimeout(poll, pollInterval());
}
if (status === "RUNNING") setTimeout(poll, pollInterval());
