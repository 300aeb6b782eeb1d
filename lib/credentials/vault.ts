/**
 * The credential vault: the operations behind `nexus credentials …` and the admin API (set,
 * rotate, list, show, delete, test), key rotation, rotation-policy reporting, and the call-path
 * resolver. Everything returned here is metadata; a secret leaves only inside `OutboundAuth`.
 */

import { type Logger, silentLogger } from "../log.ts";
import type { CredentialEventRow, CredentialRepo, CredentialRow } from "../store/mod.ts";
import {
  configOf,
  credentialNotFound,
  openVersion,
  type TokenCounts,
  type VaultContext,
} from "./context.ts";
import type { Keyring } from "./keyring.ts";
import { isOAuthKind, type KindConfig, parseKindConfig } from "./kinds.ts";
import { createResolver, type ResolvedCredential } from "./resolver.ts";
import { resealAll, type ResealReport, rewrapAll, type RewrapReport } from "./rewrap.ts";
import { obtainToken } from "./tokens.ts";
import { addVersion, createCredential } from "./versions.ts";

/** What `list` and `show` print: never a secret. */
export interface CredentialInfo {
  /** The credential's name, as tools name it in `auth`. */
  name: string;
  /** The active version's kind. */
  kind: string;
  /** The version calls use now. */
  activeVersion: number;
  /** The active version's non-secret settings, by kind. */
  config: KindConfig;
  /** Rotation policy: the active version is due this many ms after it became active; null: none. */
  rotateEveryMs: number | null;
  /** How long, in ms, a replaced version stays usable for a retry after HTTP 401. */
  graceMs: number;
  /** When the credential was created, epoch ms. */
  createdAt: number;
  /** Who created it: `cli:<user>` or `admin:<client>`. */
  createdBy: string;
  /** When the active version last changed, epoch ms. */
  updatedAt: number;
  /** Who made that change: `cli:<user>` or `admin:<client>`. */
  updatedBy: string;
  /** When the rotation policy wants the next rotation; null without a policy. */
  rotationDueAt: number | null;
  /** Whether `rotationDueAt` has passed; false without a policy. */
  rotationOverdue: boolean;
}

/** `show`: the info plus each stored version and the recorded changes. */
export interface CredentialDetail extends CredentialInfo {
  /** Each stored version (the active one and at most one retired), newest first; no secrets. */
  versions: Array<{
    version: number;
    kind: string;
    kekVersion: number;
    createdAt: number;
    createdBy: string;
    retiredAt: number | null;
    /** Until when a retired version is still used for a retry after HTTP 401. */
    graceEndsAt: number | null;
  }>;
  /** The 20 most recent recorded changes, newest first. */
  events: CredentialEventRow[];
}

/** Input of `set`: create a credential, or give an existing one new settings and a new secret. */
export interface SetCredentialInput {
  /** The credential's name: a lower-case letter or digit, then up to 63 of `a-z 0-9 _ -`. */
  name: string;
  /** The credential kind, one of `CREDENTIAL_KINDS`. */
  kind: string;
  /** Kind settings (`in`, `name`, `prefix`, `username`, `tokenUrl`, `clientId`, `scopes`, …). */
  settings: Record<string, unknown>;
  /** The secret as the operator gave it (see `parseSecretInput`). */
  secretText: string;
  /** Rotation policy in ms (null: none); absent keeps the existing one (new: none). */
  rotateEveryMs?: number | null;
  /** How long a replaced version stays usable, in ms; absent keeps it (new: the vault default). */
  graceMs?: number;
  /** Who makes the change, for the credential's events: `cli:<user>` or `admin:<client>`. */
  actor: string;
}

/** Input of `rotate`: a new secret for the same settings. */
export interface RotateCredentialInput {
  /** The credential to rotate. */
  name: string;
  /** The new secret as the operator gave it (see `parseSecretInput`). */
  secretText: string;
  /** How long the replaced version stays usable, in ms (kept as the policy); absent keeps it. */
  graceMs?: number;
  /** Who rotates, recorded in the credential's events: `cli:<user>` or `admin:<client>`. */
  actor: string;
}

