/**
 * The audit trail of a relayed task, through the real gateway (a subprocess) fronting the SDK v2
 * tasks upstream: the `tools/call` answered with a task handle is recorded as `task_created`, and
 * the end the gateway sees (a completed `tasks/get`, a `tasks/cancel`) once as `task_completed` or
 * `task_cancelled`, both rows joined by the keyed hash of the gateway task id; neither id is stored.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { runNexus } from "../_support/cli.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { startTasksUpstream } from "../_support/tasks_upstream.ts";
import { DECLARING_TASKS as DECLARING, taskRpcClient } from "../_support/task_rpc.ts";

type Row = { tool: string; outcome: string; errorCode: string | null; clientName: string };

Deno.test("audit: a task-creating call is task_created, its end is recorded once, by task id hash", async () => {
  await using upstream = startTasksUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-tasks-audit-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const alice = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "tasks_upstream.yaml": `upstreams:\n  - name: tk\n    url: ${upstream.url}\n`,
    });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    const rpc = taskRpcClient(gateway.mcpUrl, alice);

    const first = await rpc("tools/call", { name: "tk_report", _meta: DECLARING });
    const firstId = String((first.result as Record<string, unknown>).taskId);
    let status = "";
    // Why polls past completion: the end must be recorded once, not at every poll.
    for (let round = 0; round < 4; round++) {
      const got = await rpc("tasks/get", { taskId: firstId });
      status = String((got.result as Record<string, unknown>).status);
    }
    assert.equal(status, "completed");
    const second = await rpc("tools/call", { name: "tk_report", _meta: DECLARING });
    const secondId = String((second.result as Record<string, unknown>).taskId);
    const cancelled = await rpc("tasks/cancel", { taskId: secondId });
    assert.equal(cancelled.error, undefined, JSON.stringify(cancelled));
    const plain = await rpc("tools/call", { name: "tk_report" });
    assert.equal((plain.result as Record<string, unknown>).resultType, "complete");
    await gateway.stop();

    const query = await runNexus(["audit", "query", "--since", "1h", "--json"], { env });
    assert.equal(query.code, 0, query.stderr);
    const rows: Row[] = query.stdout.trim().split("\n").map((line) => JSON.parse(line));
    const outcomes = rows.map((row) => `${row.tool} ${row.outcome}`).sort();
    assert.deepEqual(outcomes, [
      "tasks/cancel task_cancelled",
      "tasks/get task_completed",
      "tk_report ok",
      "tk_report task_created",
      "tk_report task_created",
    ]);
    const created = rows.filter((row) => row.outcome === "task_created");
    for (const row of created) assert.match(row.errorCode ?? "", /^task:[0-9a-f]{64}$/);
    assert.notEqual(created[0]!.errorCode, created[1]!.errorCode);
    const completed = rows.find((row) => row.outcome === "task_completed")!;
    const ended = rows.find((row) => row.outcome === "task_cancelled")!;
    assert.deepEqual(
      new Set([completed.errorCode, ended.errorCode]),
      new Set(created.map((row) => row.errorCode)),
      "each end joins its creation by the task id hash",
    );
    const stored = query.stdout;
    assert.ok(!stored.includes("up-"), "the upstream's task id is never stored");
    assert.ok(!stored.includes(firstId) && !stored.includes(secondId), "nor the gateway's");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
