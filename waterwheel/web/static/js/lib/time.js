// Times: the API speaks UTC (RFC 3339); people read their own timezone, with
// UTC in each time's title.

export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";

const full = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function parse(iso) {
  return iso instanceof Date ? iso : new Date(iso);
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

export function fmtUTC(iso) {
  const d = parse(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const ms = d.getUTCMilliseconds();
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${ms ? `.${pad(ms, 3)}` : ""} UTC`;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// "Nov 28, 2026, 01:58:52" or, with short, "01:58:52" today and "Nov 27 01:58:52" otherwise.
export function fmtLocal(iso, { short = false } = {}) {
  if (!iso) return "—";
  const d = parse(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  if (!short) return full.format(d);
  const now = new Date();
  if (sameDay(d, now)) return clock.format(d);
  return d.getFullYear() === now.getFullYear() ? `${day.format(d)} ${clock.format(d)}` : full.format(d);
}

// A <time> element: local text, machine datetime, UTC on hover.
export function timeEl(iso, { short = false, relative = false } = {}) {
  const el = document.createElement("time");
  if (!iso) {
    el.textContent = "—";
    return el;
  }
  el.dateTime = iso;
  el.title = fmtUTC(iso);
  el.textContent = relative ? fmtRelative(iso) : fmtLocal(iso, { short });
  return el;
}

export function fmtRelative(iso, now = Date.now()) {
  const seconds = Math.round((now - parse(iso).getTime()) / 1000);
  const ahead = seconds < 0;
  const n = Math.abs(seconds);
  let text;
  if (n < 5) return ahead ? "in a moment" : "just now";
  if (n < 90) text = `${n} s`;
  else if (n < 90 * 60) text = `${Math.round(n / 60)} min`;
  else if (n < 36 * 3600) text = `${Math.round(n / 3600)} h`;
  else text = `${Math.round(n / 86400)} d`;
  return ahead ? `in ${text}` : `${text} ago`;
}

// Seconds as "0.42 s", "12.3 s", "4 min 05 s", "2 h 03 min".
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

export function durationBetween(startIso, endIso) {
  if (!startIso) return null;
  const end = endIso ? parse(endIso) : new Date();
  return Math.max(0, (end.getTime() - parse(startIso).getTime()) / 1000);
}

// A period in seconds as the job document writes it: "2s", "1h30m", "1d".
export function fmtPeriod(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const sign = seconds < 0 ? "-" : "";
  let n = Math.abs(seconds);
  if (n === 0) return "0s";
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
    if (n >= size) {
      parts.push(`${Math.floor(n / size)}${unit}`);
      n %= size;
    }
  }
  return sign + parts.join("");
}

// RFC 3339 UTC with Z, without milliseconds when there are none (as the API prints).
export function isoUTC(date) {
  const iso = date.toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

// datetime-local inputs hold local wall time.
export function toLocalInput(iso) {
  const d = parse(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value); // no offset: read as local time
  return Number.isNaN(d.getTime()) ? null : isoUTC(d);
}
