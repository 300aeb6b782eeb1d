import assert from "node:assert/strict";
import { addKeyToFile, generateMasterKey, loadKeyring } from "../../lib/credentials/mod.ts";
import { deriveBits, fromBase64, KDF_LABELS, toHex } from "../../lib/credentials/keyring.ts";
import { open, seal } from "../../lib/credentials/seal.ts";
import { legacyFingerprint } from "./_legacy_seal.ts";
import { GatewayError } from "../../lib/errors.ts";
import { Secret } from "../../lib/secret.ts";
import { keyringOf } from "./_keys.ts";

const BINDING = {
  credentialId: "c",
  name: "c",
  version: 1,
  kind: "bearer",
  config: { kind: "bearer" },
  slot: "secret",
} as const;

function invalidConfig(pattern: RegExp, leaked?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "INVALID_CONFIG");
    assert.match(error.message, pattern);
    if (leaked !== undefined) assert.ok(!error.message.includes(leaked), "message echoes the key");
    return true;
  };
}

Deno.test("generateMasterKey() prints 32 random bytes as base64", () => {
  const a = generateMasterKey();
  assert.equal(atob(a).length, 32);
  assert.notEqual(a, generateMasterKey());
});

Deno.test("loadKeyring() takes a bare key as version 1 and a list with the highest as primary", async () => {
  assert.equal(await loadKeyring({}), undefined);
  const one = await keyringOf(generateMasterKey());
  assert.deepEqual(one.versions(), [1]);
  const two = await keyringOf(`1:${generateMasterKey()}, 3:${generateMasterKey()}`);
  assert.deepEqual(two.versions(), [1, 3]);
  assert.equal(two.primary().version, 3);
  assert.match(two.primary().fingerprint, /^[0-9a-f]{16}$/);
});

Deno.test("loadKeyring() imports keys that cannot be exported", async () => {
  const keyring = await keyringOf(generateMasterKey());
  assert.equal(keyring.primary().key.extractable, false);
  await assert.rejects(() => crypto.subtle.exportKey("raw", keyring.primary().key));
});

Deno.test("loadKeyring() rejects malformed material without echoing it", async () => {
  const short = btoa("too short");
  await assert.rejects(() => keyringOf(short), invalidConfig(/is 9 bytes, expected 32/, short));
  await assert.rejects(
    () => keyringOf("not*base64"),
    invalidConfig(/not base64/, "not*base64"),
  );
  const dup = `1:${generateMasterKey()},1:${generateMasterKey()}`;
  await assert.rejects(() => keyringOf(dup), invalidConfig(/appears twice/));
  await assert.rejects(() => keyringOf("x:y"), invalidConfig(/entry 1 is not <version>:<base64>/));
  await assert.rejects(
    () => loadKeyring({ masterKeyFile: "/nonexistent/nexus.key" }),
    invalidConfig(/Cannot read key file: \/nonexistent\/nexus.key/),
  );
});

Deno.test("addKeyToFile() adds the next version and reload() picks it up, old blobs still open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nexus.key`;
    await Deno.writeTextFile(path, `# master keys\n${generateMasterKey()}\n`);
    let clock = 0;
    const keyring = (await loadKeyring({ masterKeyFile: path }, { now: () => clock }))!;
    const blob = await seal(new Uint8Array([1, 2, 3]), BINDING, keyring.primary());
    assert.equal(await keyring.reload(), false, "nothing changed yet");
    assert.equal(await addKeyToFile(path), 2);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.match(await Deno.readTextFile(path), /^# master keys\n1:.+\n2:.+\n$/);
    assert.equal(await keyring.reload(), false, "reloads are rate-limited");
    clock += 5000;
    assert.equal(await keyring.reload(), true);
    assert.deepEqual(keyring.versions(), [1, 2]);
    assert.deepEqual([...await open(blob, BINDING, keyring)], [1, 2, 3]);
    const env = await loadKeyring({ masterKey: new Secret(generateMasterKey()) });
    assert.equal(await env!.reload(), false, "an env key ring has nothing to reload");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every key derived from a KEK goes through HKDF under its own label", async () => {
  const key = generateMasterKey();
  const kek = (await keyringOf(key)).primary();
  const raw = await crypto.subtle.importKey("raw", fromBase64(key), "HKDF", false, ["deriveBits"]);
  const expected = new Uint8Array(
    await crypto.subtle.deriveBits(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: new TextEncoder().encode("nexus kek fingerprint v2"),
      },
      raw,
      64,
    ),
  );
  assert.equal(kek.fingerprint, toHex(expected), "the fingerprint is HKDF-derived");
  assert.notEqual(kek.fingerprint, await legacyFingerprint(key), "not the format-1 HMAC");
  assert.equal(kek.legacy.fingerprint, await legacyFingerprint(key));
  const labels = Object.values(KDF_LABELS);
  assert.equal(new Set(labels).size, labels.length, "one label per purpose");
  const derived = await Promise.all(
    labels.map(async (label) => toHex(await deriveBits(kek, label, 32))),
  );
  assert.equal(new Set(derived).size, labels.length, "distinct labels give distinct keys");
});
