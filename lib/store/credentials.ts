/**
 * The credential repository contract: rows as the vault reads and writes them. The store never
 * sees a plaintext secret; every `sealed` column holds a blob sealed by `lib/credentials/`.
 */

/** One credential: its name, which version is active and its rotation policy. */
export interface CredentialRow {
  id: string;
  name: string;
  activeVersion: number;
  /** Rotation policy: the active version is overdue this long after it was created. */
  rotateEveryMs: number | null;
  /** How long the previous version stays usable (retry on 401) after a rotation. */
  graceMs: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

/** One version of a credential: how it is injected (`kind`, `config`) and its sealed secret. */
export interface CredentialVersionRow {
  credentialId: string;
  version: number;
  kind: string;
  /** JSON text of the non-secret settings (header name, token URL, client id, scopes). */
  config: string;
  sealed: Uint8Array;
  kekVersion: number;
  /** The sealed format of `sealed` (as its header says); older formats are re-sealed. */
  sealFormat: number;
  createdAt: number;
  createdBy: string;
  /** When a newer version replaced this one; its grace period starts here. */
  retiredAt: number | null;
}

/** Mutable runtime state of a credential (OAuth tokens), shared by every instance. */
export interface CredentialStateRow {
  credentialId: string;
  /** The credential version this state was derived from. */
  credentialVersion: number;
  /** Increases with every write: the compare-and-swap token. */
  stateVersion: number;
  sealed: Uint8Array | null;
  kekVersion: number | null;
  sealFormat: number | null;
  updatedAt: number;
}

/** One recorded change: who did what to which credential, and when. */
export interface CredentialEventRow {
  credentialId: string;
  credentialName: string;
  /** `create`, `update`, `rotate`, `delete`. */
  action: string;
  version: number | null;
  actor: string;
  at: number;
}

/** A new version to store. */
export interface NewCredentialVersion {
  kind: string;
  config: string;
  sealed: Uint8Array;
  kekVersion: number;
  sealFormat: number;
}

/** A blob to put in place of a listed one. */
export interface SealedReplacement {
  /** The new blob. */
  sealed: Uint8Array;
  /** The KEK version its data key is wrapped under. */
  kekVersion: number;
  /** Its sealed format (as its header says). */
  sealFormat: number;
}

/** Who is changing something, and when. */
export interface ChangeMeta {
  actor: string;
  at: number;
  /** Event action recorded (`update` or `rotate` for a new version). */
  action?: string;
}

/** What a listed blob's AAD binds besides its slot: the record, its name and its settings. */
export interface SealedRecord {
  credentialId: string;
  /** The credential's name, joined from `credentials`. */
  name: string;
  version: number;
  kind: string;
  /** JSON text of the version's settings. */
  config: string;
  kekVersion: number;
  sealFormat: number;
  sealed: Uint8Array;
}

/** A sealed blob somewhere in the store, with what its AAD binds, for key rotation. */
export type SealedRef =
  | SealedRecord & { slot: "version" }
  | SealedRecord & { slot: "state"; stateVersion: number };

/** What a refresh under the lock decided: the value to return and the state to persist. */
export interface LockedResult<T> {
  value: T;
  write?: { credentialVersion: number } & SealedReplacement;
}

/** Options for {@linkcode CredentialRepo.withRefreshLock}. */
export interface RefreshLockOptions {
  now: () => number;
  /** Longest time to wait for another instance's refresh, in ms. */
  waitMs: number;
  /** How long a held lease stays valid if its holder dies (embedded store), in ms. */
  leaseMs: number;
}

/**
 * Credential rows in one database; implemented for Postgres and for the embedded SQLite file.
 * Methods raise GatewayError INVALID_INPUT (name taken), NOT_FOUND (no such credential) or
 * UPSTREAM_TIMEOUT (refresh lock not acquired in time).
 */
export interface CredentialRepo {
  /** Creates a credential with `version` as its version 1. */
  create(
    row: Pick<CredentialRow, "id" | "name" | "rotateEveryMs" | "graceMs">,
    version: NewCredentialVersion,
    meta: ChangeMeta,
  ): Promise<void>;
  /**
   * Adds version `expectedActive + 1`, makes it active and retires `expectedActive` (versions
   * older than that are deleted). Returns false, changing nothing, when the active version moved.
   */
  addVersion(
    id: string,
    expectedActive: number,
    version: NewCredentialVersion,
    meta: ChangeMeta & { policy?: Pick<CredentialRow, "rotateEveryMs" | "graceMs"> },
  ): Promise<boolean>;
  get(name: string): Promise<CredentialRow | undefined>;
  list(): Promise<CredentialRow[]>;
  getVersion(id: string, version: number): Promise<CredentialVersionRow | undefined>;
  listVersions(id: string): Promise<CredentialVersionRow[]>;
  /** Deletes a credential, its versions and state; false when there was none. */
  delete(name: string, meta: ChangeMeta): Promise<boolean>;
  /** Recorded changes of one credential, newest first. */
  events(name: string, limit?: number): Promise<CredentialEventRow[]>;
  readState(id: string): Promise<CredentialStateRow | undefined>;
  /**
   * Runs `fn` holding the credential's refresh lock across every instance on this database, with
   * the state row as it is under the lock (created empty, `sealed` null, on first use); persists `write` with a compare-and-swap on `stateVersion`.
   */
  withRefreshLock<T>(
    id: string,
    fn: (state: CredentialStateRow) => Promise<LockedResult<T>>,
    options: RefreshLockOptions,
  ): Promise<T>;
  /** Up to `limit` sealed blobs not under KEK `kekVersion`. */
  listSealedNotUnder(kekVersion: number, limit: number): Promise<SealedRef[]>;
  /** Up to `limit` sealed blobs in a format older than `sealFormat`. */
  listSealedBelowFormat(sealFormat: number, limit: number): Promise<SealedRef[]>;
  /**
   * Replaces one blob if it is still the one listed (same KEK version and format, and for state
   * the same state version); false when it changed meanwhile.
   */
  replaceSealed(ref: SealedRef, next: SealedReplacement): Promise<boolean>;
  /** Distinct KEK versions that seal something in the store. */
  kekVersionsInUse(): Promise<number[]>;
}
