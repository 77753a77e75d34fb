// A task run's log: the backlog in large pages over HTTP, then live over the
// websocket (HTTP polling if that fails), drawn virtually (only the lines in
// view are in the DOM), following the end unless the reader scrolled up.

import { api, enc, query, wsUrl } from "./api.js";
import { h } from "./dom.js";
import { stateBadge } from "./ui.js";

const LINE_HEIGHT = 20; // px; matches .log-line in app.css
const OVERSCAN = 30; // lines drawn above and below the visible ones
const PAGE = 10000; // lines per HTTP page of the backlog

export class LogView {
  constructor(container, taskRunId, { height = null, onEnd = null, label = "Log output" } = {}) {
    this.taskRunId = taskRunId;
    this.onEnd = onEnd;
    this.lines = [];
    this.cursor = null;
    this.ended = false;
    this.outcome = null;
    this.follow = true;
    this.destroyed = false;
    this.unseen = 0;
    this.socket = null;
    this.pollTimer = null;
    this.frame = 0;
    this.drawn = [-1, -1, -1];

    this.status = h("span", { class: "log-status", role: "status" }, "Loading…");
    this.count = h("span", { class: "log-count" }, "");
    this.jump = h("button", {
      type: "button", class: "button button-small log-jump", hidden: true,
      onclick: () => this.scrollToEnd(),
    }, "Follow the end ↓");
    this.download = h("button", { type: "button", class: "button button-small", onclick: () => this.save() }, "Save as text");
    this.window = h("div", { class: "log-window" });
    this.spacer = h("div", { class: "log-spacer" }, this.window);
    this.scroller = h("div", {
      class: "log-scroller", tabindex: "0", role: "region", "aria-label": label,
      onscroll: () => this.onScroll(),
    }, this.spacer);
    if (height) this.scroller.style.height = height;
    this.root = h("div", { class: "logview", "data-task-run-id": taskRunId },
      h("div", { class: "log-toolbar" }, this.status, this.count, h("span", { class: "spacer" }), this.jump, this.download),
      this.scroller);
    container.replaceChildren(this.root);
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);
    this.load();
  }

  destroy() {
    this.destroyed = true;
    if (this.socket) this.socket.close();
    clearTimeout(this.pollTimer);
    this.resizeObserver.disconnect();
  }

  // --------------------------------------------------------------- loading

  // Pages over HTTP from the cursor until caught up; true when the log ended.
  async catchUp() {
    for (;;) {
      const page = await api(`/task_runs/${enc(this.taskRunId)}/log${query({ after: this.cursor, limit: PAGE })}`);
      if (this.destroyed) return true;
      this.add(page.lines);
      if (page.ended) {
        this.end(page.outcome);
        return true;
      }
      if (page.lines.length < PAGE) return false;
      this.setStatus(`Loading… ${this.lines.length.toLocaleString()} lines`);
    }
  }

  async load() {
    try {
      if (!(await this.catchUp())) this.live();
    } catch (err) {
      if (this.destroyed) return;
      this.setStatus(err.status === 404 ? "No such task run." : `Could not read the log: ${err.message}`, "error");
    }
  }

  // Follow over the websocket. A socket that closes without the end frame
  // (a dropped connection, or a server that garbles its close) is followed by
  // an HTTP read from the cursor, which also tells whether the log has ended.
  live(failures = 0) {
    if (this.destroyed || this.ended) return;
    if (!("WebSocket" in window) || failures >= 3) return this.poll();
    this.setStatus("Following live", "live");
    const socket = new WebSocket(wsUrl(`/task_runs/${enc(this.taskRunId)}/logs${query({ after: this.cursor })}`));
    this.socket = socket;
    let batch = [];
    let flush = 0;
    let received = 0;
    const drain = () => {
      if (flush) cancelAnimationFrame(flush);
      flush = 0;
      const lines = batch;
      batch = [];
      this.add(lines);
    };
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      received += 1;
      if ("end" in frame) {
        drain();
        this.end(frame.end);
        socket.close();
        return;
      }
      batch.push(frame);
      // Lines come one frame each: draw them together, once per frame.
      if (!flush) flush = requestAnimationFrame(drain);
    };
    socket.onclose = async () => {
      drain();
      if (this.destroyed || this.ended) return;
      try {
        if (await this.catchUp()) return;
      } catch {
        // the server is away: try the socket again after a pause
      }
      setTimeout(() => this.live(received ? 0 : failures + 1), received ? 200 : 1500);
    };
  }

  async poll() {
    if (this.destroyed || this.ended) return;
    this.setStatus("Following live (polling)", "live");
    try {
      if (await this.catchUp()) return;
    } catch (err) {
      this.setStatus(`Could not read the log: ${err.message}; retrying`, "error");
    }
    this.pollTimer = setTimeout(() => this.poll(), 1000);
  }

  atEnd() {
    const el = this.scroller;
    return el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT * 1.5;
  }

  add(lines) {
    if (!lines.length || this.destroyed) return;
    // Where the reader is now (a scroll event may not have been handled yet).
    const atEnd = this.atEnd();
    if (atEnd !== this.follow) {
      this.follow = atEnd;
      if (atEnd) this.unseen = 0;
    }
    for (const line of lines) this.lines.push(line.line);
    this.cursor = lines[lines.length - 1].id;
    if (!this.follow) this.unseen += lines.length;
    this.update();
  }

  end(outcome) {
    this.ended = true;
    this.outcome = outcome;
    this.setStatus(`Ended: ${outcome}`, "ended");
    this.update();
    if (this.onEnd) this.onEnd(outcome);
  }

  setStatus(text, kind = "") {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }

  // --------------------------------------------------------------- drawing

  rows() {
    return this.lines.length + (this.ended ? 1 : 0);
  }

  update() {
    this.spacer.style.height = `${this.rows() * LINE_HEIGHT}px`;
    this.count.textContent = `${this.lines.length.toLocaleString()} line${this.lines.length === 1 ? "" : "s"}`;
    if (this.follow) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.jump.hidden = this.follow || (!this.unseen && this.ended);
    if (!this.follow && this.unseen) this.jump.textContent = `${this.unseen.toLocaleString()} new line${this.unseen === 1 ? "" : "s"} ↓`;
    this.schedule(true);
  }

  schedule(force = false) {
    if (force) this.drawn = [-1, -1, -1];
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  draw() {
    const rows = this.rows();
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / LINE_HEIGHT) - OVERSCAN);
    const last = Math.min(rows, Math.ceil((top + this.scroller.clientHeight) / LINE_HEIGHT) + OVERSCAN);
    if (first === this.drawn[0] && last === this.drawn[1] && rows === this.drawn[2]) return;
    this.drawn = [first, last, rows];
    const digits = String(this.lines.length).length;
    const nodes = [];
    for (let i = first; i < last; i++) {
      if (i === this.lines.length) {
        nodes.push(h("div", { class: `log-end state-${this.outcome}`, "data-outcome": this.outcome },
          stateBadge(this.outcome, `end of log: ${this.outcome}`)));
        continue;
      }
      nodes.push(h("div", { class: "log-line", "data-n": String(i + 1) },
        h("span", { class: "ln", "aria-hidden": "true", style: { width: `${digits + 1}ch` } }, String(i + 1)),
        h("span", { class: "lt" }, this.lines[i])));
    }
    this.window.style.transform = `translateY(${first * LINE_HEIGHT}px)`;
    this.window.replaceChildren(...nodes);
    if (!this.lines.length && this.ended) this.window.prepend(h("div", { class: "log-line log-empty" }, "(this run wrote no output)"));
  }

  onScroll() {
    const atEnd = this.atEnd();
    if (atEnd !== this.follow) {
      this.follow = atEnd;
      if (atEnd) this.unseen = 0;
      this.jump.hidden = atEnd || (!this.unseen && this.ended);
      if (!atEnd && !this.unseen) this.jump.textContent = "Follow the end ↓";
    }
    this.schedule();
  }

  scrollToEnd() {
    this.follow = true;
    this.unseen = 0;
    this.jump.hidden = true;
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.scroller.focus();
    this.schedule();
  }

  save() {
    const blob = new Blob([this.lines.join("\n"), "\n"], { type: "text/plain" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `task-run-${this.taskRunId}.log` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}
