import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { createArgsHasher, generateMasterKey } from "../../lib/credentials/mod.ts";
import { fromBase64 } from "../../lib/credentials/keyring.ts";
import { keyringOf } from "./_keys.ts";

/** HKDF-SHA-256 (empty salt) of a raw key under `label`, computed independently of the keyring. */
async function hkdf(keyBase64: string, label: string, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", fromBase64(keyBase64), "HKDF", false, [
    "deriveBits",
  ]);
  const params = {
    name: "HKDF",
    hash: "SHA-256",
    salt: new Uint8Array(0),
    info: new TextEncoder().encode(label),
  };
  return new Uint8Array(await crypto.subtle.deriveBits(params, key, bytes * 8));
}

Deno.test("createArgsHasher() is HMAC-SHA-256 under HKDF(master key, nexus audit args v1)", async () => {
  const key = generateMasterKey();
  const hash = await createArgsHasher(await keyringOf(key));
  const text = '{"pin":"1234"}';
  const derived = await hkdf(key, "nexus audit args v1", 32);
  assert.equal(hash(text), createHmac("sha256", derived).update(text).digest("hex"));
  assert.notEqual(hash(text), createHash("sha256").update(text).digest("hex"));
  assert.equal(hash(text), hash(text), "stable for equal arguments");
  const other = await createArgsHasher(await keyringOf(generateMasterKey()));
  assert.notEqual(other(text), hash(text), "another master key, other hashes");
});
