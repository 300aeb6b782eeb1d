// deno-lint-ignore-file no-console
/**
 * The memory section of `deno task bench` (`--only memory` runs it alone): a fresh gateway per
 * measurement, with the heap limit `deno task start` would give it (scripts/heap_limit.ts): its
 * default 1024 MB for the heap per call, 256 MB (a 512 MiB container) for the RSS figures:
 * - live heap per in-flight call: N slow calls held open, `heapUsed` after a full GC (the gateway
 *   runs with `--expose-gc`; the bench-only `heap_used` tool reads it) minus the idle baseline, / N;
 * - peak RSS (VmHWM) with 1,000 and 10,000 concurrent clients calling a slow tool (~200 bytes);
 * - RSS with 10,000 idle keep-alive connections held open.
 * Method and targets: bench/README.md "Memory".
 */

import { semiSpaceMb, v8HeapFlags } from "../scripts/heap_limit.ts";
import { type FloorRow, formatFloor, measureFloor } from "./memory_floor.ts";
import { fixed } from "./report.ts";
import { type RunningServer, startBackend, startNexus } from "./setups.ts";
import {
  type CallEra,
  callRequest,
  type ClientsResult,
  holdIdleConnections,
  loadOf,
  resultTextOf,
  rssMb,
  runClients,
  writeMemoryTools,
} from "./memory_load.ts";

/** The heap limit of the per-call heap measurement: `deno task start`'s default. */
export const MEMORY_HEAP_MB = 1024;
/**
 * The heap limit of the RSS measurements: what `deno task start` picks in a 512 MiB container
 * (half of memory.max), the size the 350 MB RSS target is for.
 */
export const LOAD_HEAP_MB = 256;
/** Calls held open for the per-call heap figure. */
export const HELD_CALLS = 1_000;
/** Targets of the memory issue. */
export const TARGETS = { peakRssMb10k: 350, heapPerCallKb: 20 } as const;

/** One load cell's figures. */
interface LoadCell {
  clients: number;
  peakRssMb: number;
  result: ClientsResult;
  maxInflight: number;
}

/** Runs the section; returns its markdown (`## Memory …`). */
export async function runMemory(): Promise<string> {
  const backend = await startBackend();
  const toolsDir = await writeMemoryTools(backend.url);
  try {
    const perCall = await measureHeapPerCall(toolsDir);
    console.log(`memory: ${fixed(perCall.kbPerCall, 1)} KB live heap per in-flight call`);
    const cells: LoadCell[] = [];
    for (const clients of [1_000, 10_000]) {
      cells.push(await measureLoad(toolsDir, clients));
      console.log(`memory: ${clients} clients, peak RSS ${fixed(cells.at(-1)!.peakRssMb, 0)} MB`);
    }
    const legacyPerCall = await measureHeapPerCall(toolsDir, { era: "2025-11-25" });
    console.log(`memory: 2025 era: ${fixed(legacyPerCall.kbPerCall, 1)} KB per in-flight call`);
    const legacyTenK = await measureLoad(toolsDir, 10_000, "2025-11-25");
    console.log(`memory: 2025 era: 10000 clients, peak RSS ${fixed(legacyTenK.peakRssMb, 0)} MB`);
    const idle = await measureIdle(toolsDir, 10_000);
    console.log(`memory: 10000 idle connections, RSS ${fixed(idle.rssMb, 0)} MB`);
    const floor = await measureFloor(backend.url, {
      heldCalls: HELD_CALLS,
      perCallHeapMb: MEMORY_HEAP_MB,
      loadHeapMb: LOAD_HEAP_MB,
      bound: cells.at(-1)?.maxInflight ?? 0,
    });
    for (const row of floor) {
      console.log(
        `memory: floor (${row.mode}): ${fixed(row.kbPerCall, 1)} KB per call, peak RSS ` +
          `${fixed(row.peakRssMb10k, 0)} MB at 10000 clients, ${fixed(row.idleRssMb, 0)} MB idle`,
      );
    }
    return formatMemory({
      perCall,
      cells,
      idle,
      floor,
      legacy: { perCall: legacyPerCall, tenK: legacyTenK },
    });
  } finally {
    await backend.process.stop();
    await Deno.remove(toolsDir, { recursive: true });
  }
}

