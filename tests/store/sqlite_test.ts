/**
 * The embedded store's lock handling: `retryBusy()` retries a locked database from a timer with
 * backoff until its deadline (clock and pauses injected), and the embedded repositories never
 * wait on the event loop while another connection holds SQLite's write lock.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { GatewayError } from "../../lib/errors.ts";
import { type AuditRow, openStore, type Store } from "../../lib/store/mod.ts";
import { retryBusy } from "../../lib/store/sqlite.ts";
import { sql } from "../../lib/store/dialect.ts";
import { databaseOf } from "../../lib/store/store.ts";

function busy(): Error {
  return new Error("database is locked");
}

/** A fake clock whose `sleep` advances it and records each pause. */
function fakeClock() {
  let time = 1_000;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => time,
    sleep: (ms: number) => {
      pauses.push(ms);
      time += ms;
      return Promise.resolve();
    },
  };
}

Deno.test("retryBusy() returns the first result without pausing", async () => {
  const clock = fakeClock();
  assert.equal(await retryBusy(() => 42, clock), 42);
  assert.equal(await retryBusy(() => Promise.resolve("async"), clock), "async");
  assert.deepEqual(clock.pauses, []);
});

Deno.test("retryBusy() retries a locked database with growing pauses until it succeeds", async () => {
  const clock = fakeClock();
  let attempts = 0;
  const result = await retryBusy(() => {
    attempts++;
    if (attempts < 9) throw busy();
    return "written";
  }, clock);
  assert.equal(result, "written");
  assert.equal(attempts, 9);
  assert.deepEqual(clock.pauses, [1, 2, 5, 10, 20, 50, 100, 100]);
});

Deno.test("retryBusy() retries a rejected promise of a locked database too", async () => {
  const clock = fakeClock();
  let attempts = 0;
  const result = await retryBusy(
    () => ++attempts < 3 ? Promise.reject(busy()) : Promise.resolve(attempts),
    clock,
  );
  assert.equal(result, 3);
  assert.deepEqual(clock.pauses, [1, 2]);
});

Deno.test("retryBusy() raises UPSTREAM_TIMEOUT naming the action once the deadline passes", async () => {
  const clock = fakeClock();
  let attempts = 0;
  const error = await retryBusy(() => {
    attempts++;
    throw busy();
  }, { ...clock, deadlineMs: 250, action: "write audit records" }).catch((e) => e);
  assert.ok(error instanceof GatewayError);
  assert.equal(error.code, "UPSTREAM_TIMEOUT");
  assert.equal(
    error.message,
    "Cannot write audit records: the embedded store stayed locked by another process for " +
      "250 ms (retry later)",
  );
  assert.equal(clock.pauses.reduce((a, b) => a + b, 0), 250, "the last pause ends at the deadline");
  assert.deepEqual(clock.pauses, [1, 2, 5, 10, 20, 50, 100, 62]);
  assert.equal(attempts, 9);
});

Deno.test("retryBusy() rethrows any other error at once", async () => {
  const clock = fakeClock();
  let attempts = 0;
  await assert.rejects(
    retryBusy(() => {
      attempts++;
      throw new Error("UNIQUE constraint failed: api_keys.name");
    }, clock),
    /UNIQUE constraint failed/,
  );
  assert.equal(attempts, 1);
  assert.deepEqual(clock.pauses, []);
});

/** Another connection on the same file holding the write lock, as a second process would. */
function holdWriteLock(store: Store): { release(): void } {
  assert.equal(store.dialect, "sqlite");
  const other = new DatabaseSync(store.location);
  other.exec("BEGIN IMMEDIATE");
  other.exec("INSERT INTO schema_migrations (id, applied_at) VALUES ('zzz_holder', 0)");
  return {
    release() {
      other.exec("ROLLBACK");
      other.close();
    },
  };
}

// Why 200 ms: a blocking wait on the lock would hold the loop for the whole 300 ms the lock is
// held (or forever, for a read); the bound tells that apart from a loaded machine's jitter.
const STALL_BOUND_MS = 200;

