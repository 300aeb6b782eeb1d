/**
 * The key-encryption keys (KEKs): parsed from `NEXUS_MASTER_KEY` or a key file, imported into
 * WebCrypto as non-extractable AES-256-GCM keys, one per version. The highest version is the
 * primary (it wraps new data keys); older versions stay loaded so blobs under them still open.
 *
 * Key material format (env value or file): a bare base64 key is version 1; otherwise entries
 * `<version>:<base64>` separated by commas, whitespace or newlines; `#` starts a comment (files).
 */

import { GatewayError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Secret } from "../secret.ts";

/**
 * One loaded KEK. The master key itself is only ever HKDF input: every use gets its own key
 * derived under a distinct label (see `README.md`), so no key serves two algorithms.
 */
export interface Kek {
  /** The key's version in the ring (1 or more); blob headers name it. */
  readonly version: number;
  /** 16 hex digits derived under `nexus kek fingerprint v2`; names the key, reveals nothing. */
  readonly fingerprint: string;
  /** The AES-256-GCM key that wraps data keys (format 2), derived under `nexus kek wrap v2`. */
  readonly key: CryptoKey;
  /** HKDF-SHA-256 over the master key; derive only through {@linkcode deriveBits}. */
  readonly hkdf: CryptoKey;
  /**
   * Format 1 (before derived keys): the master key used directly as the wrap key, and its
   * fingerprint, an HMAC of `nexus kek fingerprint v1` under it. Only re-sealing reads these.
   */
  readonly legacy: { readonly fingerprint: string; readonly key: CryptoKey };
}

/** The loaded KEKs. */
export interface Keyring {
  /** The highest version; new data keys are wrapped under it. */
  primary(): Kek;
  /** The KEK of `version`; undefined when the ring does not hold it. */
  get(version: number): Kek | undefined;
  /** Every loaded version, ascending; the last is the primary. */
  versions(): number[];
  /**
   * Re-reads a key file source (a key added by `nexus keys rotate`), at most once a second;
   * concurrent callers share one read. True when the versions changed.
   */
  reload(): Promise<boolean>;
}

/** Where the KEKs come from: the env value wins over the file. */
export interface KeySource {
  /** Key material from `NEXUS_MASTER_KEY`: a bare base64 key, or `<version>:<base64>` entries. */
  masterKey?: Secret;
  /** A key file in the same format (`NEXUS_MASTER_KEY_FILE`); used only without `masterKey`. */
  masterKeyFile?: string;
}

const KEY_BYTES = 32;
const LEGACY_FINGERPRINT_LABEL = new TextEncoder().encode("nexus kek fingerprint v1");
/** HKDF labels (`info`) of every key derived from a KEK; each purpose has its own. */
export const KDF_LABELS = {
  fingerprint: "nexus kek fingerprint v2",
  wrap: "nexus kek wrap v2",
  auditArgs: "nexus audit args v1",
  sessionIds: "nexus session id v1",
} as const;
const MIN_RELOAD_INTERVAL_MS = 1000;

/** A fresh random 32-byte key as base64, usable as `NEXUS_MASTER_KEY`. */
export function generateMasterKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/**
 * Loads the keyring from `source`, or returns undefined when neither a key nor a file is set.
 * @throws GatewayError INVALID_CONFIG when the material is malformed or a file cannot be read.
 */
export async function loadKeyring(
  source: KeySource,
  options: { logger?: Logger; now?: () => number } = {},
): Promise<Keyring | undefined> {
  if (source.masterKey === undefined && source.masterKeyFile === undefined) return undefined;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const read = () => readMaterial(source);
  let keks = await importAll(await read(), sourceName(source));
  let lastReload = -Infinity;
  let reloading: Promise<boolean> | undefined;
  async function reloadNow(): Promise<boolean> {
    const next = await importAll(await read(), sourceName(source));
    const changed = next.map((k) => k.version).join() !== keks.map((k) => k.version).join();
    keks = next;
    if (changed) logger.info("Key ring reloaded", { versions: keks.map((k) => k.version) });
    return changed;
  }
  return {
    primary: () => keks[keks.length - 1]!,
    get: (version) => keks.find((kek) => kek.version === version),
    versions: () => keks.map((kek) => kek.version),
    reload() {
      if (source.masterKey !== undefined) return Promise.resolve(false);
      // Why: concurrent calls that meet the new version share one read of the file.
      if (reloading !== undefined) return reloading;
      if (now() - lastReload < MIN_RELOAD_INTERVAL_MS) return Promise.resolve(false);
      lastReload = now();
      reloading = reloadNow().finally(() => reloading = undefined);
      return reloading;
    },
  };
}

/**
 * Adds a freshly generated key as the next version to a key file (written atomically, mode
 * 0600); returns the new version.
 * @throws GatewayError INVALID_CONFIG when the file cannot be read or written.
 */
