/**
 * What every part of the vault shares: the repository, the keyring, the clock and the limits;
 * and opening one stored credential version into `Material`.
 */

import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CredentialRepo, CredentialRow, CredentialVersionRow } from "../store/mod.ts";
import type { Keyring } from "./keyring.ts";
import type { KindConfig, PlainSecret } from "./kinds.ts";
import { createMaterial, type Material } from "./material.ts";
import { open } from "./seal.ts";

/** Shared vault dependencies, with defaults applied. */
export interface VaultContext {
  repo: CredentialRepo;
  keyring: Keyring | undefined;
  logger: Logger;
  now: () => number;
  fetch: typeof fetch;
  /** Token endpoint timeout, ms. */
  tokenTimeoutMs: number;
  /** Longest wait for another instance's refresh, ms. */
  lockWaitMs: number;
  /** Embedded store: a refresh lease outlives a dead holder this long, ms. */
  leaseMs: number;
  /** Access tokens obtained from token endpoints since start, by grant (for `/metrics`). */
  issued: TokenCounts;
}

/** Access tokens obtained from token endpoints since start, by grant type. */
export interface TokenCounts {
  /** OAuth refresh-token grants (a refresh token was spent). */
  refreshToken: number;
  /** OAuth client-credentials grants. */
  clientCredentials: number;
}

/**
 * The keyring, or the error explaining how to configure one.
 * @throws GatewayError INVALID_CONFIG when no master key is configured.
 */
export function requireKeyring(ctx: VaultContext): Keyring {
  if (ctx.keyring !== undefined) return ctx.keyring;
  throw new GatewayError(
    "INVALID_CONFIG",
    "No master key configured: set NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE (nexus keys generate prints a key)",
  );
}

/** The error for a credential that does not exist. */
export function credentialNotFound(name: string): GatewayError {
  return new GatewayError("NOT_FOUND", `Credential not found: "${name}"`);
}

/** The settings stored with a version (parsed as stored; the sealed blob authenticates them). */
export function configOf(version: Pick<CredentialVersionRow, "config">): KindConfig {
  return JSON.parse(version.config) as KindConfig;
}

/**
 * Opens one version of `row` into material.
 * @throws GatewayError NOT_FOUND when the version is gone; INTERNAL when it does not open.
 */
export async function openVersion(
  ctx: VaultContext,
  row: CredentialRow,
  version: number,
): Promise<Material> {
  const keyring = requireKeyring(ctx);
  const stored = await ctx.repo.getVersion(row.id, version);
  if (stored === undefined) {
    throw new GatewayError("NOT_FOUND", `Credential "${row.name}" has no version ${version}`);
  }
  const config = configOf(stored);
  const plaintext = await open(stored.sealed, {
    credentialId: row.id,
    name: row.name,
    version,
    kind: stored.kind,
    config,
    slot: "secret",
  }, keyring);
  const plain = JSON.parse(new TextDecoder().decode(plaintext)) as PlainSecret;
  plaintext.fill(0);
  return createMaterial({ credentialId: row.id, name: row.name, version, config }, plain);
}
