/**
 * Persistence: PostgreSQL (when `NEXUS_DATABASE_URL` is set) or the embedded SQLite file under
 * `dataDir`, behind one contract. All SQL the gateway runs lives in this folder.
 *
 * Adding a table (any engineer): append a migration in `migrations.ts` (ranges are listed there;
 * the DDL is per dialect), write `lib/store/<thing>_repo.ts` exporting `create<Thing>Repo(db:
 * Database)` with each statement written once as a tagged template on the dialect seam
 * (`dialect.ts`: `` sql`… ${value}` ``, rows read with `rows.ts`), build it in `store.ts` and add
 * it to `Store`. Only what truly differs branches on `db.dialect` (see `credential_refresh.ts`).
 * Tests: `tests/store/_stores.ts` opens both stores, isolated.
 */

/** Credential rows and their repository contract; methods raise GatewayError INVALID_INPUT,
 * NOT_FOUND or UPSTREAM_TIMEOUT as documented on `CredentialRepo`. */
export type {
  ChangeMeta,
  CredentialEventRow,
  CredentialRepo,
  CredentialRow,
  CredentialStateRow,
  CredentialVersionRow,
  LockedResult,
  NewCredentialVersion,
  RefreshLockOptions,
  SealedRecord,
  SealedRef,
  SealedReplacement,
} from "./credentials.ts";
/**
 * API key rows (hashes only) and their repository (`store.apiKeys`); `insert` raises CONFLICT (an
 * active key has the name), and on the embedded store every method UPSTREAM_TIMEOUT when it stays
 * locked.
 */
export type { ApiKeyRepo, ApiKeyRow, ApiKeyScope } from "./api_keys_repo.ts";
/**
 * Audit rows and their repository (`store.audit`: append in batches, query, prune); its methods
 * raise only UPSTREAM_TIMEOUT, when the embedded store stays locked.
 */
export type { AuditFilter, AuditRepo, AuditRow, StoredAuditRow } from "./audit_repo.ts";
/**
 * Approved upstream tool definitions and their repository (`store.pins`); methods raise only
 * UPSTREAM_TIMEOUT, when the embedded store stays locked.
 */
export type { ToolPinRepo, ToolPinRow } from "./pins_repo.ts";
/** What `store.migrate()` takes and reports; types only. */
export type { MigrateOptions, MigrateResult } from "./migrate.ts";
/** One migration (id `NNN_name`), as `store.migrate()` takes them; type only. */
export type { Migration } from "./migrations.ts";
/** Opens Postgres or the embedded file and migrates it; raises INVALID_CONFIG, UPSTREAM_TIMEOUT. */
export { openStore, type OpenStoreOptions, type StoreConfig } from "./open.ts";
/** The store handle (its repositories) and its dialects; raise nothing themselves. */
export type { Store, StoreDialect } from "./types.ts";

// Redis (rate limits and response cache): connection, limit and cache state, fault episodes.
/**
 * Opens a self-reconnecting Redis connection; commands raise UPSTREAM_UNAVAILABLE on faults. The
 * reply and listener types are what `command()` and `subscribe()` name; types only.
 */
export {
  type MessageListener,
  openRedis,
  type RedisConnection,
  type RedisOptions,
  type RedisReply,
} from "./redis/connection.ts";
/** Limit state in Redis (sliding windows, upstream quotas); methods raise UPSTREAM_UNAVAILABLE. */
export { createRedisLimitStore, type RedisLimitStoreOptions } from "./redis/limit_store.ts";
/** Cache state in Redis (payloads, flight locks, outcome channel); raises UPSTREAM_UNAVAILABLE. */
export { createRedisCacheStore } from "./redis/cache_store.ts";
/** Every Redis key and channel name, built in one place (the pub/sub fan-out channel too). */
export { redisKey, type RedisKeyKind } from "./redis/keys.ts";
/** Logs a fault episode once and counts every fallback; raises nothing. */
export { createFaultTracker, type FaultTracker } from "./redis/fault_tracker.ts";
/** The limit and cache contracts both Redis and the in-process stores implement; types only. */
export type {
  CacheLookup,
  CacheSettlement,
  CacheStore,
  ClockOption,
  LimitCheck,
  LimitStore,
  LimitVerdict,
  UpstreamReport,
  UpstreamVerdict,
} from "./redis/types.ts";