/** The vault. Operations raise GatewayError INVALID_INPUT, NOT_FOUND or INVALID_CONFIG. */
export interface Vault {
  /** Token requests sent to OAuth token endpoints since start, by grant; never throws. */
  tokensIssued(): Readonly<TokenCounts>;
  /** Creates a credential, or gives an existing one a new version (settings and secret). */
  set(input: SetCredentialInput): Promise<CredentialInfo>;
  /** Stores a new version with the same settings; the replaced one enters its grace period. */
  rotate(input: RotateCredentialInput): Promise<CredentialInfo>;
  /** Every credential's info, by name. */
  list(): Promise<CredentialInfo[]>;
  /** One credential's info, stored versions and recent changes. */
  show(name: string): Promise<CredentialDetail>;
  /** Deletes a credential with its versions and state; false when there was none. */
  delete(name: string, actor: string): Promise<boolean>;
  /** Opens the active version and, for OAuth kinds, obtains a token; returns a one-line result. */
  test(name: string): Promise<string>;
  /** Call path: see {@linkcode Resolver}. */
  resolve(name: string): Promise<ResolvedCredential>;
  /**
   * Call path, after an upstream 401: a newer token (OAuth kinds) or the previous version during
   * its grace period; undefined when there is nothing else to try.
   */
  retryAfterUnauthorized(used: ResolvedCredential): Promise<ResolvedCredential | undefined>;
  /** Re-wraps every data key not under the primary KEK. */
  rewrapAll(): Promise<RewrapReport>;
  /**
   * Re-seals every blob in an older sealed format in the current one (binding name and
   * settings); run at start and by `nexus migrate`. Raises INVALID_CONFIG without a master key.
   */
  resealAll(): Promise<ResealReport>;
  /** Credentials past their rotation policy; each is logged as a warning. */
  reportOverdue(): Promise<CredentialInfo[]>;
}

/** Options for {@linkcode createVault}. */
export interface VaultOptions {
  /** Where credentials are stored (sealed secrets only). */
  repo: CredentialRepo;
  /** Undefined when no master key is configured: metadata works, secrets do not. */
  keyring: Keyring | undefined;
  /** Receives changes, store faults the call path survived, overdue credentials; default: none. */
  logger?: Logger;
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Fetch for OAuth token endpoints (default `globalThis.fetch`); injectable for tests. */
  fetch?: typeof fetch;
  /** How stale the cached active version may be on the call path (default 1000 ms). */
  revalidateMs?: number;
  /** Grace period of a replaced version when a credential sets none (default 24 h). */
  defaultGraceMs?: number;
  /** Timeout of one token endpoint request in ms (default 10 000). */
  tokenTimeoutMs?: number;
  /** Longest wait for another instance's token refresh, in ms (default 15 000). */
  lockWaitMs?: number;
  /** Embedded store: how long a dead holder's refresh lease lasts, in ms (default 30 000). */
  leaseMs?: number;
}

const DAY_MS = 86_400_000;

