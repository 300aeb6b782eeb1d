/**
 * The floor of the memory section: the same three measurements as Nexus's (bench/memory.ts), of
 * a server with no MCP at all (bench/bare_server.ts: read the body, `fetch` the slow backend,
 * answer ~200 bytes), under the same V8 flags, in two shapes: plain `Deno.serve`, and Deno's
 * per-connection entry, the one Nexus's listener serves each connection with so that it can close
 * a stalled one (lib/http/connections.ts). What Nexus adds is the difference to the second.
 */

import { v8HeapFlags } from "../scripts/heap_limit.ts";
import { spawnDeno } from "./processes.ts";
import { type CallEra, holdIdleConnections, rssMb, runClients } from "./memory_load.ts";
import { fixed } from "./report.ts";

/** The two shapes of the bare server. */
export type BareMode = "serve" | "connection";

/** One shape's figures. */
export interface FloorRow {
  mode: BareMode;
  kbPerCall: number;
  peakRssMb10k: number;
  maxInflight10k: number;
  /** The same with 2025-era clients' requests (smaller: no envelope). */
  legacyPeakRssMb10k: number;
  idleRssMb: number;
  idleBaselineMb: number;
}

/** Measures both shapes, each a fresh process per figure; `heapMb` as Nexus's figures use. */
export async function measureFloor(
  backendUrl: string,
  options: { heldCalls: number; perCallHeapMb: number; loadHeapMb: number; bound: number },
): Promise<FloorRow[]> {
  const rows: FloorRow[] = [];
  for (const mode of ["serve", "connection"] as const) {
    const kbPerCall = await withBare(
      mode,
      backendUrl,
      options.perCallHeapMb,
      (url) => heapPerCall(url, options.heldCalls),
    );
    // Why Nexus's admission bound: without one, 10,000 calls in flight each hold a backend
    // connection too, past the open-file limit, and the figure would compare different loads.
    const loadOf10k = (era: CallEra) => (url: string, pid: number) =>
      runClients(url, { clients: 10_000, durationMs: 15_000, callMs: 2_000, rampMs: 3_000, era })
        .then(async () => ({
          peak: (await rssMb(pid)).peak,
          maxInflight: (await loadOf(url)).maxInflight ?? 0,
        }));
    const load = await withBare(
      mode,
      backendUrl,
      options.loadHeapMb,
      loadOf10k("2026-07-28"),
      options.bound,
    );
    const legacy = await withBare(
      mode,
      backendUrl,
      options.loadHeapMb,
      loadOf10k("2025-11-25"),
      options.bound,
    );
    const idle = await withBare(mode, backendUrl, options.loadHeapMb, async (url, pid) => {
      const baseline = (await rssMb(pid)).current;
      const held = await holdIdleConnections(url, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const rss = (await rssMb(pid)).current;
      held.close();
      return { rss, baseline };
    });
    rows.push({
      mode,
      kbPerCall,
      peakRssMb10k: load.peak,
      maxInflight10k: load.maxInflight,
      legacyPeakRssMb10k: legacy.peak,
      idleRssMb: idle.rss,
      idleBaselineMb: idle.baseline,
    });
  }
  return rows;
}

async function withBare<T>(
  mode: BareMode,
  backendUrl: string,
  heapMb: number,
  measure: (url: string, pid: number) => Promise<T>,
  bound = Number.POSITIVE_INFINITY,
): Promise<T> {
  const { process, url } = await spawnDeno({
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      `--v8-flags=${v8HeapFlags(heapMb)},--expose-gc`,
      new URL("bare_server.ts", import.meta.url).pathname,
      mode,
      backendUrl,
      String(bound),
    ],
    readyOn: "stdout",
    readUrl: (record) => typeof record.url === "string" ? record.url : undefined,
  });
  try {
    return await measure(url, process.child.pid);
  } finally {
    await process.stop();
  }
}

/** As Nexus's: a warm-up, the heap after full GCs, `held` slow calls open, the heap again. */
async function heapPerCall(url: string, held: number): Promise<number> {
  await runClients(url, { clients: 50, durationMs: 2_000, callMs: 10 });
  const baseline = await heapOf(url);
  const abort = new AbortController();
  const calls = Array.from({ length: held }, (_, index) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: index + 1,
        method: "tools/call",
        params: { name: "slow_item", arguments: { id: `held-${index}`, ms: "60000" } },
      }),
      signal: abort.signal,
    }).then((response) => response.body?.cancel(), () => {}));
  const deadline = Date.now() + 60_000;
  while (((await loadOf(url)).inflight ?? 0) < held && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const withCalls = await heapOf(url);
  abort.abort();
  await Promise.all(calls);
  return (withCalls - baseline) / held / 1024;
}

async function heapOf(url: string): Promise<number> {
  const body = await (await fetch(`${url}/heap`)).json();
  if (!body.gc) throw new Error("Cannot read the heap: the bare server runs without --expose-gc");
  return body.heapUsed;
}

async function loadOf(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/readyz`)).json()).load ?? {};
}

/** The floor's paragraph and table, with Nexus's figures of the same run as the last row. */
export function formatFloor(
  floor: FloorRow[],
  nexus: {
    kbPerCall: number;
    tenK?: { peakRssMb: number; bound: number };
    legacyTenK?: { peakRssMb: number };
    idle: { rssMb: number; baselineMb: number };
  },
): string[] {
  const perConnection = (rss: number, baseline: number) =>
    fixed((rss - baseline) * 1024 / 10_000, 1);
  const row = (name: string, cells: (string | number)[]) => `| ${name} | ${cells.join(" | ")} |`;
  return [
    "The floor: the same load against a server with no MCP (`bench/bare_server.ts`: read the " +
    "body, `fetch` the backend, answer), same V8 flags; at 10,000 clients it answers 503 " +
    "`OVERLOADED` past Nexus's admission bound, as Nexus does (without Nexus's short queue).",
    "",
    "| server | heap per in-flight call KB | peak RSS MB, 10,000 clients (most in flight) | " +
    "peak RSS MB, 10,000 2025-era clients | RSS MB, 10,000 idle (idle before) | " +
    "KB per idle connection |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...floor.map((cell) =>
      row(cell.mode === "serve" ? "`Deno.serve`" : "Deno's per-connection entry", [
        fixed(cell.kbPerCall, 1),
        `${fixed(cell.peakRssMb10k, 0)} (${cell.maxInflight10k})`,
        fixed(cell.legacyPeakRssMb10k, 0),
        `${fixed(cell.idleRssMb, 0)} (${fixed(cell.idleBaselineMb, 0)})`,
        perConnection(cell.idleRssMb, cell.idleBaselineMb),
      ])
    ),
    row("Nexus", [
      fixed(nexus.kbPerCall, 1),
      nexus.tenK === undefined
        ? "–"
        : `${fixed(nexus.tenK.peakRssMb, 0)} (admission bound ${nexus.tenK.bound})`,
      nexus.legacyTenK === undefined ? "–" : fixed(nexus.legacyTenK.peakRssMb, 0),
      `${fixed(nexus.idle.rssMb, 0)} (${fixed(nexus.idle.baselineMb, 0)})`,
      perConnection(nexus.idle.rssMb, nexus.idle.baselineMb),
    ]),
    "",
  ];
}
