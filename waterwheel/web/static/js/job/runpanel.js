// The side panel of the job page: every attempt of one task run with its log,
// or every task at one trigger time. Escape or the close button returns focus
// to what opened it.

import { api, enc } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { LogView } from "../lib/logview.js";
import { logHref, runsTable } from "../lib/runs.js";
import { durationBetween, fmtDuration, fmtLocal, timeEl } from "../lib/time.js";
import { errorMessage, poll, stateBadge, table, toast } from "../lib/ui.js";

export class RunPanel {
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.poller = null;
    this.log = null;
    this.origin = null;
    // Escape closes the panel wherever the focus is (unless a dialog is open).
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || el.hidden || document.querySelector("dialog[open]")) return;
      event.preventDefault();
      this.close();
    });
  }

  frame(title, subtitle) {
    this.stop();
    const heading = h("h2", { id: "run-panel-title", tabindex: "-1" }, title);
    const body = h("div", { class: "side-body" });
    replace(this.el,
      h("div", { class: "side-head" },
        h("div", {}, heading, subtitle ? h("p", { class: "subtitle" }, subtitle) : null),
        h("button", { type: "button", class: "button button-icon", "aria-label": "Close the panel", title: "Close (Esc)", onclick: () => this.close() }, "✕")),
      body);
    this.el.hidden = false;
    document.body.classList.add("with-side-panel");
    heading.focus();
    return body;
  }

  stop() {
    if (this.poller) this.poller.stop();
    this.poller = null;
    if (this.log) this.log.destroy();
    this.log = null;
  }

  close() {
    this.stop();
    this.el.hidden = true;
    this.el.replaceChildren();
    document.body.classList.remove("with-side-panel");
    if (this.origin && document.contains(this.origin)) this.origin.focus();
    else if (this.origin && this.origin.dataset && this.origin.dataset.dt) {
      // the grid was redrawn: focus the same cell again
      const sel = `button[data-dt="${this.origin.dataset.dt}"]${this.origin.dataset.task ? `[data-task="${CSS.escape(this.origin.dataset.task)}"]` : ""}`;
      const again = document.querySelector(sel);
      if (again) again.focus();
    }
    this.origin = null;
  }

  // ------------------------------------------------------------- one task run

  openRun({ taskId, taskName, dt, origin }) {
    this.origin = origin || null;
    const body = this.frame(taskName, timeEl(dt));
    this.el.dataset.kind = "run";
    this.el.dataset.task = taskName;
    this.el.dataset.dt = dt;
    const summary = h("div", { class: "run-summary" });
    const attempts = h("div", { class: "run-attempts" });
    const logBox = h("div", { class: "run-log" });
    const logHead = h("div", { class: "panel-head" }, h("h3", {}, "Log"));
    const runAgain = h("button", {
      type: "button", class: "button button-primary",
      onclick: () => this.activate(taskId, taskName, dt, runAgain),
    }, "Run again");
    const graphLink = h("a", { class: "button", href: `/jobs/${enc(this.ctx.jobId)}/graph?at=${enc(dt)}`, onclick: (e) => this.toGraph(e, dt) }, "Show on graph");
    replace(body, summary, h("div", { class: "actions", role: "group", "aria-label": "Task run actions" }, runAgain, graphLink),
      h("h3", {}, "Attempts"), attempts, logHead, logBox);
    if (!taskId) {
      replace(attempts, h("p", { class: "empty" }, "This task is no longer part of the job."));
      runAgain.disabled = true;
      return;
    }

    let lastKey = "";
    let shown = null; // run id whose log is shown
    let pinned = false; // the reader chose an attempt
    const showLog = (run) => {
      if (shown === run.task_run_id) return;
      shown = run.task_run_id;
      if (this.log) this.log.destroy();
      replace(logHead, h("h3", {}, `Log of attempt ${run.attempt}`),
        h("a", { href: logHref(run, taskId, dt), class: "button button-small" }, "Open full page"));
      this.log = new LogView(logBox, run.task_run_id, { height: "min(50vh, 460px)", label: `Log of ${taskName}, attempt ${run.attempt}` });
    };
    const render = (runs, token) => {
      const last = runs[runs.length - 1];
      replace(summary,
        h("dl", { class: "facts" },
          h("dt", {}, "State"), h("dd", {}, token ? stateBadge(token.state) : h("span", { class: "muted" }, "no token")),
          h("dt", {}, "Attempts"), h("dd", {}, String(runs.length)),
          h("dt", {}, "Last duration"), h("dd", {}, last && last.started_datetime ? fmtDuration(durationBetween(last.started_datetime, last.finish_datetime)) : "—")));
      const choose = (run) => { pinned = true; showLog(run); renderTable(); };
      const renderTable = () => replace(attempts, runsTable(runs, { taskId, triggerDatetime: dt, selected: shown, onSelect: choose }));
      if (last && (!pinned || !shown)) showLog(last);
      if (!runs.length) replace(logBox, h("p", { class: "empty" }, "No log: the task has not run for this trigger time."));
      renderTable();
    };
    this.poller = poll(async () => {
      const [runs, tokens] = await Promise.all([
        api(`/tasks/${enc(taskId)}/runs/${enc(dt)}`),
        api(`/jobs/${enc(this.ctx.jobId)}/tokens/${enc(dt)}`),
      ]);
      const token = tokens.find((t) => t.task_id === taskId);
      const key = JSON.stringify([runs, token]);
      if (key !== lastKey || runs.some((r) => r.state === "running")) {
        lastKey = key;
        render(runs, token);
      }
    }, 2000, { onError: (err) => replace(attempts, errorMessage(err, "task run")) });
  }

  async activate(taskId, taskName, dt, button) {
    button.disabled = true;
    try {
      await api(`/tasks/${enc(taskId)}/tokens/${enc(dt)}`, { method: "PUT", body: {} });
      toast(`${taskName} at ${fmtLocal(dt)} activated: it runs now.`, "success");
      this.ctx.touch(dt);
      if (this.poller) this.poller.now();
    } catch (err) {
      toast(`Could not activate ${taskName}: ${err.message}`, "error");
    } finally {
      button.disabled = false;
    }
  }

  toGraph(event, dt) {
    if (event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    history.pushState({}, "", `/jobs/${enc(this.ctx.jobId)}/graph?at=${enc(dt)}`);
    this.close();
    this.ctx.showTab("graph");
  }

  // ------------------------------------------------------------- one trigger time

  openTime(dt, origin) {
    this.origin = origin || null;
    const body = this.frame("Trigger time", timeEl(dt));
    this.el.dataset.kind = "time";
    this.el.dataset.dt = dt;
    const list = h("div", {});
    const confirmBox = h("div", { class: "confirm", hidden: true });
    const clear = h("button", { type: "button", class: "button button-danger", onclick: () => { confirmBox.hidden = false; confirmBox.querySelector("button").focus(); } }, "Clear…");
    replace(confirmBox,
      h("p", {}, "Reset every token of this job at this trigger time to waiting (count 0)? Runs and their logs are kept."),
      h("button", { type: "button", class: "button button-danger", onclick: () => this.clear(dt, confirmBox) }, "Clear this trigger time"),
      " ",
      h("button", { type: "button", class: "button", onclick: () => { confirmBox.hidden = true; clear.focus(); } }, "Cancel"));
    const graphLink = h("a", { class: "button", href: `/jobs/${enc(this.ctx.jobId)}/graph?at=${enc(dt)}`, onclick: (e) => this.toGraph(e, dt) }, "Show on graph");
    replace(body, h("div", { class: "actions", role: "group", "aria-label": "Trigger time actions" }, clear, graphLink), confirmBox, h("h3", {}, "Tasks"), list);
    this.poller = poll(async () => {
      const [tokens, runs] = await Promise.all([
        api(`/jobs/${enc(this.ctx.jobId)}/tokens/${enc(dt)}`),
        api(`/jobs/${enc(this.ctx.jobId)}/runs/${enc(dt)}`),
      ]);
      const rows = tokens.map((t) => ({ ...t, runs: runs.filter((r) => r.task_id === t.task_id) }));
      replace(list, table([
        { title: "Task", rowHeader: true, cell: (t) => h("button", { type: "button", class: "link-button", onclick: (e) => this.openRun({ taskId: t.task_id, taskName: t.task_name, dt, origin: this.origin || e.currentTarget }) }, t.task_name) },
        { title: "State", cell: (t) => stateBadge(t.state) },
        { title: "Attempts", cell: (t) => String(t.runs.length), numeric: true },
        { title: "Duration", numeric: true, cell: (t) => { const r = t.runs[t.runs.length - 1]; return r && r.started_datetime ? fmtDuration(durationBetween(r.started_datetime, r.finish_datetime)) : "—"; } },
        { title: "Log", cell: (t) => { const r = t.runs[t.runs.length - 1]; return r ? h("a", { href: logHref(r, t.task_id, dt) }, "Open") : "—"; } },
      ], rows, { empty: "No token at this trigger time." }));
    }, 2000, { onError: (err) => replace(list, errorMessage(err, "trigger time")) });
  }

  async clear(dt, confirmBox) {
    try {
      const result = await api(`/jobs/${enc(this.ctx.jobId)}/tokens/${enc(dt)}`, { method: "DELETE" });
      toast(`Cleared ${result.tokens_cleared} token${result.tokens_cleared === 1 ? "" : "s"} at ${fmtLocal(dt)}.`, "success");
      confirmBox.hidden = true;
      this.ctx.touch(dt);
      if (this.poller) this.poller.now();
    } catch (err) {
      toast(`Could not clear: ${err.message}`, "error");
    }
  }
}
