// Overview: health and readiness, version, store and Redis state (GET /healthz, /readyz), and the
// call figures from GET /metrics, scraped every few seconds while the page is open and charted.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { Bars, fmt, Spark } from "../charts.js";
import { figures, parseMetrics } from "../metrics.js";
import { Badge, ErrorLine } from "../util.js";

const SCRAPE_MS = 5000;
const KEEP = 60;

function Stat({ label, value, unit = "" }) {
  return html`<div class="stat"><span class="muted">${label}</span>
    <strong>${value === null || value === undefined ? "—" : `${fmt(value)}${unit}`}</strong></div>`;
}

/** The Overview page. */
export function Overview() {
  const [health, setHealth] = useState(null);
  const [ready, setReady] = useState(null);
  const [scrapes, setScrapes] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const [h, r, m] = await Promise.all([
          api("/healthz"),
          api("/readyz").catch((e) => ({ status: "unready", detail: e.message })),
          api("/metrics"),
        ]);
        if (stopped) return;
        setHealth(h);
        setReady(r);
        setScrapes((old) => [...old, parseMetrics(String(m), Date.now())].slice(-KEEP));
        setError(null);
      } catch (e) {
        if (!stopped) setError(e);
      }
    };
    tick();
    const timer = setInterval(tick, SCRAPE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const last = scrapes[scrapes.length - 1];
  const now = last ? figures(last, scrapes[scrapes.length - 2]) : {};
  const series = scrapes.slice(1).map((s, i) => figures(s, scrapes[i]));
  const checks = ready?.checks ?? {};
  return html`
    <section>
      <h1>Overview</h1>
      <${ErrorLine} error=${error} />
      <div class="stats">
          <div class="stat"><span class="muted">Health</span><${Badge} value=${health
            ?.status} /></div>
          <div class="stat"><span class="muted">Readiness</span><${Badge} value=${ready
            ?.status} /></div>
          <div class="stat"><span class="muted">Version</span><strong>${health?.version ??
            "—"}</strong></div>
          ${Object.entries(checks).map(([name, state]) =>
            html`
              <div class="stat"
                key=${name}><span class="muted">${name}</span><${Badge} value=${state} /></div>
            `
          )}
        </div>
      <div class="stats">
        <${Stat} label="Calls / min" value=${now.callsPerMin} />
        <${Stat} label="Error rate" value=${now.errorRate === null || now.errorRate === undefined
          ? null
          : now.errorRate * 100} unit="%" />
        <${Stat} label="p50" value=${now.p50} unit=" ms" />
        <${Stat} label="p99" value=${now.p99} unit=" ms" />
        <${Stat} label="Cache hit rate" value=${now.cacheHitRate === null ||
            now.cacheHitRate === undefined
          ? null
          : now.cacheHitRate * 100} unit="%" />
        <${Stat} label="Limit rejections" value=${now.rejections} />
        <${Stat} label="Calls (total)" value=${last?.calls} />
      </div>
      <div class="charts">
        <${Spark} label="Calls per minute" points=${series.map((f) => f.callsPerMin)} />
        <${Spark} label="p99 latency" unit=" ms" points=${series.map((f) => f.p99)} />
        <${Spark} label="Error rate" unit="%" points=${series.map((f) =>
          (f.errorRate ?? 0) * 100
        )} />
        <${Bars} label="Calls by tool (since start)" data=${last?.byTool ?? {}} />
      </div>
      <p class="muted">Figures from /metrics every ${SCRAPE_MS /
        1000} s while this page is open.</p>
    </section>
  `;
}
