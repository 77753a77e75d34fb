// The grid: a row per task, a column per trigger time (newest first, paged
// back in time), each cell a token's state with its attempts on hover.
// Keyboard: one tab stop; arrows, Home and End move; Enter opens the cell.

import { api, enc, query } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { durationBetween, fmtDuration, fmtLocal, fmtUTC, timeEl } from "../lib/time.js";
import { STATES, inlineError, poll, stateInfo } from "../lib/ui.js";

const LIVE_MS = 1500;
const PAST_MS = 5000;

export function mount(panel, ctx) {
  // As many trigger times as fit beside the task names (35 px a column), 10 at least.
  const columns = Math.max(10, Math.min(40, Math.floor(((panel.clientWidth || 1200) - 260) / 35)));
  const state = { before: null, history: [], overview: null, focus: { r: 1, c: 1 } };
  const runsCache = new Map(); // trigger datetime -> {key, runs: Map(task name -> [runs])}
  // Columns whose runs are read on every refresh for a while: those with runs
  // under way, and those an action of this page touched (a rerun can come and
  // go between two refreshes and leave the same state behind).
  const hot = new Map(); // trigger datetime -> until (ms)
  let refreshes = 0;
  const HOT_MS = 15000;
  ctx.touch = (dt) => {
    const until = Date.now() + HOT_MS;
    if (dt) hot.set(dt, until);
    else for (const row of state.overview?.tokens || []) hot.set(row.trigger_datetime, until);
  };
  let structure = ""; // rows and columns the table was built for
  let tableEl = null;

  const status = h("span", { class: "grid-range", role: "status" });
  const newer = h("button", { type: "button", class: "button button-small", onclick: () => page(-1) }, "← Newer");
  const older = h("button", { type: "button", class: "button button-small", onclick: () => page(1) }, "Older →");
  const latest = h("button", { type: "button", class: "button button-small", onclick: () => page(0) }, "Latest");
  const wrap = h("div", { class: "grid-wrap" });
  const legend = h("ul", { class: "legend", "aria-label": "States" },
    ["waiting", "active", "running", "success", "failure", "upstream_failed", "timeout", "error", "retry", "skipped", "cancelled"].map((s) =>
      h("li", {}, h("span", { class: `cell cell-legend state-${s}`, "aria-hidden": "true" }, STATES[s].glyph), STATES[s].label)));
  replace(panel,
    h("div", { class: "panel-head grid-head" },
      h("h2", {}, "Task grid"),
      h("div", { class: "pager", role: "group", "aria-label": "Trigger times" }, latest, newer, older),
    ),
    h("p", { class: "hint" }, status, h("span", { class: "hide-narrow" }, " · Click a cell (or move with the arrow keys and press Enter) for its attempts and log; a time heading for the whole trigger time.")),
    wrap, legend);

  function page(direction) {
    if (direction === 0) {
      state.before = null;
      state.history = [];
    } else if (direction > 0) {
      const rows = state.overview ? state.overview.tokens : [];
      if (rows.length < columns) return;
      state.history.push(state.before);
      state.before = rows[rows.length - 1].trigger_datetime;
    } else {
      if (!state.history.length) return;
      state.before = state.history.pop();
    }
    structure = "";
    poller.stop();
    poller = poll(refresh, state.before ? PAST_MS : LIVE_MS, { onError });
  }

  async function refresh() {
    const overview = await api(`/jobs/${enc(ctx.jobId)}/tokens-overview${query({ limit: columns, before: state.before })}`);
    state.overview = overview;
    await loadRuns(overview);
    render(overview);
  }

  // Attempts and times come from the runs of each trigger time; fetch them
  // again only for columns whose states changed.
  async function loadRuns(overview) {
    const wanted = [];
    const now = Date.now();
    const everything = refreshes++ % 20 === 0; // now and then, in case others reran something
    for (const row of overview.tokens) {
      const states = Object.values(row.task_states).map((t) => t.state);
      const key = JSON.stringify(states);
      const dt = row.trigger_datetime;
      if (states.some((s) => s === "running" || s === "active" || s === "retry")) hot.set(dt, now + 3000);
      const cached = runsCache.get(dt);
      if (!cached || cached.key !== key || everything || (hot.get(dt) || 0) > now) wanted.push([dt, key]);
    }
    for (const [dt, until] of hot) if (until <= now) hot.delete(dt);
    await Promise.all(wanted.map(async ([dt, key]) => {
      try {
        const runs = await api(`/jobs/${enc(ctx.jobId)}/runs/${enc(dt)}`);
        const byTask = new Map();
        for (const run of runs) {
          if (!byTask.has(run.name)) byTask.set(run.name, []);
          byTask.get(run.name).push(run);
        }
        runsCache.set(dt, { key, runs: byTask });
      } catch {
        // the states still show; times come on the next change
      }
    }));
    if (runsCache.size > 400) {
      const keep = new Set(overview.tokens.map((r) => r.trigger_datetime));
      for (const dt of runsCache.keys()) if (!keep.has(dt)) runsCache.delete(dt);
    }
  }

  function taskRows(overview) {
    const names = ctx.tasks.map((t) => t.name);
    for (const name of overview.tasks) if (!names.includes(name)) names.push(name);
    return names;
  }

  function taskId(name, overview) {
    const task = ctx.tasks.find((t) => t.name === name);
    if (task) return task.task_id;
    for (const row of overview.tokens) if (row.task_states[name]) return row.task_states[name].task_id;
    return null;
  }

  function cellInfo(name, row) {
    const token = row.task_states[name];
    const runs = runsCache.get(row.trigger_datetime)?.runs.get(name) || [];
    const s = token ? token.state : null;
    const lastRun = runs[runs.length - 1];
    const lines = [`${name} · ${fmtLocal(row.trigger_datetime)}`, `(${fmtUTC(row.trigger_datetime)})`];
    lines.push(s ? `${stateInfo(s).label}${runs.length ? ` · ${runs.length} attempt${runs.length > 1 ? "s" : ""}` : ""}` : "no token");
    if (lastRun) {
      lines.push(`queued ${fmtLocal(lastRun.queued_datetime, { short: true })}`);
      if (lastRun.started_datetime) lines.push(`started ${fmtLocal(lastRun.started_datetime, { short: true })}`);
      if (lastRun.finish_datetime) lines.push(`finished ${fmtLocal(lastRun.finish_datetime, { short: true })}`);
      if (lastRun.started_datetime) lines.push(`took ${fmtDuration(durationBetween(lastRun.started_datetime, lastRun.finish_datetime))}${lastRun.finish_datetime ? "" : " so far"}`);
    }
    const label = `${name} at ${fmtLocal(row.trigger_datetime)}: ${s ? stateInfo(s).label : "no token"}` +
      (runs.length ? `, ${runs.length} attempt${runs.length > 1 ? "s" : ""}` : "");
    return { state: s, attempts: runs.length, title: lines.join("\n"), label };
  }

  function paintCell(button, info) {
    const cls = `cell state-${info.state || "none"}`;
    if (button.className !== cls) button.className = cls;
    button.dataset.state = info.state || "none";
    button.dataset.attempts = String(info.attempts);
    button.title = info.title;
    button.setAttribute("aria-label", info.label);
    const glyph = info.state ? stateInfo(info.state).glyph : "";
    const content = `${glyph}|${info.attempts}`;
    if (button.dataset.content !== content) {
      button.dataset.content = content;
      button.replaceChildren(h("span", { class: "glyph", "aria-hidden": "true" }, glyph));
      if (info.attempts > 1) button.append(h("span", { class: "attempts", "aria-hidden": "true" }, String(info.attempts)));
    }
  }

  function render(overview) {
    const rows = overview.tokens;
    const names = taskRows(overview);
    const nextStructure = JSON.stringify([names, rows.map((r) => r.trigger_datetime)]);
    const first = rows[0]?.trigger_datetime;
    const last = rows[rows.length - 1]?.trigger_datetime;
    status.textContent = rows.length
      ? `${rows.length} trigger time${rows.length > 1 ? "s" : ""}, ${fmtLocal(last, { short: true })} to ${fmtLocal(first, { short: true })}${state.before ? "" : " (live)"}`
      : "";
    newer.disabled = !state.history.length;
    latest.disabled = !state.before;
    older.disabled = rows.length < columns;
    if (!rows.length) {
      structure = nextStructure;
      tableEl = null;
      replace(wrap, h("p", { class: "empty" }, state.before
        ? "No earlier trigger time."
        : "No trigger time yet: the job's triggers have not fired and no task was activated."));
      return;
    }
    if (nextStructure !== structure || !tableEl) {
      const focused = document.activeElement && wrap.contains(document.activeElement);
      structure = nextStructure;
      tableEl = build(names, rows, overview);
      replace(wrap, tableEl);
      moveFocus(state.focus.r, state.focus.c, focused);
    }
    names.forEach((name, r) => rows.forEach((row, c) => {
      const button = tableEl.rows[r + 1].cells[c + 1].firstChild;
      paintCell(button, cellInfo(name, row));
    }));
  }

  function build(names, rows, overview) {
    const head = h("tr", {},
      h("th", { scope: "col", class: "grid-corner" }, "Task"),
      rows.map((row) => {
        const t = timeEl(row.trigger_datetime, { short: true });
        return h("th", { scope: "col", class: "grid-time" },
          h("button", {
            type: "button", class: "time-button", tabindex: "-1", "data-dt": row.trigger_datetime,
            "aria-label": `Trigger time ${fmtLocal(row.trigger_datetime)}: all its tasks`,
            title: `${fmtUTC(row.trigger_datetime)}\nAll tasks at this trigger time`,
            onclick: (e) => ctx.panel.openTime(row.trigger_datetime, e.currentTarget),
          }, h("span", { class: "time-text" }, t)));
      }));
    const body = names.map((name) => h("tr", { "data-task": name },
      h("th", { scope: "row", class: "grid-task", title: name }, name),
      rows.map((row) => h("td", {},
        h("button", {
          type: "button", class: "cell", tabindex: "-1", "data-task": name, "data-dt": row.trigger_datetime,
          onclick: (e) => ctx.panel.openRun({
            taskId: taskId(name, overview), taskName: name, dt: row.trigger_datetime, origin: e.currentTarget,
          }),
        })))));
    const table = h("table", { class: "grid", "aria-label": "Task states by trigger time, newest first" },
      h("thead", {}, head), h("tbody", {}, body));
    table.addEventListener("keydown", onKey);
    table.addEventListener("focusin", (e) => {
      const cell = e.target.closest("td, th");
      if (!cell) return;
      state.focus = { r: cell.parentElement.rowIndex, c: cell.cellIndex };
      setTabStop();
    });
    return table;
  }

  function target(r, c) {
    if (!tableEl) return null;
    const row = tableEl.rows[r];
    const cell = row && row.cells[c];
    return cell ? cell.querySelector("button") : null;
  }

  function setTabStop() {
    for (const b of tableEl.querySelectorAll("button[tabindex='0']")) b.tabIndex = -1;
    const t = target(state.focus.r, state.focus.c) || target(1, 1) || target(0, 1);
    if (t) t.tabIndex = 0;
  }

  function moveFocus(r, c, focus = true) {
    if (!tableEl) return;
    const maxR = tableEl.rows.length - 1;
    const maxC = tableEl.rows[0].cells.length - 1;
    r = Math.max(0, Math.min(maxR, r));
    c = Math.max(1, Math.min(maxC, c));
    state.focus = { r, c };
    setTabStop();
    const t = target(r, c);
    if (t && focus) t.focus();
  }

  function onKey(event) {
    const { r, c } = state.focus;
    const moves = {
      ArrowRight: [r, c + 1], ArrowLeft: [r, c - 1], ArrowDown: [r + 1, c], ArrowUp: [r - 1, c],
      Home: [r, 1], End: [r, Infinity], PageUp: [0, c], PageDown: [Infinity, c],
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    moveFocus(...moves[event.key]);
  }

  function onError(err) {
    inlineError(wrap, err, "job's tokens");
    structure = "";
    tableEl = null;
  }

  let poller = poll(refresh, LIVE_MS, { onError });
  return {
    destroy: () => {
      poller.stop();
      ctx.touch = () => {};
    },
  };
}
