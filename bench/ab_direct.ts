// deno-lint-ignore-file no-console
/**
 * A/B of Nexus's direct `tools/call` path against the SDK path (`NEXUS_DIRECT_DISPATCH=false`):
 * the same captured call, warmed up, then interleaved rounds at 64 clients; prints calls/s and
 * server CPU per call for each. `deno run -A bench/ab_direct.ts [calls]`.
 */

import { captureToolCall } from "./capture.ts";
import { measureInterleaved, warmUp } from "./load.ts";
import { startBackend, startNexus, writeToolsDir } from "./setups.ts";
import { createMcpTarget } from "./targets.ts";

const calls = Number(Deno.args[0] ?? 10_000);
const backend = await startBackend();
const toolsDir = await writeToolsDir(backend.url);
const direct = await startNexus({ toolsDir });
const sdk = await startNexus({ toolsDir, env: { NEXUS_DIRECT_DISPATCH: "false" } });
try {
  const targets = [
    createMcpTarget("direct", await captureToolCall(direct.url), direct.process.cpuMs),
    createMcpTarget("sdk", await captureToolCall(sdk.url), sdk.process.cpuMs),
  ];
  for (const target of targets) {
    await warmUp(target, { concurrency: 64, calls: 20_000, maxMs: 30_000 });
  }
  const cells = await measureInterleaved(targets, {
    concurrency: 64,
    calls,
    warmupCalls: 64,
    maxMs: 20_000,
    rounds: 3,
  });
  for (const cell of cells) {
    console.log(
      `${cell.target}: ${cell.callsPerSec.toFixed(0)} calls/s, p50 ${cell.p50Ms.toFixed(3)} ms, ` +
        `${cell.serverCpuUs.toFixed(0)} µs server CPU/call, ${cell.errors} errors ${
          cell.errorSamples.join("; ")
        }`,
    );
  }
} finally {
  await Promise.all([direct, sdk, backend].map((server) => server.process.stop()));
  await Deno.remove(toolsDir, { recursive: true });
}
