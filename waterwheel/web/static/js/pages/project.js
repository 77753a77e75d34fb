// A project: its jobs (paused, last outcome, next trigger time) and stash keys.

import { api, enc, query } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { lastOutcome, nextOfJob } from "../lib/jobs.js";
import { timeEl } from "../lib/time.js";
import {
  card, inlineError, num, poll, setTitle, setupChrome, showPageError, stateBadge, table, toast,
} from "../lib/ui.js";

setupChrome();
const projectId = document.body.dataset.projectId;
const PAGE = 50;
let shown = PAGE;
let extrasTick = 0;
const extras = new Map(); // job id -> {outcome, next, cron}

async function loadExtras(job) {
  const [overview, triggers] = await Promise.all([
    api(`/jobs/${enc(job.job_id)}/tokens-overview${query({ limit: 5 })}`),
    api(`/jobs/${enc(job.job_id)}/triggers`),
  ]);
  extras.set(job.job_id, {
    outcome: lastOutcome(overview),
    next: job.paused ? null : nextOfJob(triggers),
    triggers: triggers.length,
  });
}

async function togglePause(job, button) {
  button.disabled = true;
  try {
    await api(`/jobs/${enc(job.job_id)}/paused`, { method: "PUT", body: { paused: !job.paused } });
    toast(`${job.name} ${job.paused ? "resumed" : "paused"}`, "success");
    extrasTick = 0;
    await refresher.now();
  } catch (err) {
    toast(`Could not change ${job.name}: ${err.message}`, "error");
  } finally {
    button.disabled = false;
  }
}

function nextCell(job) {
  const extra = extras.get(job.job_id);
  if (job.paused) return h("span", { class: "muted" }, "paused");
  if (!extra) return h("span", { class: "muted" }, "…");
  if (extra.next) return timeEl(extra.next, { short: true });
  return h("span", { class: "muted" }, extra.triggers ? "ended" : "no trigger");
}

function outcomeCell(job) {
  const extra = extras.get(job.job_id);
  if (!extra) return h("span", { class: "muted" }, "…");
  if (!extra.outcome) return h("span", { class: "muted" }, "no run yet");
  return h("span", { class: "outcome" }, stateBadge(extra.outcome.state), " ", timeEl(extra.outcome.at, { short: true }));
}

async function refresh() {
  let project;
  try {
    project = await api(`/projects/${enc(projectId)}`);
  } catch (err) {
    showPageError(err, "project");
    throw err;
  }
  setTitle(project.name, "Project");
  $("#project-name").textContent = project.name;
  $("#crumb-project").textContent = project.name;
  $("#project-description").textContent = project.description || "";
  replace($("#project-cards"),
    card("jobs", num(project.num_jobs)),
    card("running", num(project.running_tasks), { state: project.running_tasks ? "running" : null }),
    card("waiting", num(project.waiting_tasks)),
    card("succeeded (1 h)", num(project.succeeded_tasks_last_hour), { state: "success" }),
    card("failed (1 h)", num(project.failed_tasks_last_hour), { state: project.failed_tasks_last_hour ? "failure" : null }),
    card("errors (1 h)", num(project.error_tasks_last_hour), { state: project.error_tasks_last_hour ? "error" : null }),
  );

  const jobs = await api(`/projects/${enc(projectId)}/jobs${query({ limit: shown })}`);
  if (extrasTick++ % 3 === 0) await Promise.all(jobs.map((j) => loadExtras(j).catch(() => null)));
  const counts = (j) => h("span", { class: "counts" },
    [["running", "running"], ["waiting", "active"], ["success", "success"], ["failure", "failure"], ["error", "error"]]
      .filter(([key]) => j[key]).map(([key, state]) => stateBadge(state, `${num(j[key])} ${key}`)));
  replace($("#project-jobs"),
    table([
      { title: "Job", cell: (j) => h("a", { href: `/jobs/${enc(j.job_id)}`, class: "strong" }, j.name), rowHeader: true },
      { title: "State", cell: (j) => (j.paused ? stateBadge("paused") : h("span", { class: "muted" }, "active")) },
      { title: "Last outcome", cell: outcomeCell },
      { title: "Next trigger", cell: nextCell },
      { title: "Runs (1 h)", cell: (j) => counts(j), class: "wide" },
      { title: "Description", cell: (j) => j.description || h("span", { class: "muted" }, "—"), class: "wide hide-narrow" },
      {
        title: h("span", { class: "visually-hidden" }, "Actions"),
        cell: (j) => h("button", {
          type: "button", class: "button button-small",
          "aria-label": `${j.paused ? "Resume" : "Pause"} job ${j.name}`,
          onclick: (e) => togglePause(j, e.currentTarget),
        }, j.paused ? "Resume" : "Pause"),
      },
    ], jobs, { empty: "This project has no job yet.", caption: "Jobs", rowAttrs: (j) => ({ "data-job-id": j.job_id }) }),
    jobs.length >= shown
      ? h("button", { type: "button", class: "button", onclick: () => { shown += PAGE; extrasTick = 0; refresher.now(); } }, "Show more jobs")
      : null);

  const keys = await api(`/projects/${enc(projectId)}/stash`);
  replace($("#project-stash"), keys.length
    ? h("ul", { class: "key-list" }, keys.map((k) => h("li", { class: "mono" }, k)))
    : h("p", { class: "empty" }, "No stash key."));
}

const refresher = poll(refresh, 5000, {
  onError: (err) => {
    if (err.status !== 404 && err.status !== 403 && err.status !== 400) inlineError($("#project-jobs"), err, "job list");
  },
});
