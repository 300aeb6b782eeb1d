/**
 * A store on an open database: the repositories, each built once here, and nothing else. The
 * database handle itself stays inside `lib/store/` (tests reach it through
 * {@linkcode databaseOf}; other folders can import only `mod.ts`).
 */

import { createApiKeyRepo } from "./api_keys_repo.ts";
import { createAuditRepo } from "./audit_repo.ts";
import { createCredentialRepo } from "./credentials_repo.ts";
import type { Database } from "./dialect.ts";
import { migrate } from "./migrate.ts";
import { createToolPinRepo } from "./pins_repo.ts";
import type { Store } from "./types.ts";

const DATABASE = Symbol("nexus.store.database");

/** The store on `db`, with every repository built on it. Raises nothing. */
export function createStore(db: Database): Store {
  const store: Store & { [DATABASE]: Database } = {
    dialect: db.dialect,
    location: db.location,
    credentials: createCredentialRepo(db),
    apiKeys: createApiKeyRepo(db),
    audit: createAuditRepo(db),
    pins: createToolPinRepo(db),
    migrate: (options) => migrate(db, options),
    ping: () => db.ping(),
    close: () => db.close(),
    [DATABASE]: db,
  };
  return store;
}

/**
 * The database under a store from {@linkcode createStore}, for tests that act as someone with
 * direct access to it (a raw `UPDATE`, a `PRAGMA`). Not exported from `mod.ts`.
 * @throws TypeError for a store not built here.
 */
export function databaseOf(store: Store): Database {
  const db = (store as Partial<Record<typeof DATABASE, Database>>)[DATABASE];
  if (db === undefined) throw new TypeError("Not a store built by createStore()");
  return db;
}
