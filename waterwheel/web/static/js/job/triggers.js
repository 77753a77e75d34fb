// The job's triggers: schedule, bounds, what fired last and what fires next,
// and for each its recent trigger times with their token counts.

import { api, enc, query } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { nextTrigger } from "../lib/jobs.js";
import { fmtPeriod, timeEl } from "../lib/time.js";
import { inlineError, num, poll, stateBadge, table } from "../lib/ui.js";

export function mount(panel, ctx) {
  const list = h("div", { "aria-busy": "true" });
  const detail = h("div", { class: "trigger-detail" });
  let open = null;
  replace(panel, h("div", { class: "panel-head" }, h("h2", {}, "Triggers")), list, detail);

  async function showTimes(trigger) {
    open = trigger.trigger_id;
    const data = await api(`/triggers/${enc(trigger.trigger_id)}${query({ limit: 20 })}`);
    replace(detail,
      h("h3", {}, `Recent trigger times of ${data.trigger_name}`),
      table([
        { title: "Trigger time", rowHeader: true, cell: (t) => h("button", { type: "button", class: "link-button", onclick: (e) => ctx.panel.openTime(t.trigger_datetime, e.currentTarget) }, timeEl(t.trigger_datetime)) },
        { title: "Succeeded", numeric: true, cell: (t) => (t.success ? stateBadge("success", num(t.success)) : "0") },
        { title: "Running", numeric: true, cell: (t) => (t.running ? stateBadge("running", num(t.running)) : "0") },
        { title: "Failed", numeric: true, cell: (t) => (t.failure ? stateBadge("failure", num(t.failure)) : "0") },
        { title: "Waiting", numeric: true, cell: (t) => (t.waiting ? stateBadge("waiting", num(t.waiting)) : "0") },
      ], data.times, { empty: "This trigger has not fired yet." }));
  }

  async function refresh() {
    const triggers = await api(`/jobs/${enc(ctx.jobId)}/triggers`);
    const paused = ctx.job && ctx.job.paused;
    replace(list, table([
      { title: "Trigger", rowHeader: true, cell: (t) => h("button", { type: "button", class: "link-button", "aria-label": `Recent trigger times of ${t.trigger_name}`, onclick: () => showTimes(t).catch((err) => inlineError(detail, err, "trigger")) }, t.trigger_name) },
      { title: "Schedule", cell: (t) => (t.cron ? h("span", { class: "mono" }, `cron ${t.cron}`) : `every ${fmtPeriod(t.period)}`) },
      { title: "Offset", cell: (t) => (t.trigger_offset ? fmtPeriod(t.trigger_offset) : "—") },
      { title: "Catch-up", cell: (t) => t.catchup },
      { title: "Start", cell: (t) => timeEl(t.start_datetime) },
      { title: "End", cell: (t) => timeEl(t.end_datetime) },
      { title: "First fired", cell: (t) => timeEl(t.earliest_trigger_datetime) },
      { title: "Last fired", cell: (t) => timeEl(t.latest_trigger_datetime) },
      { title: "Next", cell: (t) => (paused ? h("span", { class: "muted" }, "paused") : nextTrigger(t) ? timeEl(nextTrigger(t)) : h("span", { class: "muted" }, "ended")) },
    ], triggers, { empty: "This job has no trigger: it runs when activated or when tasks of other jobs feed it.", caption: "Triggers" }));
    if (!open && triggers.length) await showTimes(triggers[0]);
    else if (open) await showTimes(triggers.find((t) => t.trigger_id === open) || triggers[0]);
  }

  const poller = poll(refresh, 5000, { onError: (err) => inlineError(list, err, "job's triggers") });
  return { destroy: () => poller.stop() };
}
