/**
 * Envelope encryption of one secret: a fresh AES-256-GCM data key per seal, wrapped by the
 * primary KEK; both GCM operations bind the record through additional authenticated data. The
 * byte layout is documented in `README.md` next to this file; change both together.
 */

import { GatewayError } from "../errors.ts";
import { type Kek, type Keyring, toHex } from "./keyring.ts";

/** What a sealed blob is bound to: moving it to another record makes it fail to open. */
export interface SealBinding {
  credentialId: string;
  version: number;
  kind: string;
  /** `secret`: the version's secret; `state`: OAuth tokens, bound to their state version too. */
  slot: "secret" | "state";
  /** State blobs only: the `state_version` the blob is written as. */
  stateVersion?: number;
}

/** The readable header of a sealed blob. */
export interface SealedHeader {
  kekVersion: number;
  kekFingerprint: string;
}

const MAGIC = [0x4e, 0x58, 0x53, 0x01]; // "NXS" + format version 1
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const WRAPPED_BYTES = KEY_BYTES + TAG_BYTES;
const OFFSET = {
  kekVersion: 4,
  fingerprint: 8,
  wrapIv: 16,
  wrapped: 28,
  dataIv: 28 + WRAPPED_BYTES,
  ciphertext: 28 + WRAPPED_BYTES + IV_BYTES,
};
/** Bytes a sealed blob adds to its plaintext. */
export const SEAL_OVERHEAD = OFFSET.ciphertext + TAG_BYTES;

const encoder = new TextEncoder();

type Bytes = Uint8Array<ArrayBuffer>;

/** Seals `plaintext` for the record `binding` under `kek` (the keyring's primary). */
export async function seal(
  plaintext: Uint8Array<ArrayBuffer>,
  binding: SealBinding,
  kek: Kek,
): Promise<Uint8Array> {
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
    "encrypt",
  ]);
  const wrapIv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const dataIv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const wrapped = new Uint8Array(
    await crypto.subtle.wrapKey("raw", dataKey, kek.key, gcm(wrapIv, wrapAad(binding, kek))),
  );
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      gcm(dataIv, dataAad(binding)),
      dataKey,
      plaintext,
    ),
  );
  const out = new Uint8Array(OFFSET.ciphertext + ciphertext.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(OFFSET.kekVersion, kek.version);
  out.set(fromHex(kek.fingerprint), OFFSET.fingerprint);
  out.set(wrapIv, OFFSET.wrapIv);
  out.set(wrapped, OFFSET.wrapped);
  out.set(dataIv, OFFSET.dataIv);
  out.set(ciphertext, OFFSET.ciphertext);
  return out;
}

/**
 * Opens a sealed blob of the record `binding`, reloading the keyring once when the blob names a
 * KEK version that is not loaded.
 * @throws GatewayError INTERNAL with a message saying what failed: malformed blob, unknown or
 * mismatched KEK, or a data key or ciphertext that does not authenticate (tampered or moved).
 */
export async function open(
  blob: Uint8Array,
  binding: SealBinding,
  keyring: Keyring,
): Promise<Uint8Array> {
  const dataKey = await unwrapDataKey(blob, binding, keyring, false);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        gcm(blob.slice(OFFSET.dataIv, OFFSET.ciphertext), dataAad(binding)),
        dataKey,
        blob.slice(OFFSET.ciphertext),
      ),
    );
  } catch {
    throw sealError(
      binding,
      "ciphertext does not authenticate (modified, or copied from another record)",
    );
  }
}

/**
 * Re-wraps a blob's data key under `target`, leaving the ciphertext as it is.
 * @throws GatewayError INTERNAL as {@linkcode open} does.
 */
