/**
 * The store contract: one handle per process on either PostgreSQL or the embedded SQLite file,
 * and the repositories built on it. Every SQL statement the gateway runs lives in `lib/store/`.
 */

import type { DatabaseSync } from "node:sqlite";
import type { Sql } from "postgres";
import type { CredentialRepo } from "./credentials.ts";

/** Which database backs a store. */
export type StoreDialect = "postgres" | "sqlite";

/**
 * The raw database handle, for repositories inside `lib/store/` only: each repository has one
 * branch per dialect (postgres.js tagged templates, or prepared statements on `node:sqlite`).
 */
export type StoreDb =
  | { readonly dialect: "postgres"; readonly sql: Sql }
  | { readonly dialect: "sqlite"; readonly db: DatabaseSync; readonly path: string };

/** An open store: the database, its migrations applied, and the repositories on it. */
export interface Store {
  /** Which database backs the store. */
  readonly dialect: StoreDialect;
  /** Where the data lives, with no password: `postgres://host:port/db (schema s)` or a file. */
  readonly location: string;
  /** Raw handle for repositories in `lib/store/`; nothing outside this folder runs SQL. */
  readonly db: StoreDb;
  /** Credential rows (sealed secrets only), for the vault. */
  readonly credentials: CredentialRepo;
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Closes the database handle (Postgres pool or embedded file); the store is unusable after. */
  close(): Promise<void>;
}