export async function addKeyToFile(path: string): Promise<number> {
  const text = await readKeyFile(path);
  const entries = parseMaterial(text, path);
  const version = Math.max(...entries.map((entry) => entry.version)) + 1;
  // Why: a file holding one bare key (version 1) gets its version written out, comments kept.
  const bare = stripComments(text).trim();
  const body = entries.length === 1 && !bare.includes(":") ? text.replace(bare, `1:${bare}`) : text;
  const lines = [body.trimEnd(), `${version}:${generateMasterKey()}`];
  const temp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(temp, lines.join("\n") + "\n", { mode: 0o600 });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new GatewayError("INVALID_CONFIG", `Cannot write key file: ${path}: ${reason(error)}`);
  }
  return version;
}

async function readMaterial(source: KeySource): Promise<ParsedKey[]> {
  if (source.masterKey !== undefined) {
    return parseMaterial(source.masterKey.reveal(), "NEXUS_MASTER_KEY");
  }
  const path = source.masterKeyFile!;
  return parseMaterial(await readKeyFile(path), path);
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new GatewayError("INVALID_CONFIG", `Cannot read key file: ${path}: ${reason(error)}`);
  }
}

interface ParsedKey {
  version: number;
  raw: Uint8Array<ArrayBuffer>;
}

/**
 * Parses key material; messages name the source and the entry, never the key text.
 * @throws GatewayError INVALID_CONFIG.
 */
export function parseMaterial(text: string, source: string): ParsedKey[] {
  const tokens = stripComments(text).split(/[\s,]+/).filter((token) => token !== "");
  if (tokens.length === 0) throw badKey(source, "no key found");
  if (tokens.length === 1 && !tokens[0]!.includes(":")) {
    return [{ version: 1, raw: decodeKey(tokens[0]!, source, "the key") }];
  }
  const keys = tokens.map((token, index) => {
    const match = /^(\d{1,9}):(.+)$/.exec(token);
    if (match === null) throw badKey(source, `entry ${index + 1} is not <version>:<base64>`);
    const version = Number(match[1]);
    if (version < 1) throw badKey(source, `entry ${index + 1}: version must be 1 or more`);
    return { version, raw: decodeKey(match[2]!, source, `version ${version}`) };
  });
  const versions = keys.map((key) => key.version);
  if (new Set(versions).size !== versions.length) throw badKey(source, "a version appears twice");
  return keys.sort((a, b) => a.version - b.version);
}

function decodeKey(text: string, source: string, what: string): Uint8Array<ArrayBuffer> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(text);
  } catch {
    throw badKey(source, `${what} is not base64`);
  }
  if (raw.length !== KEY_BYTES) {
    throw badKey(source, `${what} is ${raw.length} bytes, expected ${KEY_BYTES}`);
  }
  return raw;
}

async function importAll(keys: ParsedKey[], source: string): Promise<Kek[]> {
  if (keys.length === 0) throw badKey(source, "no key found");
  const keks: Kek[] = [];
  for (const { version, raw } of keys) {
    // Why: non-extractable, so no code path (and no heap dump of a CryptoKey) can export them.
    const hkdf = await crypto.subtle.importKey("raw", raw, "HKDF", false, [
      "deriveBits",
      "deriveKey",
    ]);
    const legacy = {
      fingerprint: await legacyFingerprintOf(raw),
      key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["wrapKey", "unwrapKey"]),
    };
    raw.fill(0);
    const key = await crypto.subtle.deriveKey(
      hkdfParams(KDF_LABELS.wrap),
      hkdf,
      { name: "AES-GCM", length: 256 },
      false,
      ["wrapKey", "unwrapKey"],
    );
    const fingerprint = toHex(await deriveBits({ hkdf }, KDF_LABELS.fingerprint, 8));
    keks.push({ version, fingerprint, key, hkdf, legacy });
  }
  return keks;
}

/**
 * `length` bytes derived from `kek` by HKDF-SHA-256 (RFC 5869, empty salt) under `label`, which
 * must be one of {@linkcode KDF_LABELS}: one label per purpose keeps derived keys independent.
 */
export async function deriveBits(
  kek: Pick<Kek, "hkdf">,
  label: string,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.deriveBits(hkdfParams(label), kek.hkdf, length * 8));
}

function hkdfParams(label: string): HkdfParams {
  return {
    name: "HKDF",
    hash: "SHA-256",
    salt: new Uint8Array(0),
    info: new TextEncoder().encode(label),
  };
}

async function legacyFingerprintOf(raw: Uint8Array<ArrayBuffer>): Promise<string> {
  const hmac = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, LEGACY_FINGERPRINT_LABEL));
  return toHex(mac.subarray(0, 8));
}

function stripComments(text: string): string {
  return text.split("\n").map((line) => line.replace(/#.*$/, "")).join("\n");
}

function sourceName(source: KeySource): string {
  return source.masterKey !== undefined ? "NEXUS_MASTER_KEY" : source.masterKeyFile!;
}

function badKey(source: string, problem: string): GatewayError {
  return new GatewayError("INVALID_CONFIG", `Invalid master key: ${source}: ${problem}`);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Standard base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** URL-safe base64 of bytes, without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Bytes of standard or URL-safe base64 (padding optional). @throws on invalid input. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const normal = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(normal + "=".repeat((4 - (normal.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
