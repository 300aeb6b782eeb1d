/**
 * The real gateway on the embedded store while another process holds the SQLite write lock: the
 * event loop keeps serving (`/healthz` p99 far under the 4 s hold), tool calls succeed, and every audit row
 * they produced arrives once the lock is released.
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/store/mod.ts";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";

const HOLD_MS = 4_000;

// Why a second process (not a second connection in this one): the lock must be held by someone
// the gateway cannot coordinate with, exactly as a CLI command or a second instance would.
const HOLDER = `
import { DatabaseSync } from "node:sqlite";
const db = new DatabaseSync(Deno.args[0]);
db.exec("PRAGMA busy_timeout = 10000");
db.exec("BEGIN IMMEDIATE");
db.exec("INSERT INTO schema_migrations (id, applied_at) VALUES ('zzz_lock_holder', 0)");
console.log("locked");
await new Promise((resolve) => setTimeout(resolve, Number(Deno.args[1])));
db.exec("ROLLBACK");
console.log("released");
`;

/** Runs the holder; resolves `locked` once it holds the write lock. */
function holdWriteLock(path: string, ms: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", HOLDER, path, String(ms)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const locked = Promise.withResolvers<void>();
  const released = (async () => {
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
    let seen = "";
    for await (const chunk of lines) {
      seen += chunk;
      if (seen.includes("locked")) locked.resolve();
    }
    const status = await child.status;
    if (!seen.includes("released")) locked.reject(new Error(`Lock holder failed: ${seen}`));
    assert.equal(status.code, 0, `lock holder exited ${status.code}: ${seen}`);
    assert.ok(seen.includes("released"));
  })();
  return { locked: locked.promise, released };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function countAuditRows(dataDir: string): Promise<number> {
  const store = await openStore({ dataDir }, { migrate: false });
  try {
    return (await store.audit.query({ limit: 100_000 })).length;
  } finally {
    await store.close();
  }
}

Deno.test("a second process holding the SQLite write lock for 4 s stalls neither /healthz nor tool calls, and loses no audit row", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-lock-" });
  const env = { NEXUS_DATA_DIR: dataDir };
  try {
    const key = await createClientKey("locker", env);
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    await using client = await connectAs("2026-07-28", gateway.mcpUrl, key);
    let calls = 0;
    const call = async (text: string) => {
      const result = await client.callTool({ name: "text_stats", arguments: { text } });
      calls++;
      assert.equal(result.isError, undefined, JSON.stringify(result));
    };
    await call("warm up");

    const holder = holdWriteLock(`${dataDir}/nexus.db`, HOLD_MS);
    await holder.locked;
    const until = Date.now() + HOLD_MS - 300;
    const latencies: number[] = [];
    const probe = async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const response = await fetch(`${gateway.url}/healthz`);
        await response.body?.cancel();
        latencies.push(performance.now() - started);
        assert.equal(response.status, 200);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const load = async () => {
      for (let i = 0; Date.now() < until; i++) {
        await call(`call ${i} under the lock`);
        // Why paced: the probe measures the store's hold on the event loop, not CPU saturation
        // of a shared test machine; hundreds of audit rows still pile up behind the lock.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([probe(), load()]);
    const during = calls - 1;
    await holder.released;

    const p99 = percentile(latencies, 99);
    // Why 500 ms: a blocking busy wait would hold /healthz for the lock's whole 4 s; the bound
    // tells that apart from a loaded test machine's jitter.
    assert.ok(
      p99 < 500,
      `/healthz p99 ${p99.toFixed(1)} ms under the lock (max ${
        Math.max(...latencies).toFixed(0)
      } ms, ${latencies.length} probes)`,
    );
    assert.ok(latencies.length >= 50, `only ${latencies.length} /healthz probes`);
    assert.ok(during >= 20, `only ${during} tool calls under the lock`);

    const deadline = Date.now() + 5_000;
    let rows = await countAuditRows(dataDir);
    while (rows < calls && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await countAuditRows(dataDir);
    }
    assert.equal(rows, calls, "every call's audit row arrives after the lock is released");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
