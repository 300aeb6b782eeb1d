/**
 * Access tokens for the OAuth kinds. Client credentials: fetched on demand per instance. Refresh
 * tokens: the current token set (access token, expiry, newest refresh token) is shared by every
 * instance through the sealed state row; a refresh runs under the store's refresh lock, so one
 * instance refreshes at a time and a rotated refresh token is persisted before anyone uses it.
 */

import { Secret } from "../secret.ts";
import type { CredentialStateRow } from "../store/mod.ts";
import { requireKeyring, type VaultContext } from "./context.ts";
import type { OAuthConfig } from "./kinds.ts";
import type { Material } from "./material.ts";
import { type IssuedToken, requestToken } from "./oauth.ts";
import { createRedactor } from "./redactor.ts";
import { open, seal, SEAL_FORMAT, type SealBinding } from "./seal.ts";

/** A usable access token and when to stop using it. */
export interface TokenSet {
  accessToken: Secret;
  expiresAt: number;
  refreshAt: number;
  /** Refresh-token kind: the newest refresh token. */
  refreshToken?: Secret;
  /** Non-secret URL fields of the token response (`instance_url`); see `IssuedToken`. */
  fields: Record<string, string>;
}

/**
 * A token for `material` (an OAuth kind), newer than `rejected` when given (the token an upstream
 * just answered 401 to).
 * @throws GatewayError UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE or UPSTREAM_TIMEOUT from the token
 * endpoint or the refresh lock; INTERNAL when stored state does not open.
 */
export async function obtainToken(
  ctx: VaultContext,
  material: Material,
  rejected?: Secret,
): Promise<TokenSet> {
  const config = material.config as OAuthConfig & { kind: string };
  if (material.config.kind === "oauth2_client_credentials") {
    return await issue(ctx, material, config, { type: "client_credentials" });
  }
  const shared = await readShared(ctx, material);
  if (shared !== undefined && usable(ctx, shared, rejected)) return shared;
  return await ctx.repo.withRefreshLock(material.credentialId, async (row) => {
    const current = await openState(ctx, material, row);
    // Why: another instance refreshed while this one waited for the lock; use its token rather
    // than spending the (rotated, single-use) refresh token a second time.
    if (current !== undefined && usable(ctx, current, rejected)) return { value: current };
    const refreshToken = current?.refreshToken ?? material.secret.refreshToken!;
    const issued = await issue(ctx, material, config, { type: "refresh_token", refreshToken });
    const next: TokenSet = { ...issued, refreshToken: issued.refreshToken ?? refreshToken };
    const keyring = requireKeyring(ctx);
    const kek = keyring.primary();
    const binding = stateBinding(material, row.stateVersion + 1);
    const sealed = await seal(encodeState(next), binding, kek);
    ctx.logger.info("OAuth refresh token used", {
      credential: material.name,
      version: material.version,
      rotated: issued.refreshToken !== undefined,
    });
    return {
      value: next,
      write: {
        credentialVersion: material.version,
        sealed,
        kekVersion: kek.version,
        sealFormat: SEAL_FORMAT,
      },
    };
  }, { now: ctx.now, waitMs: ctx.lockWaitMs, leaseMs: ctx.leaseMs });
}

function usable(ctx: VaultContext, token: TokenSet, rejected: Secret | undefined): boolean {
  if (rejected !== undefined && token.accessToken.reveal() === rejected.reveal()) return false;
  return ctx.now() < token.refreshAt;
}

async function issue(
  ctx: VaultContext,
  material: Material,
  config: OAuthConfig,
  grant: Parameters<typeof requestToken>[1],
): Promise<IssuedToken> {
  const redact = createRedactor(Object.values(material.secret).map((s) => s.reveal()));
  if (grant.type === "refresh_token") ctx.issued.refreshToken++;
  else ctx.issued.clientCredentials++;
  return await requestToken(config, grant, {
    clientSecret: material.secret.clientSecret,
    fetch: ctx.fetch,
    now: ctx.now,
    timeoutMs: ctx.tokenTimeoutMs,
    redact,
  });
}

async function readShared(ctx: VaultContext, material: Material): Promise<TokenSet | undefined> {
  const row = await ctx.repo.readState(material.credentialId);
  return row === undefined ? undefined : await openState(ctx, material, row);
}

async function openState(
  ctx: VaultContext,
  material: Material,
  row: CredentialStateRow,
): Promise<TokenSet | undefined> {
  if (row.sealed === null || row.credentialVersion !== material.version) return undefined;
  const plaintext = await open(
    row.sealed,
    stateBinding(material, row.stateVersion),
    requireKeyring(ctx),
  );
  const json = JSON.parse(new TextDecoder().decode(plaintext));
  plaintext.fill(0);
  return {
    accessToken: new Secret(json.accessToken),
    expiresAt: json.expiresAt,
    refreshAt: json.refreshAt,
    ...(typeof json.refreshToken === "string"
      ? { refreshToken: new Secret(json.refreshToken) }
      : {}),
    fields: isStringRecord(json.fields) ? json.fields : {},
  };
}

/**
 * The binding of a state blob: its record, name and settings (those of the version the tokens
 * were obtained with) and the state version it is written as.
 */
export function stateBinding(
  material: { credentialId: string; name: string; version: number; config: { kind: string } },
  stateVersion: number,
): SealBinding {
  return {
    credentialId: material.credentialId,
    name: material.name,
    version: material.version,
    kind: material.config.kind,
    config: material.config,
    slot: "state",
    stateVersion,
  };
}

function encodeState(token: TokenSet): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode(JSON.stringify({
    accessToken: token.accessToken.reveal(),
    expiresAt: token.expiresAt,
    refreshAt: token.refreshAt,
    refreshToken: token.refreshToken?.reveal(),
    fields: token.fields,
  })));
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string");
}
