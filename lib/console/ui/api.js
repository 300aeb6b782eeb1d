// The console's one door to the gateway: same-origin fetches of the admin API, each with the
// session's CSRF token in the X-Nexus-CSRF header (the session cookie is HttpOnly, sent by the
// browser). Errors carry the admin API's message.

let csrf = "";

/** Sets the session's CSRF token (from GET /console/session). */
export function setCsrf(token) {
  csrf = token;
}

/** The session's CSRF token, for requests made without `api()` (the live tail's stream). */
export function csrfToken() {
  return csrf;
}

/** Calls the admin API; resolves to parsed JSON (or text), rejects with the API's message. */
export async function api(path, options = {}) {
  const headers = { "x-nexus-csrf": csrf };
  const init = { method: options.method ?? "GET", headers, cache: "no-store" };
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = text;
  try {
    data = text === "" ? null : JSON.parse(text);
  } catch {
    // Why: /metrics answers Prometheus text, kept as text.
  }
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Whether an error is the admin API saying "no such route" (an endpoint not in this build). */
export function isMissing(error) {
  return error?.status === 404 || error?.status === 405;
}
