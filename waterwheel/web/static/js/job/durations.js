// Task durations over recent trigger times: one line per task, as SVG, with
// a shape per task besides its colour, and the numbers as a table.

import { api, enc, query } from "../lib/api.js";
import { h, replace, s } from "../lib/dom.js";
import { fmtDuration, fmtLocal, fmtUTC, timeEl } from "../lib/time.js";
import { inlineError, table } from "../lib/ui.js";

// Okabe-Ito: told apart by colour-blind readers too.
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000", "#7F3C8D"];
const SHAPES = ["circle", "square", "triangle", "diamond"];

function marker(shape, x, y, r, attrs) {
  if (shape === "circle") return s("circle", { cx: x, cy: y, r, ...attrs });
  if (shape === "square") return s("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...attrs });
  if (shape === "triangle") return s("path", { d: `M${x},${y - r * 1.2} L${x + r * 1.15},${y + r * 0.85} L${x - r * 1.15},${y + r * 0.85} z`, ...attrs });
  return s("path", { d: `M${x},${y - r * 1.3} L${x + r * 1.3},${y} L${x},${y + r * 1.3} L${x - r * 1.3},${y} z`, ...attrs });
}

function fmtTick(v, max) {
  if (max >= 7200) return `${(v / 3600).toFixed(v % 3600 ? 1 : 0)} h`;
  if (max >= 120) return `${(v / 60).toFixed(v % 60 ? 1 : 0)} min`;
  if (max >= 2) return `${Number.isInteger(v) ? v : v.toFixed(1)} s`;
  return `${(v * 1000).toFixed(0)} ms`;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

export function mount(panel, ctx) {
  let limit = 31;
  const hidden = new Set();
  let data = null;
  const limitSelect = h("select", { id: "duration-limit", onchange: () => { limit = Number(limitSelect.value); load(); } },
    [10, 31, 100, 200].map((n) => h("option", { value: String(n), selected: n === limit }, `${n} trigger times`)));
  const chartBox = h("div", { class: "chart-wrap", "aria-busy": "true" });
  const legend = h("div", { class: "chart-legend", role: "group", "aria-label": "Tasks shown" });
  const details = h("details", { class: "chart-table" }, h("summary", {}, "Show the numbers as a table"));
  replace(panel,
    h("div", { class: "panel-head" }, h("h2", {}, "Task durations"), h("label", { class: "inline-field" }, "Over the last ", limitSelect)),
    h("p", { class: "hint" }, "Longest successful or failed attempt per task and trigger time."),
    legend, chartBox, details);

  async function load() {
    try {
      data = await api(`/jobs/${enc(ctx.jobId)}/duration${query({ limit })}`);
      draw();
    } catch (err) {
      inlineError(chartBox, err, "job's durations");
    }
  }

  function draw() {
    const points = data.duration.filter((d) => d.duration !== null);
    const tasks = [...new Set(points.map((d) => d.task_name))].sort();
    const times = [...new Set(points.map((d) => d.trigger_datetime))].sort();
    const style = (task) => {
      const i = tasks.indexOf(task);
      return { colour: COLOURS[i % COLOURS.length], shape: SHAPES[i % SHAPES.length] };
    };
    replace(legend, tasks.map((task) => {
      const st = style(task);
      return h("button", {
        type: "button", class: "legend-toggle", "aria-pressed": String(!hidden.has(task)), "data-task": task,
        onclick: () => { if (hidden.has(task)) hidden.delete(task); else hidden.add(task); draw(); },
      }, s("svg", { width: 14, height: 14, "aria-hidden": "true" }, marker(st.shape, 7, 7, 5, { fill: st.colour })), task);
    }));
    if (!points.length) {
      replace(chartBox, h("p", { class: "empty" }, "No finished run yet: durations appear once tasks succeed or fail."));
      replace(details, h("summary", {}, "Show the numbers as a table"));
      return;
    }
    const width = Math.max(320, Math.min(1200, chartBox.clientWidth || 900));
    const height = width < 500 ? 260 : 340;
    const pad = { left: 64, right: 40, top: 16, bottom: 56 };
    const visible = points.filter((d) => !hidden.has(d.task_name));
    const maxY = niceMax(Math.max(0.001, ...visible.map((d) => d.duration)));
    const px = (t) => pad.left + (times.length === 1 ? (width - pad.left - pad.right) / 2
      : (times.indexOf(t) / (times.length - 1)) * (width - pad.left - pad.right));
    const py = (v) => pad.top + (1 - v / maxY) * (height - pad.top - pad.bottom);
    const grid = [];
    for (let i = 0; i <= 4; i++) {
      const v = (maxY * i) / 4;
      grid.push(s("line", { x1: pad.left, x2: width - pad.right, y1: py(v), y2: py(v), class: "chart-grid" }),
        s("text", { x: pad.left - 8, y: py(v) + 4, class: "chart-label", "text-anchor": "end" }, fmtTick(v, maxY)));
    }
    const step = Math.max(1, Math.ceil(times.length / Math.floor((width - pad.left) / 90)));
    const xLabels = times.filter((_, i) => i % step === 0).map((t) =>
      s("text", { x: px(t), y: height - pad.bottom + 18, class: "chart-label", "text-anchor": "middle" }, s("title", {}, fmtUTC(t)), fmtLocal(t, { short: true })));
    const series = tasks.filter((task) => !hidden.has(task)).map((task) => {
      const st = style(task);
      const mine = visible.filter((d) => d.task_name === task).sort((a, b) => a.trigger_datetime.localeCompare(b.trigger_datetime));
      return s("g", { class: "series", "data-task": task },
        mine.length > 1 ? s("polyline", { points: mine.map((d) => `${px(d.trigger_datetime)},${py(d.duration)}`).join(" "), fill: "none", stroke: st.colour, class: "chart-line" }) : null,
        mine.map((d) => marker(st.shape, px(d.trigger_datetime), py(d.duration), 4.5, {
          fill: st.colour, class: "point", "data-task": task, "data-dt": d.trigger_datetime, "data-duration": String(d.duration),
        }).appendChild(s("title", {}, `${task} at ${fmtLocal(d.trigger_datetime)}: ${fmtDuration(d.duration)}`)).parentNode));
    });
    const svg = s("svg", {
      class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Durations of ${tasks.length} tasks over ${times.length} trigger times; the longest is ${fmtDuration(maxY)} or less. The table below has the numbers.`,
    },
    grid,
    s("line", { x1: pad.left, x2: width - pad.right, y1: py(0), y2: py(0), class: "chart-axis" }),
    xLabels,
    s("text", { x: pad.left, y: height - 8, class: "chart-label chart-axis-title" }, "trigger time"),
    series);
    replace(chartBox, svg);
    replace(details, h("summary", {}, "Show the numbers as a table"), table([
      { title: "Task", cell: (d) => d.task_name, rowHeader: true },
      { title: "Trigger time", cell: (d) => timeEl(d.trigger_datetime) },
      { title: "Duration", cell: (d) => fmtDuration(d.duration), numeric: true },
    ], points));
  }

  load();
  let lastWidth = 0;
  const resize = new ResizeObserver(() => {
    const w = chartBox.clientWidth;
    if (data && Math.abs(w - lastWidth) > 8) { lastWidth = w; draw(); }
  });
  resize.observe(chartBox);
  const timer = setInterval(load, 15000);
  return { destroy: () => { clearInterval(timer); resize.disconnect(); } };
}
