// The job's document as stored, pretty-printed with light highlighting.

import { h, replace } from "../lib/dom.js";
import { toast } from "../lib/ui.js";

function highlight(text) {
  // Tokens of JSON text: strings (keys when a colon follows), numbers, literals.
  const out = [];
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) {
      out.push(h("span", { class: m[2] ? "j-key" : "j-str" }, m[1]));
      if (m[2]) out.push(m[2]);
    } else if (m[3]) out.push(h("span", { class: "j-lit" }, m[3]));
    else out.push(h("span", { class: "j-num" }, m[4]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

export function mount(panel, ctx) {
  let blobUrl = null;
  const render = (job) => {
    let text = job.raw_definition;
    try {
      text = JSON.stringify(JSON.parse(job.raw_definition), null, 2);
    } catch {
      // shown as stored
    }
    const copy = h("button", {
      type: "button", class: "button button-small",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(text);
          toast("Document copied.", "success");
        } catch {
          toast("The browser did not allow copying; select the text instead.", "error");
        }
      },
    }, "Copy");
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const download = h("a", { class: "button button-small", download: `${job.name}.json`, href: blobUrl }, "Download");
    replace(panel,
      h("div", { class: "panel-head" }, h("h2", {}, "Job document"), h("span", { class: "row-actions" }, copy, download)),
      h("p", { class: "hint" }, "As stored: every known field, absent ones as null, times in UTC. Change the job by sending a new document to POST /api/jobs."),
      h("pre", { class: "document", tabindex: "0", "aria-label": "Job document (JSON)" }, h("code", {}, highlight(text))));
  };
  let lastRaw = null;
  const onJob = (job) => {
    if (job.raw_definition !== lastRaw) {
      lastRaw = job.raw_definition;
      render(job);
    }
  };
  if (ctx.job) onJob(ctx.job);
  const off = ctx.onJob(onJob);
  return {
    destroy: () => {
      off();
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    },
  };
}