async function startMemoryNexus(
  toolsDir: string,
  env: Record<string, string> = {},
  heapMb = LOAD_HEAP_MB,
): Promise<RunningServer> {
  return await startNexus({
    toolsDir,
    // Why the flags of scripts/heap_limit.ts: they are what `deno task start` gives this heap.
    extraFlags: [`--v8-flags=${v8HeapFlags(heapMb)},--expose-gc`],
    env: { NEXUS_ALLOW_ANONYMOUS: "true", ...env },
  });
}

async function heapUsed(mcpUrl: string, snapshot?: string): Promise<number> {
  const response = await callRequest(mcpUrl, {
    id: 1,
    name: "heap_used",
    arguments: snapshot ? { snapshot } : {},
    token: "bench-heap",
  });
  const text = await resultTextOf(response);
  if (text === undefined) throw new Error("Cannot read the heap: heap_used gave no result");
  const parsed = JSON.parse(JSON.parse(`"${text}"`));
  if (!parsed.gc) throw new Error("Cannot read the heap: the gateway runs without --expose-gc");
  return parsed.heapUsed;
}

/**
 * Holds `HELD_CALLS` slow calls open; (heap with them − heap without) / N after full GCs. With
 * `snapshots`, the gateway writes a heap snapshot at both points (`bench/heap_snapshot.ts`).
 */