export async function rewrap(
  blob: Uint8Array,
  binding: SealBinding,
  keyring: Keyring,
  target: Kek,
): Promise<Uint8Array> {
  const dataKey = await unwrapDataKey(blob, binding, keyring, true);
  const wrapIv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const wrapped = new Uint8Array(
    await crypto.subtle.wrapKey("raw", dataKey, target.key, gcm(wrapIv, wrapAad(binding, target))),
  );
  const out = new Uint8Array(blob);
  new DataView(out.buffer).setUint32(OFFSET.kekVersion, target.version);
  out.set(fromHex(target.fingerprint), OFFSET.fingerprint);
  out.set(wrapIv, OFFSET.wrapIv);
  out.set(wrapped, OFFSET.wrapped);
  return out;
}

/**
 * Reads the header of a sealed blob.
 * @throws GatewayError INTERNAL when the blob is too short or not in this format.
 */
export function readHeader(blob: Uint8Array, binding?: SealBinding): SealedHeader {
  const valid = blob.length >= SEAL_OVERHEAD && MAGIC.every((byte, i) => blob[i] === byte);
  if (!valid) throw sealError(binding, "not a sealed credential in format 1 (malformed)");
  return {
    kekVersion: new DataView(blob.buffer, blob.byteOffset).getUint32(OFFSET.kekVersion),
    kekFingerprint: toHex(blob.subarray(OFFSET.fingerprint, OFFSET.wrapIv)),
  };
}

async function unwrapDataKey(
  blob: Uint8Array,
  binding: SealBinding,
  keyring: Keyring,
  extractable: boolean,
): Promise<CryptoKey> {
  const header = readHeader(blob, binding);
  let kek = keyring.get(header.kekVersion);
  if (kek === undefined && await keyring.reload()) kek = keyring.get(header.kekVersion);
  if (kek === undefined) {
    throw sealError(
      binding,
      `sealed with KEK version ${header.kekVersion}, which is not loaded (loaded: ${
        keyring.versions().join(", ")
      })`,
    );
  }
  if (kek.fingerprint !== header.kekFingerprint) {
    throw sealError(
      binding,
      `sealed with KEK version ${header.kekVersion} fingerprint ${header.kekFingerprint}, but the loaded KEK version ${kek.version} has fingerprint ${kek.fingerprint}: wrong master key`,
    );
  }
  try {
    return await crypto.subtle.unwrapKey(
      "raw",
      blob.slice(OFFSET.wrapped, OFFSET.dataIv),
      kek.key,
      gcm(blob.slice(OFFSET.wrapIv, OFFSET.wrapped), wrapAad(binding, kek)),
      "AES-GCM",
      extractable,
      ["decrypt", "encrypt"],
    );
  } catch {
    throw sealError(
      binding,
      "data key does not authenticate (modified, or copied from another record)",
    );
  }
}

// Why: the KEK id is bound where the KEK is used (the wrap), so a re-wrap under a new KEK keeps
// the ciphertext and its AAD unchanged; the record binding is in both.
function wrapAad(binding: SealBinding, kek: Kek): Bytes {
  return text(["nexus/dk/v1", ...recordFields(binding), kek.version, kek.fingerprint].join("\0"));
}

function dataAad(binding: SealBinding): Bytes {
  return text(["nexus/data/v1", ...recordFields(binding)].join("\0"));
}

function gcm(iv: Bytes, additionalData: Bytes): AesGcmParams {
  return { name: "AES-GCM", iv, additionalData };
}

function text(value: string): Bytes {
  return new Uint8Array(encoder.encode(value));
}

function recordFields(binding: SealBinding): (string | number)[] {
  const fields: (string | number)[] = [
    binding.credentialId,
    binding.version,
    binding.kind,
    binding.slot,
  ];
  if (binding.slot === "state") fields.push(binding.stateVersion ?? 0);
  return fields;
}

function sealError(binding: SealBinding | undefined, problem: string): GatewayError {
  const subject = binding === undefined
    ? "sealed credential"
    : `credential ${binding.credentialId} version ${binding.version} (${binding.slot})`;
  return new GatewayError("INTERNAL", `Cannot open ${subject}: ${problem}`);
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
