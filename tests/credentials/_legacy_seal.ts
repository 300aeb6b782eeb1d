/**
 * Sealed format 1 as the gateway wrote it before name and settings were bound: the master key
 * itself wrapped the data key, and the AAD held id, version, kind and slot only. Tests use it to
 * write rows as an older gateway left them.
 */

import { fromBase64, toHex } from "../../lib/credentials/keyring.ts";
import type { Store } from "../../lib/store/mod.ts";
import { execSql } from "../store/_stores.ts";

/** What format 1 bound. */
export interface LegacyBinding {
  credentialId: string;
  version: number;
  kind: string;
  slot: "secret" | "state";
  stateVersion?: number;
}

const encoder = new TextEncoder();

/** The format-1 fingerprint: HMAC-SHA-256 of `nexus kek fingerprint v1` under the raw key. */
export async function legacyFingerprint(keyBase64: string): Promise<string> {
  const hmac = await crypto.subtle.importKey(
    "raw",
    fromBase64(keyBase64),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", hmac, encoder.encode("nexus kek fingerprint v1"));
  return toHex(new Uint8Array(mac).subarray(0, 8));
}

/** Seals `plaintext` in format 1 under the raw master key `keyBase64` as KEK version `kekVersion`. */
export async function legacySeal(
  plaintext: string,
  binding: LegacyBinding,
  options: { keyBase64: string; kekVersion?: number },
): Promise<Uint8Array> {
  const kekVersion = options.kekVersion ?? 1;
  const fingerprint = await legacyFingerprint(options.keyBase64);
  const kek = await crypto.subtle.importKey(
    "raw",
    fromBase64(options.keyBase64),
    "AES-GCM",
    false,
    [
      "wrapKey",
    ],
  );
  const fields: (string | number)[] = [
    binding.credentialId,
    binding.version,
    binding.kind,
    binding.slot,
  ];
  if (binding.slot === "state") fields.push(binding.stateVersion ?? 0);
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
    "encrypt",
  ]);
  const wrapIv = crypto.getRandomValues(new Uint8Array(12));
  const dataIv = crypto.getRandomValues(new Uint8Array(12));
  const wrapAad = new Uint8Array(
    encoder.encode(["nexus/dk/v1", ...fields, kekVersion, fingerprint].join("\0")),
  );
  const dataAad = new Uint8Array(encoder.encode(["nexus/data/v1", ...fields].join("\0")));
  const wrapped = new Uint8Array(
    await crypto.subtle.wrapKey("raw", dataKey, kek, gcm(wrapIv, wrapAad)),
  );
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      gcm(dataIv, dataAad),
      dataKey,
      encoder.encode(plaintext),
    ),
  );
  const out = new Uint8Array(88 + ciphertext.length);
  out.set([0x4e, 0x58, 0x53, 0x01], 0);
  new DataView(out.buffer).setUint32(4, kekVersion);
  out.set(Uint8Array.from(fingerprint.match(/../g)!, (h) => parseInt(h, 16)), 8);
  out.set(wrapIv, 16);
  out.set(wrapped, 28);
  out.set(dataIv, 76);
  out.set(ciphertext, 88);
  return out;
}

function gcm(iv: Uint8Array<ArrayBuffer>, additionalData: Uint8Array<ArrayBuffer>): AesGcmParams {
  return { name: "AES-GCM", iv, additionalData };
}

/** A far-future epoch ms, so legacy OAuth state stays usable without a token endpoint. */
const FAR = 4_102_444_800_000;

/**
 * Writes what a gateway before sealed format 2 left in `store` (schema up to 001/010/011, no
 * `seal_format` column): a bearer credential `legacy` (token `tok-legacy-123`) and a refresh-token
 * credential `rt` with shared OAuth state (access token `at-legacy`), all sealed in format 1.
 */
export async function writeLegacyRows(store: Store, keyBase64: string): Promise<void> {
  const options = { keyBase64 };
  const credential = `INSERT INTO credentials (id, name, active_version, rotate_every_ms,
    grace_ms, created_at, created_by, updated_at, updated_by) VALUES (?, ?, 1, NULL, 0, 1, 'old',
    1, 'old')`;
  const version = `INSERT INTO credential_versions (credential_id, version, kind, config, sealed,
    kek_version, created_at, created_by) VALUES (?, 1, ?, ?, ?, 1, 1, 'old')`;
  await execSql(store, credential, ["c-legacy", "legacy"]);
  await execSql(store, version, [
    "c-legacy",
    "bearer",
    '{"kind":"bearer"}',
    await legacySeal(
      '{"token":"tok-legacy-123"}',
      { credentialId: "c-legacy", version: 1, kind: "bearer", slot: "secret" },
      options,
    ),
  ]);
  const kind = "oauth2_refresh_token";
  await execSql(store, credential, ["c-rt", "rt"]);
  await execSql(store, version, [
    "c-rt",
    kind,
    JSON.stringify({
      kind,
      tokenUrl: "http://127.0.0.1:9/token",
      clientId: "gw",
      scopes: [],
      authMethod: "client_secret_basic",
    }),
    await legacySeal('{"refreshToken":"rt-1"}', {
      credentialId: "c-rt",
      version: 1,
      kind,
      slot: "secret",
    }, options),
  ]);
  const state = JSON.stringify({
    accessToken: "at-legacy",
    expiresAt: FAR,
    refreshAt: FAR,
    refreshToken: "rt-2",
  });
  await execSql(
    store,
    `INSERT INTO credential_state (credential_id, credential_version, state_version, sealed,
      kek_version, updated_at) VALUES ('c-rt', 1, 3, ?, 1, 1)`,
    [
      await legacySeal(state, {
        credentialId: "c-rt",
        version: 1,
        kind,
        slot: "state",
        stateVersion: 3,
      }, options),
    ],
  );
}