/** The longest gap between 1 ms ticks while `work` runs: how long the event loop was held. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  return longest;
}

const ROW: AuditRow = {
  at: 1_700_000_000_000,
  requestId: "req-1",
  clientId: "key:0123456789abcdef",
  clientName: "bot",
  clientKind: "api_key",
  server: "default",
  tool: "demo_echo",
  argsHash: "0".repeat(64),
  args: null,
  outcome: "ok",
  errorCode: null,
  durationMs: 1,
  backendStatus: null,
  cacheHit: null,
  coalesced: null,
  credentialName: null,
  credentialVersion: null,
};

async function withEmbeddedStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-store-lock-" });
  const store = await openStore({ dataDir });
  try {
    await fn(store);
  } finally {
    await store.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("openStore() opens the embedded file in WAL mode and never waits inside SQLite", async () => {
  await withEmbeddedStore(async (store) => {
    assert.equal(store.dialect, "sqlite");
    const db = databaseOf(store);
    const [mode] = await db.all(sql`PRAGMA journal_mode`);
    assert.equal(mode?.journal_mode, "wal");
    const [timeout] = await db.all(sql`PRAGMA busy_timeout`);
    assert.equal(Number(Object.values(timeout ?? {})[0]), 0);
  });
});

Deno.test("an audit append under another connection's write lock waits on a timer and lands after release", async () => {
  await withEmbeddedStore(async (store) => {
    const repo = store.audit;
    const lock = holdWriteLock(store);
    let appended = false;
    const append = repo.append([ROW]).then(() => appended = true);
    const stall = await longestStall(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(appended, false, "the append waits for the lock");
      lock.release();
      await append;
    });
    assert.equal(appended, true);
    assert.ok(stall < STALL_BOUND_MS, `the event loop was held ${stall.toFixed(0)} ms`);
    assert.equal((await repo.query({ limit: 10 })).length, 1);
  });
});

Deno.test("API key lookups read through another connection's write lock without waiting", async () => {
  await withEmbeddedStore(async (store) => {
    const repo = store.apiKeys;
    await repo.insert({
      keyId: "0123456789abcdef",
      name: "bot",
      scope: "mcp",
      hash: "0".repeat(64),
      tools: [],
      groups: [],
      createdAt: 1,
      expiresAt: null,
      revokedAt: null,
    });
    const lock = holdWriteLock(store);
    try {
      const started = performance.now();
      const found = await repo.find("0123456789abcdef");
      assert.equal(found?.name, "bot");
      assert.equal(await repo.countActive("mcp", 2), 1);
      assert.ok(performance.now() - started < STALL_BOUND_MS, "reads do not wait for the writer");
    } finally {
      lock.release();
    }
  });
});

Deno.test("a credential refresh under another connection's write lock waits on a timer, then writes", async () => {
  await withEmbeddedStore(async (store) => {
    const meta = { actor: "test", at: 1 };
    await store.credentials.create(
      { id: "cred-1", name: "jira", rotateEveryMs: null, graceMs: 0 },
      { kind: "oauth2", config: "{}", sealed: new Uint8Array([1]), kekVersion: 1, sealFormat: 2 },
      meta,
    );
    const lock = holdWriteLock(store);
    let refreshed = false;
    const refresh = store.credentials.withRefreshLock("cred-1", (state) => {
      refreshed = true;
      return Promise.resolve({
        value: state.stateVersion,
        write: {
          credentialVersion: 1,
          sealed: new Uint8Array([7, 7]),
          kekVersion: 1,
          sealFormat: 2,
        },
      });
    }, { now: Date.now, waitMs: 5_000, leaseMs: 30_000 });
    const stall = await longestStall(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(refreshed, false, "the lease waits for the lock");
      lock.release();
      assert.equal(await refresh, 0);
    });
    assert.ok(stall < STALL_BOUND_MS, `the event loop was held ${stall.toFixed(0)} ms`);
    const state = await store.credentials.readState("cred-1");
    assert.deepEqual(state?.sealed, new Uint8Array([7, 7]));
    assert.equal(state?.stateVersion, 1);
  });
});

Deno.test("prune() on the embedded store deletes in chunks with the event loop free between them", async () => {
  await withEmbeddedStore(async (store) => {
    assert.equal(store.dialect, "sqlite");
    // Why a second connection: it reads what each committed chunk left, as another process would.
    const db = new DatabaseSync(store.location);
    try {
      const repo = store.audit;
      const old = Array.from(
        { length: 1_200 },
        (_, i) => ({ ...ROW, requestId: `old-${i}`, at: i }),
      );
      await repo.append(old);
      await repo.append([{ ...ROW, requestId: "new", at: 5_000 }]);
      const countOld = () =>
        Number(db.prepare("SELECT count(*) AS n FROM audit_log WHERE at < 2000").get()?.n);
      let oldWhenTimerRan = -1;
      setTimeout(() => oldWhenTimerRan = countOld(), 0);
      assert.equal(await repo.prune(2_000), 1_200);
      assert.equal(countOld(), 0);
      assert.deepEqual((await repo.query({ limit: 10 })).map((row) => row.requestId), ["new"]);
      assert.ok(
        oldWhenTimerRan > 0 && oldWhenTimerRan < 1_200,
        `a timer ran mid-prune (saw ${oldWhenTimerRan} old rows)`,
      );
    } finally {
      db.close();
    }
  });
});
