// Upstreams: each upstream MCP server's state, protocol, tools, circuit and restarts, and pinned
// tools whose definition changed, with a line diff and an approve button.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api, isMissing } from "../api.js";
import { Badge, ErrorLine, Table } from "../util.js";

function DiffView({ pin }) {
  return html`
    <div class="card">
      <h3><code>${pin.tool}</code> <${Badge} value=${pin.status} /> ${pin.hiddenUnicode
        ? html`<${Badge} value=${`hidden unicode: ${pin.hidden.join(", ")}`} />`
        : null}</h3>
      <pre class="diff" tabindex="0">${pin.changes.map((line) =>
        html`<span class=${
          /: \+ /.test(line) ? "add" : /: - /.test(line) ? "del" : ""
        }>${line}\n</span>`
      )}</pre>
    </div>
  `;
}

/** The Upstreams page. */
export function Upstreams() {
  const [upstreams, setUpstreams] = useState(null);
  const [error, setError] = useState(null);
  const [diff, setDiff] = useState(null);
  const [approved, setApproved] = useState(null);
  const load = () =>
    api("/admin/upstreams").then((d) => setUpstreams(d.upstreams)).catch((e) =>
      setError(isMissing(e) ? new Error("This gateway has no /admin/upstreams endpoint") : e)
    );
  useEffect(() => void load(), []);
  const showDiff = async (name) => {
    try {
      const data = await api(`/admin/upstreams/${encodeURIComponent(name)}/diff`);
      setDiff({ name, pins: data.tools.filter((pin) => pin.status !== "approved") });
    } catch (e) {
      setError(e);
    }
  };
  const approve = async (name) => {
    try {
      const data = await api(`/admin/upstreams/${encodeURIComponent(name)}/approve`, {
        method: "POST",
        body: {},
      });
      setApproved({ name, tools: data.approved });
      setDiff(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    ["Name", (u) => html`${u.name} <span class="muted">${u.url ?? ""}</span>`],
    ["Transport", (u) => u.transport],
    [
      "State",
      (u) =>
        html`<${Badge} value=${u.state} /> ${
          u.lastError ? html`<span class="error">${u.lastError}</span>` : null
        }`,
    ],
    ["Protocol", (u) => u.protocolVersion ?? "—"],
    ["Tools", (u) => `${u.tools} tools, ${u.prompts} prompts, ${u.resources} resources`],
    ["Circuit", (u) => html`<${Badge} value=${u.circuit} />`],
    [
      "Restarts",
      (u) => u.children === undefined ? u.restarts : `${u.restarts} (${u.children} children)`,
    ],
    [
      "Pending approval",
      (u) =>
        u.pendingApprovals === 0 ? "none" : html`<button onClick=${() => showDiff(u.name)}>
        ${u.pendingApprovals} to review: view diff</button>`,
    ],
  ];
  return html`
    <section>
      <h1>Upstreams</h1>
      <${ErrorLine} error=${error} />
      ${approved &&
        html`<p class="card notice" role="status">Approved ${approved.tools.length} tools of ${approved.name}</p>`}
      ${upstreams && html`
        <${Table} label="Upstreams" columns=${columns} rows=${upstreams}
          empty="No upstream MCP servers configured" />
      `}
      ${diff && html`
        <div class="card">
          <h2>Tools of ${diff.name} waiting for approval</h2>
          ${diff.pins.map((pin) => html`<${DiffView} key=${pin.tool} pin=${pin} />`)}
          <button onClick=${() => approve(diff.name)}>Approve all of ${diff.name}</button>
        </div>
      `}
    </section>
  `;
}
