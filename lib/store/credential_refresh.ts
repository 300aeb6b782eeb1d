/**
 * The credential refresh lock: one OAuth refresh per credential across every instance on a
 * database, with a compare-and-swap on `state_version` when the new state is written.
 *
 * The statements are shared; how the lock is held is the one thing that differs by dialect:
 * - Postgres: a transaction holding the state row `FOR UPDATE` for the refresh, bounded by
 *   `lock_timeout`.
 * - Embedded SQLite: a lease on the state row (`lease_owner`, `lease_until`), taken and released
 *   with compare-and-swap updates, because a transaction would hold the whole file's write lock
 *   (every other writer) across the refresh's HTTP call.
 */

import { type Database, type Executor, sql, type Statement } from "./dialect.ts";
import type { CredentialStateRow, LockedResult, RefreshLockOptions } from "./credentials.ts";
import { lockTimeout, notFound, toState } from "./credential_rows.ts";
import { isSqliteBusy } from "./sqlite.ts";

/** Runs one refresh under the lock (see the module doc). */
type Refresh<T> = (state: CredentialStateRow) => Promise<LockedResult<T>>;

/** Pauses between attempts at a held lease, in ms; the last one repeats. */
const POLL_MS = [5, 10, 20, 40, 80];

/**
 * Runs `fn` holding the credential's refresh lock, with its state row as it is under the lock.
 * @throws GatewayError NOT_FOUND for no such credential; UPSTREAM_TIMEOUT when the lock stays
 *   held past `waitMs`.
 */
export function withRefreshLock<T>(
  db: Database,
  id: string,
  fn: Refresh<T>,
  options: RefreshLockOptions,
): Promise<T> {
  return db.dialect === "postgres"
    ? withRowLock(db, id, fn, options)
    : withLease(db, id, fn, options);
}

async function withRowLock<T>(
  db: Database,
  id: string,
  fn: Refresh<T>,
  options: RefreshLockOptions,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      // Why: a refresh that hangs must not hold every other instance forever.
      await tx.all(sql`SELECT set_config('lock_timeout', ${`${options.waitMs}ms`}, true)`);
      await ensureState(tx, id, options.now());
      const state = await readState(tx, id, sql`FOR UPDATE`);
      return await refresh(tx, state, fn, { now: options.now, guard: sql`` });
    });
  } catch (error) {
    if (db.isLockTimeout(error)) throw lockTimeout(options.waitMs);
    throw error;
  }
}

async function withLease<T>(
  db: Database,
  id: string,
  fn: Refresh<T>,
  options: RefreshLockOptions,
): Promise<T> {
  const owner = crypto.randomUUID();
  await acquireLease(db, { id, owner }, options);
  try {
    const state = await readState(db, id, sql``);
    const guard = sql`AND lease_owner = ${owner}`;
    return await refresh(db.scoped("write the credential state"), state, fn, { ...options, guard });
  } finally {
    await db.scoped("release the credential refresh lease").run(sql`UPDATE credential_state
      SET lease_owner = NULL, lease_until = NULL
      WHERE credential_id = ${id} AND lease_owner = ${owner}`);
  }
}

/** Creates the state row on first use (empty, from the active version). */
async function ensureState(tx: Executor, id: string, now: number): Promise<void> {
  await tx.run(sql`INSERT INTO credential_state (credential_id, credential_version,
      state_version, updated_at)
    SELECT id, active_version, 0, ${now} FROM credentials WHERE id = ${id}
    ON CONFLICT (credential_id) DO NOTHING`);
}

async function readState(tx: Executor, id: string, lock: Statement): Promise<CredentialStateRow> {
  const rows = await tx.all(
    sql`SELECT * FROM credential_state WHERE credential_id = ${id} ${lock}`,
  );
  if (rows[0] === undefined) throw notFound(id);
  return toState(rows[0]);
}

/** Runs `fn` on the locked state and writes what it returned (compare-and-swap). */
async function refresh<T>(
  tx: Executor,
  state: CredentialStateRow,
  fn: Refresh<T>,
  options: { now: () => number; guard: Statement },
): Promise<T> {
  const result = await fn(state);
  if (result.write === undefined) return result.value;
  const { credentialVersion, sealed, kekVersion, sealFormat } = result.write;
  const written = await tx.run(sql`UPDATE credential_state
    SET credential_version = ${credentialVersion}, sealed = ${sealed},
      kek_version = ${kekVersion}, seal_format = ${sealFormat},
      state_version = state_version + 1, updated_at = ${options.now()}
    WHERE credential_id = ${state.credentialId} AND state_version = ${state.stateVersion}
      ${options.guard}`);
  if (written !== 1) throw new Error("Credential state changed while its refresh lock was held");
  return result.value;
}

/**
 * Takes the refresh lease on a credential's state row, creating the row on first use; waits for
 * another holder up to `waitMs`. A lease whose holder died expires after `leaseMs`.
 * @throws GatewayError UPSTREAM_TIMEOUT when the lease stays held; NOT_FOUND for no credential.
 */
async function acquireLease(
  db: Database,
  lease: { id: string; owner: string },
  options: RefreshLockOptions,
): Promise<void> {
  const started = options.now();
  for (let attempt = 0;; attempt++) {
    const now = options.now();
    const taken = await tryLease(db, { ...lease, now, until: now + options.leaseMs });
    if (taken === "taken") return;
    if (taken === "missing") throw notFound(lease.id);
    if (now - started >= options.waitMs) throw lockTimeout(options.waitMs);
    const pause = POLL_MS[Math.min(attempt, POLL_MS.length - 1)]!;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * One attempt at the lease, in a transaction. Another process holding the write lock counts as
 * the lease being held, so the caller's poll (a timer, never the event loop) waits for both.
 */
async function tryLease(
  db: Database,
  lease: { id: string; owner: string; now: number; until: number },
): Promise<"taken" | "missing" | "held"> {
  const { id, owner, now, until } = lease;
  try {
    return await db.transaction(async (tx) => {
      await ensureState(tx, id, now);
      const changed = await tx.run(sql`UPDATE credential_state
        SET lease_owner = ${owner}, lease_until = ${until}
        WHERE credential_id = ${id} AND (lease_owner IS NULL OR lease_until < ${now})`);
      if (changed === 1) return "taken";
      const exists = await tx.all(sql`SELECT 1 FROM credential_state WHERE credential_id = ${id}`);
      return exists.length === 0 ? "missing" : "held";
    }, { busy: "fail" });
  } catch (error) {
    if (isSqliteBusy(error)) return "held";
    throw error;
  }
}
