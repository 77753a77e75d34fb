// One task run's log, full page. ?task=&at= (set by the UI's links) add the
// run's context: the API has no route from a task run id to its task.

import { api, enc } from "../lib/api.js";
import { $, h, replace } from "../lib/dom.js";
import { LogView } from "../lib/logview.js";
import { runsTable } from "../lib/runs.js";
import { fmtLocal, timeEl } from "../lib/time.js";
import { setTitle, setupChrome, shortId, showPageError } from "../lib/ui.js";

setupChrome();
const runId = document.body.dataset.taskRunId;
const params = new URLSearchParams(location.search);
const taskId = params.get("task");
const at = params.get("at");

setTitle(`Log ${shortId(runId)}`);
$("#log-subtitle").replaceChildren(h("span", {}, "Task run "), h("span", { class: "mono" }, runId));

async function context() {
  if (!taskId || !at) return;
  const [task, runs] = await Promise.all([api(`/tasks/${enc(taskId)}`), api(`/tasks/${enc(taskId)}/runs/${enc(at)}`)]);
  const run = runs.find((r) => r.task_run_id === runId);
  setTitle(`${task.task_name} @ ${fmtLocal(at)}`, "Log");
  $("#log-title").replaceChildren(task.task_name, " ", h("span", { class: "muted" }, "at "), timeEl(at));
  replace($("#log-crumbs"),
    h("li", {}, h("a", { href: `/projects/${enc(task.project_id)}` }, task.project_name)),
    h("li", {}, h("a", { href: `/jobs/${enc(task.job_id)}` }, task.job_name)),
    h("li", { "aria-current": "page" }, `${task.task_name}${run ? `, attempt ${run.attempt}` : ""}`));
  if (run) replace($("#log-runinfo"), runsTable([run], { taskId, triggerDatetime: at }));
  return run;
}

let view = null;
api(`/task_runs/${enc(runId)}/log?limit=1`)
  .then(() => {
    view = new LogView($("#log-view"), runId, {
      height: "calc(100vh - 260px)",
      onEnd: () => context().catch(() => null),
    });
    context().catch(() => null);
  })
  .catch((err) => showPageError(err, "task run"));
window.addEventListener("pagehide", () => view && view.destroy());
