// Status: counts, runs of the last hour by state, workers, schedulers, projects.

import { api, enc } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { timeEl } from "../lib/time.js";
import { card, inlineError, num, poll, setupChrome, shortId, stateBadge, table } from "../lib/ui.js";

setupChrome();

const RUN_STATES = [
  ["running", "running_tasks", "running"],
  ["active", "waiting_tasks", "waiting or queued"],
  ["success", "succeeded_tasks_last_hour", "succeeded"],
  ["failure", "failed_tasks_last_hour", "failed"],
  ["error", "error_tasks_last_hour", "errors"],
];

async function refresh() {
  const [status, projects, workers, schedulers] = await Promise.all([
    api("/status"), api("/projects"), api("/workers"), api("/schedulers"),
  ]);
  // The API has no totals over projects: add up each project's counts.
  const extras = await Promise.all(projects.map((p) => api(`/projects/${enc(p.id)}`).catch(() => null)));
  const totals = Object.fromEntries(RUN_STATES.map(([, key]) => [key, 0]));
  let jobs = 0;
  for (const extra of extras.filter(Boolean)) {
    jobs += extra.num_jobs;
    for (const [, key] of RUN_STATES) totals[key] += extra[key];
  }
  const liveSchedulers = schedulers.filter((s) => s.status === "up").length;
  replace($("#summary-cards"),
    card("projects", num(status.num_projects), { href: "/projects" }),
    card("jobs", num(jobs), { href: "/projects" }),
    card("live workers", num(status.num_workers), { href: "/workers", state: status.num_workers ? "up" : "gone" }),
    card("running tasks", num(status.running_tasks), { state: status.running_tasks ? "running" : null, href: "/workers" }),
    card("live schedulers", num(liveSchedulers), { href: "/schedulers", state: liveSchedulers ? "up" : "gone" }),
  );

  const total = RUN_STATES.reduce((sum, [, key]) => sum + totals[key], 0);
  const bar = h("div", { class: "stacked-bar", role: "img",
    "aria-label": RUN_STATES.map(([, key, label]) => `${totals[key]} ${label}`).join(", ") },
  RUN_STATES.filter(([, key]) => totals[key]).map(([state, key, label]) =>
    h("span", { class: `stacked-seg state-${state}`, style: { flexGrow: String(totals[key]) }, title: `${totals[key]} ${label}` })));
  replace($("#runs-by-state"),
    total ? bar : h("div", { class: "stacked-bar stacked-empty" }),
    h("ul", { class: "legend-counts" }, RUN_STATES.map(([state, key, label]) =>
      h("li", { "data-state": state }, stateBadge(state, label), h("strong", {}, num(totals[key]))))));

  replace($("#home-workers"), table([
    { title: "Worker", cell: (w) => h("a", { href: `/workers/${enc(w.uuid)}`, class: "mono" }, shortId(w.uuid)), rowHeader: true },
    { title: "Status", cell: (w) => stateBadge(w.status) },
    { title: "Running", cell: (w) => num(w.running_tasks), numeric: true },
    { title: "Last seen", cell: (w) => timeEl(w.last_seen_datetime, { relative: true }) },
  ], workers.slice(0, 8), { empty: "No worker has reported in the last 24 hours." }));

  replace($("#home-schedulers"), table([
    { title: "Scheduler", cell: (s) => h("span", { class: "mono", title: s.uuid }, shortId(s.uuid)), rowHeader: true },
    { title: "Status", cell: (s) => stateBadge(s.status) },
    { title: "Triggers", cell: (s) => num(s.queued_triggers), numeric: true },
    { title: "Last seen", cell: (s) => timeEl(s.last_seen_datetime, { relative: true }) },
  ], schedulers.slice(0, 8), { empty: "No scheduler has reported in the last hour." }));

  replace($("#home-projects"), table([
    { title: "Project", cell: (p) => h("a", { href: `/projects/${enc(p.id)}` }, p.name), rowHeader: true },
    { title: "Jobs", cell: (p, i) => num(extras[projects.indexOf(p)]?.num_jobs), numeric: true },
    { title: "Running", cell: (p) => num(extras[projects.indexOf(p)]?.running_tasks), numeric: true },
    { title: "Failed (1 h)", cell: (p) => num(extras[projects.indexOf(p)]?.failed_tasks_last_hour), numeric: true },
  ], projects.slice(0, 10), { empty: "No project yet: create one with POST /api/projects." }));
}

poll(refresh, 5000, { onError: (err) => inlineError($("#summary-cards"), err, "status") });
