// One worker and its most recent runs.

import { api, enc, query } from "../lib/api.js";
import { $, replace } from "../lib/dom.js";
import { timeEl } from "../lib/time.js";
import { workerRunsTable } from "../lib/workerruns.js";
import { card, inlineError, num, poll, setTitle, setupChrome, shortId, showPageError, stateBadge } from "../lib/ui.js";

setupChrome();
const workerId = document.body.dataset.workerId;
const filter = $("#worker-state-filter");
$("#worker-title").textContent = `Worker ${shortId(workerId)}`;
$("#crumb-worker").textContent = shortId(workerId);
setTitle(`Worker ${shortId(workerId)}`);

async function refresh() {
  let worker;
  try {
    worker = await api(`/workers/${enc(workerId)}${query({ state: filter.value })}`);
  } catch (err) {
    showPageError(err, "worker");
    throw err;
  }
  $("#worker-title").replaceChildren(`Worker ${shortId(workerId)} `, stateBadge(worker.status));
  replace($("#worker-cards"),
    card("running", num(worker.running_tasks), { state: worker.running_tasks ? "running" : null }),
    card("run in total", num(worker.total_tasks)),
    card("last seen", timeEl(worker.last_seen_datetime, { relative: true }), { hint: worker.status === "gone" ? "silent for 15 min or more" : null }),
    card("version", worker.version || "—"),
  );
  replace($("#worker-runs"), workerRunsTable(worker.tasks.map((t) => ({ ...t })), { empty: "No run of this worker matches." }));
}

const poller = poll(refresh, 3000, { onError: (err) => { if (![400, 403, 404].includes(err.status)) inlineError($("#worker-runs"), err, "worker"); } });
filter.addEventListener("change", () => poller.now());
