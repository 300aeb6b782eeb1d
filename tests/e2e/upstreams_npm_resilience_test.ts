/**
 * Resilience with a real stdio server from npm (`@modelcontextprotocol/server-everything`,
 * pinned) behind the real gateway. Its tools are all marked `readOnlyHint`, so an upstream
 * killed mid-call is restarted and the call retried once, transparently; killed again during that
 * retry, the client gets a clear UPSTREAM_UNAVAILABLE result; the next call works. 1,000 calls
 * leave the processes of the upstream's group and the gateway's children unchanged, and stopping
 * the gateway leaves none of them.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { installNpmPackage, SERVER_EVERYTHING } from "../_support/npm_package.ts";
import { processTable, waitGone } from "../_support/processes.ts";

const LONG = "everything_trigger-long-running-operation";

/** Prints a figure for the reader (no timing is asserted). */
function print(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

/** The upstream's group leader (its command line holds `marker`). */
async function leader(marker: string): Promise<{ pid: number; ppid: number } | undefined> {
  const found = (await processTable()).filter((p) => p.cmdline.includes(marker));
  return found.length === 1 ? found[0] : undefined;
}

/** Waits for a leader other than `old`; returns it. */
async function nextLeader(marker: string, old: number): Promise<{ pid: number; ppid: number }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const now = await leader(marker);
    if (now !== undefined && now.pid !== old) return now;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no new upstream process after ${old}`);
}

/** Pids in the upstream's process group or started by the gateway itself. */
async function family(pgid: number, gatewayPid: number): Promise<number[]> {
  return (await processTable())
    .filter((p) => p.pgid === pgid || p.ppid === gatewayPid)
    .map((p) => p.pid)
    .sort();
}

async function callLong(client: Client) {
  return await client.callTool({ name: LONG, arguments: { duration: 3, steps: 3 } });
}

Deno.test("npm server-everything killed mid-call, 1,000 calls and a gateway stop: no process lost or left", async (t) => {
  const entry = await installNpmPackage(SERVER_EVERYTHING);
  const marker = `nexus-npm-resilience-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-npm-res-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "everything.yaml": `upstreams:
  - name: everything
    start: boot
    breaker: { failures: 50, resetAfter: 1s }
    stdio:
      command: node
      args: [${JSON.stringify(entry)}, stdio, ${JSON.stringify(marker)}]
`,
    });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    let last = 0;
    let gatewayPid = 0;
    try {
      await using client = await connectAs("2026-07-28", gateway.mcpUrl, key);
      const first = await nextLeader(marker, 0);
      gatewayPid = first.ppid;

      await t.step("killed mid-call: restarted, and the read-only call retried once", async () => {
        const call = callLong(client);
        await new Promise((resolve) => setTimeout(resolve, 500));
        Deno.kill(-first.pid, "SIGKILL");
        const result = await call;
        assert.equal(result.isError, undefined, textOf(result));
        assert.match(textOf(result), /Long running operation completed/);
        last = (await nextLeader(marker, first.pid)).pid;
      });

      await t.step(
        "killed again during the retry: a clear UPSTREAM_UNAVAILABLE result",
        async () => {
          const call = callLong(client);
          await new Promise((resolve) => setTimeout(resolve, 500));
          Deno.kill(-last, "SIGKILL");
          const restarted = await nextLeader(marker, last);
          await new Promise((resolve) => setTimeout(resolve, 300));
          Deno.kill(-restarted.pid, "SIGKILL");
          const result = await call;
          assert.equal(result.isError, true, textOf(result));
          print(`killed during the retry: ${textOf(result)}`);
          assert.match(
            textOf(result),
            new RegExp(
              '^Upstream "everything" (exited on signal SIGKILL during the call of ' +
                '"trigger-long-running-operation", and exited on signal SIGKILL during its ' +
                "one retry|failed to start: .+)$",
            ),
          );
          last = (await nextLeader(marker, restarted.pid)).pid;
        },
      );

      await t.step("the next call works on the new process", async () => {
        const echo = await client.callTool({
          name: "everything_echo",
          arguments: { message: "back" },
        });
        assert.equal(textOf(echo), "Echo: back");
      });

      await t.step("1,000 calls leave the process count unchanged", async () => {
        const before = await family(last, gatewayPid);
        assert.ok(before.includes(last), JSON.stringify(before));
        const started = performance.now();
        for (let batch = 0; batch < 100; batch++) {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              client.callTool({
                name: "everything_get-sum",
                arguments: { a: batch, b: i },
              })),
          );
          for (const result of results) assert.equal(result.isError, undefined);
        }
        const ms = performance.now() - started;
        print(`1,000 federated stdio calls (10 at a time): ${ms.toFixed(0)} ms`);
        assert.deepEqual(await family(last, gatewayPid), before);
      });
    } finally {
      await gateway.stop();
    }

    await t.step("stopping the gateway leaves no process of the upstream", async () => {
      assert.ok(last > 0 && gatewayPid > 0);
      const left = await waitGone(async () =>
        (await processTable())
          .filter((p) => p.pgid === last || p.cmdline.includes(marker) || p.ppid === gatewayPid)
          .map((p) => p.pid)
      );
      assert.deepEqual(left, []);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
