// Overview: this instance's readiness, version, store and Redis state, and the call figures of
// GET /admin/overview (a point per minute for the last hour, from the same counters as /metrics),
// refreshed every few seconds while the page is open and charted.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { fmt, Spark } from "../charts.js";
import { Badge, ErrorLine } from "../util.js";

const REFRESH_MS = 5000;

function Stat({ label, value, unit = "" }) {
  return html`
    <div class="stat">
      <span class="muted">${label}</span>
      <strong>${value === null || value === undefined ? "—" : `${fmt(value)}${unit}`}</strong>
    </div>
  `;
}

function State({ label, value }) {
  return html`
    <div class="stat"><span class="muted">${label}</span><${Badge} value=${value} /></div>
  `;
}

function ratio(part, whole) {
  return whole > 0 ? (100 * part) / whole : null;
}

/** The figures of the newest minute that saw calls (or the newest minute). */
function latest(points) {
  const busy = [...points].reverse().find((p) => p.calls > 0);
  return busy ?? points[points.length - 1] ?? null;
}

/** The Overview page. */
export function Overview() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const tick = () =>
      api("/admin/overview").then((d) => stopped || (setData(d), setError(null))).catch((e) =>
        stopped || setError(e)
      );
    tick();
    const timer = setInterval(tick, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (!data) {
    return html`
      <section>
        <h1>Overview</h1>
        <${ErrorLine} error=${error} />
      </section>
    `;
  }
  const points = data.window.points;
  const last = latest(points);
  const t = data.totals;
  const instance = data.instance.draining ? "draining" : data.instance.ready ? "ready" : "unready";
  return html`
    <section>
      <h1>Overview</h1>
      <${ErrorLine} error=${error} />
      <div class="stats">
        <${State} label="Instance" value=${instance} />
        <div class="stat"><span class="muted">Version</span><strong>${data.version}</strong></div>
        <${State} label=${`Store (${data.store.kind})`} value=${data.store.ok ? "ok" : "down"} />
        <${State} label="Redis" value=${data.redis.configured
          ? (data.redis.ok ? "ok" : "down")
          : "not configured"} />
        <${Stat} label="Uptime" value=${data.instance.uptimeSeconds / 60} unit=" min" />
      </div>
      <div class="stats">
        <${Stat} label="Calls / min" value=${last?.calls} />
        <${Stat} label="Error rate" value=${last
          ? ratio(last.errors, last.calls)
          : null} unit="%" />
        <${Stat} label="p50" value=${last?.calls ? last.p50Ms : null} unit=" ms" />
        <${Stat} label="p99" value=${last?.calls ? last.p99Ms : null} unit=" ms" />
        <${Stat} label="Cache hit rate" value=${ratio(
          t.cacheHits,
          t.cacheHits + t.cacheMisses,
        )} unit="%" />
        <${Stat} label="Limit rejections" value=${t.limitRejections} />
        <${Stat} label="Calls since start" value=${t.calls} />
        <${Stat} label="Errors since start" value=${t.errors} />
      </div>
      <div class="charts">
        <${Spark} label="Calls per minute" points=${points.map((p) => p.calls)} />
        <${Spark} label="p99 latency" unit=" ms" points=${points.map((p) => p.p99Ms)} />
        <${Spark} label="p50 latency" unit=" ms" points=${points.map((p) => p.p50Ms)} />
        <${Spark} label="Errors per minute" points=${points.map((p) => p.errors)} />
        <${Spark} label="Limit rejections per minute" points=${points.map((p) =>
          p.limitRejections
        )} />
        <${Spark} label="Cache hits per minute" points=${points.map((p) => p.cacheHits)} />
      </div>
      <p
        class="muted">Last ${data.window
          .minutes} minutes, one point per minute; refreshed every ${REFRESH_MS /
          1000} s.</p>
    </section>
  `;
}
