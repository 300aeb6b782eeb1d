import assert from "node:assert/strict";
import { createSessionSealer, generateMasterKey } from "../../lib/credentials/mod.ts";
import { freshKeyring, keyringOf } from "./_keys.ts";

const OWNER = JSON.stringify(["alice", "default"]);
const STATE = { sid: "s-1", initialize: { protocolVersion: "2025-11-25", capabilities: {} } };

Deno.test("a sealed session id opens for its owner on another sealer of the same master key", async () => {
  const { key } = await freshKeyring();
  const issuing = createSessionSealer(await keyringOf(key));
  const other = createSessionSealer(await keyringOf(key));
  const id = await issuing.seal(STATE, { owner: OWNER, expiresAt: Date.now() + 60_000 });
  assert.match(id, /^s1\.1\.[A-Za-z0-9_-]+$/);
  const opened = await other.open(id, { owner: OWNER });
  assert.deepEqual({ sid: opened?.sid, initialize: opened?.initialize }, STATE);
  // Why: two seals of one state differ (fresh IV), so an id reveals nothing about another.
  assert.notEqual(await issuing.seal(STATE, { owner: OWNER, expiresAt: 1e15 }), id);
});

Deno.test("a session id does not open tampered, for another owner, expired or under another key", async () => {
  const { keyring } = await freshKeyring();
  const sealer = createSessionSealer(keyring);
  const expiresAt = Date.now() + 60_000;
  const id = await sealer.seal(STATE, { owner: OWNER, expiresAt });
  const body = id.split(".")[2]!;
  const flipped = body.slice(0, 20) + (body[20] === "A" ? "B" : "A") + body.slice(21);
  assert.equal(await sealer.open(`s1.1.${flipped}`, { owner: OWNER }), undefined);
  assert.equal(await sealer.open(`s1.1.${body.slice(0, -2)}`, { owner: OWNER }), undefined);
  assert.equal(await sealer.open(`s1.2.${body}`, { owner: OWNER }), undefined);
  assert.equal(await sealer.open("s1.1.!!", { owner: OWNER }), undefined);
  assert.equal(await sealer.open("not-an-id", { owner: OWNER }), undefined);
  const mallory = JSON.stringify(["mallory", "default"]);
  assert.equal(await sealer.open(id, { owner: mallory }), undefined);
  assert.equal(await sealer.open(id, { owner: JSON.stringify(["alice", "other"]) }), undefined);
  assert.equal(await sealer.open(id, { owner: OWNER, now: expiresAt }), undefined);
  assert.ok(await sealer.open(id, { owner: OWNER, now: expiresAt - 1 }));
  const stranger = createSessionSealer(await keyringOf(generateMasterKey()));
  assert.equal(await stranger.open(id, { owner: OWNER }), undefined);
});

Deno.test("a session id sealed before a key rotation opens after it; new ids use the new key", async () => {
  const k1 = generateMasterKey();
  const k2 = generateMasterKey();
  const before = createSessionSealer(await keyringOf(k1));
  const id = await before.seal(STATE, { owner: OWNER, expiresAt: Date.now() + 60_000 });
  const after = createSessionSealer(await keyringOf(`1:${k1},2:${k2}`));
  assert.equal((await after.open(id, { owner: OWNER }))?.sid, "s-1");
  const fresh = await after.seal(STATE, { owner: OWNER, expiresAt: Date.now() + 60_000 });
  assert.match(fresh, /^s1\.2\./);
});

Deno.test("without a master key ids open only on the sealer that issued them", async () => {
  const one = createSessionSealer(undefined);
  const two = createSessionSealer(undefined);
  const id = await one.seal(STATE, { owner: OWNER, expiresAt: Date.now() + 60_000 });
  assert.match(id, /^s1\.0\./);
  assert.equal((await one.open(id, { owner: OWNER }))?.sid, "s-1");
  assert.equal(await two.open(id, { owner: OWNER }), undefined);
});
