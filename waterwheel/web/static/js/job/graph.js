// The job's graph as a picture: triggers, tasks, success / failure / trigger
// edges and the tasks of other jobs linked in or out, coloured with the token
// states of one chosen trigger time.

import { api, enc, query } from "../lib/api.js";
import { h, replace, s } from "../lib/dom.js";
import { fmtLocal, fmtUTC } from "../lib/time.js";
import { inlineError, poll, stateInfo } from "../lib/ui.js";
import { NODE_H, NODE_W, layout } from "./layout.js";

const EDGE_TEXT = { success: "on success", failure: "on failure", trigger: "fires" };
const known = new Map(); // id -> {name, job_id, job_name} of nodes the graph route leaves out
const jobNames = new Map();

async function jobName(jobId) {
  if (!jobNames.has(jobId)) jobNames.set(jobId, api(`/jobs/${enc(jobId)}`).then((j) => j.name).catch(() => "another job"));
  return jobNames.get(jobId);
}

// Downstream tasks of other jobs appear in edges only: name them from /api/tasks.
async function completeNodes(graph) {
  const nodes = [...graph.nodes];
  const have = new Set(nodes.map((n) => n.id));
  const missing = [...new Set(graph.edges.flatMap((e) => [e.from, e.to]))].filter((id) => !have.has(id));
  await Promise.all(missing.map(async (id) => {
    if (!known.has(id)) {
      known.set(id, await api(`/tasks/${enc(id)}`)
        .then((t) => ({ name: t.task_name, job_id: t.job_id }))
        .catch(() => ({ name: "unknown task", job_id: null })));
    }
    const k = known.get(id);
    nodes.push({ id, kind: "task", name: k.name, job_id: k.job_id, state: null });
  }));
  return nodes;
}

// A small clock drawn for trigger nodes (no font needed).
function clock(cx, cy) {
  return s("g", { class: "clock", "aria-hidden": "true" },
    s("circle", { cx, cy, r: 5.5 }),
    s("path", { d: `M${cx},${cy - 3.2} L${cx},${cy} L${cx + 2.6},${cy + 1.4}` }));
}

