/**
 * The credential repository, written once on the dialect seam: `credentials`,
 * `credential_versions`, `credential_events` and (through `credential_refresh.ts`)
 * `credential_state`. The store never sees a plaintext secret.
 */

import type { Database, Executor } from "./dialect.ts";
import { sql } from "./dialect.ts";
import type { ChangeMeta, CredentialRepo, NewCredentialVersion } from "./credentials.ts";
import { nameTaken, toCredential, toEvent, toState, toVersion } from "./credential_rows.ts";
import { withRefreshLock } from "./credential_refresh.ts";
import { createSealedSlots } from "./credential_sealed.ts";
import { firstOf } from "./rows.ts";

/** The credential repository on an open database. Raises what `CredentialRepo` documents. */
export function createCredentialRepo(database: Database): CredentialRepo {
  const db = database.scoped("use the credential store");
  return {
    async create(row, version, meta) {
      try {
        await db.transaction(async (tx) => {
          await tx.run(sql`INSERT INTO credentials (id, name, active_version, rotate_every_ms,
              grace_ms, created_at, created_by, updated_at, updated_by)
            VALUES (${row.id}, ${row.name}, 1, ${row.rotateEveryMs}, ${row.graceMs},
              ${meta.at}, ${meta.actor}, ${meta.at}, ${meta.actor})`);
          await insertVersion(tx, { id: row.id, version: 1 }, version, meta);
          await insertEvent(tx, { id: row.id, name: row.name, action: "create", version: 1 }, meta);
        });
      } catch (error) {
        if (db.isUniqueViolation(error)) throw nameTaken(row.name);
        throw error;
      }
    },
    addVersion(id, expectedActive, version, meta) {
      return db.transaction((tx) => addVersion(tx, { id, expectedActive }, version, meta));
    },
    async get(name) {
      return firstOf(
        await db.all(sql`SELECT * FROM credentials WHERE name = ${name}`),
        toCredential,
      );
    },
    async list() {
      return (await db.all(sql`SELECT * FROM credentials ORDER BY name`)).map(toCredential);
    },
    async getVersion(id, version) {
      const rows = await db.all(sql`SELECT * FROM credential_versions
        WHERE credential_id = ${id} AND version = ${version}`);
      return firstOf(rows, toVersion);
    },
    async listVersions(id) {
      const rows = await db.all(sql`SELECT * FROM credential_versions
        WHERE credential_id = ${id} ORDER BY version DESC`);
      return rows.map(toVersion);
    },
    delete(name, meta) {
      return db.transaction(async (tx) => {
        const rows = await tx.all(sql`DELETE FROM credentials WHERE name = ${name} RETURNING id`);
        const id = rows[0]?.id;
        if (typeof id !== "string") return false;
        await insertEvent(tx, { id, name, action: "delete", version: null }, meta);
        return true;
      });
    },
    async events(name, limit = 100) {
      const rows = await db.all(sql`SELECT * FROM credential_events
        WHERE credential_name = ${name} ORDER BY at DESC, id DESC LIMIT ${limit}`);
      return rows.map(toEvent);
    },
    async readState(id) {
      const rows = await db.all(sql`SELECT * FROM credential_state WHERE credential_id = ${id}`);
      return firstOf(rows, toState);
    },
    withRefreshLock: (id, fn, options) => withRefreshLock(db, id, fn, options),
    ...createSealedSlots(db),
  };
}

/** Adds version `expectedActive + 1`; false, changing nothing, when the active version moved. */
async function addVersion(
  tx: Executor,
  at: { id: string; expectedActive: number },
  version: NewCredentialVersion,
  meta: Parameters<CredentialRepo["addVersion"]>[3],
): Promise<boolean> {
  const { id, expectedActive } = at;
  const policy = meta.policy;
  const moved = await tx.all(sql`UPDATE credentials SET active_version = ${expectedActive + 1},
      updated_at = ${meta.at}, updated_by = ${meta.actor},
      rotate_every_ms = ${policy ? policy.rotateEveryMs : sql`rotate_every_ms`},
      grace_ms = ${policy ? policy.graceMs : sql`grace_ms`}
    WHERE id = ${id} AND active_version = ${expectedActive} RETURNING name`);
  const name = moved[0]?.name;
  if (typeof name !== "string") return false;
  await tx.run(sql`DELETE FROM credential_versions
    WHERE credential_id = ${id} AND version < ${expectedActive}`);
  await tx.run(sql`UPDATE credential_versions SET retired_at = ${meta.at}
    WHERE credential_id = ${id} AND version = ${expectedActive}`);
  await insertVersion(tx, { id, version: expectedActive + 1 }, version, meta);
  const action = meta.action ?? "rotate";
  await insertEvent(tx, { id, name, action, version: expectedActive + 1 }, meta);
  return true;
}

async function insertVersion(
  tx: Executor,
  at: { id: string; version: number },
  v: NewCredentialVersion,
  meta: ChangeMeta,
): Promise<void> {
  await tx.run(sql`INSERT INTO credential_versions (credential_id, version, kind, config, sealed,
      kek_version, seal_format, created_at, created_by)
    VALUES (${at.id}, ${at.version}, ${v.kind}, ${v.config}, ${v.sealed}, ${v.kekVersion},
      ${v.sealFormat}, ${meta.at}, ${meta.actor})`);
}

async function insertEvent(
  tx: Executor,
  event: { id: string; name: string; action: string; version: number | null },
  meta: ChangeMeta,
): Promise<void> {
  await tx.run(sql`INSERT INTO credential_events (credential_id, credential_name, action, version,
      actor, at)
    VALUES (${event.id}, ${event.name}, ${event.action}, ${event.version}, ${meta.actor},
      ${meta.at})`);
}
