/**
 * The credential repository on the embedded SQLite file (`node:sqlite`). Writes run in short
 * `BEGIN IMMEDIATE` transactions. One refresh per credential across processes: a lease on the
 * state row taken and released with compare-and-swap updates, then a compare-and-swap on
 * `state_version` when the new state is written.
 */

import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type {
  CredentialRepo,
  NewCredentialVersion,
  RefreshLockOptions,
  SealedRef,
} from "./credentials.ts";
import {
  lockTimeout,
  nameTaken,
  notFound,
  type Row,
  toCredential,
  toEvent,
  toNumber,
  toState,
  toStateRef,
  toVersion,
  toVersionRef,
} from "./credential_rows.ts";
import { isSqliteBusy, retryBusy, retryingBusy, transaction } from "./sqlite.ts";

const POLL_MS = [5, 10, 20, 40, 80];

/** Builds the repository on an open `node:sqlite` database. */
export function createSqliteCredentialRepo(db: DatabaseSync): CredentialRepo {
  const all = (text: string, ...params: SQLInputValue[]) =>
    db.prepare(text).all(...params) as Row[];
  const run = (text: string, ...params: SQLInputValue[]) =>
    Number(db.prepare(text).run(...params).changes);
  function event(
    e: { id: string; name: string; action: string; version: number | null },
    meta: { actor: string; at: number },
  ): void {
    run(
      `INSERT INTO credential_events (credential_id, credential_name, action, version, actor, at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      e.id,
      e.name,
      e.action,
      e.version,
      meta.actor,
      meta.at,
    );
  }
  function insertVersion(
    id: string,
    version: number,
    v: NewCredentialVersion,
    meta: { actor: string; at: number },
  ): void {
    run(
      `INSERT INTO credential_versions (credential_id, version, kind, config, sealed, kek_version,
         seal_format, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      version,
      v.kind,
      v.config,
      v.sealed,
      v.kekVersion,
      v.sealFormat,
      meta.at,
      meta.actor,
    );
  }
  const repo: CredentialRepo = {
    create(row, version, meta) {
      return Promise.resolve(transaction(db, () => {
        try {
          run(
            `INSERT INTO credentials (id, name, active_version, rotate_every_ms, grace_ms,
               created_at, created_by, updated_at, updated_by) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)`,
            row.id,
            row.name,
            row.rotateEveryMs,
            row.graceMs,
            meta.at,
            meta.actor,
            meta.at,
            meta.actor,
          );
        } catch (error) {
          if (/UNIQUE constraint failed/.test(String(error))) throw nameTaken(row.name);
          throw error;
        }
        insertVersion(row.id, 1, version, meta);
        event({ id: row.id, name: row.name, action: "create", version: 1 }, meta);
      }));
    },
    addVersion(id, expectedActive, version, meta) {
      return Promise.resolve(transaction(db, () => {
        const found = all(
          `SELECT * FROM credentials WHERE id = ? AND active_version = ?`,
          id,
          expectedActive,
        );
        const current = found[0] === undefined ? undefined : toCredential(found[0]);
        if (current === undefined) return false;
        const policy = meta.policy ?? current;
        run(
          `UPDATE credentials SET active_version = ?, updated_at = ?, updated_by = ?,
             rotate_every_ms = ?, grace_ms = ? WHERE id = ? AND active_version = ?`,
          expectedActive + 1,
          meta.at,
          meta.actor,
          policy.rotateEveryMs,
          policy.graceMs,
          id,
          expectedActive,
        );
        run(
          `DELETE FROM credential_versions WHERE credential_id = ? AND version < ?`,
          id,
          expectedActive,
        );
        run(
          `UPDATE credential_versions SET retired_at = ? WHERE credential_id = ? AND version = ?`,
          meta.at,
          id,
          expectedActive,
        );
        insertVersion(id, expectedActive + 1, version, meta);
        const action = meta.action ?? "rotate";
        event({ id, name: current.name, action, version: expectedActive + 1 }, meta);
        return true;
      }));
    },
    get(name) {
      const row = all(`SELECT * FROM credentials WHERE name = ?`, name)[0];
      return Promise.resolve(row === undefined ? undefined : toCredential(row));
    },
    list() {
      return Promise.resolve(all(`SELECT * FROM credentials ORDER BY name`).map(toCredential));
    },
    getVersion(id, version) {
      const row = all(
        `SELECT * FROM credential_versions WHERE credential_id = ? AND version = ?`,
        id,
        version,
      )[0];
      return Promise.resolve(row === undefined ? undefined : toVersion(row));
    },
    listVersions(id) {
      const rows = all(
        `SELECT * FROM credential_versions WHERE credential_id = ? ORDER BY version DESC`,
        id,
      );
      return Promise.resolve(rows.map(toVersion));
    },
    delete(name, meta) {
      return Promise.resolve(transaction(db, () => {
        const row = all(`SELECT id FROM credentials WHERE name = ?`, name)[0];
        if (row === undefined) return false;
        run(`DELETE FROM credentials WHERE id = ?`, String(row.id));
        event({ id: String(row.id), name, action: "delete", version: null }, meta);
        return true;
      }));
    },
    events(name, limit = 100) {
      const rows = all(
        `SELECT * FROM credential_events WHERE credential_name = ? ORDER BY at DESC, id DESC
         LIMIT ?`,
        name,
        limit,
      );
      return Promise.resolve(rows.map(toEvent));
    },
    readState(id) {
      const row = all(`SELECT * FROM credential_state WHERE credential_id = ?`, id)[0];
      return Promise.resolve(row === undefined ? undefined : toState(row));
    },
    async withRefreshLock(id, fn, options) {
      const owner = crypto.randomUUID();
      await acquireLease(db, id, owner, options);
      const action = "write the credential state";
      try {
        const row = await retryBusy(
          () => all(`SELECT * FROM credential_state WHERE credential_id = ?`, id)[0],
        );
        if (row === undefined) throw notFound(id);
        const state = toState(row);
        const result = await fn(state);
        if (result.write === undefined) return result.value;
        const { credentialVersion, sealed, kekVersion, sealFormat } = result.write;
        const written = await retryBusy(() =>
          run(
            `UPDATE credential_state SET credential_version = ?, sealed = ?, kek_version = ?,
               seal_format = ?, state_version = state_version + 1, updated_at = ?
             WHERE credential_id = ? AND lease_owner = ? AND state_version = ?`,
            credentialVersion,
            sealed,
            kekVersion,
            sealFormat,
            options.now(),
            id,
            owner,
            state.stateVersion,
          ), { action });
        if (written !== 1) throw new Error("Credential state changed while its lease was held");
        return result.value;
      } finally {
        await retryBusy(() =>
          run(
            `UPDATE credential_state SET lease_owner = NULL, lease_until = NULL
             WHERE credential_id = ? AND lease_owner = ?`,
            id,
            owner,
          ), { action: "release the credential refresh lease" });
      }
    },
    listSealedNotUnder(kekVersion, limit) {
      return Promise.resolve(listSealed(all, ["v.kek_version <> ?", "s.kek_version <> ?"], {
        value: kekVersion,
        limit,
      }));
    },
    listSealedBelowFormat(sealFormat, limit) {
      return Promise.resolve(listSealed(all, ["v.seal_format < ?", "s.seal_format < ?"], {
        value: sealFormat,
        limit,
      }));
    },
    replaceSealed(ref, next) {
      const { sealed, kekVersion, sealFormat } = next;
      const changed = ref.slot === "version"
        ? run(
          `UPDATE credential_versions SET sealed = ?, kek_version = ?, seal_format = ?
           WHERE credential_id = ? AND version = ? AND kek_version = ? AND seal_format = ?`,
          sealed,
          kekVersion,
          sealFormat,
          ref.credentialId,
          ref.version,
          ref.kekVersion,
          ref.sealFormat,
        )
        : run(
          `UPDATE credential_state SET sealed = ?, kek_version = ?, seal_format = ?
           WHERE credential_id = ? AND state_version = ? AND kek_version = ? AND seal_format = ?`,
          sealed,
          kekVersion,
          sealFormat,
          ref.credentialId,
          ref.stateVersion,
          ref.kekVersion,
          ref.sealFormat,
        );
      return Promise.resolve(changed === 1);
    },
    kekVersionsInUse() {
      const rows = all(
        `SELECT kek_version FROM credential_versions
         UNION SELECT kek_version FROM credential_state WHERE kek_version IS NOT NULL ORDER BY 1`,
      );
      return Promise.resolve(rows.map((row) => toNumber(row.kek_version)));
    },
  };
  // Why withRefreshLock is not wrapped: retrying it whole would run `fn` (an OAuth refresh) twice;
  // it retries each of its own statements instead.
  return {
    ...retryingBusy(repo, { action: "use the credential store" }),
    withRefreshLock: repo.withRefreshLock,
  };
}

/**
 * Version and state blobs matching `conditions` (fixed SQL, one `?` each, bound to `value`), with
 * the name and settings they bind.
 */
function listSealed(
  all: (text: string, ...params: SQLInputValue[]) => Row[],
  conditions: [versions: string, states: string],
  options: { value: number; limit: number },
): SealedRef[] {
  const versions = all(
    `SELECT v.credential_id, c.name, v.version, v.kind, v.config, v.kek_version, v.seal_format,
       v.sealed
     FROM credential_versions v JOIN credentials c ON c.id = v.credential_id
     WHERE ${conditions[0]} LIMIT ?`,
    options.value,
    options.limit,
  );
  const states = all(
    `SELECT s.credential_id, c.name, s.credential_version, v.kind, v.config, s.state_version,
       s.kek_version, s.seal_format, s.sealed
     FROM credential_state s
       JOIN credential_versions v
         ON v.credential_id = s.credential_id AND v.version = s.credential_version
       JOIN credentials c ON c.id = s.credential_id
     WHERE s.sealed IS NOT NULL AND ${conditions[1]} LIMIT ?`,
    options.value,
    options.limit,
  );
  return [...versions.map(toVersionRef), ...states.map(toStateRef)].slice(0, options.limit);
}

/**
 * Takes the refresh lease on a credential's state row, creating the row on first use; waits for
 * another holder up to `waitMs`. A lease whose holder died expires after `leaseMs`.
 * @throws GatewayError UPSTREAM_TIMEOUT when the lease stays held; NOT_FOUND for no credential.
 */
async function acquireLease(
  db: DatabaseSync,
  id: string,
  owner: string,
  options: RefreshLockOptions,
): Promise<void> {
  const started = options.now();
  for (let attempt = 0;; attempt++) {
    const now = options.now();
    const taken = tryLease(db, () => {
      db.prepare(
        `INSERT OR IGNORE INTO credential_state (credential_id, credential_version, state_version,
           updated_at) SELECT id, active_version, 0, ? FROM credentials WHERE id = ?`,
      ).run(now, id);
      const result = db.prepare(
        `UPDATE credential_state SET lease_owner = ?, lease_until = ?
         WHERE credential_id = ? AND (lease_owner IS NULL OR lease_until < ?)`,
      ).run(owner, now + options.leaseMs, id, now);
      if (Number(result.changes) === 1) return "taken";
      const exists = db.prepare(`SELECT 1 FROM credential_state WHERE credential_id = ?`).get(id);
      return exists === undefined ? "missing" : "held";
    });
    if (taken === "taken") return;
    if (taken === "missing") throw notFound(id);
    if (now - started >= options.waitMs) {
      throw lockTimeout(options.waitMs);
    }
    const pause = POLL_MS[Math.min(attempt, POLL_MS.length - 1)]!;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * Runs one attempt at the lease in a transaction; another process holding the write lock counts
 * as the lease being held, so the caller's poll (a timer, never the event loop) waits for both.
 */
function tryLease(
  db: DatabaseSync,
  fn: () => "taken" | "missing" | "held",
): "taken" | "missing" | "held" {
  try {
    return transaction(db, fn);
  } catch (error) {
    if (isSqliteBusy(error)) return "held";
    throw error;
  }
}