/** Builds the vault over a credential repository and a keyring; raises nothing itself. */
export function createVault(options: VaultOptions): Vault {
  const ctx: VaultContext = {
    repo: options.repo,
    keyring: options.keyring,
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    fetch: options.fetch ?? globalThis.fetch,
    tokenTimeoutMs: options.tokenTimeoutMs ?? 10_000,
    lockWaitMs: options.lockWaitMs ?? 15_000,
    leaseMs: options.leaseMs ?? 30_000,
    issued: { refreshToken: 0, clientCredentials: 0 },
  };
  const resolver = createResolver(ctx, { revalidateMs: options.revalidateMs ?? 1000 });
  const defaultGraceMs = options.defaultGraceMs ?? DAY_MS;

  async function infoOf(row: CredentialRow): Promise<CredentialInfo> {
    const active = await ctx.repo.getVersion(row.id, row.activeVersion);
    const config = active === undefined ? { kind: "bearer" as const } : configOf(active);
    const dueAt = row.rotateEveryMs === null ? null : row.updatedAt + row.rotateEveryMs;
    return {
      ...row,
      kind: config.kind,
      config,
      rotationDueAt: dueAt,
      rotationOverdue: dueAt !== null && ctx.now() >= dueAt,
    };
  }

  async function mustGet(name: string): Promise<CredentialRow> {
    const row = await ctx.repo.get(name);
    if (row === undefined) throw credentialNotFound(name);
    return row;
  }

  return {
    tokensIssued: () => ({ ...ctx.issued }),
    async set(input) {
      const config = parseKindConfig(input.kind, input.settings);
      const existing = await ctx.repo.get(input.name);
      const policy = {
        rotateEveryMs: input.rotateEveryMs !== undefined
          ? input.rotateEveryMs
          : existing?.rotateEveryMs ?? null,
        graceMs: input.graceMs ?? existing?.graceMs ?? defaultGraceMs,
      };
      if (existing !== undefined) {
        const meta = { actor: input.actor, action: "update", policy };
        await addVersion(ctx, existing, config, input.secretText, meta);
      } else {
        await createCredential(ctx, {
          name: input.name,
          config,
          secretText: input.secretText,
          policy,
          actor: input.actor,
        });
      }
      resolver.forget(input.name);
      ctx.logger.info("Credential set", {
        name: input.name,
        kind: config.kind,
        actor: input.actor,
      });
      return await infoOf(await mustGet(input.name));
    },
    async rotate(input) {
      const row = await mustGet(input.name);
      const active = await ctx.repo.getVersion(row.id, row.activeVersion);
      if (active === undefined) throw credentialNotFound(input.name);
      const policy = { rotateEveryMs: row.rotateEveryMs, graceMs: input.graceMs ?? row.graceMs };
      const meta = { actor: input.actor, action: "rotate", policy };
      await addVersion(ctx, row, configOf(active), input.secretText, meta);
      resolver.forget(input.name);
      ctx.logger.info("Credential rotated", {
        name: input.name,
        version: row.activeVersion + 1,
        actor: input.actor,
        previousUsableFor: policy.graceMs,
      });
      return await infoOf(await mustGet(input.name));
    },
    async list() {
      return await Promise.all((await ctx.repo.list()).map(infoOf));
    },
    async show(name) {
      const row = await mustGet(name);
      const versions = await ctx.repo.listVersions(row.id);
      return {
        ...await infoOf(row),
        versions: versions.map((v) => ({
          version: v.version,
          kind: v.kind,
          kekVersion: v.kekVersion,
          createdAt: v.createdAt,
          createdBy: v.createdBy,
          retiredAt: v.retiredAt,
          graceEndsAt: v.retiredAt === null ? null : v.retiredAt + row.graceMs,
        })),
        events: await ctx.repo.events(name, 20),
      };
    },
    async delete(name, actor) {
      const deleted = await ctx.repo.delete(name, { actor, at: ctx.now() });
      resolver.forget(name);
      if (deleted) ctx.logger.info("Credential deleted", { name, actor });
      return deleted;
    },
    async test(name) {
      const row = await mustGet(name);
      const material = await openVersion(ctx, row, row.activeVersion);
      if (!isOAuthKind(material.config.kind)) {
        return `Credential "${name}" version ${row.activeVersion} (${material.config.kind}) opens`;
      }
      const token = await obtainToken(ctx, material);
      const seconds = Math.round((token.expiresAt - ctx.now()) / 1000);
      return `Credential "${name}" version ${row.activeVersion} (${material.config.kind}) obtained a token valid for ${seconds} s`;
    },
    resolve: (name) => resolver.resolve(name),
    retryAfterUnauthorized: (used) => resolver.retryAfterUnauthorized(used),
    rewrapAll: () => rewrapAll(ctx),
    resealAll: () => resealAll(ctx),
    async reportOverdue() {
      const overdue = (await this.list()).filter((info) => info.rotationOverdue);
      for (const info of overdue) {
        ctx.logger.warn("Credential is past its rotation policy", {
          name: info.name,
          version: info.activeVersion,
          dueAt: new Date(info.rotationDueAt!).toISOString(),
        });
      }
      return overdue;
    },
  };
}
