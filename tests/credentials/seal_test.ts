import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { GatewayError } from "../../lib/errors.ts";
import {
  configDigest,
  open,
  readHeader,
  rewrap,
  seal,
  type SealBinding,
} from "../../lib/credentials/seal.ts";
import { legacySeal } from "./_legacy_seal.ts";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { freshKeyring, keyringOf } from "./_keys.ts";

const text = (value: string) => new Uint8Array(new TextEncoder().encode(value));
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const JIRA: SealBinding = {
  credentialId: "cred-a",
  name: "jira",
  version: 1,
  kind: "bearer",
  config: { kind: "bearer" },
  slot: "secret",
};
const OTHER: SealBinding = { ...JIRA, credentialId: "cred-b", name: "other" };

function failsWith(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof GatewayError, `not a GatewayError: ${error}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("s3cret"), "the message leaks the plaintext");
    return true;
  };
}

Deno.test("seal() then open() returns the plaintext for the same record", async () => {
  const { keyring } = await freshKeyring();
  const blob = await seal(text("s3cret-token"), JIRA, keyring.primary());
  assert.equal(decode(await open(blob, JIRA, keyring)), "s3cret-token");
  assert.ok(!decode(blob).includes("s3cret"), "plaintext visible in the sealed blob");
  assert.deepEqual(readHeader(blob), {
    format: 2,
    kekVersion: 1,
    kekFingerprint: keyring.primary().fingerprint,
  });
});

Deno.test("open() refuses ciphertexts swapped between two rows", async () => {
  const { keyring } = await freshKeyring();
  const a = await seal(text("s3cret-a"), JIRA, keyring.primary());
  const b = await seal(text("s3cret-b"), OTHER, keyring.primary());
  await assert.rejects(() => open(b, JIRA, keyring), failsWith(/data key does not authenticate/));
  await assert.rejects(() => open(a, OTHER, keyring), failsWith(/data key does not authenticate/));
  // Only the ciphertext part swapped (header and wrapped key kept): the data key no longer fits.
  const spliced = new Uint8Array(a.length);
  spliced.set(a.subarray(0, 88));
  spliced.set(b.subarray(88, 88 + (a.length - 88)), 88);
  await assert.rejects(
    () => open(spliced, JIRA, keyring),
    failsWith(/ciphertext does not authenticate/),
  );
});

Deno.test("open() refuses a blob with any single bit flipped", async () => {
  const { keyring } = await freshKeyring();
  const blob = await seal(text("s3cret-token"), JIRA, keyring.primary());
  const regions = {
    magic: 1,
    kekVersion: 6,
    fingerprint: 10,
    wrapIv: 20,
    wrapped: 40,
    dataIv: 80,
    ciphertext: 90,
    tag: blob.length - 1,
  };
  for (const [region, index] of Object.entries(regions)) {
    const flipped = new Uint8Array(blob);
    flipped[index] = flipped[index]! ^ 0x01;
    await assert.rejects(
      () => open(flipped, JIRA, keyring),
      failsWith(/malformed|not loaded|fingerprint|does not authenticate/),
      `flip in ${region} was accepted`,
    );
  }
});

Deno.test("open() refuses the right blob under the wrong AAD: id, version, kind or slot", async () => {
  const { keyring } = await freshKeyring();
  const blob = await seal(text("s3cret-token"), JIRA, keyring.primary());
  const wrong: SealBinding[] = [
    { ...JIRA, credentialId: "cred-x" },
    { ...JIRA, version: 2 },
    { ...JIRA, kind: "api_key" },
    { ...JIRA, slot: "state", stateVersion: 1 },
  ];
  for (const binding of wrong) {
    await assert.rejects(() => open(blob, binding, keyring), failsWith(/does not authenticate/));
  }
});

Deno.test("open() under the wrong master key names the fingerprint mismatch", async () => {
  const { keyring } = await freshKeyring();
  const blob = await seal(text("s3cret-token"), JIRA, keyring.primary());
  const stranger = await keyringOf(generateMasterKey());
  await assert.rejects(
    () => open(blob, JIRA, stranger),
    failsWith(
      /sealed with KEK version 1 fingerprint [0-9a-f]{16}, but the loaded KEK version 1 has fingerprint [0-9a-f]{16}: wrong master key/,
    ),
  );
  const laterOnly = await keyringOf(`2:${generateMasterKey()}`);
  await assert.rejects(
    () => open(blob, JIRA, laterOnly),
    failsWith(/sealed with KEK version 1, which is not loaded \(loaded: 2\)/),
  );
  await assert.rejects(() => open(new Uint8Array(10), JIRA, keyring), failsWith(/malformed/));
});

Deno.test("seal() never repeats an IV across 100,000 seals under one KEK", async () => {
  const { keyring } = await freshKeyring();
  const kek = keyring.primary();
  const wrapIvs = new Set<string>();
  const dataIvs = new Set<string>();
  const plaintext = text("v");
  const total = 100_000;
  const batch = 1000;
  for (let done = 0; done < total; done += batch) {
    const blobs = await Promise.all(
      Array.from(
        { length: batch },
        (_, i) => seal(plaintext, { ...JIRA, version: done + i + 1 }, kek),
      ),
    );
    for (const blob of blobs) {
      wrapIvs.add(hex(blob.subarray(16, 28)));
      dataIvs.add(hex(blob.subarray(76, 88)));
    }
  }
  assert.equal(wrapIvs.size, total, "a key-wrapping IV repeated under the same KEK");
  assert.equal(dataIvs.size, total, "a data IV repeated");
});

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("open() refuses a record whose name or settings changed, naming the credential and saying it was altered", async () => {
  const { keyring } = await freshKeyring();
  const oauth: SealBinding = {
    ...JIRA,
    kind: "oauth2_client_credentials",
    config: {
      kind: "oauth2_client_credentials",
      tokenUrl: "https://idp.example/token",
      clientId: "gateway",
      scopes: ["read"],
      authMethod: "client_secret_basic",
    },
  };
  const blob = await seal(text("s3cret-client"), oauth, keyring.primary());
  const reordered = {
    ...oauth,
    config: JSON.parse(
      JSON.stringify(oauth.config, ["scopes", "tokenUrl", "kind", "clientId", "authMethod"]),
    ),
  };
  assert.equal(
    decode(await open(blob, reordered, keyring)),
    "s3cret-client",
    "key order is not a change",
  );
  const edits: SealBinding[] = [
    { ...oauth, name: "other" },
    { ...oauth, config: { ...(oauth.config as object), tokenUrl: "https://evil.example/token" } },
    { ...oauth, config: { ...(oauth.config as object), clientId: "someone-else" } },
    { ...oauth, config: { ...(oauth.config as object), scopes: ["read", "admin"] } },
  ];
  for (const edited of edits) {
    await assert.rejects(
      () => open(blob, edited, keyring),
      failsWith(new RegExp(`credential "${edited.name}" .*: the record was altered`)),
    );
  }
});

Deno.test("configDigest() is SHA-256 over canonical JSON: sorted keys, no whitespace", async () => {
  const expected = createHash("sha256").update('{"a":[true,"x",null],"b":{"c":1,"d":"é"}}')
    .digest("hex");
  assert.equal(await configDigest({ b: { d: "é", c: 1 }, a: [true, "x", null] }), expected);
});

Deno.test("a format-1 blob is refused by open() and re-sealed by rewrap() in format 2 binding name and settings", async () => {
  const { keyring, key } = await freshKeyring();
  const old = await legacySeal("s3cret-old", JIRA, { keyBase64: key });
  assert.equal(readHeader(old).format, 1);
  await assert.rejects(() => open(old, JIRA, keyring), failsWith(/format 1.*nexus migrate/));
  const blob = await rewrap(old, JIRA, keyring, keyring.primary());
  assert.deepEqual(readHeader(blob), {
    format: 2,
    kekVersion: 1,
    kekFingerprint: keyring.primary().fingerprint,
  });
  assert.equal(decode(await open(blob, JIRA, keyring)), "s3cret-old");
  await assert.rejects(
    () => open(blob, { ...JIRA, name: "renamed" }, keyring),
    failsWith(/the record was altered/),
  );
});
