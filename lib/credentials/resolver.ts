/**
 * The call path: a credential name to the `OutboundAuth` one backend request carries. Opened
 * versions and access tokens stay in memory; the active version is re-read at most every
 * `revalidateMs`, so a rotation reaches every instance within that time without a restart.
 */

import { GatewayError } from "../errors.ts";
import type { Secret } from "../secret.ts";
import type { CredentialRow } from "../store/mod.ts";
import { credentialNotFound, openVersion, type VaultContext } from "./context.ts";
import type { OutboundAuth } from "./inject.ts";
import { isOAuthKind } from "./kinds.ts";
import { bearerAuth, type Material, primarySecret } from "./material.ts";
import { obtainToken, type TokenSet } from "./tokens.ts";

/** A credential ready for one call. */
export interface ResolvedCredential {
  /** The credential's name, as a tool's `auth` names it. */
  readonly name: string;
  /** The version whose secret `auth` carries: the active one, or a retired one on a 401 retry. */
  readonly version: number;
  /** That version's credential kind (`bearer`, `api_key`, `oauth2_client_credentials`, …). */
  readonly kind: string;
  /** What to set on the backend request, and the redactor for its secrets. */
  readonly auth: OutboundAuth;
  /** OAuth kinds: the access token in `auth`, so a 401 can ask for a newer one. */
  readonly token?: Secret;
  /**
   * The credential's primary secret, for upstreams that take a bare value (a stdio child's env):
   * bearer token, API key value, basic password, OAuth access token; absent for `headers`.
   */
  readonly secret?: Secret;
}

/** Resolution with an in-memory cache. */
export interface Resolver {
  /** @throws GatewayError NOT_FOUND, INVALID_CONFIG, INTERNAL or an OAuth UPSTREAM_* error. */
  resolve(name: string): Promise<ResolvedCredential>;
  /**
   * What to retry with, once, after an upstream 401: a newer token (OAuth kinds) or the previous
   * version while its grace period lasts; undefined when there is nothing else to try.
   */
  retryAfterUnauthorized(used: ResolvedCredential): Promise<ResolvedCredential | undefined>;
  /** Drops a credential from this instance's cache (after a local change). */
  forget(name: string): void;
}

interface Entry {
  row: CredentialRow;
  checkedAt: number;
  materials: Map<number, Material>;
  tokens: Map<number, { token: TokenSet; resolved: ResolvedCredential }>;
  pending: Map<string, Promise<unknown>>;
}

/** Builds the resolver; `revalidateMs` bounds how stale the cached active version may be. */
export function createResolver(ctx: VaultContext, options: { revalidateMs: number }): Resolver {
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<Entry>>();

  async function entryOf(name: string): Promise<Entry> {
    const cached = entries.get(name);
    if (cached !== undefined && ctx.now() - cached.checkedAt < options.revalidateMs) return cached;
    let load = loading.get(name);
    if (load === undefined) {
      load = revalidate(name, cached).finally(() => loading.delete(name));
      loading.set(name, load);
    }
    return await load;
  }

  async function revalidate(name: string, cached: Entry | undefined): Promise<Entry> {
    let row: CredentialRow | undefined;
    try {
      row = await ctx.repo.get(name);
    } catch (error) {
      if (cached === undefined) throw error;
      // Why: a store outage must not take down calls whose credential is already in memory.
      ctx.logger.warn("Cannot re-read credential: serving the cached version", { name, error });
      cached.checkedAt = ctx.now();
      return cached;
    }
    if (row === undefined) {
      entries.delete(name);
      throw credentialNotFound(name);
    }
    const keep = cached !== undefined && cached.row.id === row.id;
    const entry: Entry = keep
      ? { ...cached, row, checkedAt: ctx.now() }
      : { row, checkedAt: ctx.now(), materials: new Map(), tokens: new Map(), pending: new Map() };
    entries.set(name, entry);
    return entry;
  }

  function once<T>(entry: Entry, key: string, work: () => Promise<T>): Promise<T> {
    const running = entry.pending.get(key);
    if (running !== undefined) return running as Promise<T>;
    const started = work().finally(() => entry.pending.delete(key));
    entry.pending.set(key, started);
    return started;
  }

  async function materialOf(entry: Entry, version: number): Promise<Material> {
    const known = entry.materials.get(version);
    if (known !== undefined) return known;
    const material = await once(
      entry,
      `open:${version}`,
      () => openVersion(ctx, entry.row, version),
    );
    entry.materials.set(version, material);
    for (const old of entry.materials.keys()) {
      if (old < entry.row.activeVersion - 1) entry.materials.delete(old);
    }
    return material;
  }

  async function withToken(
    entry: Entry,
    material: Material,
    rejected?: Secret,
  ): Promise<ResolvedCredential> {
    const cached = entry.tokens.get(material.version);
    if (rejected === undefined && cached !== undefined && ctx.now() < cached.token.refreshAt) {
      return cached.resolved;
    }
    const key = `token:${material.version}:${rejected === undefined ? "" : "renew"}`;
    return await once(entry, key, async () => {
      const token = await obtainToken(ctx, material, rejected);
      const resolved: ResolvedCredential = {
        name: material.name,
        version: material.version,
        kind: material.config.kind,
        auth: bearerAuth(token.accessToken, material, {
          extra: token.refreshToken ? [token.refreshToken] : [],
          tokenFields: token.fields,
        }),
        token: token.accessToken,
        secret: token.accessToken,
      };
      entry.tokens.set(material.version, { token, resolved });
      return resolved;
    });
  }

  async function resolveVersion(entry: Entry, version: number): Promise<ResolvedCredential> {
    const material = await materialOf(entry, version);
    if (material.staticAuth !== undefined) {
      const secret = primarySecret(material);
      return {
        name: material.name,
        version,
        kind: material.config.kind,
        auth: material.staticAuth,
        ...(secret === undefined ? {} : { secret }),
      };
    }
    return await withToken(entry, material);
  }

  return {
    async resolve(name) {
      const entry = await entryOf(name);
      return await resolveVersion(entry, entry.row.activeVersion);
    },
    async retryAfterUnauthorized(used) {
      const entry = await entryOf(used.name);
      if (isOAuthKind(used.kind) && used.token !== undefined) {
        const material = await materialOf(entry, used.version);
        const renewed = await withToken(entry, material, used.token);
        return renewed.token?.reveal() === used.token.reveal() ? undefined : renewed;
      }
      const previous = used.version - 1;
      if (used.version !== entry.row.activeVersion || previous < 1) return undefined;
      const stored = await ctx.repo.getVersion(entry.row.id, previous);
      const graceEnds = (stored?.retiredAt ?? -Infinity) + entry.row.graceMs;
      if (stored === undefined || ctx.now() >= graceEnds) return undefined;
      ctx.logger.info("Retrying with the previous credential version after HTTP 401", {
        name: used.name,
        version: previous,
        graceEndsAt: new Date(graceEnds).toISOString(),
      });
      return await resolveVersion(entry, previous);
    },
    forget(name) {
      entries.delete(name);
    },
  };
}

/** Whether an error is an upstream's HTTP 401 (the backend's `UPSTREAM_ERROR`, `upstream` 401). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof GatewayError && error.code === "UPSTREAM_ERROR" &&
    error.upstream?.status === 401;
}
