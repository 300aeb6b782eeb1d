/**
 * The store contract: one handle per process on either PostgreSQL or the embedded SQLite file,
 * and the repositories built on it. Every SQL statement the gateway runs lives in `lib/store/`.
 */

import type { ApiKeyRepo } from "./api_keys_repo.ts";
import type { AuditRepo } from "./audit_repo.ts";
import type { CredentialRepo } from "./credentials.ts";
import type { MigrateOptions, MigrateResult } from "./migrate.ts";
import type { ToolPinRepo } from "./pins_repo.ts";

/** Which database backs a store. */
export type StoreDialect = "postgres" | "sqlite";

/** An open store: the database, its migrations applied, and one repository per table. */
export interface Store {
  /** Which database backs the store. */
  readonly dialect: StoreDialect;
  /** Where the data lives, with no password: `postgres://host:port/db (schema s)` or a file. */
  readonly location: string;
  /** Credential rows (sealed secrets only), for the vault. */
  readonly credentials: CredentialRepo;
  /** API key rows (hashes only), for authentication and the admin API. */
  readonly apiKeys: ApiKeyRepo;
  /** Audit rows, for the audit log writer, `nexus audit` and the admin API. */
  readonly audit: AuditRepo;
  /** Approved upstream tool definitions, for pinning. */
  readonly pins: ToolPinRepo;
  /**
   * Applies pending migrations (`openStore` does unless told not to).
   * @throws GatewayError INVALID_CONFIG when one fails or the store is newer than this build;
   *   UPSTREAM_TIMEOUT when the embedded file stays locked.
   */
  migrate(options?: MigrateOptions): Promise<MigrateResult>;
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Closes the database handle (Postgres pool or embedded file); the store is unusable after. */
  close(): Promise<void>;
}
