/**
 * The credential repository on PostgreSQL (postgres.js tagged templates). One refresh per
 * credential across instances: a `SELECT … FOR UPDATE` row lock held for the refresh, and a
 * compare-and-swap on `state_version` when the new state is written.
 */

import type { Fragment, Sql, TransactionSql } from "postgres";
import type {
  CredentialRepo,
  CredentialStateRow,
  LockedResult,
  NewCredentialVersion,
  RefreshLockOptions,
  SealedRef,
} from "./credentials.ts";
import {
  lockTimeout,
  nameTaken,
  notFound,
  toCredential,
  toEvent,
  toNumber,
  toState,
  toStateRef,
  toVersion,
  toVersionRef,
} from "./credential_rows.ts";

/** Builds the repository on a postgres.js handle. */
export function createPgCredentialRepo(sql: Sql): CredentialRepo {
  return {
    async create(row, version, meta) {
      try {
        await sql.begin(async (tx) => {
          await tx`INSERT INTO credentials (id, name, active_version, rotate_every_ms, grace_ms,
              created_at, created_by, updated_at, updated_by)
            VALUES (${row.id}, ${row.name}, 1, ${row.rotateEveryMs}, ${row.graceMs},
              ${meta.at}, ${meta.actor}, ${meta.at}, ${meta.actor})`;
          await insertVersion(tx, row.id, 1, version, meta);
          await insertEvent(tx, { id: row.id, name: row.name, action: "create", version: 1 }, meta);
        });
      } catch (error) {
        if ((error as { code?: string }).code === "23505") throw nameTaken(row.name);
        throw error;
      }
    },
    async addVersion(id, expectedActive, version, meta) {
      return await sql.begin(async (tx) => {
        const policy = meta.policy;
        const moved = await tx`UPDATE credentials SET active_version = ${expectedActive + 1},
            updated_at = ${meta.at}, updated_by = ${meta.actor},
            rotate_every_ms = ${policy ? policy.rotateEveryMs : sql`rotate_every_ms`},
            grace_ms = ${policy ? policy.graceMs : sql`grace_ms`}
          WHERE id = ${id} AND active_version = ${expectedActive} RETURNING name`;
        const name = moved[0]?.name;
        if (typeof name !== "string") return false;
        await tx`DELETE FROM credential_versions
          WHERE credential_id = ${id} AND version < ${expectedActive}`;
        await tx`UPDATE credential_versions SET retired_at = ${meta.at}
          WHERE credential_id = ${id} AND version = ${expectedActive}`;
        await insertVersion(tx, id, expectedActive + 1, version, meta);
        const action = meta.action ?? "rotate";
        await insertEvent(tx, { id, name, action, version: expectedActive + 1 }, meta);
        return true;
      });
    },
    async get(name) {
      const rows = await sql`SELECT * FROM credentials WHERE name = ${name}`;
      return rows[0] === undefined ? undefined : toCredential(rows[0]);
    },
    async list() {
      return (await sql`SELECT * FROM credentials ORDER BY name`).map(toCredential);
    },
    async getVersion(id, version) {
      const rows = await sql`SELECT * FROM credential_versions
        WHERE credential_id = ${id} AND version = ${version}`;
      return rows[0] === undefined ? undefined : toVersion(rows[0]);
    },
    async listVersions(id) {
      const rows = await sql`SELECT * FROM credential_versions
        WHERE credential_id = ${id} ORDER BY version DESC`;
      return rows.map(toVersion);
    },
    async delete(name, meta) {
      return await sql.begin(async (tx) => {
        const rows = await tx`DELETE FROM credentials WHERE name = ${name} RETURNING id`;
        const id = rows[0]?.id;
        if (typeof id !== "string") return false;
        await insertEvent(tx, { id, name, action: "delete", version: null }, meta);
        return true;
      });
    },
    async events(name, limit = 100) {
      const rows = await sql`SELECT * FROM credential_events WHERE credential_name = ${name}
        ORDER BY at DESC, id DESC LIMIT ${limit}`;
      return rows.map(toEvent);
    },
    async readState(id) {
      const rows = await sql`SELECT * FROM credential_state WHERE credential_id = ${id}`;
      return rows[0] === undefined ? undefined : toState(rows[0]);
    },
    async withRefreshLock<T>(
      id: string,
      fn: (state: CredentialStateRow) => Promise<LockedResult<T>>,
      options: RefreshLockOptions,
    ): Promise<T> {
      // Why: postgres.js types `begin` as returning unwrapped arrays; the value goes around it.
      const out: { value?: T } = {};
      try {
        await sql.begin(async (tx) => {
          // Why: a refresh that hangs must not hold every other instance forever.
          await tx`SELECT set_config('lock_timeout', ${`${options.waitMs}ms`}, true)`;
          await tx`INSERT INTO credential_state (credential_id, credential_version, state_version,
              updated_at)
            SELECT id, active_version, 0, ${options.now()} FROM credentials WHERE id = ${id}
            ON CONFLICT (credential_id) DO NOTHING`;
          const row = (await lockState(tx, id))[0];
          if (row === undefined) throw notFound(id);
          const state = toState(row);
          const result = await fn(state);
          out.value = result.value;
          if (result.write === undefined) return;
          const { credentialVersion, sealed, kekVersion, sealFormat } = result.write;
          const written = await tx`UPDATE credential_state
            SET credential_version = ${credentialVersion}, sealed = ${sealed},
              kek_version = ${kekVersion}, seal_format = ${sealFormat},
              state_version = state_version + 1, updated_at = ${options.now()}
            WHERE credential_id = ${id} AND state_version = ${state.stateVersion}`;
          if (written.count !== 1) throw new Error("Credential state changed under its row lock");
        });
      } catch (error) {
        if ((error as { code?: string }).code === "55P03") throw lockTimeout(options.waitMs);
        throw error;
      }
      return out.value as T;
    },
    async listSealedNotUnder(kekVersion, limit) {
      return await listSealed(sql, {
        versions: sql`v.kek_version <> ${kekVersion}`,
        states: sql`s.kek_version <> ${kekVersion}`,
      }, limit);
    },
    async listSealedBelowFormat(sealFormat, limit) {
      return await listSealed(sql, {
        versions: sql`v.seal_format < ${sealFormat}`,
        states: sql`s.seal_format < ${sealFormat}`,
      }, limit);
    },
    async replaceSealed(ref, next) {
      const { sealed, kekVersion, sealFormat } = next;
      const result = ref.slot === "version"
        ? await sql`UPDATE credential_versions SET sealed = ${sealed}, kek_version = ${kekVersion},
            seal_format = ${sealFormat}
          WHERE credential_id = ${ref.credentialId} AND version = ${ref.version}
            AND kek_version = ${ref.kekVersion} AND seal_format = ${ref.sealFormat}`
        : await sql`UPDATE credential_state SET sealed = ${sealed}, kek_version = ${kekVersion},
            seal_format = ${sealFormat}
          WHERE credential_id = ${ref.credentialId} AND state_version = ${ref.stateVersion}
            AND kek_version = ${ref.kekVersion} AND seal_format = ${ref.sealFormat}`;
      return result.count === 1;
    },
    async kekVersionsInUse() {
      const rows = await sql`SELECT kek_version FROM credential_versions
        UNION SELECT kek_version FROM credential_state WHERE kek_version IS NOT NULL
        ORDER BY 1`;
      return rows.map((row) => toNumber(row.kek_version));
    },
  };
}

