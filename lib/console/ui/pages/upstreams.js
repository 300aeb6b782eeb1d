// Upstreams: each upstream MCP server's state, protocol, tools, circuit and restarts, and pinned
// tools whose definition changed, with a line diff and an approve button.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api, isMissing } from "../api.js";
import { Badge, ErrorLine, Json, Table } from "../util.js";

function text(value) {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function DiffView({ diff }) {
  if (typeof diff === "string") {
    return html`<pre class="diff" tabindex="0">${
      diff.split("\n").map((line) =>
        html`<span class=${
          line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : ""
        }>${line}\n</span>`
      )
    }</pre>`;
  }
  return html`<${Json} value=${diff} />`;
}

/** The Upstreams page. */
export function Upstreams() {
  const [upstreams, setUpstreams] = useState(null);
  const [error, setError] = useState(null);
  const [diff, setDiff] = useState(null);
  const load = () =>
    api("/admin/upstreams").then((d) => setUpstreams(d.upstreams ?? d)).catch((e) =>
      setError(isMissing(e) ? new Error("This gateway has no /admin/upstreams endpoint yet") : e)
    );
  useEffect(() => void load(), []);
  const showDiff = async (name) => {
    try {
      setDiff({ name, data: await api(`/admin/upstreams/${encodeURIComponent(name)}/diff`) });
    } catch (e) {
      setError(e);
    }
  };
  const approve = async (name) => {
    try {
      await api(`/admin/upstreams/${encodeURIComponent(name)}/approve`, {
        method: "POST",
        body: {},
      });
      setDiff(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const changed = (u) => u.changedPins ?? u.changed ?? u.pinsChanged ?? [];
  const columns = [
    ["Name", (u) => u.name],
    ["State", (u) => html`<${Badge} value=${u.state ?? u.status} />`],
    ["Protocol", (u) => text(u.protocolVersion ?? u.protocol)],
    ["Tools", (u) => text(u.toolCount ?? u.tools?.length ?? u.tools)],
    ["Circuit", (u) => html`<${Badge} value=${u.circuit ?? u.circuitState} />`],
    ["Restarts", (u) => text(u.restarts)],
    ["Changed pins", (u) => {
      const list = changed(u);
      const count = Array.isArray(list) ? list.length : Number(list) || 0;
      return count === 0 ? "none" : html`<button onClick=${() => showDiff(u.name)}>
        ${count} changed: view diff</button>`;
    }],
  ];
  return html`<section>
    <h1>Upstreams</h1>
    <${ErrorLine} error=${error} />
    ${
    upstreams && html`
      <${Table} label="Upstreams" columns=${columns} rows=${upstreams}
        empty="No upstream MCP servers configured" />
    `
  }
    ${
    diff && html`<div class="card"><h2>Changed tools of ${diff.name}</h2>
      ${
      (diff.data.changes ?? diff.data.tools ?? [diff.data]).map((change, i) =>
        html`
          <div key=${i}>
            <h3>${change.tool ?? change.name ?? ""}</h3>
            <${DiffView} diff=${change.diff ?? change} />
          </div>
        `
      )
    }
      <button onClick=${() => approve(diff.name)}>Approve changes</button></div>`
  }
  </section>`;
}
