/**
 * Bringing stored blobs up to date, online: `rewrapAll` re-wraps every data key that is not under
 * the primary KEK (key rotation), `resealAll` re-seals every blob in an older sealed format (the
 * format-2 migration). Current-format ciphertexts stay as they are; each blob is replaced with a
 * compare-and-swap, so a concurrent change (a rotation, a token refresh) wins and the blob is
 * simply listed again or is already current.
 */

import type { SealedRef } from "../store/mod.ts";
import { configOf, requireKeyring, type VaultContext } from "./context.ts";
import { rewrap, SEAL_FORMAT, type SealBinding } from "./seal.ts";

/** What a re-wrap run did. */
export interface RewrapReport {
  /** The primary KEK version everything is now wrapped under. */
  kekVersion: number;
  /** Blobs whose data key was re-wrapped under the primary KEK. */
  rewrapped: number;
  /** Blobs that changed during the run and were re-listed. */
  raced: number;
  /** KEK versions still sealing something after the run (only the primary, when complete). */
  inUse: number[];
}

/** What a re-seal run did. */
export interface ResealReport {
  /** Blobs now sealed in the current format. */
  resealed: number;
  /** Blobs that changed during the run and were re-listed. */
  raced: number;
  /** Blobs that did not open (each logged with its credential); left as they are. */
  failed: number;
}

const BATCH = 100;
const MAX_ROUNDS = 10_000;

/**
 * Re-wraps all data keys under the primary KEK (re-sealing any older-format blob on the way).
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
      const next = { sealed: blob, kekVersion: primary.version, sealFormat: SEAL_FORMAT };
      if (await ctx.repo.replaceSealed(ref, next)) rewrapped++;
      else raced++;
    }
  }
  const inUse = await ctx.repo.kekVersionsInUse();
  ctx.logger.info("Data keys re-wrapped", { kekVersion: primary.version, rewrapped, raced, inUse });
  return { kekVersion: primary.version, rewrapped, raced, inUse };
}

/**
 * Re-seals every blob in an older format in the current one under the primary KEK, binding the
 * name and settings its row has now. A blob that does not open is logged and skipped (it fails
 * on use as it would have); the others are still re-sealed.
 * @throws GatewayError INVALID_CONFIG without a keyring.
 */
export async function resealAll(ctx: VaultContext): Promise<ResealReport> {
  const keyring = requireKeyring(ctx);
  const report: ResealReport = { resealed: 0, raced: 0, failed: 0 };
  const skipped = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const refs = (await ctx.repo.listSealedBelowFormat(SEAL_FORMAT, BATCH + skipped.size))
      .filter((ref) => !skipped.has(refKey(ref)));
    if (refs.length === 0) break;
    for (const ref of refs) {
      const primary = keyring.primary();
      let blob: Uint8Array;
      try {
        blob = await rewrap(ref.sealed, bindingOf(ref), keyring, primary);
      } catch (error) {
        skipped.add(refKey(ref));
        report.failed++;
        ctx.logger.error("Cannot re-seal credential", {
          name: ref.name,
          version: ref.version,
          error,
        });
        continue;
      }
      const next = { sealed: blob, kekVersion: primary.version, sealFormat: SEAL_FORMAT };
      if (await ctx.repo.replaceSealed(ref, next)) report.resealed++;
      else report.raced++;
    }
  }
  if (report.resealed + report.raced + report.failed > 0) {
    ctx.logger.info("Credentials re-sealed in the current format", {
      format: SEAL_FORMAT,
      ...report,
    });
  }
  return report;
}

function refKey(ref: SealedRef): string {
  return ref.slot === "version"
    ? `${ref.credentialId}/${ref.version}`
    : `${ref.credentialId}/state/${ref.stateVersion}`;
}

function bindingOf(ref: SealedRef): SealBinding {
  const record = {
    credentialId: ref.credentialId,
    name: ref.name,
    version: ref.version,
    kind: ref.kind,
    config: configOf(ref),
  };
  return ref.slot === "version"
    ? { ...record, slot: "secret" }
    : { ...record, slot: "state", stateVersion: ref.stateVersion };
}
