// Credentials: metadata only (kind, version, rotation due). A value is typed once into a password
// field, sent in the request body, and the field is cleared; the API never answers it back.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { Badge, ErrorLine, Json, Table, when } from "../util.js";

const KINDS = [
  "api_key",
  "bearer",
  "basic",
  "headers",
  "oauth2_client_credentials",
  "oauth2_refresh_token",
];

function secretOf(kind, text) {
  // Why: headers and refresh-token kinds take a JSON object; the others take text.
  if (kind === "headers" || kind === "oauth2_refresh_token") return JSON.parse(text);
  return text;
}

function SetForm({ onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const kind = String(data.get("kind"));
    const days = Number(data.get("rotateDays"));
    let settings;
    try {
      const text = String(data.get("settings")).trim();
      settings = text === "" ? undefined : JSON.parse(text);
      const body = { kind, secret: secretOf(kind, String(data.get("secret"))) };
      if (settings) body.settings = settings;
      if (days > 0) body.rotateEveryMs = days * 864e5;
      form.elements.secret.value = "";
      await api(`/admin/credentials/${encodeURIComponent(String(data.get("name")))}`, {
        method: "PUT",
        body,
      });
      form.reset();
      setError(null);
      onDone();
    } catch (e) {
      form.elements.secret.value = "";
      setError(e);
    }
  };
  return html`
    <form class="card grid-form" onSubmit=${submit} aria-label="Set credential">
      <h2>Set a credential</h2>
      <label>Name <input name="name" required /></label>
      <label>Kind <select name="kind">${KINDS.map((k) =>
        html`<option>${k}</option>`
      )}</select></label>
      <label>Value (entered once, never shown again)
          <input name="secret" type="password" autocomplete="off" required /></label>
      <label>Settings (JSON, optional) <input name="settings" placeholder='{"header":"x-api-key"}' /></label>
      <label>Rotate every (days) <input name="rotateDays" type="number" min="1" /></label>
      <button type="submit">Save</button>
      <${ErrorLine} error=${error} />
    </form>
  `;
}

function RotateCell({ credential, onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.secret;
    const text = input.value;
    input.value = "";
    try {
      await api(`/admin/credentials/${encodeURIComponent(credential.name)}/rotate`, {
        method: "POST",
        body: { secret: secretOf(credential.kind, text) },
      });
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <form class="inline" onSubmit=${submit}>
      <input name="secret" type="password" autocomplete="off" required
        aria-label=${`New value for ${credential.name}`} placeholder="new value" />
      <button type="submit">Rotate</button>
      <${ErrorLine} error=${error} />
    </form>
  `;
}

/** The Credentials page. */
export function Credentials() {
  const [credentials, setCredentials] = useState(null);
  const [error, setError] = useState(null);
  const [tested, setTested] = useState(null);
  const load = () =>
    api("/admin/credentials").then((d) => setCredentials(d.credentials)).catch(setError);
  useEffect(() => void load(), []);
  const test = async (name) => {
    try {
      setTested({
        name,
        result: (await api(`/admin/credentials/${encodeURIComponent(name)}/test`, {
          method: "POST",
        })).result,
      });
    } catch (e) {
      setTested({ name, result: { error: e.message } });
    }
  };
  const columns = [
    ["Name", (c) => c.name],
    ["Kind", (c) => c.kind],
    ["Version", (c) => c.activeVersion],
    ["Updated", (c) => `${when(c.updatedAt)} by ${c.updatedBy}`],
    [
      "Rotation due",
      (c) =>
        c.rotationDueAt === null
          ? "—"
          : html`${when(c.rotationDueAt)} ${
            c.rotationOverdue ? html`<${Badge} value="overdue" />` : null
          }`,
    ],
    ["Rotate", (c) => html`<${RotateCell} credential=${c} onDone=${load} />`],
    [
      "",
      (c) =>
        html`<button onClick=${() => test(c.name)} aria-label=${`Test ${c.name}`}>Test</button>`,
    ],
  ];
  return html`<section>
    <h1>Credentials</h1>
    <${ErrorLine} error=${error} />
    ${credentials && html`<${Table} label="Credentials" columns=${columns} rows=${credentials} />`}
    ${
    tested && html`
      <div class="card" role="status">
        <h2>Test of ${tested.name}</h2>
        <${Json} value=${tested.result} />
      </div>
    `
  }
    <${SetForm} onDone=${load} />
  </section>`;
}
