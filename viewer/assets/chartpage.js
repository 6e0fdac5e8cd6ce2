// The chart page: one metric of one or more runs, large.
import {Chart} from "./chart.js";

const box = document.getElementById("chart-page");
const chart = new Chart(box, {runs: box.dataset.runs.split(","), key: box.dataset.key, height: 480});
chart.load();