export async function measureHeapPerCall(
  toolsDir: string,
  options: { snapshots?: { baseline: string; held: string }; era?: CallEra } = {},
): Promise<{ kbPerCall: number; baselineMb: number; heldMb: number }> {
  const { snapshots, era = "2026-07-28" } = options;
  const nexus = await startMemoryNexus(toolsDir, { NEXUS_MAX_INFLIGHT: "5000" }, MEMORY_HEAP_MB);
  const mcpUrl = nexus.url;
  const base = new URL(nexus.url).origin;
  try {
    // Why a warm-up: the first calls compile code and fill caches; that is not per-call memory.
    await runClients(mcpUrl, { clients: 50, durationMs: 2_000, callMs: 10 });
    const baseline = await heapUsed(mcpUrl, snapshots?.baseline);
    const abort = new AbortController();
    const held = Array.from({ length: HELD_CALLS }, (_, index) =>
      callRequest(mcpUrl, {
        id: index + 1,
        name: "slow_item",
        arguments: { id: `held-${index}`, ms: "60000" },
        token: `bench-held-${index}`,
        era,
      }, abort.signal).then(
        // Why read to its end for 2025: its SSE answer starts at once, and cancelling it would
        // cancel the call; a 2026 answer comes when the call ends (never, before the abort).
        (response) =>
          era === "2025-11-25" ? response.text().catch(() => {}) : response.body?.cancel(),
        () => {},
      ));
    const deadline = Date.now() + 60_000;
    while (((await loadOf(base)).inflight ?? 0) < HELD_CALLS && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const withCalls = await heapUsed(mcpUrl, snapshots?.held);
    abort.abort();
    await Promise.all(held);
    return {
      kbPerCall: (withCalls - baseline) / HELD_CALLS / 1024,
      baselineMb: baseline / 1024 / 1024,
      heldMb: withCalls / 1024 / 1024,
    };
  } finally {
    await nexus.process.stop();
  }
}

async function measureLoad(
  toolsDir: string,
  clients: number,
  era: CallEra = "2026-07-28",
): Promise<LoadCell> {
  const nexus = await startMemoryNexus(toolsDir, {
    // Why: the guard against slow clients is not measured here; with 10,000 connections opened on
    // shared cores it cuts some (README "Memory", tests/e2e/memory_cap_test.ts).
    NEXUS_HEADER_TIMEOUT_MS: "600000",
    NEXUS_IDLE_TIMEOUT_MS: "600000",
  });
  try {
    const base = new URL(nexus.url).origin;
    const result = await runClients(nexus.url, {
      clients,
      durationMs: 15_000,
      callMs: 2_000,
      rampMs: 3_000,
      era,
    });
    const { maxInflight = 0 } = await loadOf(base);
    return {
      clients,
      peakRssMb: (await rssMb(nexus.process.child.pid)).peak,
      result,
      maxInflight,
    };
  } finally {
    await nexus.process.stop();
  }
}

async function measureIdle(
  toolsDir: string,
  count: number,
): Promise<{ rssMb: number; baselineMb: number; answered: number }> {
  const nexus = await startMemoryNexus(toolsDir);
  try {
    const pid = nexus.process.child.pid;
    const baseline = (await rssMb(pid)).current;
    const idle = await holdIdleConnections(new URL(nexus.url).origin, count);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rss = (await rssMb(pid)).current;
    idle.close();
    return { rssMb: rss, baselineMb: baseline, answered: idle.answered };
  } finally {
    await nexus.process.stop();
  }
}

function formatMemory(run: {
  perCall: { kbPerCall: number; baselineMb: number; heldMb: number };
  cells: LoadCell[];
  idle: { rssMb: number; baselineMb: number; answered: number };
  floor: FloorRow[];
  legacy: { perCall: { kbPerCall: number }; tenK: LoadCell };
}): string {
  const { perCall, cells, idle, floor, legacy } = run;
  const rows = cells.map((cell) =>
    `| ${cell.clients} | ${fixed(cell.peakRssMb, 0)} | ${cell.maxInflight} | ` +
    `${cell.result.results} | ${cell.result.overloaded} | ${cell.result.failures} |`
  );
  const tenK = cells.find((cell) => cell.clients === 10_000);
  const samples = cells.flatMap((cell) =>
    cell.result.failureSamples.slice(0, 2).map((sample) => `${cell.clients} clients: ${sample}`)
  );
  return [
    "## Memory",
    "",
    `Nexus at \`--max-old-space-size=${LOAD_HEAP_MB}\` and \`--max-semi-space-size=` +
    `${semiSpaceMb(LOAD_HEAP_MB)}\` (what \`deno task start\` picks in a 512 MiB ` +
    `container) for the RSS figures and ${MEMORY_HEAP_MB} MB (its default) for the heap per call, a ` +
    "fresh process per measurement; a slow HTTP tool (the backend answers ~200 bytes after the " +
    "call's `ms`); every client has its own bearer token (its own admission client). " +
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores.`,
    "",
    `Live heap per in-flight call: **${fixed(perCall.kbPerCall, 1)} KB** (target ≤ ` +
    `${TARGETS.heapPerCallKb} KB): ${HELD_CALLS} calls held open, heap after full GC ` +
    `${fixed(perCall.heldMb, 1)} MB against ${fixed(perCall.baselineMb, 1)} MB idle.`,
    "",
    "| concurrent clients | peak RSS MB | admission bound | results | 503 OVERLOADED | failures |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    "Each client calls for 15 s (started over 3 s), each call held 2 s by the backend, and " +
    "after a 503 waits its `Retry-After`. Peak RSS is VmHWM of the gateway process." +
    (tenK === undefined ? "" : ` Target at 10,000 clients: ≤ ${TARGETS.peakRssMb10k} MB ` +
      `(${tenK.peakRssMb <= TARGETS.peakRssMb10k ? "met" : "not met"}).`),
    ...(samples.length === 0 ? [] : ["", `Failures seen: ${samples.join("; ")}.`]),
    "",
    `2025-era clients (stateless, no envelope, answered as SSE), the same measurements: ` +
    `**${fixed(legacy.perCall.kbPerCall, 1)} KB** per in-flight call; peak RSS at 10,000 clients ` +
    `**${fixed(legacy.tenK.peakRssMb, 0)} MB** (${legacy.tenK.result.results} results, ` +
    `${legacy.tenK.result.overloaded} 503, ${legacy.tenK.result.failures} failures).`,
    "",
    `10,000 idle keep-alive connections (one \`GET /healthz\` each, then held): RSS ` +
    `${fixed(idle.rssMb, 0)} MB against ${fixed(idle.baselineMb, 0)} MB before ` +
    `(${idle.answered} answered).`,
    "",
    ...formatFloor(floor, {
      kbPerCall: perCall.kbPerCall,
      ...(tenK === undefined
        ? {}
        : { tenK: { peakRssMb: tenK.peakRssMb, bound: tenK.maxInflight } }),
      legacyTenK: { peakRssMb: legacy.tenK.peakRssMb },
      idle,
    }),
  ].join("\n");
}

/**
 * `report` without its previous `## Memory` section (up to the next `## ` or `Whole run:`), and
 * the new one at its end.
 */
export function replaceMemorySection(report: string, section: string): string {
  const start = report.indexOf("\n## Memory\n");
  if (start < 0) return `${report.trimEnd()}\n\n${section}\n`;
  const next = [report.indexOf("\n## ", start + 1), report.indexOf("\nWhole run:", start + 1)]
    .filter((index) => index >= 0);
  const end = next.length === 0 ? report.length : Math.min(...next);
  return `${report.slice(0, start).trimEnd()}\n\n${section}\n${report.slice(end)}`;
}
