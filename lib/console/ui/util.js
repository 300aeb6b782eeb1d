// Small shared views: tables, JSON blocks, status badges, error lines, time formatting.
import { html } from "./html.js";

/** An ISO or epoch time, short and local. */
export function when(value) {
  if (value === null || value === undefined || value === "") return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** Pretty JSON in a scrollable block. */
export function Json({ value }) {
  return html`<pre class="json" tabindex="0">${JSON.stringify(value, null, 2)}</pre>`;
}

/** An error line announced to screen readers. */
export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${String(error.message ?? error)}</p>`;
}

/** A coloured word for a state (ok, ready, open, closed, error…). */
export function Badge({ value }) {
  const text = String(value ?? "—");
  const good = /^(ok|ready|closed|connected|active|true)$/i.test(text);
  const bad = /(error|fail|open|unready|revoked|down|overdue|false)/i.test(text);
  return html`<span class=${`badge ${good ? "good" : bad ? "bad" : ""}`}>${text}</span>`;
}

/** A table from rows and columns `[heading, row => cell]`. */
export function Table({ columns, rows, empty = "Nothing yet", label }) {
  if (!rows || rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`
    <div class="table-wrap" tabindex="0" role="region" aria-label=${label}>
      <table>
        <thead>
          <tr>${columns.map(([heading]) => html`<th scope="col">${heading}</th>`)}</tr>
        </thead>
        <tbody>${rows.map((row, i) =>
          html`<tr key=${i}>${columns.map(([, cell]) => html`<td>${cell(row)}</td>`)}</tr>`
        )}</tbody>
      </table>
    </div>
  `;
}
