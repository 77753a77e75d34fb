// Workers: status, running tasks, last seen; live.

import { api, enc } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { timeEl } from "../lib/time.js";
import { workerRunsTable } from "../lib/workerruns.js";
import { inlineError, num, poll, setupChrome, shortId, stateBadge, table } from "../lib/ui.js";

setupChrome();

async function refresh() {
  const workers = await api("/workers");
  replace($("#workers"), table([
    { title: "Worker", rowHeader: true, cell: (w) => h("a", { href: `/workers/${enc(w.uuid)}`, class: "mono", title: w.uuid }, shortId(w.uuid)) },
    { title: "Status", cell: (w) => stateBadge(w.status) },
    { title: "Address", cell: (w) => h("span", { class: "mono" }, w.addr || "—") },
    { title: "Version", cell: (w) => w.version || "—" },
    { title: "Running", numeric: true, cell: (w) => (w.running_tasks ? stateBadge("running", num(w.running_tasks)) : "0") },
    { title: "Total run", numeric: true, cell: (w) => num(w.total_tasks) },
    { title: "Last seen", cell: (w) => h("span", {}, timeEl(w.last_seen_datetime, { relative: true })) },
  ], workers, { empty: "No worker has reported in the last 24 hours. Start one with: waterwheel worker", caption: "Workers", rowAttrs: (w) => ({ "data-worker": w.uuid, "data-status": w.status }) }));

  const busy = workers.filter((w) => w.status === "up");
  const details = await Promise.all(busy.map((w) => api(`/workers/${enc(w.uuid)}?state=running,active`).then((d) => d.tasks.map((t) => ({ ...t, worker: w.uuid }))).catch(() => [])));
  const running = details.flat();
  replace($("#running-tasks"), workerRunsTable(running, { empty: "No task is running.", worker: true }));
}

poll(refresh, 2000, { onError: (err) => inlineError($("#workers"), err, "worker list") });
