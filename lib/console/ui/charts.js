// Charts as inline SVG (no chart library, no inline script or style: CSP-clean).
import { html } from "./html.js";

/** A line over time; `points` are numbers (nulls are gaps, drawn as zero). */
export function Spark({ points, label, unit = "" }) {
  const w = 320, h = 80, pad = 4;
  const values = points.map((p) => (Number.isFinite(p) ? p : 0));
  const max = Math.max(1e-9, ...values);
  const step = values.length > 1 ? (w - 2 * pad) / (values.length - 1) : 0;
  const path = values.map((v, i) =>
    `${i === 0 ? "M" : "L"}${(pad + i * step).toFixed(1)},${
      (h - pad - (v / max) * (h - 2 * pad)).toFixed(1)
    }`
  ).join(" ");
  const last = values.length > 0 ? values[values.length - 1] : 0;
  return html`
    <figure class="chart">
      <svg viewBox=${`0 0 ${w} ${h}`} role="img" aria-label=${`${label}: ${fmt(last)}${unit}`}>
          <path class="axis" d=${`M${pad},${h - pad} L${w - pad},${h - pad}`} />
          ${values.length > 1 ? html`<path class="line" d=${path} />` : null}
        </svg>
      <figcaption>${label} <span class="muted">max ${fmt(max)}${unit}</span></figcaption>
    </figure>
  `;
}

/** A number, short. */
export function fmt(value) {
  if (value === null || value === undefined) return "—";
  if (value === Infinity) return "∞";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(value % 1 === 0 ? 0 : 2);
}
