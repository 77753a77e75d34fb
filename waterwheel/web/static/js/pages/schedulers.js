// Schedulers: liveness, triggers they own, what each waits for.

import { api, enc } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { timeEl } from "../lib/time.js";
import { inlineError, num, poll, setupChrome, stateBadge, table } from "../lib/ui.js";

setupChrome();

async function refresh() {
  const schedulers = await api("/schedulers");
  replace($("#schedulers"), table([
    { title: "Scheduler", rowHeader: true, cell: (x) => h("span", { class: "mono" }, x.uuid) },
    { title: "Status", cell: (x) => stateBadge(x.status) },
    { title: "Version", cell: (x) => x.version || "—" },
    { title: "Triggers queued", numeric: true, cell: (x) => num(x.queued_triggers) },
    {
      title: "Waiting for",
      cell: (x) => (x.waiting_for_trigger_job_id
        ? h("a", { href: `/jobs/${enc(x.waiting_for_trigger_job_id)}/triggers` }, "a trigger of this job")
        : h("span", { class: "muted" }, "—")),
    },
    { title: "Last seen", cell: (x) => timeEl(x.last_seen_datetime, { relative: true }) },
  ], schedulers, { empty: "No scheduler has reported in the last hour. Start one with: waterwheel scheduler", caption: "Schedulers", rowAttrs: (x) => ({ "data-status": x.status }) }));
}

poll(refresh, 5000, { onError: (err) => inlineError($("#schedulers"), err, "scheduler list") });
