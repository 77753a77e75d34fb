// Shared pieces of every page: states, tables, cards, messages, live polling.

import { $, h, replace } from "./dom.js";
import { timeZone } from "./time.js";

// Each state has a colour (CSS class state-<name>) and a glyph and a word, so
// it reads without colour too.
export const STATES = {
  waiting: { glyph: "○", label: "waiting" },
  active: { glyph: "◔", label: "queued" },
  running: { glyph: "▶", label: "running" },
  success: { glyph: "✓", label: "success" },
  failure: { glyph: "✕", label: "failure" },
  timeout: { glyph: "◷", label: "timeout" },
  error: { glyph: "!", label: "error" },
  cancelled: { glyph: "⊘", label: "cancelled" },
  retry: { glyph: "↻", label: "retry" },
  skipped: { glyph: "↷", label: "skipped" },
  upstream_failed: { glyph: "↑", label: "upstream failed" },
  up: { glyph: "●", label: "up" },
  gone: { glyph: "○", label: "gone" },
  paused: { glyph: "❚❚", label: "paused" },
};
export const FINAL = new Set(["success", "failure", "timeout", "error", "skipped", "upstream_failed"]);

export function stateInfo(state) {
  return STATES[state] || { glyph: "?", label: state || "none" };
}

export function stateBadge(state, text) {
  const info = stateInfo(state);
  return h("span", { class: `state-badge state-${state || "none"}`, "data-state": state || "none" },
    h("span", { class: "glyph", "aria-hidden": "true" }, info.glyph), " ", text ?? info.label);
}

// A table in a horizontally scrolling wrapper. columns: [{title, cell(row), class, numeric}].
export function table(columns, rows, { empty = "Nothing to show.", caption, rowAttrs } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  const head = h("tr", {}, columns.map((c) =>
    h("th", { scope: "col", class: [c.class, c.numeric && "num"] }, c.title)));
  const body = rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {}, columns.map((c, i) => {
    const value = c.cell(row);
    const attrs = { class: [c.class, c.numeric && "num"] };
    return i === 0 && c.rowHeader ? h("th", { scope: "row", ...attrs }, value) : h("td", attrs, value);
  })));
  return h("div", { class: "table-wrap", tabindex: "-1" },
    h("table", { class: "table" }, caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, head), h("tbody", {}, body)));
}

export function card(label, value, { state, href, hint } = {}) {
  const content = [h("span", { class: "card-value" }, value), h("span", { class: "card-label" }, label)];
  if (hint) content.push(h("span", { class: "card-hint" }, hint));
  const attrs = { class: ["card", state && `card-${state}`] };
  return href ? h("a", { ...attrs, href }, content) : h("div", attrs, content);
}

export const num = (n) => (n ?? 0).toLocaleString();

const TITLES = {
  0: "The server cannot be reached",
  400: "Bad request",
  401: "Not signed in",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  500: "Server error",
  503: "Service unavailable",
};

// A clear message for an API error; `what` names what was asked for.
export function errorMessage(err, what) {
  const status = err && err.status !== undefined ? err.status : -1;
  const title = TITLES[status] || (status > 0 ? `Error ${status}` : "Something went wrong");
  const lines = [];
  if (status === 404) lines.push(`${what ? `This ${what}` : "What you asked for"} does not exist. It may have been deleted, or the address may be wrong.`);
  else if (status === 403) lines.push(`You are not allowed to see ${what ? `this ${what}` : "this"}. Ask an administrator for access.`);
  else if (status === 0) lines.push("Check that Waterwheel is running; this page retries by itself.");
  return h("section", { class: "message message-error", role: "alert", "data-status": String(status) },
    h("h2", {}, title),
    lines.map((line) => h("p", {}, line)),
    err && err.message ? h("p", { class: "message-detail" }, `The API said: ${err.message}`) : null,
    h("p", {}, h("a", { href: "/" }, "Go to the status page"), " · ", h("a", { href: "/projects" }, "Projects")));
}

// The page's main object failed to load: replace the page with the message.
export function showPageError(err, what) {
  const box = $("#page-error");
  replace(box, errorMessage(err, what));
  box.hidden = false;
  $("#page-content").hidden = true;
  document.title = `${TITLES[err.status] || "Error"} · Waterwheel`;
}

export function clearPageError() {
  const box = $("#page-error");
  if (box && !box.hidden) {
    box.hidden = true;
    box.replaceChildren();
    $("#page-content").hidden = false;
  }
}

export function inlineError(el, err, what) {
  replace(el, errorMessage(err, what));
}

export function toast(message, kind = "info") {
  const box = $("#toasts");
  const item = h("div", { class: `toast toast-${kind}` }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

// Run fn now and every `ms` after it settles, while the tab is visible. A 404
// or 403 stops it (the page shows why); other errors retry with a banner.
export function poll(fn, ms, { onError } = {}) {
  let timer = null;
  let stopped = false;
  let running = false;
  const run = async () => {
    if (stopped || running) return;
    clearTimeout(timer);
    running = true;
    try {
      await fn();
      connection(true);
    } catch (err) {
      if (err && err.name === "AbortError") {
        // a newer request replaced this one
      } else if (onError) onError(err);
      else console.error(err);
      if (err && (err.status === 404 || err.status === 403 || err.status === 400)) stopped = true;
      else if (err && err.status === 0) connection(false);
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(tick, ms);
    }
  };
  const tick = () => {
    if (document.hidden) timer = setTimeout(tick, ms);
    else run();
  };
  run();
  return {
    stop() { stopped = true; clearTimeout(timer); },
    now() { return run(); },
  };
}

function connection(ok) {
  let banner = $("#connection-banner");
  if (ok) {
    if (banner) banner.remove();
    return;
  }
  if (!banner) {
    banner = h("div", { id: "connection-banner", class: "connection-banner", role: "status" },
      "Lost contact with the server; retrying…");
    document.body.prepend(banner);
  }
}

export function setupChrome() {
  const page = document.body.dataset.page;
  const section = { project: "projects", job: "projects", worker: "workers", log: "projects" }[page] || page;
  for (const link of document.querySelectorAll(".mainnav a")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
  }
  const note = $("#tz-note");
  if (note) note.textContent = `Times in ${timeZone}`;
}

export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), "Waterwheel"].join(" · ");
}

export const shortId = (id) => (id ? String(id).slice(0, 8) : "—");
