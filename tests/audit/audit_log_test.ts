/**
 * The audit writer: batched appends off the call path, a bounded buffer that says when it drops,
 * a final flush on close, and records that carry no secret.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createAuditLog, type FinishedCall } from "../../lib/audit/mod.ts";
import { toAuditRow } from "../../lib/audit/entry.ts";
import { canonicalJson } from "../../lib/canonical_json.ts";
import { createLogger } from "../../lib/log.ts";
import type { AuditRepo, AuditRow } from "../../lib/store/mod.ts";

function call(index: number, extra: Partial<FinishedCall> = {}): FinishedCall {
  return {
    requestId: `req-${index}`,
    caller: {
      principal: { id: "key:abc", kind: "api_key", name: "bot", groups: [] },
      server: "default",
    },
    toolName: "demo_echo",
    args: { message: `m${index}` },
    outcome: "ok",
    isError: false,
    startedAt: new Date(1_700_000_000_000 + index),
    durationMs: 1.23456,
    facts: {},
    ...extra,
  };
}

/** An in-memory repo that can be made to fail or stall, to drive the writer's edge cases. */
function memoryRepo() {
  const rows: AuditRow[] = [];
  const batches: number[] = [];
  let failing = false;
  let gate: Promise<void> | undefined;
  const repo: AuditRepo = {
    async append(batch) {
      if (gate) await gate;
      if (failing) throw new Error("store down");
      rows.push(...batch);
      batches.push(batch.length);
    },
    query: () => Promise.resolve([]),
    prune: () => Promise.resolve(0),
  };
  return {
    repo,
    rows,
    batches,
    fail: (value: boolean) => failing = value,
    stall: () => {
      const hold = Promise.withResolvers<void>();
      gate = hold.promise;
      return () => {
        gate = undefined;
        hold.resolve();
      };
    },
  };
}

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

Deno.test("record() never writes inline; flush() appends in batches", async () => {
  const store = memoryRepo();
  const { logger } = logSink();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 100,
    batchSize: 4,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  for (let i = 0; i < 10; i++) audit.record(call(i));
  await audit.flush();
  assert.equal(store.rows.length, 10);
  assert.deepEqual(
    store.rows.map((row) => row.requestId),
    [...Array(10)].map((_, i) => `req-${i}`),
  );
  assert.ok(store.batches.every((size) => size <= 4), `batches ${store.batches}`);
  assert.deepEqual(audit.stats(), {
    buffered: 0,
    written: 10,
    dropped: 0,
    failedWrites: 0,
    suppressed: 0,
  });
  await audit.close();
});

Deno.test("record() leaves building the row (redaction, hash) to the write; an unbuildable call is dropped and logged", async () => {
  const store = memoryRepo();
  const { lines, logger } = logSink();
  const hashed: string[] = [];
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    hashArgs: (text) => {
      hashed.push(text);
      if (text.includes("boom")) throw new Error("hash failed");
      return `h:${text}`;
    },
    bufferSize: 100,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  audit.record(call(0, { args: { a: 1 } }));
  audit.record(call(1, { args: { boom: true } }));
  audit.record(call(2, { args: { b: 2 } }));
  assert.deepEqual(hashed, []);
  await audit.flush();
  assert.equal(hashed.length, 3);
  assert.deepEqual(store.rows.map((row) => row.requestId), ["req-0", "req-2"]);
  assert.equal(store.rows[0]?.argsHash, 'h:{"a":1}');
  assert.ok(lines.some((line) => line.msg === "Cannot build audit record"));
  assert.equal(audit.stats().buffered, 0);
  await audit.close();
});

Deno.test("flush() lets the event loop run between batches of a backlog", async () => {
  const store = memoryRepo();
  const { logger } = logSink();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 100,
    batchSize: 4,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  for (let i = 0; i < 12; i++) audit.record(call(i));
  let batchesWhenTimerRan = -1;
  setTimeout(() => batchesWhenTimerRan = store.batches.length, 0);
  await audit.flush();
  assert.deepEqual(store.batches, [4, 4, 4]);
  assert.equal(batchesWhenTimerRan, 1, "a timer due meanwhile ran after the first batch");
  await audit.close();
});

Deno.test("a full buffer drops new records, counts them and logs an error", async () => {
  const store = memoryRepo();
  const { lines, logger } = logSink();
  const release = store.stall();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 10,
    batchSize: 1000,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  for (let i = 0; i < 15; i++) audit.record(call(i));
  assert.equal(audit.stats().dropped, 5);
  const full = lines.filter((line) => line.msg === "Audit buffer full: dropping audit records");
  assert.equal(full.length, 1, "logged once per interval, not once per record");
  assert.equal(full[0]!.level, "error");
  release();
  await audit.close();
  assert.equal(store.rows.length, 10);
});

