/**
 * Sealed 2025-era session ids: a session's state (JSON) encrypted with AES-256-GCM under a key
 * derived from the master key (HKDF, label `nexus session id v1`), so every instance sharing the
 * master key opens the ids any other issued, and no instance keeps a session table another would
 * need. The additional data binds an id to its owner (principal and virtual server): an id opened
 * for anyone else fails exactly like a forged one.
 *
 * Layout: `s1.<kek version>.<base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag)>`; the KEK version
 * lets ids sealed before `nexus keys rotate` open while they live. Without a master key the key is
 * random per process: ids open only on the instance that issued them (one instance, embedded).
 */

import { deriveBits, fromBase64, KDF_LABELS, type Keyring, toBase64Url } from "./keyring.ts";

/** Seals and opens session ids; see the module doc. */
export interface SessionSealer {
  /** Seals `state` for `owner` until `expiresAt` (epoch ms); raises nothing. */
  seal(
    state: Record<string, unknown>,
    options: { owner: string; expiresAt: number },
  ): Promise<string>;
  /**
   * The state sealed in `id`, or undefined when `id` is malformed, tampered with, sealed for
   * another owner or under a key this ring does not hold, or past its expiry at `now`; raises
   * nothing.
   */
  open(
    id: string,
    options: { owner: string; now?: number },
  ): Promise<Record<string, unknown> | undefined>;
}

const PREFIX = "s1";
const IV_BYTES = 12;
// Why a bound: the id arrives in a header on every request; a huge one is refused before base64.
const MAX_ID_CHARS = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The sealer over `keyring`'s KEKs, or over a random per-process key without one. */
export function createSessionSealer(keyring: Keyring | undefined): SessionSealer {
  const keys = new Map<number, Promise<CryptoKey | undefined>>();
  const processKey = keyring === undefined ? randomKey() : undefined;
  function keyOf(version: number): Promise<CryptoKey | undefined> {
    if (processKey !== undefined) return version === 0 ? processKey : Promise.resolve(undefined);
    let key = keys.get(version);
    if (key === undefined) {
      const kek = keyring!.get(version);
      if (kek === undefined) return Promise.resolve(undefined);
      key = deriveBits(kek, KDF_LABELS.sessionIds, 32).then(importAesKey);
      keys.set(version, key);
    }
    return key;
  }
  return {
    async seal(state, { owner, expiresAt }) {
      const version = keyring === undefined ? 0 : keyring.primary().version;
      const key = (await keyOf(version))!;
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const plain = encoder.encode(JSON.stringify({ ...state, exp: expiresAt }));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: aad(version, owner) },
          key,
          plain,
        ),
      );
      const bytes = new Uint8Array(IV_BYTES + sealed.length);
      bytes.set(iv);
      bytes.set(sealed, IV_BYTES);
      return `${PREFIX}.${version}.${toBase64Url(bytes)}`;
    },
    async open(id, { owner, now }) {
      if (id.length > MAX_ID_CHARS) return undefined;
      const [prefix, versionText, body, ...rest] = id.split(".");
      if (prefix !== PREFIX || body === undefined || rest.length > 0) return undefined;
      if (!/^\d{1,6}$/.test(versionText!)) return undefined;
      const version = Number(versionText);
      const key = await keyOf(version);
      const bytes = fromBase64Url(body);
      if (key === undefined || bytes === undefined || bytes.length <= IV_BYTES + 16) {
        return undefined;
      }
      let state: Record<string, unknown>;
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: aad(version, owner) },
          key,
          bytes.subarray(IV_BYTES),
        );
        state = JSON.parse(decoder.decode(plain));
      } catch {
        return undefined;
      }
      if (typeof state !== "object" || state === null || typeof state.exp !== "number") {
        return undefined;
      }
      return state.exp > (now ?? Date.now()) ? state : undefined;
    },
  };
}

// Why the version in the AAD too: an id cannot be moved under another key's header.
function aad(version: number, owner: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`nexus session id v1\0${version}\0${owner}`);
}

function importAesKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return key;
}

function randomKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

// Why the character check first: `fromBase64` also takes standard base64, and an id is URL-safe.
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return fromBase64(text);
  } catch {
    return undefined;
  }
}
