/**
 * Every sealed blob in the store (credential versions and OAuth state), listed and replaced for
 * key rotation and re-sealing. A replacement is a compare-and-swap on what was listed.
 */

import { type Executor, sql, type Statement } from "./dialect.ts";
import type { CredentialRepo, SealedRef } from "./credentials.ts";
import { toStateRef, toVersionRef } from "./credential_rows.ts";
import { int } from "./rows.ts";

/** The sealed-blob methods of the credential repository. */
export type SealedSlots = Pick<
  CredentialRepo,
  "listSealedNotUnder" | "listSealedBelowFormat" | "replaceSealed" | "kekVersionsInUse"
>;

/** The sealed-blob methods on `db`. Raise nothing themselves. */
export function createSealedSlots(db: Executor): SealedSlots {
  return {
    listSealedNotUnder(kekVersion, limit) {
      return listSealed(db, {
        versions: sql`v.kek_version <> ${kekVersion}`,
        states: sql`s.kek_version <> ${kekVersion}`,
      }, limit);
    },
    listSealedBelowFormat(sealFormat, limit) {
      return listSealed(db, {
        versions: sql`v.seal_format < ${sealFormat}`,
        states: sql`s.seal_format < ${sealFormat}`,
      }, limit);
    },
    async replaceSealed(ref, next) {
      const { sealed, kekVersion, sealFormat } = next;
      const changed = ref.slot === "version"
        ? await db.run(sql`UPDATE credential_versions SET sealed = ${sealed},
            kek_version = ${kekVersion}, seal_format = ${sealFormat}
          WHERE credential_id = ${ref.credentialId} AND version = ${ref.version}
            AND kek_version = ${ref.kekVersion} AND seal_format = ${ref.sealFormat}`)
        : await db.run(sql`UPDATE credential_state SET sealed = ${sealed},
            kek_version = ${kekVersion}, seal_format = ${sealFormat}
          WHERE credential_id = ${ref.credentialId} AND state_version = ${ref.stateVersion}
            AND kek_version = ${ref.kekVersion} AND seal_format = ${ref.sealFormat}`);
      return changed === 1;
    },
    async kekVersionsInUse() {
      const rows = await db.all(sql`SELECT kek_version FROM credential_versions
        UNION SELECT kek_version FROM credential_state WHERE kek_version IS NOT NULL
        ORDER BY 1`);
      return rows.map((row) => int(row.kek_version, "kek_version"));
    },
  };
}

/** Version and state blobs matching the two conditions, with the name and settings they bind. */
async function listSealed(
  db: Executor,
  where: { versions: Statement; states: Statement },
  limit: number,
): Promise<SealedRef[]> {
  const versions = await db.all(sql`SELECT v.credential_id, c.name, v.version, v.kind, v.config,
      v.kek_version, v.seal_format, v.sealed
    FROM credential_versions v JOIN credentials c ON c.id = v.credential_id
    WHERE ${where.versions} LIMIT ${limit}`);
  const states = await db.all(sql`SELECT s.credential_id, c.name,
      s.credential_version AS version, v.kind, v.config, s.state_version, s.kek_version,
      s.seal_format, s.sealed
    FROM credential_state s
      JOIN credential_versions v
        ON v.credential_id = s.credential_id AND v.version = s.credential_version
      JOIN credentials c ON c.id = s.credential_id
    WHERE s.sealed IS NOT NULL AND ${where.states} LIMIT ${limit}`);
  return [...versions.map(toVersionRef), ...states.map(toStateRef)].slice(0, limit);
}