Deno.test("a failed append keeps the records and close() retries them", async () => {
  const store = memoryRepo();
  const { lines, logger } = logSink();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 100,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  store.fail(true);
  for (let i = 0; i < 3; i++) audit.record(call(i));
  await audit.flush();
  assert.equal(audit.stats().buffered, 3);
  assert.equal(audit.stats().failedWrites, 1);
  assert.ok(lines.some((line) => line.msg === "Cannot write audit records: keeping them buffered"));
  store.fail(false);
  await audit.close();
  assert.equal(store.rows.length, 3);
});

Deno.test("close() reports records it could not write", async () => {
  const store = memoryRepo();
  const { lines, logger } = logSink();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 100,
    flushIntervalMs: 60_000,
    retentionDays: 0,
  });
  store.fail(true);
  audit.record(call(1));
  await audit.close();
  const lost = lines.find((line) =>
    line.msg === "Audit records lost at shutdown: the store did not accept them"
  );
  assert.equal(lost?.lost, 1);
});

Deno.test("the timer flushes without anyone asking", async () => {
  const store = memoryRepo();
  const audit = createAuditLog({
    repo: store.repo,
    logger: logSink().logger,
    includeArguments: false,
    bufferSize: 100,
    flushIntervalMs: 10,
    retentionDays: 0,
  });
  audit.record(call(1));
  const deadline = Date.now() + 2000;
  while (store.rows.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(store.rows.length, 1);
  await audit.close();
});

Deno.test("retention prunes records older than the setting at start", async () => {
  const store = memoryRepo();
  let prunedBefore = 0;
  store.repo.prune = (before) => {
    prunedBefore = before;
    return Promise.resolve(2);
  };
  const audit = createAuditLog({
    repo: store.repo,
    logger: logSink().logger,
    includeArguments: false,
    bufferSize: 10,
    retentionDays: 30,
    now: () => 100 * 86_400_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(prunedBefore, 70 * 86_400_000);
  await audit.close();
});

Deno.test("toAuditRow() maps outcome, identity and facts", () => {
  const ok = toAuditRow(
    call(1, {
      facts: { backendStatus: 200, cacheHit: true, credential: { name: "jira", version: 3 } },
    }),
    { includeArguments: false },
  );
  assert.deepEqual(ok, {
    at: 1_700_000_000_001,
    requestId: "req-1",
    clientId: "key:abc",
    clientName: "bot",
    clientKind: "api_key",
    server: "default",
    tool: "demo_echo",
    argsHash: ok.argsHash,
    args: null,
    outcome: "ok",
    errorCode: null,
    durationMs: 1.235,
    backendStatus: 200,
    cacheHit: true,
    coalesced: null,
    credentialName: "jira",
    credentialVersion: 3,
  });
  assert.match(ok.argsHash, /^[0-9a-f]{64}$/);
  const toolError = toAuditRow(call(2, { outcome: "UPSTREAM_ERROR", isError: true }), {
    includeArguments: false,
  });
  assert.equal(toolError.outcome, "error");
  assert.equal(toolError.errorCode, "UPSTREAM_ERROR");
  const handlerError = toAuditRow(call(3, { isError: true }), { includeArguments: false });
  assert.equal(handlerError.outcome, "tool_error");
});

Deno.test("toAuditRow() hashes canonical arguments and redacts secrets when keeping them", () => {
  const args = { b: 1, a: { password: "hunter2", nested: [{ apiKey: "k-123" }] }, token: "t" };
  const reordered = { token: "other", a: { nested: [{ apiKey: "zzz" }], password: "x" }, b: 1 };
  const row = toAuditRow(call(1, { args }), { includeArguments: true });
  const same = toAuditRow(call(2, { args: reordered }), { includeArguments: true });
  assert.equal(row.argsHash, same.argsHash, "key order and secret values do not change the hash");
  const text = JSON.stringify(row);
  for (const secret of ["hunter2", "k-123"]) assert.ok(!text.includes(secret), secret);
  assert.equal(
    row.args,
    '{"a":{"nested":[{"apiKey":"[redacted]"}],"password":"[redacted]"},"b":1,"token":"[redacted]"}',
  );
  const other = toAuditRow(call(3, { args: { b: 2 } }), { includeArguments: false });
  assert.notEqual(other.argsHash, row.argsHash);
});

Deno.test("toAuditRow() takes the stages' canonical arguments only when nothing is redacted", () => {
  const plain = { b: [1, { c: "x" }], a: null };
  const written = canonicalJson(plain);
  const shared = toAuditRow(call(1, { args: plain, facts: { argsText: written } }), {
    includeArguments: true,
  });
  const own = toAuditRow(call(2, { args: plain }), { includeArguments: true });
  assert.equal(shared.args, written);
  assert.equal(shared.argsHash, own.argsHash);
  // A text that differs from the arguments proves which one the row took.
  const marked = toAuditRow(call(3, { args: plain, facts: { argsText: '{"marker":1}' } }), {
    includeArguments: true,
  });
  assert.equal(marked.args, '{"marker":1}');
  // Secrets anywhere (or nesting past redaction's depth) mean the row redacts for itself.
  const deep: Record<string, unknown> = {};
  let level = deep;
  for (let i = 0; i < 40; i++) level = (level.n = {}) as Record<string, unknown>;
  for (const args of [{ a: [{ password: "hunter2" }] }, deep]) {
    const row = toAuditRow(call(4, { args, facts: { argsText: canonicalJson(args) } }), {
      includeArguments: true,
    });
    assert.equal(row.args, toAuditRow(call(5, { args }), { includeArguments: true }).args);
    assert.ok(row.args!.includes("[redacted]"));
  }
  // Arguments the client left out are audited as `null`, whatever a stage wrote for them.
  const none = toAuditRow(call(6, { args: undefined, facts: { argsText: "{}" } }), {
    includeArguments: true,
  });
  assert.equal(none.args, "null");
});

Deno.test("a flood of refused calls writes 20 records per client and code a minute, plus one aggregate", async () => {
  const store = memoryRepo();
  const { lines, logger } = logSink();
  const clock = { now: 1_800_000_000_000 };
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 100_000,
    flushIntervalMs: 60_000,
    retentionDays: 0,
    now: () => clock.now,
  });
  const refused = (i: number, outcome: string, id = "key:abc") =>
    call(i, {
      toolName: `guess_${i}`,
      outcome,
      caller: { principal: { id, kind: "api_key", name: "bot", groups: [] }, server: "default" },
    });
  for (let i = 0; i < 5000; i++) audit.record(refused(i, i % 2 ? "NOT_FOUND" : "RATE_LIMITED"));
  for (let i = 0; i < 5; i++) audit.record(refused(i, "INVALID_INPUT", "key:other"));
  for (let i = 0; i < 3; i++) audit.record(call(i));
  await audit.flush();
  assert.equal(store.rows.length, 20 + 20 + 5 + 3, "nothing aggregated before the minute ends");

  clock.now += 60_000;
  audit.record(refused(9, "NOT_FOUND"));
  await audit.flush();
  const aggregates = store.rows.filter((row) => row.outcome === "suppressed");
  assert.deepEqual(
    aggregates.map((row) => [row.clientId, row.errorCode, row.tool, JSON.parse(row.args!)]),
    [
      ["key:abc", "NOT_FOUND", "*", { suppressed: 2480, windowMs: 60_000 }],
      ["key:abc", "RATE_LIMITED", "*", { suppressed: 2480, windowMs: 60_000 }],
    ],
  );
  assert.equal(aggregates[0]!.at, 1_800_000_000_000 - (1_800_000_000_000 % 60_000));
  assert.equal(store.rows.length, 48 + 2 + 1, "a new minute writes again");
  assert.equal(audit.stats().suppressed, 4960);
  const logged = lines.filter((line) => line.msg === "Audit records of refused calls aggregated");
  assert.deepEqual(logged.map((line) => line.suppressed), [2480, 2480]);
  await audit.close();
});

Deno.test("close() writes the aggregate of the minute still open", async () => {
  const store = memoryRepo();
  const { logger } = logSink();
  const audit = createAuditLog({
    repo: store.repo,
    logger,
    includeArguments: false,
    bufferSize: 1000,
    flushIntervalMs: 60_000,
    retentionDays: 0,
    refusedPerMinute: 2,
  });
  for (let i = 0; i < 7; i++) audit.record(call(i, { outcome: "INVALID_INPUT", isError: true }));
  await audit.close();
  assert.deepEqual(store.rows.map((row) => row.outcome), ["error", "error", "suppressed"]);
  assert.equal(JSON.parse(store.rows[2]!.args!).suppressed, 5);
});

Deno.test("toAuditRow() argsHash is a keyed hash: not the plain SHA-256, stable for equal arguments", () => {
  const args = { account: "1234", pin: 42 };
  const canonical = '{"account":"1234","pin":42}';
  const plain = createHash("sha256").update(canonical).digest("hex");
  const row = toAuditRow(call(1, { args }), { includeArguments: false });
  const again = toAuditRow(call(2, { args: { pin: 42, account: "1234" } }), {
    includeArguments: false,
  });
  assert.notEqual(row.argsHash, plain, "a dictionary over plain SHA-256 would reverse it");
  assert.equal(row.argsHash, again.argsHash);
  assert.match(row.argsHash, /^[0-9a-f]{64}$/);
  const seen: string[] = [];
  const keyed = toAuditRow(call(3, { args }), {
    includeArguments: false,
    hashArgs: (text) => {
      seen.push(text);
      return "h".repeat(64);
    },
  });
  assert.equal(keyed.argsHash, "h".repeat(64), "the gateway's hash is used when given");
  assert.deepEqual(seen, [canonical]);
});
