// What several pages derive from a job's tokens and triggers.

import { FINAL } from "./ui.js";

// One state for a trigger time from its tasks' token states.
export function rowOutcome(states) {
  const list = Object.values(states).map((t) => (typeof t === "string" ? t : t.state));
  if (!list.length) return null;
  for (const s of ["error", "timeout", "failure", "upstream_failed"]) if (list.includes(s)) return s;
  for (const s of ["running", "active", "retry"]) if (list.includes(s)) return s;
  if (list.every((s) => s === "success" || s === "skipped")) return list.includes("success") ? "success" : "skipped";
  if (list.includes("cancelled")) return "cancelled";
  return list.includes("success") ? "success" : "waiting";
}

const SETTLED = new Set([...FINAL, "waiting", "cancelled"]);

// The newest trigger time all of whose tokens have settled, and its outcome.
export function lastOutcome(overview) {
  for (const row of overview.tokens) {
    const states = Object.values(row.task_states).map((t) => t.state);
    if (states.every((s) => SETTLED.has(s))) return { at: row.trigger_datetime, state: rowOutcome(row.task_states) };
  }
  return null;
}

// The next trigger datetime of a trigger, as the API computes it (null: ended).
export function nextTrigger(trigger) {
  return trigger.next_trigger_datetime;
}

export function nextOfJob(triggers) {
  const times = triggers.map(nextTrigger).filter(Boolean).sort();
  return times[0] || null;
}
