// deno-lint-ignore-file no-console
/**
 * The REST tool (`get_item`) alone: Nexus against the hand-written server (and, with
 * `--base DIR`, against another checkout of Nexus, e.g. `git archive <commit> | tar -x -C DIR`),
 * the captured 2026-07-28 call replayed in interleaved rounds at 64 clients and at 1 client;
 * prints calls/s, p50 and server CPU per call, and Nexus's ratios to the hand-written server.
 * `--profile` instead runs this checkout's Nexus under `--cpu-prof` at 64 clients and prints its
 * busy CPU per call, areas and top functions. `--bare` adds the REST floor: `bare_server.ts`
 * (Deno's per-connection entry as Nexus's listener, read the body, `fetch` the same backend item,
 * answer), what any Deno server making the same hop with Deno's `fetch` costs at least, and the
 * same server sending its hop with Nexus's HTTP/1.1 client (`bare REST lean`). Why a script of its own: on a shared machine the
 * before/after of one change needs both in the same interleaved rounds, in about a minute.
 *
 * `deno run -A bench/rest_ab.ts [calls] [--base DIR] [--bare] [--profile [--clients N]]`
 * (`--clients`: the profile's concurrency, default 64).
 */

import { parseArgs } from "node:util";
import { captureToolCall } from "./capture.ts";
import type { FunctionCost } from "./cpu_profile.ts";
import { summariseNexusProfile } from "./profile.ts";
import { bySelf, byTotal } from "./profile_report.ts";
import { type CellResult, measureInterleaved, warmUp } from "./load.ts";
import { startBackend, startHandwritten, startNexus, writeToolsDir } from "./setups.ts";
import { spawnDeno } from "./processes.ts";
import { createMcpTarget } from "./targets.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    bare: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    clients: { type: "string", default: "64" },
  },
  allowPositionals: true,
});
const calls = Number(positionals[0] ?? 10_000);
const profileDir = values.profile
  ? await Deno.makeTempDir({ prefix: "nexus-bench-rest-prof-" })
  : undefined;

const backend = await startBackend();
const toolsDir = await writeToolsDir(backend.url);
const profileFlags = profileDir === undefined
  ? []
  : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval=200"];
const nexus = await startNexus({ toolsDir, extraFlags: profileFlags });
const others = profileDir !== undefined ? [] : [
  { name: "hand-written", server: await startHandwritten(backend.url) },
  ...(values.base === undefined
    ? []
    : [{ name: "nexus base", server: await startNexus({ toolsDir, repo: values.base }) }]),
];
const bares = values.bare && profileDir === undefined
  ? [
    { name: "bare REST", server: await startBare(backend.url, "fetch") },
    { name: "bare REST lean", server: await startBare(backend.url, "lean") },
  ]
  : [];
let profiled = 0;
try {
  const servers = [{ name: "nexus", server: nexus }, ...others];
  const targets = [];
  for (const { name, server } of servers) {
    targets.push(createMcpTarget(name, await captureToolCall(server.url), server.process.cpuMs));
  }
  for (const bare of bares) {
    // Why Nexus's captured call: the bare server answers no handshake to capture one from.
    const captured = { ...await captureToolCall(nexus.url), url: bare.server.url };
    targets.push(createMcpTarget(bare.name, captured, bare.server.process.cpuMs));
  }
  for (const target of targets) {
    await warmUp(target, { concurrency: 64, calls: 20_000, maxMs: 30_000 });
  }
  // Why a second, shorter pass: a server warmed first sits idle while the others warm up, and the
  // first cell then measures it colder than the one warmed last (branch hotpath against its base:
  // warmed first, it used more CPU per call than the base at 64 clients in two runs; warmed last,
  // less, by more than that).
  for (const target of targets) {
    await warmUp(target, { concurrency: 64, calls: 5_000, maxMs: 30_000 });
  }
  if (profileDir !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [cell] = await measureInterleaved(targets, {
      concurrency: Number(values.clients),
      calls,
      warmupCalls: 0,
      maxMs: 30_000,
      rounds: 1,
    });
    profiled = cell?.completed ?? 0;
  } else {
    for (const concurrency of [64, 1]) {
      const cells = await measureInterleaved(targets, {
        concurrency,
        calls: concurrency === 1 ? Math.min(calls, 3_000) : calls,
        warmupCalls: Math.max(100, concurrency),
        maxMs: 20_000,
        rounds: 3,
      });
      printCells(concurrency, cells);
    }
  }
} finally {
  await Promise.all(
    [nexus, backend, ...others.map((other) => other.server), ...bares.map((bare) => bare.server)]
      .map((server) => server.process.stop()),
  );
  await Deno.remove(toolsDir, { recursive: true });
}
if (profileDir !== undefined) {
  const { path, summary } = await summariseNexusProfile(profileDir, profiled);
  console.log(`get_item under --cpu-prof: ${summary.busyUsPerCall.toFixed(1)} µs busy/call`);
  for (const area of summary.areas.slice(0, 14)) {
    console.log(`  ${area.area}: ${area.selfUs.toFixed(1)} µs`);
  }
  printFunctions("self time", bySelf(summary.functions).slice(0, 40));
  const own = summary.functions.filter((fn) => fn.location.startsWith("lib/"));
  printFunctions("lib/ functions, inclusive", byTotal(own).slice(0, 40));
  console.log(`Profile: ${path}`);
}

function printFunctions(title: string, rows: FunctionCost[]): void {
  console.log(`${title} (µs per call: self, inclusive):`);
  for (const row of rows) {
    console.log(
      `  ${row.selfUs.toFixed(1).padStart(6)} ${row.totalUs.toFixed(1).padStart(6)}  ${row.name} ` +
        `(${row.location})`,
    );
  }
}

function printCells(concurrency: number, cells: CellResult[]): void {
  const hand = cells.find((cell) => cell.target === "hand-written");
  for (const cell of cells) {
    const ratio = hand === undefined
      ? ""
      : ` (${(cell.callsPerSec / hand.callsPerSec).toFixed(2)}× hand-written, p50 ${
        (cell.p50Ms - hand.p50Ms).toFixed(3)
      } ms)`;
    console.log(
      `${concurrency} clients, ${cell.target}: ${cell.callsPerSec.toFixed(0)} calls/s, ` +
        `p50 ${cell.p50Ms.toFixed(3)} ms, ${cell.serverCpuUs.toFixed(0)} µs server CPU/call, ` +
        `${cell.errors} errors${ratio}`,
    );
  }
}

/**
 * The REST floor (`--bare`), served as Nexus's listener serves (Deno's per-connection entry),
 * its hop sent with Deno's `fetch` or with Nexus's HTTP/1.1 client (`lean`).
 */
function startBare(backendUrl: string, client: "fetch" | "lean") {
  return spawnDeno({
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      new URL("bare_server.ts", import.meta.url).pathname,
      "connection",
      backendUrl,
      "Infinity",
      client,
    ],
    readyOn: "stdout",
    readUrl: (record) => typeof record.url === "string" ? record.url : undefined,
  });
}
