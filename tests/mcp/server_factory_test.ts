import assert from "node:assert/strict";
import { anonymousPrincipal, type Caller } from "../../lib/auth/mod.ts";
import { visibleTo } from "../../lib/mcp/server_factory.ts";
import { pageOf } from "../../lib/registry/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import { tsTool } from "./_limits_fixtures.ts";

const caller: Caller = { principal: anonymousPrincipal("127.0.0.1"), server: "default" };

Deno.test("a filtered tools/list pages the snapshot's prebuilt descriptors, rebuilding none", () => {
  const snapshot = buildSnapshot(
    ["a_one", "b_two", "c_three", "d_four"].map((name) => tsTool(name, () => "x")),
    7,
  );
  const everything = visibleTo(snapshot, caller, () => true);
  assert.equal(everything, snapshot, "all visible: the snapshot itself");
  const some = visibleTo(snapshot, caller, (_caller, tool) => tool.name !== "b_two");
  assert.deepEqual(some.descriptors.map((d) => d.name), ["a_one", "c_three", "d_four"]);
  const prebuilt = new Set(snapshot.descriptors);
  assert.ok(some.descriptors.every((d) => prebuilt.has(d)), "the same descriptor objects");
  const first = pageOf(some, undefined, 2);
  assert.deepEqual(first.tools.map((d) => d.name), ["a_one", "c_three"]);
  const second = pageOf(some, first.nextCursor, 2);
  assert.deepEqual(second.tools.map((d) => d.name), ["d_four"]);
  assert.equal(second.nextCursor, undefined);
});
