/**
 * KEK rotation: re-wraps every data key that is not under the primary KEK, online. Ciphertexts
 * stay as they are; each blob is replaced with a compare-and-swap, so a concurrent change (a
 * rotation, a token refresh) wins and the blob is simply listed again or is already current.
 */

import { requireKeyring, type VaultContext } from "./context.ts";
import { rewrap, type SealBinding } from "./seal.ts";
import type { SealedRef } from "../store/mod.ts";

/** What a re-wrap run did. */
export interface RewrapReport {
  /** The primary KEK version everything is now wrapped under. */
  kekVersion: number;
  rewrapped: number;
  /** Blobs that changed during the run and were re-listed. */
  raced: number;
  /** KEK versions still sealing something after the run (only the primary, when complete). */
  inUse: number[];
}

const BATCH = 100;
const MAX_ROUNDS = 10_000;

/**
 * Re-wraps all data keys under the primary KEK.
 * @throws GatewayError INVALID_CONFIG without a keyring; INTERNAL when a blob does not open.
 */
export async function rewrapAll(ctx: VaultContext): Promise<RewrapReport> {
  const keyring = requireKeyring(ctx);
  const primary = keyring.primary();
  let rewrapped = 0;
  let raced = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const refs = await ctx.repo.listSealedNotUnder(primary.version, BATCH);
    if (refs.length === 0) break;
    for (const ref of refs) {
      const blob = await rewrap(ref.sealed, bindingOf(ref), keyring, primary);
      if (await ctx.repo.replaceSealed(ref, blob, primary.version)) rewrapped++;
      else raced++;
    }
  }
  const inUse = await ctx.repo.kekVersionsInUse();
  ctx.logger.info("Data keys re-wrapped", { kekVersion: primary.version, rewrapped, raced, inUse });
  return { kekVersion: primary.version, rewrapped, raced, inUse };
}

function bindingOf(ref: SealedRef): SealBinding {
  return ref.slot === "version"
    ? { credentialId: ref.credentialId, version: ref.version, kind: ref.kind, slot: "secret" }
    : {
      credentialId: ref.credentialId,
      version: ref.version,
      kind: ref.kind,
      slot: "state",
      stateVersion: ref.stateVersion,
    };
}
