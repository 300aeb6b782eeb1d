/**
 * The audit table on both stores: batch append, filters, tailing order, pruning.
 */

import assert from "node:assert/strict";
import { type AuditRow } from "../../lib/store/mod.ts";
import { DIALECTS, openTestStore, storeTest } from "./_stores.ts";

function row(index: number, extra: Partial<AuditRow> = {}): AuditRow {
  return {
    at: 1000 + index,
    requestId: `r${index}`,
    clientId: "key:1",
    clientName: "bot",
    clientKind: "api_key",
    server: "default",
    tool: "demo_echo",
    argsHash: "ab".repeat(32),
    args: null,
    outcome: "ok",
    errorCode: null,
    durationMs: 1.5,
    backendStatus: null,
    cacheHit: null,
    coalesced: null,
    credentialName: null,
    credentialVersion: null,
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  Deno.test(storeTest(dialect, "append() stores every field and query() filters", async () => {
    await using store = await openTestStore(dialect);
    const repo = store.audit;
    const full = row(1, {
      tool: "jira_get",
      clientName: "alice",
      clientId: "jwt:i#a",
      args: '{"a":1}',
      outcome: "error",
      errorCode: "UPSTREAM_TIMEOUT",
      backendStatus: 504,
      cacheHit: false,
      coalesced: true,
      credentialName: "jira",
      credentialVersion: 2,
    });
    await repo.append([full, row(2), row(3, { tool: "jira_get" })]);
    await repo.append([]);
    const all = await repo.query({ limit: 10 });
    assert.deepEqual(all.map((r) => r.requestId), ["r3", "r2", "r1"], "newest first");
    const { id: _id, ...stored } = all[2]!;
    assert.deepEqual(stored, full);
    assert.deepEqual((await repo.query({ limit: 10, tool: "jira_get" })).map((r) => r.requestId), [
      "r3",
      "r1",
    ]);
    assert.equal((await repo.query({ limit: 10, client: "alice" })).length, 1);
    assert.equal((await repo.query({ limit: 10, client: "jwt:i#a" })).length, 1);
    assert.equal((await repo.query({ limit: 10, since: 1002 })).length, 2);
    const after = await repo.query({ limit: 10, afterId: all[2]!.id, order: "asc" });
    assert.deepEqual(after.map((r) => r.requestId), ["r2", "r3"]);
  }));

  Deno.test(
    storeTest(dialect, "query() filters by outcome and until and pages back by id", async () => {
      await using store = await openTestStore(dialect);
      const repo = store.audit;
      await repo.append(
        Array.from(
          { length: 7 },
          (_, i) => row(i + 1, i % 2 === 0 ? {} : { outcome: "error", errorCode: "FORBIDDEN" }),
        ),
      );
      const errors = await repo.query({ limit: 10, outcome: "error" });
      assert.deepEqual(
        errors.map((r) => r.requestId),
        ["r6", "r4", "r2"],
      );
      const early = await repo.query({ limit: 10, until: 1003 });
      assert.deepEqual(early.map((r) => r.requestId), ["r2", "r1"], "until is exclusive");
      const first = await repo.query({ limit: 3 });
      assert.deepEqual(first.map((r) => r.requestId), ["r7", "r6", "r5"]);
      const second = await repo.query({ limit: 3, beforeId: first.at(-1)!.id });
      assert.deepEqual(second.map((r) => r.requestId), ["r4", "r3", "r2"]);
      const okOnly = await repo.query({ limit: 2, outcome: "ok", beforeId: second.at(-1)!.id });
      assert.deepEqual(okOnly.map((r) => r.requestId), ["r1"]);
    }),
  );

  Deno.test(storeTest(dialect, "prune() removes rows older than the cut-off", async () => {
    await using store = await openTestStore(dialect);
    const repo = store.audit;
    await repo.append([row(1), row(2), row(3)]);
    assert.equal(await repo.prune(1003), 2);
    assert.deepEqual((await repo.query({ limit: 10 })).map((r) => r.requestId), ["r3"]);
  }));
}
