// deno-lint-ignore-file no-console
/**
 * The hot path beyond the REST tool (issue 15): Nexus's CPU per call for the shipped in-process
 * tool `text_stats` (a new text every call, so the cache misses), and its throughput on cache
 * hits (the same text every call) against the floor (the backend called directly). Both calls
 * are the 2026-07-28 POST a real SDK v2 client sends (as `capture.ts` records it for
 * `get_item`), built here for `text_stats`. Interleaved rounds at 64 clients, after a warm-up.
 *
 * `deno run -A bench/hot_tools.ts [calls]`; `NEXUS_DIRECT_DISPATCH=false` in the environment
 * measures the SDK path instead.
 */

import { captureToolCall } from "./capture.ts";
import { type CallTarget, measureInterleaved, warmUp } from "./load.ts";
import { startBackend, startNexus, writeToolsDir } from "./setups.ts";
import { createFloorTarget } from "./targets.ts";

const calls = Number(Deno.args[0] ?? 10_000);
const EXAMPLES = new URL("../tools/examples.ts", import.meta.url).pathname;

/** A `text_stats` call; `text(n)` is the text of call `n`. */
function textStatsTarget(
  name: string,
  options: { url: string; headers: Record<string, string>; text: (n: number) => string },
  serverCpuMs: () => Promise<number>,
): CallTarget {
  const headers = { ...options.headers, "mcp-name": "text_stats" };
  return {
    name,
    serverCpuMs,
    async call(n, signal) {
      const text = options.text(n);
      const response = await fetch(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify({
          method: "tools/call",
          params: {
            name: "text_stats",
            arguments: { text },
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientInfo": { name: "nexus-bench", version: "1.0.0" },
              "io.modelcontextprotocol/clientCapabilities": {},
            },
          },
          jsonrpc: "2.0",
          id: n,
        }),
        signal,
      });
      const answer = await response.text();
      if (response.status !== 200) return `HTTP ${response.status}: ${answer.slice(0, 120)}`;
      const words = text.split(" ").length;
      return answer.includes(`"words":${words}`) ? undefined : `wrong: ${answer.slice(0, 120)}`;
    },
  };
}

const backend = await startBackend();
const toolsDir = await writeToolsDir(backend.url);
await Deno.copyFile(EXAMPLES, `${toolsDir}/examples.ts`);
const nexus = await startNexus({
  toolsDir,
  env: { NEXUS_DIRECT_DISPATCH: Deno.env.get("NEXUS_DIRECT_DISPATCH") ?? "true" },
});
try {
  const captured = await captureToolCall(nexus.url);
  const base = { url: captured.url, headers: captured.headers };
  const cpu = nexus.process.cpuMs;
  const inProcess = textStatsTarget("text_stats (miss)", {
    ...base,
    text: (n) => `call ${n} of the in process bench`,
  }, cpu);
  const hit = textStatsTarget("text_stats (hit)", { ...base, text: () => "the same text" }, cpu);
  const floor = createFloorTarget(backend.url, backend.process.cpuMs);
  for (const target of [floor, inProcess, hit]) {
    await warmUp(target, { concurrency: 64, calls: 20_000, maxMs: 30_000 });
  }
  const cells = await measureInterleaved([floor, inProcess, hit], {
    concurrency: 64,
    calls,
    warmupCalls: 64,
    maxMs: 20_000,
    rounds: 3,
  });
  const floorRate = cells[0]!.callsPerSec;
  for (const cell of cells) {
    console.log(
      `${cell.target}: ${cell.callsPerSec.toFixed(0)} calls/s ` +
        `(${(cell.callsPerSec / floorRate).toFixed(2)}× floor), p50 ${cell.p50Ms.toFixed(3)} ms, ` +
        `${cell.serverCpuUs.toFixed(0)} µs server CPU/call, ${cell.errors} errors` +
        (cell.errorSamples.length > 0 ? ` (${cell.errorSamples.join("; ")})` : ""),
    );
  }
} finally {
  await Promise.all([nexus, backend].map((server) => server.process.stop()));
  await Deno.remove(toolsDir, { recursive: true });
}
