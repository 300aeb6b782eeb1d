import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { buildSnapshot, fingerprintOf, pageOf } from "../../lib/registry/snapshot.ts";
import type { ToolDefinition } from "../../lib/registry/types.ts";

function httpTool(name: string, url = `https://api.example.com/${name}/{id}`): ToolDefinition {
  return {
    name,
    description: `Tool ${name}`,
    inputSchema: { type: "object", properties: { id: { type: "string" } } },
    annotations: { readOnlyHint: true },
    auth: "secret_cred",
    backend: {
      kind: "http",
      method: "GET",
      url,
      query: {},
      headers: { "X-Api-Key": "{id}" },
      timeoutMs: 1000,
      response: { maxBytes: 10 },
    },
    source: { file: "t.yaml", line: 1 },
    checkInput: () => [],
  };
}

function names(snapshotNames: readonly { name: string }[]): string[] {
  return snapshotNames.map((tool) => tool.name);
}

Deno.test("buildSnapshot() sorts tools by code point, not by locale", () => {
  const snapshot = buildSnapshot(["b", "B", "a.x", "a_x", "a-x", "A"].map((n) => httpTool(n)), 1);
  assert.deepEqual(names(snapshot.tools), ["A", "B", "a-x", "a.x", "a_x", "b"]);
  assert.deepEqual(names(snapshot.descriptors), names(snapshot.tools));
  assert.equal(snapshot.byName.get("a.x")?.name, "a.x");
  assert.equal(snapshot.version, 1);
  assert.equal(Object.isFrozen(snapshot), true);
  assert.equal(Object.isFrozen(snapshot.tools), true);
});

Deno.test("buildSnapshot() derives the egress allowlist from HTTP tool origins", () => {
  const snapshot = buildSnapshot([
    httpTool("a", "https://api.example.com/a"),
    httpTool("b", "https://api.example.com:443/b?x={id}"),
    httpTool("c", "http://127.0.0.1:8080/demo/{id}"),
  ], 1);
  assert.deepEqual([...snapshot.egressOrigins].sort(), [
    "http://127.0.0.1:8080",
    "https://api.example.com",
  ]);
});

Deno.test("descriptors carry the MCP tool shape and nothing internal", () => {
  const [descriptor] = buildSnapshot([httpTool("a")], 1).descriptors;
  assert.deepEqual(descriptor, {
    name: "a",
    description: "Tool a",
    inputSchema: { type: "object", properties: { id: { type: "string" } } },
    annotations: { readOnlyHint: true },
  });
  const text = JSON.stringify(descriptor);
  for (const secret of ["api.example.com", "secret_cred", "X-Api-Key", "t.yaml"]) {
    assert.equal(text.includes(secret), false, secret);
  }
});

Deno.test("buildSnapshot() refuses two tools with one name", () => {
  assert.throws(
    () => buildSnapshot([httpTool("a"), httpTool("a")], 1),
    (error) => error instanceof GatewayError && error.code === "INVALID_TOOL",
  );
});

Deno.test("pageOf() walks every tool once in pages with an opaque cursor", () => {
  const snapshot = buildSnapshot(["a", "b", "c", "d", "e"].map((n) => httpTool(n)), 1);
  const first = pageOf(snapshot, undefined, 2);
  assert.deepEqual(names(first.tools), ["a", "b"]);
  assert.equal(typeof first.nextCursor, "string");
  assert.equal(first.nextCursor?.includes("b"), false);
  const second = pageOf(snapshot, first.nextCursor, 2);
  assert.deepEqual(names(second.tools), ["c", "d"]);
  const third = pageOf(snapshot, second.nextCursor, 2);
  assert.deepEqual(names(third.tools), ["e"]);
  assert.equal(third.nextCursor, undefined);
  assert.equal(pageOf(snapshot, undefined, 5).nextCursor, undefined);
});

Deno.test("pageOf() cursor stays correct when tools change between pages", () => {
  const before = buildSnapshot(["a", "b", "c", "d", "e"].map((n) => httpTool(n)), 1);
  const first = pageOf(before, undefined, 2);
  // "b" (the cursor's tool) is removed, "a0" is added before the cursor, "bb" after it.
  const after = buildSnapshot(["a", "a0", "bb", "c", "d", "e"].map((n) => httpTool(n)), 2);
  const second = pageOf(after, first.nextCursor, 2);
  assert.deepEqual(names(second.tools), ["bb", "c"]);
  assert.deepEqual(names(pageOf(after, second.nextCursor, 10).tools), ["d", "e"]);
});

Deno.test("pageOf() rejects a cursor it did not issue with INVALID_PARAMS", () => {
  const snapshot = buildSnapshot([httpTool("a")], 1);
  for (const cursor of ["%%%", "", btoa("has space"), "a"]) {
    assert.throws(
      () => pageOf(snapshot, cursor, 10),
      (error) =>
        error instanceof GatewayError && error.code === "INVALID_PARAMS" &&
        error.message.startsWith("Invalid cursor: "),
      cursor,
    );
  }
});

Deno.test("fingerprintOf() ignores source lines but not descriptions or handlers", () => {
  const ids = new Map<object, number>();
  const handlerId = (handler: object) => ids.get(handler) ?? ids.set(handler, ids.size).size - 1;
  const base = httpTool("a");
  const moved = { ...base, source: { file: "other.yaml", line: 40 } };
  const edited = { ...base, description: "Changed" };
  assert.equal(fingerprintOf([base], handlerId), fingerprintOf([moved], handlerId));
  assert.notEqual(fingerprintOf([base], handlerId), fingerprintOf([edited], handlerId));
  const tsTool = (handler: () => number): ToolDefinition => ({
    ...base,
    backend: { kind: "ts", handler, timeoutMs: 1 },
  });
  const one = () => 1;
  assert.equal(fingerprintOf([tsTool(one)], handlerId), fingerprintOf([tsTool(one)], handlerId));
  assert.notEqual(
    fingerprintOf([tsTool(one)], handlerId),
    fingerprintOf([tsTool(() => 1)], handlerId),
  );
});