/** Version and state blobs matching the two conditions, with the name and settings they bind. */
async function listSealed(
  sql: Sql,
  where: { versions: Fragment; states: Fragment },
  limit: number,
): Promise<SealedRef[]> {
  const versions = await sql`SELECT v.credential_id, c.name, v.version, v.kind, v.config,
      v.kek_version, v.seal_format, v.sealed
    FROM credential_versions v JOIN credentials c ON c.id = v.credential_id
    WHERE ${where.versions} LIMIT ${limit}`;
  const states = await sql`SELECT s.credential_id, c.name, s.credential_version, v.kind, v.config,
      s.state_version, s.kek_version, s.seal_format, s.sealed
    FROM credential_state s
      JOIN credential_versions v
        ON v.credential_id = s.credential_id AND v.version = s.credential_version
      JOIN credentials c ON c.id = s.credential_id
    WHERE s.sealed IS NOT NULL AND ${where.states} LIMIT ${limit}`;
  return [...versions.map(toVersionRef), ...states.map(toStateRef)].slice(0, limit);
}

function lockState(tx: TransactionSql, id: string) {
  return tx`SELECT * FROM credential_state WHERE credential_id = ${id} FOR UPDATE`;
}

async function insertVersion(
  tx: TransactionSql,
  id: string,
  version: number,
  v: NewCredentialVersion,
  meta: { actor: string; at: number },
): Promise<void> {
  await tx`INSERT INTO credential_versions (credential_id, version, kind, config, sealed,
      kek_version, seal_format, created_at, created_by)
    VALUES (${id}, ${version}, ${v.kind}, ${v.config}, ${v.sealed}, ${v.kekVersion},
      ${v.sealFormat}, ${meta.at}, ${meta.actor})`;
}

async function insertEvent(
  tx: TransactionSql,
  event: { id: string; name: string; action: string; version: number | null },
  meta: { actor: string; at: number },
): Promise<void> {
  await tx`INSERT INTO credential_events (credential_id, credential_name, action, version, actor,
      at)
    VALUES (${event.id}, ${event.name}, ${event.action}, ${event.version}, ${meta.actor},
      ${meta.at})`;
}
