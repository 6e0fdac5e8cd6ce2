// The chart page: one metric of one or more runs, large; refreshed while
// one of them is RUNNING.
import {Chart} from "./chart.js";
import {pollInterval} from "./common.js";

const box = document.getElementById("chart-page");
const chart = new Chart(box, {runs: box.dataset.runs.split(","), key: box.dataset.key, height: 480});
chart.load();
if (box.dataset.running) setInterval(() => chart.refresh(), pollInterval() * 2);
