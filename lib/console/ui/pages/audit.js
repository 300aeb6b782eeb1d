// Audit: the audit log filtered by client, tool, outcome and time, a page at a time (the API's
// cursor), and a live tail (GET /admin/audit/tail, Server-Sent Events).
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { api, csrfToken } from "../api.js";
import { Badge, ErrorLine, Table, when } from "../util.js";

/**
 * Reads GET /admin/audit/tail (Server-Sent Events) through fetch, so the request carries the CSRF
 * header (EventSource cannot send headers); calls `onRow` for each `data:` line.
 */
async function follow(path, onRow, signal) {
  const response = await fetch(path.replace("/admin/audit?", "/admin/audit/tail?"), {
    headers: { "x-nexus-csrf": csrfToken(), accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`Live tail: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const events = buffer.split("\n\n");
    buffer = events.pop();
    for (const event of events) {
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5));
      if (data.length > 0) onRow(JSON.parse(data.join("\n")));
    }
  }
}

function query(filters, extra) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  return `/admin/audit?${params}`;
}

function rowsOf(data, outcome) {
  const rows = data.rows ?? data.records ?? [];
  // Why: an API without the outcome filter answers every outcome; narrow it here.
  return outcome ? rows.filter((row) => row.outcome === outcome) : rows;
}

function timeParam(value) {
  return value === "" ? "" : new Date(value).toISOString();
}

/** The Audit page. */
export function Audit() {
  const [filters, setFilters] = useState({ limit: 50 });
  const [page, setPage] = useState({ rows: null, next: null, cursors: [] });
  const [error, setError] = useState(null);
  const [tail, setTail] = useState(false);
  // Why a ticket per load: answers can arrive out of order (a slow answer to the previous filter
  // after the new one's), and only the newest request's answer may be shown.
  const latest = useRef(0);
  const load = async (cursor, cursors) => {
    const ticket = ++latest.current;
    try {
      const data = await api(query(filters, { cursor }));
      if (ticket !== latest.current) return;
      const rows = rowsOf(data, filters.outcome);
      setPage({ rows, next: data.next ?? null, cursors });
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(e);
    }
  };
  useEffect(() => void load(undefined, []), [filters]);
  useEffect(() => {
    if (!tail) return;
    const stop = new AbortController();
    const onRow = (row) => setPage((old) => ({ ...old, rows: [row, ...(old.rows ?? [])] }));
    follow(query({ ...filters, cursor: undefined, limit: undefined }, {}), onRow, stop.signal)
      .catch((e) => stop.signal.aborted || setError(e));
    return () => stop.abort();
  }, [tail, filters]);
  const submit = (event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setFilters({
      client: String(data.get("client")).trim(),
      tool: String(data.get("tool")).trim(),
      outcome: String(data.get("outcome")),
      since: timeParam(String(data.get("since"))),
      until: timeParam(String(data.get("until"))),
      limit: Number(data.get("limit")) || 50,
    });
  };
  const columns = [
    ["Time", (r) => when(r.at)],
    ["Client", (r) => r.clientName],
    ["Tool", (r) => html`<code>${r.tool}</code>`],
    ["Outcome", (r) => html`<${Badge} value=${r.outcome} />`],
    ["Error", (r) => r.errorCode ?? ""],
    ["ms", (r) => Number(r.durationMs).toFixed(1)],
    ["Backend", (r) => r.backendStatus ?? ""],
    ["Request", (r) => html`<code class="small">${r.requestId}</code>`],
  ];
  return html`<section>
    <h1>Audit log</h1>
    <form class="card filters" onSubmit=${submit} aria-label="Audit filters">
      <label>Client <input name="client" /></label>
      <label>Tool <input name="tool" /></label>
      <label>Outcome <select name="outcome">
        <option value="">any</option><option>ok</option><option>tool_error</option>
        <option>error</option><option>suppressed</option></select></label>
      <label>Since <input name="since" type="datetime-local" /></label>
      <label>Until <input name="until" type="datetime-local" /></label>
      <label>Per page <input name="limit" type="number" min="1" max="500" value="50" /></label>
      <button type="submit">Filter</button>
      <label class="check"><input type="checkbox" checked=${tail}
        onChange=${(e) => setTail(e.currentTarget.checked)} /> Live tail</label>
    </form>
    <${ErrorLine} error=${error} />
    ${
    page.rows && html`
      <${Table} label="Audit records" columns=${columns} rows=${page.rows}
        empty="No calls match" />
    `
  }
    <div class="pager">
      <button disabled=${page.cursors.length === 0} onClick=${() => {
    const cursors = page.cursors.slice(0, -1);
    load(cursors[cursors.length - 1], cursors);
  }}>Newer</button>
      <button disabled=${!page.next} onClick=${() =>
    load(page.next, [...page.cursors, page.next])}>Older</button>
    </div>
  </section>`;
}
