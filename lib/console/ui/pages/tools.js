// Tools: every tool with its source, backend, credential, annotations and policy visibility, its
// input schema as a readable list, and a "try it" form built from that schema which runs the tool
// through the whole pipeline (POST /admin/tools/:name/test) and shows the redacted trace and result.
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html.js";
import { api, isMissing } from "../api.js";
import { Badge, ErrorLine, Json, Table } from "../util.js";

function text(value) {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function hintsOf(annotations) {
  if (!annotations) return "—";
  const on = Object.entries(annotations).filter(([, v]) => v === true).map(([k]) =>
    k.replace(/Hint$/, "")
  );
  return on.length === 0 ? "none" : on.join(", ");
}

function sourceOf(source) {
  if (!source) return "—";
  return source.kind === "file" ? `${source.file}:${source.line}` : `upstream ${source.upstream}`;
}

function policyOf(policy) {
  if (!policy) return "—";
  if (policy.everyone) return "every client (no policies)";
  const rules = policy.policies.map((p) =>
    `${p.effect} ${p.name ?? `#${p.index}`}: ${[...p.clients ?? [], ...p.groups ?? []].join(", ")}`
  );
  const servers = policy.servers.length > 0 ? [`servers: ${policy.servers.join(", ")}`] : [];
  return [...rules, ...servers].join("; ") || "no client (no policy allows it)";
}

function schemaOf(tool) {
  return tool.inputSchema ?? tool.input_schema ?? { type: "object", properties: {} };
}

function SchemaList({ schema }) {
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return html`<p class="muted">No arguments</p>`;
  return html`<dl class="schema">${
    props.map(([name, prop]) =>
      html`
        <div key=${name}>
          <dt><code>${name}</code> <span class="muted">${[
            prop.type ?? "any",
            prop.enum ? `one of ${prop.enum.join(", ")}` : null,
            required.has(name) ? "required" : "optional",
          ].filter(Boolean).join(" · ")}</span></dt>
          <dd>${prop.description ?? ""}</dd>
        </div>
      `
    )
  }</dl>`;
}

function Field({ name, prop, required }) {
  const id = `arg-${name}`;
  const label = html`<label for=${id}>${name}${required ? " *" : ""}</label>`;
  if (prop.enum) {
    return html`${label}<select id=${id} name=${name}>${
      prop.enum.map((v) => html`<option value=${JSON.stringify(v)}>${String(v)}</option>`)
    }</select>`;
  }
  if (prop.type === "boolean") return html`${label}<input id=${id} name=${name} type="checkbox" />`;
  if (prop.type === "number" || prop.type === "integer") {
    return html`
      ${label}<input id=${id} name=${name} type="number" step=${prop.type === "integer" ? 1 : "any"}
        required=${required} />
    `;
  }
  if (prop.type === "object" || prop.type === "array") {
    return html`
      ${label}<textarea id=${id} name=${name} rows="3" required=${required}
        placeholder=${prop.type === "array" ? "[ ]" : "{ }"}></textarea>
    `;
  }
  return html`${label}<input id=${id} name=${name} required=${required} />`;
}

function argumentsOf(form, schema) {
  const args = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const input = form.elements[name];
    if (prop.enum) args[name] = JSON.parse(input.value);
    else if (prop.type === "boolean") args[name] = input.checked;
    else if (input.value === "") continue;
    else if (prop.type === "number" || prop.type === "integer") args[name] = Number(input.value);
    else if (prop.type === "object" || prop.type === "array") args[name] = JSON.parse(input.value);
    else args[name] = input.value;
  }
  return args;
}

function TryIt({ tool }) {
  const schema = schemaOf(tool);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const required = new Set(schema.required ?? []);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const args = argumentsOf(event.currentTarget, schema);
      const as = event.currentTarget.elements.nexus_run_as.value.trim();
      setResult(
        await api(`/admin/tools/${encodeURIComponent(tool.name)}/test`, {
          method: "POST",
          body: as === "" ? { arguments: args } : { arguments: args, as },
        }),
      );
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card grid-form" onSubmit=${submit} aria-label=${`Try ${tool.name}`}>
    <h3>Try it</h3>
    ${
    Object.entries(schema.properties ?? {}).map(([name, prop]) =>
      html`<${Field} key=${name} name=${name} prop=${prop} required=${required.has(name)} />`
    )
  }
    <label for="try-as">Run as client (optional: its policies apply)</label>
      <input id="try-as" name="nexus_run_as" placeholder="the administrator" />
      <button type="submit" disabled=${busy}>Run ${tool.name}</button>
    <${ErrorLine} error=${error} />
    ${
    result && html`
      <div data-testid="tool-result">
        <h3>Result and redacted trace</h3>
        <${Json} value=${result} />
      </div>
    `
  }
  </form>`;
}

function Detail({ tool, onClose }) {
  const ref = useRef(null);
  // Why focus: a keyboard user who opened the tool lands in its panel, not at the table's end.
  useEffect(() => ref.current?.focus(), []);
  return html`
    <div class="card" data-testid="tool-detail" tabindex="-1" ref=${ref}>
      <button class="link close" onClick=${onClose}>Close</button>
      <h2><code>${tool.name}</code></h2>
      <p>${tool.description ?? ""}</p>
      <h3>Input schema</h3>
      <${SchemaList} schema=${schemaOf(tool)} />
      <details>
        <summary>Schema as JSON</summary>
        <${Json} value=${schemaOf(tool)} />
      </details>
      <${TryIt} tool=${tool} />
    </div>
  `;
}

/** The Tools page. */
export function Tools() {
  const [tools, setTools] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  useEffect(() => {
    api("/admin/tools").then((d) => setTools(d.tools ?? d)).catch((e) =>
      setError(isMissing(e) ? new Error("This gateway has no /admin/tools endpoint yet") : e)
    );
  }, []);
  const columns = [
    ["Name", (t) =>
      html`
        <button class="link" onClick=${() => setOpen(t)}
          aria-label=${`Open ${t.name}`}>${t.name}</button>
      `],
    ["Source", (t) => html`<code class="small">${sourceOf(t.source)}</code>`],
    ["Backend", (t) => text(t.backend)],
    ["Credential", (t) => text(t.credential)],
    ["Annotations", (t) => hintsOf(t.annotations)],
    [
      "Visibility",
      (t) =>
        t.disabled ? html`<${Badge} value=${`disabled: ${t.disabled}`} />` : policyOf(t.policy),
    ],
  ];
  return html`<section>
    <h1>Tools</h1>
    <${ErrorLine} error=${error} />
    ${open && html`<${Detail} key=${open.name} tool=${open} onClose=${() => setOpen(null)} />`}
    ${tools && html`<${Table} label="Tools" columns=${columns} rows=${tools} />`}
  </section>`;
}