const truncate = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export function mount(panel, ctx) {
  const params = new URLSearchParams(location.search);
  let chosen = params.get("at") || "latest";
  let lastKey = "";
  const select = h("select", { id: "graph-time", onchange: () => { chosen = select.value; lastKey = ""; syncUrl(); poller.now(); } });
  const box = h("div", { class: "graph-wrap", "aria-busy": "true" });
  const caption = h("p", { class: "hint", role: "status" });
  replace(panel,
    h("div", { class: "panel-head" },
      h("h2", {}, "Graph"),
      h("label", { class: "inline-field" }, "States at ", select)),
    caption,
    box,
    h("ul", { class: "legend graph-legend", "aria-label": "Graph legend" },
      h("li", {}, s("svg", { width: 36, height: 10, "aria-hidden": "true" }, s("line", { x1: 0, y1: 5, x2: 36, y2: 5, class: "edge edge-success" })), "on success"),
      h("li", {}, s("svg", { width: 36, height: 10, "aria-hidden": "true" }, s("line", { x1: 0, y1: 5, x2: 36, y2: 5, class: "edge edge-failure" })), "on failure"),
      h("li", {}, s("svg", { width: 36, height: 10, "aria-hidden": "true" }, s("line", { x1: 0, y1: 5, x2: 36, y2: 5, class: "edge edge-trigger" })), "trigger fires"),
      h("li", {}, h("span", { class: "legend-node legend-external", "aria-hidden": "true" }), "task of another job"),
      h("li", {}, h("span", { class: "legend-node legend-trigger", "aria-hidden": "true" }), "trigger")));

  function syncUrl() {
    const url = `/jobs/${enc(ctx.jobId)}/graph${chosen === "latest" ? "" : query({ at: chosen })}`;
    history.replaceState(history.state, "", url);
  }

  async function refreshTimes() {
    const overview = await api(`/jobs/${enc(ctx.jobId)}/tokens-overview${query({ limit: 30 })}`);
    const times = overview.tokens.map((r) => r.trigger_datetime);
    if (chosen !== "latest" && chosen !== "none" && !times.includes(chosen)) times.unshift(chosen);
    const options = [
      h("option", { value: "latest" }, times.length ? `Latest (${fmtLocal(times[0], { short: true })}, follows new ones)` : "Latest"),
      ...times.map((t) => h("option", { value: t, title: fmtUTC(t) }, fmtLocal(t))),
      h("option", { value: "none" }, "No trigger time: structure only"),
    ];
    const had = select.value;
    select.replaceChildren(...options);
    select.value = chosen;
    if (select.value !== chosen) select.value = had || "latest";
    return times[0] || null;
  }

  async function refresh() {
    const newest = await refreshTimes();
    const at = chosen === "latest" ? newest : chosen === "none" ? null : chosen;
    const graph = await api(`/jobs/${enc(ctx.jobId)}/graph${query({ trigger_datetime: at })}`);
    const key = JSON.stringify([graph, at]);
    if (key === lastKey) return;
    lastKey = key;
    const nodes = await completeNodes(graph);
    for (const n of nodes) if (n.job_id && n.job_id !== ctx.jobId) n.jobName = await jobName(n.job_id);
    caption.textContent = at
      ? `Token states at ${fmtLocal(at)}. Select a task to see its attempts and log.`
      : "No trigger time chosen: the job's structure only.";
    draw(nodes, graph.edges, at);
  }

  function draw(nodes, edges, at) {
    const focusedId = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    const kindOrder = { trigger: 0, task: 1 };
    // Top to bottom where the page is narrow (a phone), else left to right.
    const vertical = (box.clientWidth || window.innerWidth) < 640;
    const placed = layout(nodes, edges, {
      vertical,
      nodeWidth: vertical ? 148 : NODE_W,
      sortKey: (n) => `${n.job_id === ctx.jobId ? 1 : 0}${kindOrder[n.kind]}${n.name}`,
    });
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const name = (id) => byId.get(id)?.name || "?";
    const markers = ["success", "failure", "trigger"].map((k) =>
      s("marker", { id: `arrow-${k}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse", class: `marker marker-${k}` },
        s("path", { d: "M0,0 L10,5 L0,10 z" })));
    const edgeEls = placed.edges.map((e) => s("path", {
      class: `edge edge-${e.kind} edge-${e.shape}`, d: e.d, "data-kind": e.kind, "data-from": e.from, "data-to": e.to,
      "marker-end": `url(#arrow-${e.kind})`,
    }, s("title", {}, `${name(e.from)} → ${name(e.to)} (${EDGE_TEXT[e.kind] || e.kind})`)));
    // In the order of the picture, left to right then top to bottom, for the keyboard.
    const ordered = [...nodes].sort((a, b) => {
      const pa = placed.nodes.get(a.id);
      const pb = placed.nodes.get(b.id);
      return vertical ? pa.y - pb.y || pa.x - pb.x : pa.x - pb.x || pa.y - pb.y;
    });
    const nodeEls = ordered.map((n) => {
      const p = placed.nodes.get(n.id);
      const external = n.job_id !== ctx.jobId;
      const info = n.state ? stateInfo(n.state) : null;
      const sub = n.kind === "trigger" ? "trigger"
        : external ? `job: ${n.jobName || "another job"}`
          : info ? info.label : at ? "no token" : "task";
      const classes = ["node", `node-${n.kind}`, external && "node-external", n.state && `state-${n.state}`].filter(Boolean).join(" ");
      const label = n.kind === "trigger" ? `Trigger ${n.name}`
        : external ? `Task ${n.name} of job ${n.jobName || "another job"}: open that job`
          : `Task ${n.name}: ${info ? info.label : at ? "no token" : "no trigger time chosen"}${at ? ". Open its attempts and log" : ""}`;
      const interactive = external ? !!n.job_id : n.kind === "task" && !!at;
      const group = s("g", {
        class: classes, transform: `translate(${p.x},${p.y})`, "data-id": n.id, "data-name": n.name, "data-kind": n.kind,
        "data-state": n.state || "none", "data-external": external ? "true" : "false",
        tabindex: interactive ? "0" : null, role: interactive ? (external ? "link" : "button") : null,
        "aria-label": label,
      },
      s("title", {}, `${n.name}\n${sub}`),
      s("rect", { width: placed.nodeWidth, height: NODE_H, rx: n.kind === "trigger" ? NODE_H / 2 : 8, class: "node-box" }),
      s("text", { x: 14, y: 21, class: "node-name" }, truncate(n.name, vertical ? 17 : 22)),
      s("text", { x: n.kind === "trigger" ? 30 : 14, y: 38, class: "node-sub" }, `${info ? `${info.glyph} ` : ""}${truncate(sub, vertical ? 19 : 24)}`),
      n.kind === "trigger" ? clock(20, 34) : null);
      if (interactive) {
        const activate = () => {
          if (external) location.href = `/jobs/${enc(n.job_id)}/graph${at ? query({ at }) : ""}`;
          else ctx.panel.openRun({ taskId: n.id, taskName: n.name, dt: at, origin: group });
        };
        group.addEventListener("click", activate);
        group.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            activate();
          }
        });
      }
      return group;
    });
    const tasks = nodes.filter((n) => n.kind === "task" && n.job_id === ctx.jobId).length;
    const triggers = nodes.filter((n) => n.kind === "trigger").length;
    const svg = s("svg", {
      class: "graph", width: placed.width, height: placed.height, viewBox: `0 0 ${placed.width} ${placed.height}`,
      role: "group", "aria-label": `Graph of the job: ${tasks} tasks, ${triggers} triggers, ${edges.length} edges`,
    }, s("defs", {}, markers), s("g", { class: "edges" }, edgeEls), s("g", { class: "nodes" }, nodeEls));
    replace(box, svg);
    if (focusedId) {
      const again = box.querySelector(`[data-id="${focusedId}"]`);
      if (again) again.focus();
    }
  }

  const poller = poll(refresh, 3000, { onError: (err) => inlineError(box, err, "job's graph") });
  return { destroy: () => poller.stop() };
}
