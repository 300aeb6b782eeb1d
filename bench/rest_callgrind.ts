// deno-lint-ignore-file no-console
/**
 * Instructions per REST tool call (`get_item`), counted by valgrind's callgrind in Nexus's process
 * (all its threads): a figure a busy machine does not move, unlike CPU time. Nexus (this checkout,
 * or with `--base DIR` that checkout too, one after the other) runs under
 * `valgrind --tool=callgrind` with instrumentation off; after a warm-up it is switched on
 * (`callgrind_control -i on`), counters zeroed, N captured 2026-07-28 calls replayed at 16
 * clients, and the counters dumped: instructions ÷ calls. Background work in that window (the
 * audit flush) is counted too, as it is part of what the calls cost.
 *
 * `deno run -A bench/rest_callgrind.ts [calls] [--base DIR] [--warmup N] [--repeat N]`: with
 * `--repeat`, the runs alternate (this, base, this, base, …), so a drift hits both alike.
 */

import { parseArgs } from "node:util";
import { captureToolCall } from "./capture.ts";
import { measureInterleaved, warmUp } from "./load.ts";
import { startBackend, startNexus, writeToolsDir } from "./setups.ts";
import { createMcpTarget } from "./targets.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    warmup: { type: "string", default: "4000" },
    repeat: { type: "string", default: "1" },
  },
  allowPositionals: true,
});
const calls = Number(positionals[0] ?? 2_000);
const warmupCalls = Number(values.warmup);
const CONCURRENCY = 16;

const backend = await startBackend();
const toolsDir = await writeToolsDir(backend.url);
try {
  const runs = [{ name: "nexus", repo: undefined as string | undefined }];
  if (values.base !== undefined) runs.push({ name: "nexus base", repo: values.base });
  for (let round = 0; round < Number(values.repeat); round++) {
    for (const run of runs) {
      const perCall = await countCalls(run.repo);
      console.log(`${run.name}: ${(perCall / 1e6).toFixed(3)} M instructions per call`);
    }
  }
} finally {
  await backend.process.stop();
  await Deno.remove(toolsDir, { recursive: true });
}

async function countCalls(repo: string | undefined): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-bench-callgrind-" });
  const wrapper = [
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",
    // Why: V8 writes and rewrites machine code; valgrind must see every change.
    "--smc-check=all-non-file",
    "--dump-instr=no",
    `--callgrind-out-file=${dir}/cg.%p.out`,
  ];
  const nexus = await startNexus({ toolsDir, ...(repo === undefined ? {} : { repo }), wrapper });
  const pid = String(nexus.process.child.pid);
  try {
    const target = createMcpTarget("nexus", await captureToolCall(nexus.url), nexus.process.cpuMs);
    await warmUp(target, { concurrency: CONCURRENCY, calls: warmupCalls, maxMs: 600_000 });
    await control(["-i", "on", pid]);
    await control(["-z", pid]);
    const [cell] = await measureInterleaved([target], {
      concurrency: CONCURRENCY,
      calls,
      warmupCalls: 0,
      maxMs: 600_000,
      rounds: 1,
    });
    await control(["-d", pid]);
    if (cell === undefined || cell.errors > 0) {
      throw new Error(`Counted calls had errors: ${cell?.errorSamples.join("; ")}`);
    }
    return await dumpedInstructions(dir) / cell.completed;
  } finally {
    await nexus.process.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function control(args: string[]): Promise<void> {
  const output = await new Deno.Command("callgrind_control", { args, stdout: "null" }).output();
  if (!output.success) throw new Error(`callgrind_control ${args.join(" ")} failed`);
}

/** The instruction total of the dump `callgrind_control -d` wrote (its `.1` file). */
async function dumpedInstructions(dir: string): Promise<number> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".1")) continue;
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    const totals = /^(?:totals|summary): (\d+)/m.exec(text);
    if (totals !== null) return Number(totals[1]);
  }
  throw new Error(`No callgrind dump with totals in ${dir}`);
}
