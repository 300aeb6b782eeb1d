/**
 * Envelope encryption of one secret: a fresh AES-256-GCM data key per seal, wrapped by the
 * primary KEK's wrap key; both GCM operations bind the record, its name and a digest of its
 * non-secret settings through additional authenticated data. The byte layout is documented in
 * `README.md` next to this file; change both together.
 */

import { canonicalJson } from "../canonical_json.ts";
import { GatewayError } from "../errors.ts";
import { type Kek, type Keyring, toHex } from "./keyring.ts";

/** What a sealed blob is bound to: moving it to another record, or editing the record, makes it fail to open. */
export interface SealBinding {
  /** The credential's id (`CredentialRow.id`). */
  credentialId: string;
  /** The credential's name: a row renamed, or swapped with another's, fails to open. */
  name: string;
  /** The credential version the blob belongs to (for state, the version its tokens came from). */
  version: number;
  /** That version's credential kind. */
  kind: string;
  /**
   * The version's non-secret settings as stored (token URL, client id, header name, username,
   * scopes…), bound as the SHA-256 of their canonical JSON: an edited setting fails to open.
   */
  config: unknown;
  /** `secret`: the version's secret; `state`: OAuth tokens, bound to their state version too. */
  slot: "secret" | "state";
  /** State blobs only: the `state_version` the blob is written as. */
  stateVersion?: number;
}

/** The readable header of a sealed blob. */
export interface SealedHeader {
  /** 2 for blobs written now; 1 for blobs from before name and settings were bound. */
  format: number;
  /** The version of the KEK that wraps the data key. */
  kekVersion: number;
  /** That KEK's fingerprint as 16 hex digits (for format 1, its legacy fingerprint). */
  kekFingerprint: string;
}

/** The format every seal writes. Format 1 is only read, to be re-sealed (see `rewrap`). */
export const SEAL_FORMAT = 2;

const MAGIC = [0x4e, 0x58, 0x53]; // "NXS", then the format byte
const FORMATS = [1, SEAL_FORMAT];
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const WRAPPED_BYTES = KEY_BYTES + TAG_BYTES;
const OFFSET = {
  format: 3,
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

/** Seals `plaintext` in the current format for the record `binding` under `kek` (the primary). */
export async function seal(
  plaintext: Uint8Array<ArrayBuffer>,
  binding: SealBinding,
  kek: Kek,
): Promise<Uint8Array> {
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
    "encrypt",
  ]);
  const aad = await aadOf(binding, SEAL_FORMAT);
  const dataIv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(gcm(dataIv, aad.data), dataKey, plaintext),
  );
  const out = new Uint8Array(OFFSET.ciphertext + ciphertext.length);
  out.set([...MAGIC, SEAL_FORMAT], 0);
  out.set(dataIv, OFFSET.dataIv);
  out.set(ciphertext, OFFSET.ciphertext);
  await wrapInto(out, dataKey, { aad, kek });
  return out;
}

/**
 * Opens a sealed blob of the record `binding`, reloading the keyring once when the blob names a
 * KEK version that is not loaded.
 * @throws GatewayError INTERNAL with a message naming the credential and saying what failed:
 * malformed blob, a format-1 blob not yet re-sealed, unknown or mismatched KEK, or a record that
 * was altered (its name, settings or binding differ from what was sealed, or the blob was
 * tampered with or copied from another record).
 */
export async function open(
  blob: Uint8Array,
  binding: SealBinding,
  keyring: Keyring,
): Promise<Uint8Array> {
  const header = readHeader(blob, binding);
  if (header.format !== SEAL_FORMAT) {
    // Why: a format-1 blob binds neither name nor settings; reading one on the call path would
    // let an old copy (a backup) bring back edited settings. Only re-sealing reads format 1.
    throw sealError(
      binding,
      `sealed in format ${header.format}, which is only read to re-seal it: run nexus migrate with the master key`,
    );
  }
  return await openAs(blob, binding, { keyring, format: header.format });
}

/**
 * Brings a blob to the current format under `target`. A current-format blob keeps its ciphertext
 * and has its data key re-wrapped; a format-1 blob is opened under its old binding (id, version,
 * kind, slot) and sealed afresh, now binding the name and settings of `binding`.
 * @throws GatewayError INTERNAL as {@linkcode open} does.
 */
export async function rewrap(
  blob: Uint8Array,
  binding: SealBinding,
  keyring: Keyring,
  target: Kek,
): Promise<Uint8Array> {
  const header = readHeader(blob, binding);
  if (header.format !== SEAL_FORMAT) {
    const plaintext = new Uint8Array(await openAs(blob, binding, { keyring, format: 1 }));
    try {
      return await seal(plaintext, binding, target);
    } finally {
      plaintext.fill(0);
    }
  }
  const aad = await aadOf(binding, SEAL_FORMAT);
  const dataKey = await unwrapDataKey(blob, binding, {
    keyring,
    aad,
    format: SEAL_FORMAT,
    extractable: true,
  });
  const out = new Uint8Array(blob);
  await wrapInto(out, dataKey, { aad, kek: target });
  return out;
}

/**
 * Reads the header of a sealed blob.
 * @throws GatewayError INTERNAL when the blob is too short or not in a known format.
 */
