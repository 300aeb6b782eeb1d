/**
 * The credential repository contract: rows as the vault reads and writes them. The store never
 * sees a plaintext secret; every `sealed` column holds a blob sealed by `lib/credentials/`.
 */

/** One credential: its name, which version is active and its rotation policy. */
export interface CredentialRow {
  /** Opaque id set at creation (the vault's is a random UUID); every sealed blob binds it. */
  id: string;
  /** Unique name tools refer to in their `auth` setting. */
  name: string;
  /** The version calls use now: 1 at creation, one more with each update or rotation. */
  activeVersion: number;
  /** Rotation policy: the active version is overdue this long after it was created. */
  rotateEveryMs: number | null;
  /** How long the previous version stays usable (retry on 401) after a rotation. */
  graceMs: number;
  /** When the credential was created, epoch ms. */
  createdAt: number;
  /** Who created it: `cli:<user>` or `admin:<client>`. */
  createdBy: string;
  /** When the active version last changed, epoch ms; the rotation policy counts from here. */
  updatedAt: number;
  /** Who made that change, in the form of `createdBy`. */
  updatedBy: string;
}

/** One version of a credential: how it is injected (`kind`, `config`) and its sealed secret. */
export interface CredentialVersionRow {
  /** The `CredentialRow.id` this version belongs to. */
  credentialId: string;
  /** The version number, unique within its credential. */
  version: number;
  /** The credential kind the secret is injected as (`bearer`, `api_key`, `basic`, …). */
  kind: string;
  /** JSON text of the non-secret settings (header name, token URL, client id, scopes). */
  config: string;
  /** The sealed secret fields (layout in `lib/credentials/README.md`); never plaintext. */
  sealed: Uint8Array;
  /** The KEK version the blob's data key is wrapped under. */
  kekVersion: number;
  /** The sealed format of `sealed` (as its header says); older formats are re-sealed. */
  sealFormat: number;
  /** When this version was stored, epoch ms. */
  createdAt: number;
  /** Who stored it: `cli:<user>` or `admin:<client>`. */
  createdBy: string;
  /** When a newer version replaced this one; its grace period starts here. */
  retiredAt: number | null;
}

/** Mutable runtime state of a credential (OAuth tokens), shared by every instance. */
export interface CredentialStateRow {
  /** The credential this state belongs to. */
  credentialId: string;
  /** The credential version this state was derived from. */
  credentialVersion: number;
  /** Increases with every write: the compare-and-swap token. */
  stateVersion: number;
  /** The sealed OAuth tokens; null until a first token is stored. */
  sealed: Uint8Array | null;
  /** The KEK version `sealed` is wrapped under; null when `sealed` is. */
  kekVersion: number | null;
  /** The sealed format of `sealed`; null when `sealed` is. */
  sealFormat: number | null;
  /** When the row was created or last written, epoch ms. */
  updatedAt: number;
}

/** One recorded change: who did what to which credential, and when. */
export interface CredentialEventRow {
  /** The credential's id; events outlive a deleted credential. */
  credentialId: string;
  /** The credential's name when the change was made; `events(name)` looks them up by it. */
  credentialName: string;
  /** `create`, `update`, `rotate`, `delete`. */
  action: string;
  /** The version the change made active; null for `delete`. */
  version: number | null;
  /** Who made the change: `cli:<user>` or `admin:<client>`. */
  actor: string;
  /** When, epoch ms. */
  at: number;
}

/** A new version to store. */
export interface NewCredentialVersion {
  /** The credential kind the secret is injected as. */
  kind: string;
  /** JSON text of the non-secret settings; the sealed blob binds a digest of it. */
  config: string;
  /** The sealed secret fields. */
  sealed: Uint8Array;
  /** The KEK version the blob's data key is wrapped under. */
  kekVersion: number;
  /** The blob's sealed format (as its header says). */
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
  /** Who makes the change; recorded in the event and as `createdBy` / `updatedBy`. */
  actor: string;
  /** When, epoch ms; recorded as the event's time and as `createdAt` / `updatedAt`. */
  at: number;
  /** Event action recorded (`update` or `rotate` for a new version). */
  action?: string;
}

/** What a listed blob's AAD binds besides its slot: the record, its name and its settings. */
export interface SealedRecord {
  /** The credential the blob belongs to. */
  credentialId: string;
  /** The credential's name, joined from `credentials`. */
  name: string;
  /** The credential version: the one sealed, or for state the one its tokens were obtained with. */
  version: number;
  /** That version's kind. */
  kind: string;
  /** JSON text of the version's settings. */
  config: string;
  /** The KEK version the blob's data key is wrapped under now. */
  kekVersion: number;
  /** The blob's sealed format now. */
  sealFormat: number;
  /** The blob as listed. */
  sealed: Uint8Array;
}

/** A sealed blob somewhere in the store, with what its AAD binds, for key rotation. */
export type SealedRef =
  | SealedRecord & { slot: "version" }
  | SealedRecord & { slot: "state"; stateVersion: number };

/** What a refresh under the lock decided: the value to return and the state to persist. */
export interface LockedResult<T> {
  /** What `withRefreshLock` resolves to. */
  value: T;
  /**
   * State to store before the lock is released (compare-and-swap on `stateVersion`); absent: the
   * state row stays as it is.
   */
  write?: { credentialVersion: number } & SealedReplacement;
}

/** Options for {@linkcode CredentialRepo.withRefreshLock}. */
export interface RefreshLockOptions {
  /** The clock, epoch ms: written as `updatedAt`, and on the embedded store the lease's clock. */
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
  /** The credential named `name`; undefined when there is none. */
  get(name: string): Promise<CredentialRow | undefined>;
  /** Every credential, by name. */
  list(): Promise<CredentialRow[]>;
  /** One stored version; undefined when there is none (never added, or pruned by a rotation). */
  getVersion(id: string, version: number): Promise<CredentialVersionRow | undefined>;
  /** The stored versions of one credential (active, and at most one retired), newest first. */
  listVersions(id: string): Promise<CredentialVersionRow[]>;
  /** Deletes a credential, its versions and state; false when there was none. */
  delete(name: string, meta: ChangeMeta): Promise<boolean>;
  /** Recorded changes of one credential, newest first. */
  events(name: string, limit?: number): Promise<CredentialEventRow[]>;
  /** The OAuth state row; undefined until a refresh lock first created it. */
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
