// The token table: the job's tokens filtered by state (running by default), live.

import { api, enc, query } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { timeEl } from "../lib/time.js";
import { STATES, inlineError, poll, stateBadge, table } from "../lib/ui.js";

const FILTERS = [
  "waiting", "active", "running", "retry", "success", "failure", "upstream_failed", "timeout", "error", "skipped", "cancelled",
];

export function mount(panel, ctx) {
  const chosen = new Set(["active", "running", "retry"]);
  const list = h("div", { class: "tokens-list", "aria-busy": "true" });
  const boxes = FILTERS.map((s) => h("label", { class: "chip" },
    h("input", {
      type: "checkbox", value: s, checked: chosen.has(s),
      onchange: (e) => { if (e.target.checked) chosen.add(s); else chosen.delete(s); poller.now(); },
    }), stateBadge(s, STATES[s].label)));
  replace(panel,
    h("div", { class: "panel-head" }, h("h2", {}, "Tokens")),
    h("fieldset", { class: "chips" }, h("legend", {}, "Show tokens in state"), boxes),
    list);

  async function refresh() {
    const tokens = chosen.size
      ? await api(`/jobs/${enc(ctx.jobId)}/tokens${query({ state: [...chosen].join(","), limit: 100 })}`)
      : [];
    replace(list, table([
      { title: "Trigger time", cell: (t) => timeEl(t.trigger_datetime), rowHeader: true },
      { title: "Task", cell: (t) => t.task_name },
      { title: "State", cell: (t) => stateBadge(t.state) },
      {
        title: h("span", { class: "visually-hidden" }, "Actions"),
        cell: (t) => h("span", { class: "row-actions" },
          h("button", {
            type: "button", class: "button button-small", "aria-label": `Attempts and log of ${t.task_name} at ${t.trigger_datetime}`,
            onclick: (e) => ctx.panel.openRun({ taskId: t.task_id, taskName: t.task_name, dt: t.trigger_datetime, origin: e.currentTarget }),
          }, "Attempts & log")),
      },
    ], tokens, {
      empty: chosen.size ? "No token in these states." : "Choose at least one state.",
      caption: "Tokens",
      rowAttrs: (t) => ({ "data-state": t.state, "data-task": t.task_name, "data-dt": t.trigger_datetime }),
    }));
  }

  const poller = poll(refresh, 2000, { onError: (err) => inlineError(list, err, "job's tokens") });
  return { destroy: () => poller.stop() };
}
