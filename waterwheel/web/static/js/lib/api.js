// The one way pages talk to the server: JSON over /api, errors as ApiError.

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0 when the server could not be reached
    this.path = path;
  }
}

export const enc = encodeURIComponent;

// "?a=1&b=2" from an object, leaving out null, undefined and "" values.
export function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params || {})) {
    if (value === null || value === undefined || value === "") continue;
    parts.push(`${enc(key)}=${enc(value)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export async function api(path, { method = "GET", body, signal } = {}) {
  const init = { method, headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(`/api${path}`, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "The Waterwheel server cannot be reached.", path);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    let message = `HTTP ${response.status} ${response.statusText}`.trim();
    if (data && typeof data === "object" && typeof data.error === "string") message = data.error;
    else if (typeof data === "string" && data.length < 300 && !data.startsWith("<")) message = data;
    throw new ApiError(response.status, message, path);
  }
  return data;
}

// The websocket URL of an /api path, on the page's own scheme and host.
export function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api${path}`;
}
