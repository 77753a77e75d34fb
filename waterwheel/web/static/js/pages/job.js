// A job: header and actions, then one of its views (tabs), and the side panel
// with a task run's attempts and log.

import { api, enc } from "../lib/api.js";
import { $, $$, h, replace } from "../lib/dom.js";
import { fmtLocal } from "../lib/time.js";
import { card, clearPageError, num, poll, setTitle, setupChrome, showPageError, toast } from "../lib/ui.js";
import { setupActivate } from "../job/activate.js";
import { RunPanel } from "../job/runpanel.js";

setupChrome();

const TABS = {
  grid: () => import("../job/grid.js"),
  graph: () => import("../job/graph.js"),
  durations: () => import("../job/durations.js"),
  tokens: () => import("../job/tokens.js"),
  triggers: () => import("../job/triggers.js"),
  document: () => import("../job/document.js"),
};

const ctx = {
  jobId: document.body.dataset.jobId,
  job: null,
  tasks: [], // [{task_id, name}] of the job, in graph order
  graph: null,
  panel: null,
  listeners: new Set(), // called after each header refresh
  onJob(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); },
  refresh: null,
  touch: () => {}, // the grid reads the runs of a trigger time (all when none) again
};
ctx.panel = new RunPanel($("#run-panel"), ctx);

// Tasks in the order of the graph (upstream first), then by name.
function orderTasks(tasks, graph) {
  const rank = new Map();
  const incoming = new Map();
  for (const e of graph.edges) {
    if (!incoming.has(e.to)) incoming.set(e.to, []);
    incoming.get(e.to).push(e.from);
  }
  const visiting = new Set();
  const depth = (id) => {
    if (rank.has(id)) return rank.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const parents = incoming.get(id) || [];
    const d = parents.length ? Math.max(...parents.map((p) => depth(p) + 1)) : 0;
    visiting.delete(id);
    rank.set(id, d);
    return d;
  };
  return [...tasks].sort((a, b) => depth(a.task_id) - depth(b.task_id) || a.name.localeCompare(b.name));
}

async function loadTasks() {
  const [tasks, graph] = await Promise.all([api(`/jobs/${enc(ctx.jobId)}/tasks`), api(`/jobs/${enc(ctx.jobId)}/graph`)]);
  ctx.graph = graph;
  ctx.tasks = orderTasks(tasks, graph);
}

const pauseButton = $("#pause-button");
const triggerButton = $("#trigger-button");

function renderHeader(job) {
  setTitle(job.name, job.project);
  $("#job-name").textContent = job.name;
  $("#crumb-job").textContent = job.name;
  const crumb = $("#crumb-project");
  crumb.textContent = job.project;
  crumb.href = `/projects/${enc(job.project_id)}`;
  $("#job-description").textContent = job.description || "";
  $("#job-paused-badge").hidden = !job.paused;
  pauseButton.textContent = job.paused ? "Resume" : "Pause";
  pauseButton.setAttribute("aria-label", job.paused ? "Resume the job: its triggers fire again" : "Pause the job: no new runs start");
  pauseButton.dataset.paused = String(job.paused);
  pauseButton.disabled = false;
  $("#activate-button").disabled = !ctx.tasks.length;
  triggerButton.disabled = !ctx.tasks.length;
  replace($("#job-cards"),
    card("running", num(job.active_tasks), { state: job.active_tasks ? "running" : null }),
    card("waiting", num(job.waiting_tasks)),
    card("succeeded (1 h)", num(job.succeeded_tasks_last_hour), { state: "success" }),
    card("failed (1 h)", num(job.failed_tasks_last_hour), { state: job.failed_tasks_last_hour ? "failure" : null }),
    card("errors (1 h)", num(job.error_tasks_last_hour), { state: job.error_tasks_last_hour ? "error" : null }),
  );
}

async function refreshHeader() {
  const job = await api(`/jobs/${enc(ctx.jobId)}`);
  ctx.job = job;
  clearPageError();
  renderHeader(job);
  for (const fn of ctx.listeners) fn(job);
}

pauseButton.addEventListener("click", async () => {
  const pause = pauseButton.dataset.paused !== "true";
  pauseButton.disabled = true;
  try {
    await api(`/jobs/${enc(ctx.jobId)}/paused`, { method: "PUT", body: { paused: pause } });
    toast(pause ? "Job paused: no new runs will start." : "Job resumed.", "success");
    await refreshHeader();
  } catch (err) {
    toast(`Could not ${pause ? "pause" : "resume"} the job: ${err.message}`, "error");
    pauseButton.disabled = false;
  }
});

triggerButton.addEventListener("click", async () => {
  triggerButton.disabled = true;
  try {
    const result = await api(`/jobs/${enc(ctx.jobId)}/trigger`, { method: "POST", body: {} });
    toast(`Run started for ${fmtLocal(result.trigger_datetime)}.`, "success");
    ctx.touch(result.trigger_datetime);
  } catch (err) {
    toast(`Could not start a run: ${err.message}`, "error");
  } finally {
    triggerButton.disabled = false;
  }
});

// --------------------------------------------------------------- tabs

let current = null;
let currentTab = null;

async function showTab(tab, { push = false } = {}) {
  if (!TABS[tab]) tab = "grid";
  if (push) history.pushState({ tab }, "", `/jobs/${enc(ctx.jobId)}/${tab}${location.search && tab === currentTab ? location.search : ""}`);
  for (const link of $$(".tabs a")) {
    if (link.dataset.tab === tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (current && current.destroy) current.destroy();
  current = null;
  currentTab = tab;
  const panel = $("#tab-panel");
  panel.dataset.tab = tab;
  replace(panel, h("p", { class: "muted" }, "Loading…"));
  const module = await TABS[tab]();
  if (currentTab !== tab) return;
  current = module.mount(panel, ctx);
}
ctx.showTab = showTab;

for (const link of $$(".tabs a")) {
  link.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    showTab(link.dataset.tab, { push: true });
  });
}
window.addEventListener("popstate", () => {
  const tab = location.pathname.split("/")[3] || "grid";
  showTab(tab);
});

// --------------------------------------------------------------- start

async function start() {
  try {
    await refreshHeader();
    await loadTasks();
    renderHeader(ctx.job);
  } catch (err) {
    showPageError(err, "job");
    return;
  }
  setupActivate($("#activate-dialog"), $("#activate-button"), ctx);
  ctx.refresh = poll(refreshHeader, 5000, {
    onError: (err) => { if (err.status === 404 || err.status === 403) showPageError(err, "job"); },
  });
  showTab(document.body.dataset.tab || "grid");
}
start();
