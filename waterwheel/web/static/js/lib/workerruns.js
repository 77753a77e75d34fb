// Runs of workers (WorkerTask rows), as a table with links to job and log.

import { enc } from "./api.js";
import { h } from "./dom.js";
import { logHref } from "./runs.js";
import { durationBetween, fmtDuration, timeEl } from "./time.js";
import { stateBadge, table } from "./ui.js";

export function workerRunsTable(runs, { empty, worker = false } = {}) {
  return table([
    { title: "Task", rowHeader: true, cell: (r) => h("span", {}, h("strong", {}, r.task_name), r.attempt > 1 ? h("span", { class: "muted" }, ` #${r.attempt}`) : null) },
    { title: "Job", cell: (r) => h("span", {}, h("a", { href: `/jobs/${enc(r.job_id)}` }, r.job_name), h("span", { class: "muted" }, " in "), h("a", { href: `/projects/${enc(r.project_id)}` }, r.project_name)) },
    { title: "Trigger time", cell: (r) => timeEl(r.trigger_datetime, { short: true }) },
    { title: "State", cell: (r) => stateBadge(r.state) },
    { title: "Started", cell: (r) => timeEl(r.started_datetime, { short: true }) },
    { title: "Duration", numeric: true, cell: (r) => (r.started_datetime ? `${fmtDuration(durationBetween(r.started_datetime, r.finish_datetime))}${r.finish_datetime ? "" : "…"}` : "—") },
    worker ? { title: "Worker", cell: (r) => h("a", { href: `/workers/${enc(r.worker)}`, class: "mono" }, r.worker.slice(0, 8)) } : null,
    { title: "Log", cell: (r) => h("a", { href: logHref(r, r.task_id, r.trigger_datetime), "aria-label": `Log of ${r.task_name} at ${r.trigger_datetime}` }, "Log") },
  ].filter(Boolean), runs, { empty, rowAttrs: (r) => ({ "data-task-run-id": r.task_run_id, "data-state": r.state }) });
}
