// deno-lint-ignore-file no-console
/**
 * The hot path beyond the REST tool (issue 15): Nexus's CPU per call for the shipped in-process
 * tool `text_stats` (a new text every call, so the cache misses), and its throughput on cache
 * hits (the same text every call) against the floor (the backend called directly). Both calls
 * are the 2026-07-28 POST a real SDK v2 client sends (as `capture.ts` records it for
 * `get_item`), built here for `text_stats`. Interleaved rounds at 64 clients, after a warm-up.
 *
 * `deno run -A bench/hot_tools.ts [calls] [--profile [--hit]]`; `NEXUS_DIRECT_DISPATCH=false` in
 * the environment measures the SDK path instead. `--profile` runs Nexus under `--cpu-prof` and
 * prints the in-process call's busy CPU, areas and top functions per call (as the main bench's
 * profile): of cache misses, or with `--hit` of cache hits.
 */

import { captureToolCall } from "./capture.ts";
import { summariseNexusProfile } from "./profile.ts";
import { bySelf, functionTable } from "./profile_report.ts";
import { type CallTarget, measureInterleaved, warmUp } from "./load.ts";
import { startBackend, startNexus, writeToolsDir } from "./setups.ts";
import { createFloorTarget } from "./targets.ts";

// Why the first non-flag: `--profile` alone as the first argument made the call count NaN.
const calls = Number(Deno.args.find((arg) => !arg.startsWith("--")) ?? 10_000);
const profileDir = Deno.args.includes("--profile")
  ? await Deno.makeTempDir({ prefix: "nexus-bench-hot-prof-" })
  : undefined;
const profileHits = Deno.args.includes("--hit");
const EXAMPLES = new URL("../tools/examples.ts", import.meta.url).pathname;

/** Ends the measured part early: `--profile` measures the in-process call alone. */
class Profiled extends Error {}

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
  ...(profileDir === undefined
    ? {}
    : { extraFlags: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval=200"] }),
});
let profiled = 0;
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
  if (profileDir !== undefined) {
    const profiledTarget = profileHits ? hit : inProcess;
    await warmUp(profiledTarget, { concurrency: 64, calls: 20_000, maxMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [cell] = await measureInterleaved([profiledTarget], {
      concurrency: 64,
      calls,
      warmupCalls: 0,
      maxMs: 30_000,
      rounds: 1,
    });
    profiled = cell?.completed ?? 0;
    throw new Profiled();
  }
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
} catch (error) {
  if (!(error instanceof Profiled)) throw error;
} finally {
  await Promise.all([nexus, backend].map((server) => server.process.stop()));
  await Deno.remove(toolsDir, { recursive: true });
}
if (profileDir !== undefined) {
  const { path, summary } = await summariseNexusProfile(profileDir, profiled);
  console.log(
    `text_stats (${profileHits ? "hit" : "miss"}) under --cpu-prof: ` +
      `${summary.busyUsPerCall.toFixed(1)} µs busy/call`,
  );
  for (const area of summary.areas.slice(0, 12)) {
    console.log(`  ${area.area}: ${area.selfUs.toFixed(1)} µs`);
  }
  console.log(functionTable(bySelf(summary.functions).slice(0, 20)));
  console.log(`Profile: ${path}`);
}
