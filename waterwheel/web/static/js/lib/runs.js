// The attempts of one task run, as a table (the run panel and the log page).

import { enc, query } from "./api.js";
import { h } from "./dom.js";
import { durationBetween, fmtDuration, timeEl } from "./time.js";
import { shortId, stateBadge, table } from "./ui.js";

export function logHref(run, taskId, triggerDatetime) {
  return `/logs/${enc(run.task_run_id)}${query({ task: taskId, at: triggerDatetime })}`;
}

export function runsTable(runs, { taskId, triggerDatetime, selected, onSelect } = {}) {
  return table([
    { title: "Attempt", cell: (r) => `#${r.attempt}`, rowHeader: true },
    { title: "State", cell: (r) => h("span", { class: "run-state" }, stateBadge(r.state), r.message ? h("span", { class: "run-message" }, r.message) : null) },
    { title: "Queued", cell: (r) => timeEl(r.queued_datetime, { short: true }) },
    { title: "Started", cell: (r) => timeEl(r.started_datetime, { short: true }) },
    { title: "Finished", cell: (r) => timeEl(r.finish_datetime, { short: true }) },
    {
      title: "Duration",
      cell: (r) => (r.started_datetime
        ? h("span", { title: r.finish_datetime ? "" : "so far" },
          fmtDuration(durationBetween(r.started_datetime, r.finish_datetime)), r.finish_datetime ? "" : "…")
        : "—"),
      numeric: true,
    },
    { title: "Worker", cell: (r) => (r.worker_id ? h("a", { href: `/workers/${enc(r.worker_id)}`, class: "mono", title: r.worker_id }, shortId(r.worker_id)) : "—") },
    { title: "Priority", cell: (r) => r.priority, class: "hide-narrow" },
    {
      title: "Log",
      cell: (r) => (onSelect
        ? h("button", {
          type: "button", class: "button button-small", "aria-pressed": String(r.task_run_id === selected),
          "aria-label": `Show the log of attempt ${r.attempt}`, onclick: () => onSelect(r),
        }, r.task_run_id === selected ? "Shown" : "Show")
        : h("a", { href: logHref(r, taskId, triggerDatetime) }, "Open")),
    },
  ], runs, {
    empty: "No run yet: the task has not been queued for this trigger time.",
    caption: "Attempts",
    rowAttrs: (r) => ({ "data-task-run-id": r.task_run_id, "data-state": r.state, class: r.task_run_id === selected ? "selected" : null }),
  });
}
