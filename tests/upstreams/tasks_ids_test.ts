import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readTaskId, writeTaskId } from "../../lib/upstreams/tasks_ids.ts";

const route = { upstream: "tk", principal: "key:alice", taskId: "up-1/ü" };
const mac = (text: string) => createHmac("sha256", "k1").update(text).digest("hex");
const otherMac = (text: string) => createHmac("sha256", "k2").update(text).digest("hex");

Deno.test("a task id reads back for its principal only", () => {
  const id = writeTaskId(route);
  assert.match(id, /^nexus\.task\.1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(readTaskId(id, "key:alice"), route);
  assert.equal(readTaskId(id, "key:bob"), undefined);
  assert.equal(readTaskId("up-1", "key:alice"), undefined);
  assert.equal(readTaskId("nexus.task.1.%%%", "key:alice"), undefined);
  assert.equal(readTaskId(`nexus.task.1.${btoa("[1,2]")}`, "key:alice"), undefined);
});

Deno.test("a tagged task id: owner rewrites, foreign keys and missing tags find nothing", () => {
  const id = writeTaskId(route, mac);
  assert.match(id, /\.[0-9a-f]{32}$/);
  assert.deepEqual(readTaskId(id, "key:alice", mac), route);
  assert.equal(readTaskId(id, "key:alice", otherMac), undefined);
  assert.equal(readTaskId(writeTaskId(route), "key:alice", mac), undefined);
  assert.equal(readTaskId(id, "key:alice"), undefined);
  // The owner rewritten in the body, the old tag kept: refused.
  const forged = writeTaskId({ ...route, principal: "key:bob" });
  const tag = id.split(".").at(-1);
  assert.equal(readTaskId(`${forged}.${tag}`, "key:bob", mac), undefined);
});
