// What several pages derive from a job's tokens and triggers.

import { FINAL } from "./ui.js";
import { isoUTC, parse } from "./time.js";

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

// The next trigger datetime of period triggers (the API does not give it; a
// cron trigger's would need the cron dialect, so those answer null).
export function nextTrigger(trigger, now = new Date()) {
  if (!trigger.period) return null;
  const periodMs = trigger.period * 1000;
  const start = parse(trigger.start_datetime).getTime();
  let next = trigger.latest_trigger_datetime
    ? parse(trigger.latest_trigger_datetime).getTime() + periodMs
    : start;
  const offsetMs = (trigger.trigger_offset || 0) * 1000;
  if (next + offsetMs < now.getTime() - periodMs) {
    // Behind (catch-up none, paused, or a scheduler lagging): the next one from now.
    next = start + Math.ceil((now.getTime() - offsetMs - start) / periodMs) * periodMs;
  }
  if (trigger.end_datetime && next > parse(trigger.end_datetime).getTime()) return null;
  return isoUTC(new Date(next));
}

export function nextOfJob(triggers, now = new Date()) {
  const times = triggers.map((t) => nextTrigger(t, now)).filter(Boolean).sort();
  return times[0] || null;
}
