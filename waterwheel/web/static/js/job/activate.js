// The Activate dialog: run a task now for one trigger time, or again for a
// range of its existing trigger times (optionally only the failed ones).

import { api, enc } from "../lib/api.js";
import { $, $$, h } from "../lib/dom.js";
import { fmtLocal, fromLocalInput, timeZone, toLocalInput } from "../lib/time.js";
import { toast } from "../lib/ui.js";

export function setupActivate(dialog, opener, ctx) {
  const form = $("#activate-form", dialog);
  const select = $("#activate-task", dialog);
  const error = $("#activate-error", dialog);
  for (const hint of $$("[data-tz]", dialog)) hint.textContent = `(${timeZone})`;

  const mode = () => form.elements.mode.value;
  const showMode = () => {
    for (const box of $$("[data-mode]", dialog)) box.hidden = box.dataset.mode !== mode();
  };
  for (const radio of form.elements.mode) radio.addEventListener("change", showMode);

  const fail = (message) => {
    error.textContent = message;
    error.hidden = false;
  };

  opener.addEventListener("click", () => open());
  $("#activate-cancel", dialog).addEventListener("click", () => dialog.close());

  function open({ taskId, dt } = {}) {
    const previous = select.value; // the task chosen last time stays chosen
    select.replaceChildren(...ctx.tasks.map((t) => h("option", { value: t.task_id }, t.name)));
    if (taskId || previous) select.value = taskId || previous;
    const now = new Date();
    now.setMilliseconds(0);
    $("#activate-at", dialog).value = toLocalInput(dt || now);
    error.hidden = true;
    showMode();
    dialog.showModal();
    select.focus();
  }
  ctx.openActivate = open;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const taskId = select.value;
    const taskName = select.selectedOptions[0]?.textContent || "task";
    const priority = form.elements.priority.value || undefined;
    const submit = $("#activate-submit", dialog);
    submit.disabled = true;
    try {
      if (mode() === "one") {
        const at = fromLocalInput($("#activate-at", dialog).value);
        if (!at) return fail("Enter the trigger time to run the task for.");
        await api(`/tasks/${enc(taskId)}/tokens/${enc(at)}`, { method: "PUT", body: priority ? { priority } : {} });
        toast(`${taskName} at ${fmtLocal(at)} activated: it runs now.`, "success");
        ctx.touch(at);
      } else {
        const body = {};
        const first = fromLocalInput($("#activate-first", dialog).value);
        const last = fromLocalInput($("#activate-last", dialog).value);
        if (first) body.first = first;
        if (last) body.last = last;
        if ($("#activate-only-failed", dialog).checked) body.only_failed = true;
        if (priority) body.priority = priority;
        if (!first && !last && !body.only_failed) return fail("Give a start, an end, or tick “Only failed ones”.");
        const result = await api(`/tasks/${enc(taskId)}/tokens`, { method: "POST", body });
        toast(`${taskName}: ${result.cleared} trigger time${result.cleared === 1 ? "" : "s"} activated.`, "success");
        ctx.touch(null);
      }
      dialog.close();
      opener.focus();
    } catch (err) {
      fail(`The API refused: ${err.message}`);
    } finally {
      submit.disabled = false;
    }
  });
}
