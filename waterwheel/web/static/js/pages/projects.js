// Projects, with their job counts and recent runs.

import { api, enc } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { inlineError, num, poll, setupChrome, stateBadge, table } from "../lib/ui.js";

setupChrome();

async function refresh() {
  const projects = await api("/projects");
  const extras = await Promise.all(projects.map((p) => api(`/projects/${enc(p.id)}`).catch(() => null)));
  const rows = projects.map((p, i) => ({ ...p, extra: extras[i] }));
  const count = (key, state) => (row) => {
    const n = row.extra ? row.extra[key] : 0;
    return n ? stateBadge(state, num(n)) : h("span", { class: "zero" }, "0");
  };
  replace($("#projects"), table([
    { title: "Project", cell: (p) => h("a", { href: `/projects/${enc(p.id)}`, class: "strong" }, p.name), rowHeader: true },
    { title: "Description", cell: (p) => p.description || h("span", { class: "muted" }, "—"), class: "wide" },
    { title: "Jobs", cell: (p) => num(p.extra?.num_jobs), numeric: true },
    { title: "Running", cell: count("running_tasks", "running") },
    { title: "Waiting", cell: count("waiting_tasks", "active") },
    { title: "Succeeded", cell: count("succeeded_tasks_last_hour", "success") },
    { title: "Failed", cell: count("failed_tasks_last_hour", "failure") },
    { title: "Errors", cell: count("error_tasks_last_hour", "error") },
  ], rows, { empty: "No project yet. Create one with POST /api/projects, then add jobs with POST /api/jobs.", caption: "Projects" }));
}

poll(refresh, 10000, { onError: (err) => inlineError($("#projects"), err, "project list") });
