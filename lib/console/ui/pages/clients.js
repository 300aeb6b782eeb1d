// Clients: client keys (never a key or its hash), issue one (the key is shown once, here), revoke.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { Badge, ErrorLine, Table, when } from "../util.js";

function list(text) {
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  return items.length === 0 ? undefined : items;
}

function CreateForm({ onCreated }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = Number(data.get("days"));
    try {
      const created = await api("/admin/clients", {
        method: "POST",
        body: {
          name: String(data.get("name")),
          ...(days > 0 ? { expiresInDays: days } : {}),
          ...(list(String(data.get("tools"))) ? { tools: list(String(data.get("tools"))) } : {}),
          ...(list(String(data.get("groups"))) ? { groups: list(String(data.get("groups"))) } : {}),
          ...(data.get("admin") === "on" ? { admin: true } : {}),
        },
      });
      form.reset();
      setError(null);
      onCreated(created);
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <form class="card grid-form" onSubmit=${submit} aria-label="Create client">
      <h2>New client key</h2>
      <label>Name <input name="name" required pattern="[A-Za-z0-9._\\-]+" /></label>
      <label>Expires in days <input name="days" type="number" min="1" /></label>
      <label>Tools (comma-separated, empty: all) <input name="tools" /></label>
      <label>Groups <input name="groups" /></label>
      <label class="check"><input name="admin" type="checkbox" /> Admin key</label>
      <button type="submit">Create key</button>
      <${ErrorLine} error=${error} />
    </form>
  `;
}

/** The Clients page. */
export function Clients() {
  const [clients, setClients] = useState(null);
  const [error, setError] = useState(null);
  const [issued, setIssued] = useState(null);
  const load = () => api("/admin/clients").then((data) => setClients(data.clients)).catch(setError);
  useEffect(() => void load(), []);
  const revoke = async (name) => {
    try {
      await api(`/admin/clients/${encodeURIComponent(name)}`, { method: "DELETE" });
      setIssued(null);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    ["Name", (c) => c.name],
    ["Key id", (c) => html`<code>${c.keyId}</code>`],
    ["Scope", (c) => c.scope],
    ["Tools", (c) => (c.tools ?? []).join(", ") || "all"],
    ["Created", (c) => when(c.createdAt)],
    ["Expires", (c) => when(c.expiresAt)],
    ["State", (c) => html`<${Badge} value=${c.revokedAt ? "revoked" : "active"} />`],
    ["", (c) =>
      c.revokedAt ? null : html`
        <button class="danger" onClick=${() => revoke(c.name)}
          aria-label=${`Revoke ${c.name}`}>Revoke</button>
      `],
  ];
  return html`<section>
    <h1>Clients</h1>
    ${
    issued &&
    html`
      <div class="card notice" role="status">
        <p>Key for <strong>${issued.name}</strong>, shown once: copy it now.</p>
        <code class="secret" data-testid="issued-key">${issued.key}</code>
        <button onClick=${() => setIssued(null)}>Done</button>
      </div>
    `
  }
    <${CreateForm} onCreated=${(created) => {
    setIssued(created);
    load();
  }} />
    <${ErrorLine} error=${error} />
    ${clients && html`<${Table} label="Client keys" columns=${columns} rows=${clients} />`}
  </section>`;
}
