// The compare page: overlaid charts of the selected runs and a
// parallel-coordinates plot of their params against a chosen metric.
import {el} from "./common.js";
import {lazyCharts} from "./chart.js";
import {Parallel} from "./parallel.js";

const chartsBox = document.getElementById("charts");
const runs = chartsBox.dataset.runs.split(",");
lazyCharts(chartsBox, runs, JSON.parse(chartsBox.dataset.keys || "[]") || [], {});

const pcBox = document.getElementById("parallel");
const pc = JSON.parse(pcBox.dataset.pc);
const sel = document.getElementById("pc-metric");
for (const m of pc.metrics) sel.append(el("option", {value: m}, m));
const plot = new Parallel(pcBox, pc);
sel.addEventListener("change", () => plot.show(sel.value));
plot.show(sel.value);