export function readHeader(blob: Uint8Array, binding?: SealBinding): SealedHeader {
  const valid = blob.length >= SEAL_OVERHEAD && MAGIC.every((byte, i) => blob[i] === byte) &&
    FORMATS.includes(blob[OFFSET.format]!);
  if (!valid) throw sealError(binding, "not a sealed credential in a known format (malformed)");
  return {
    format: blob[OFFSET.format]!,
    kekVersion: new DataView(blob.buffer, blob.byteOffset).getUint32(OFFSET.kekVersion),
    kekFingerprint: toHex(blob.subarray(OFFSET.fingerprint, OFFSET.wrapIv)),
  };
}

/** Lower-case hex SHA-256 of a settings object's canonical JSON: what a blob binds. */
export async function configDigest(config: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", text(canonicalJson(config)));
  return toHex(new Uint8Array(digest));
}

interface Aad {
  data: Bytes;
  /** The wrap AAD without its KEK fields, which `wrapAad` appends. */
  record: string;
  format: number;
}

async function openAs(
  blob: Uint8Array,
  binding: SealBinding,
  options: { keyring: Keyring; format: number },
): Promise<Uint8Array> {
  const aad = await aadOf(binding, options.format);
  const dataKey = await unwrapDataKey(blob, binding, { ...options, aad, extractable: false });
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        gcm(blob.slice(OFFSET.dataIv, OFFSET.ciphertext), aad.data),
        dataKey,
        blob.slice(OFFSET.ciphertext),
      ),
    );
  } catch {
    throw sealError(
      binding,
      "the record was altered: the ciphertext does not authenticate (modified, or copied from another record)",
    );
  }
}

async function wrapInto(out: Bytes, dataKey: CryptoKey, options: { aad: Aad; kek: Kek }) {
  const { aad, kek } = options;
  const wrapIv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const wrapped = new Uint8Array(
    await crypto.subtle.wrapKey("raw", dataKey, kek.key, gcm(wrapIv, wrapAad(aad, kek))),
  );
  new DataView(out.buffer).setUint32(OFFSET.kekVersion, kek.version);
  out.set(fromHex(kek.fingerprint), OFFSET.fingerprint);
  out.set(wrapIv, OFFSET.wrapIv);
  out.set(wrapped, OFFSET.wrapped);
}

async function unwrapDataKey(
  blob: Uint8Array,
  binding: SealBinding,
  options: { keyring: Keyring; aad: Aad; format: number; extractable: boolean },
): Promise<CryptoKey> {
  const { keyring, aad } = options;
  const header = readHeader(blob, binding);
  let loaded = keyring.get(header.kekVersion);
  if (loaded === undefined && await keyring.reload()) loaded = keyring.get(header.kekVersion);
  if (loaded === undefined) {
    throw sealError(
      binding,
      `sealed with KEK version ${header.kekVersion}, which is not loaded (loaded: ${
        keyring.versions().join(", ")
      })`,
    );
  }
  // Why: format 1 wrapped data keys with the master key itself; format 2 with a derived key.
  const kek = options.format === 1 ? { ...loaded, ...loaded.legacy } : loaded;
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
      gcm(blob.slice(OFFSET.wrapIv, OFFSET.wrapped), wrapAad(aad, kek)),
      "AES-GCM",
      options.extractable,
      ["decrypt", "encrypt"],
    );
  } catch {
    throw sealError(
      binding,
      "the record was altered: its name, settings or binding differ from what was sealed, or the blob was modified or copied from another record (data key does not authenticate)",
    );
  }
}

// Why: the KEK id is bound where the KEK is used (the wrap), so a re-wrap under a new KEK keeps
// the ciphertext and its AAD unchanged; the record binding is in both.
function wrapAad(aad: Aad, kek: Pick<Kek, "version" | "fingerprint">): Bytes {
  return text([aad.record, kek.version, kek.fingerprint].join("\0"));
}

async function aadOf(binding: SealBinding, format: number): Promise<Aad> {
  const fields = format === 1 ? legacyFields(binding) : [
    binding.credentialId,
    binding.name,
    binding.version,
    binding.kind,
    binding.slot,
    binding.slot === "state" ? binding.stateVersion ?? 0 : "",
    await configDigest(binding.config),
  ];
  return {
    data: text([`nexus/data/v${format}`, ...fields].join("\0")),
    record: [`nexus/dk/v${format}`, ...fields].join("\0"),
    format,
  };
}

function legacyFields(binding: SealBinding): (string | number)[] {
  const fields: (string | number)[] = [
    binding.credentialId,
    binding.version,
    binding.kind,
    binding.slot,
  ];
  if (binding.slot === "state") fields.push(binding.stateVersion ?? 0);
  return fields;
}

function gcm(iv: Bytes, additionalData: Bytes): AesGcmParams {
  return { name: "AES-GCM", iv, additionalData };
}

function text(value: string): Bytes {
  return new Uint8Array(encoder.encode(value));
}

function sealError(binding: SealBinding | undefined, problem: string): GatewayError {
  const subject = binding === undefined
    ? "sealed credential"
    : `credential "${binding.name}" (id ${binding.credentialId}) version ${binding.version} (${binding.slot})`;
  return new GatewayError("INTERNAL", `Cannot open ${subject}: ${problem}`);
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
