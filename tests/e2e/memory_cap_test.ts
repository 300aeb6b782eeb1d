/**
 * Under a memory cap: the gateway runs with `DENO_V8_FLAGS=--max-old-space-size=256` and 4,000
 * concurrent clients (10,000 in `deno task bench --only memory`, see below) (each its own bearer token, so its own admission client) call a slow HTTP
 * tool for 15 s over loopback. The process stays up, every call is answered (a tool result or
 * 503 `OVERLOADED`, never a reset or a cut body), and `/healthz` answers throughout.
 *
 * The connection deadlines are raised (see below): the guard against slow clients is not under
 * test, and a load generator sharing the gateway's cores is a slow client.
 *
 * File descriptors: one socket per client here and in the gateway, so both processes need
 * `ulimit -n` above the client count (this test checks and says so); calls in flight are bounded by
 * admission (about 630 at this heap), so the gateway's upstream sockets stay few.
 */

import assert from "node:assert/strict";
import { startGateway } from "../_support/gateway.ts";
import { startBackend } from "../../bench/setups.ts";
import { loadOf, probeHealth, runClients, writeMemoryTools } from "../../bench/memory_load.ts";

// Why 4,000 and not the 10,000: in the full parallel suite on 2 cores, 10,000 sockets opened
// by one generator beside the other tests' processes saw ~1 % connection resets (once, 129 calls),
// where alone it passed every run; CI must not flake. 4,000 is still six times the in-flight bound
// at this heap (about 630), so shedding is exercised; the bench's memory section runs 10,000.
const CLIENTS = 4_000;

function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

async function openFileLimit(): Promise<number> {
  const output = await new Deno.Command("sh", { args: ["-c", "ulimit -n"], stdout: "piped" })
    .output();
  return Number(new TextDecoder().decode(output.stdout).trim());
}

Deno.test("4,000 concurrent clients against a 256 MB heap: all answered, the gateway stays up and healthy", async () => {
  const limit = await openFileLimit();
  assert.ok(
    limit > CLIENTS + 1_000,
    `this test needs ulimit -n above ${CLIENTS + 1_000} (one socket per client): it is ${limit}`,
  );
  const backend = await startBackend();
  const toolsDir = await writeMemoryTools(backend.url);
  try {
    await using gateway = await startGateway({
      toolsDir,
      env: {
        DENO_V8_FLAGS: "--max-old-space-size=256",
        NEXUS_ALLOW_ANONYMOUS: "true",
        // Why longer than the defaults (10 s, 60 s): with 10,000 connections opened by one
        // load-generator process on the same 2 cores, some requests are not handled within 10 s
        // of connecting and the slow-client guard cuts them (resets: about 10 % of calls). The
        // guard is not under test here; README "Memory" says what is known.
        NEXUS_HEADER_TIMEOUT_MS: "600000",
        NEXUS_IDLE_TIMEOUT_MS: "600000",
      },
    });
    const probing = new AbortController();
    const health = probeHealth(gateway.url, probing.signal);
    let peakInflight = 0;
    const watching = (async () => {
      while (!probing.signal.aborted) {
        const load = await loadOf(gateway.url).catch(() => ({ inflight: 0 }));
        peakInflight = Math.max(peakInflight, load.inflight ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const started = performance.now();
    const result = await runClients(gateway.mcpUrl, {
      clients: CLIENTS,
      durationMs: 15_000,
      callMs: 2_000,
      rampMs: 3_000,
    });
    probing.abort();
    const seen = await health;
    await watching;
    const load = await loadOf(gateway.url);
    printFigure(
      `memory cap e2e: ${CLIENTS} clients, ${
        Math.round((performance.now() - started) / 1000)
      } s: ` +
        `${result.results} results, ${result.overloaded} overloaded, ${result.failures} failures; ` +
        `maxInflight ${load.maxInflight}, peak in flight seen ${peakInflight}; ` +
        `/healthz ${seen.ok} ok, ${seen.failed} failed, slowest ${Math.round(seen.slowestMs)} ms`,
    );
    assert.equal(result.failures, 0, `every call answered: ${result.failureSamples.join("; ")}`);
    assert.ok(result.results > 0, "calls were served");
    assert.ok(result.overloaded > 0, "4,000 clients are more than the bound: some were shed");
    assert.equal(seen.failed, 0, "/healthz answered throughout");
    assert.ok(seen.ok > 0);
    const after = await fetch(`${gateway.url}/healthz`);
    assert.equal(after.status, 200, "the gateway is still up");
    await after.body?.cancel();
  } finally {
    await backend.process.stop();
    await Deno.remove(toolsDir, { recursive: true });
  }
});
