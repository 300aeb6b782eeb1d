import assert from "node:assert/strict";
import { anonymousPrincipal, type Caller } from "../../lib/auth/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import { type CallRecord, NO_HOOKS, type PipelineHooks } from "../../lib/mcp/mod.ts";
import { callTool } from "../../lib/mcp/call_pipeline.ts";
import { type ToolDefinition } from "../../lib/registry/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import { createSchemaCompiler } from "../../lib/registry/schema.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { httpTool } from "./_limits_fixtures.ts";

const caller: Caller = { principal: anonymousPrincipal("127.0.0.1"), server: "default" };

function tsTool(name: string, handler: () => unknown): ToolDefinition {
  return {
    name,
    description: "test tool",
    inputSchema: { type: "object" },
    backend: { kind: "ts", handler, timeoutMs: 1000 },
    source: { file: "test", line: 1 },
    checkInput: (value) =>
      typeof value === "object" && value !== null && "bad" in value ? ['argument "bad"'] : [],
  };
}

function options(hooks: PipelineHooks) {
  return {
    caller,
    signal: new AbortController().signal,
    logger: silentLogger,
    requestId: "req-1",
    hooks,
  };
}

async function errorOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

Deno.test("callTool() answers a denied tool exactly like a missing one", async () => {
  const snapshot = buildSnapshot([tsTool("secret_tool", () => "x")], 1);
  const hooks = { ...NO_HOOKS, canUse: () => false };
  const denied = await errorOf(callTool(snapshot, { name: "secret_tool" }, options(hooks)));
  const missing = await errorOf(callTool(snapshot, { name: "no_such" }, options(NO_HOOKS)));
  assert.equal(denied.code, "NOT_FOUND");
  assert.equal(denied.mapping.jsonRpc, missing.mapping.jsonRpc);
  assert.equal(denied.message.replace("secret_tool", "X"), missing.message.replace("no_such", "X"));
});

Deno.test("callTool() runs stages outermost first around the backend", async () => {
  const order: string[] = [];
  const snapshot = buildSnapshot([tsTool("t", () => (order.push("backend"), "done"))], 1);
  const hooks: PipelineHooks = {
    ...NO_HOOKS,
    stages: [
      async (_ctx, next) => (order.push("outer"), await next()),
      async (_ctx, next) => (order.push("inner"), await next()),
    ],
  };
  const result = await callTool(snapshot, { name: "t" }, options(hooks));
  assert.deepEqual(order, ["outer", "inner", "backend"]);
  assert.deepEqual(result.content, [{ type: "text", text: "done" }]);
});

Deno.test("callTool() reports every finished call once, with its outcome code", async () => {
  const records: CallRecord[] = [];
  const snapshot = buildSnapshot([tsTool("t", () => "ok")], 1);
  const hooks = { ...NO_HOOKS, onFinished: (record: CallRecord) => records.push(record) };
  await callTool(snapshot, { name: "t" }, options(hooks));
  const invalid = await callTool(snapshot, { name: "t", arguments: { bad: 1 } }, options(hooks));
  await errorOf(callTool(snapshot, { name: "gone" }, options(hooks)));
  assert.equal(invalid.isError, true);
  assert.deepEqual(records.map((r) => [r.toolName, r.outcome, r.isError]), [
    ["t", "ok", false],
    ["t", "INVALID_INPUT", true],
    ["gone", "NOT_FOUND", false],
  ]);
  assert.equal(records[0]?.caller.principal.id, "anon:127.0.0.1");
});

Deno.test("callTool() lets a stage short-circuit so the backend is never reached", async () => {
  let reached = false;
  const snapshot = buildSnapshot([tsTool("t", () => (reached = true, "x"))], 1);
  const hooks: PipelineHooks = {
    ...NO_HOOKS,
    stages: [() => Promise.reject(new GatewayError("RATE_LIMITED", "Rate limited: try later"))],
  };
  const error = await errorOf(callTool(snapshot, { name: "t" }, options(hooks)));
  assert.equal(error.code, "RATE_LIMITED");
  assert.equal(reached, false);
});

function schemaTool(name: string, schema: Record<string, unknown>): ToolDefinition {
  const check = createSchemaCompiler()({ type: "object", ...schema }, "input");
  if (typeof check !== "function") throw new Error(check.message);
  return {
    ...tsTool(name, () => "ok"),
    inputSchema: { type: "object", ...schema },
    checkInput: check,
  };
}

Deno.test("callTool() answers a 250 KB invalid argument with a few KB that still name the field", async () => {
  const snapshot = buildSnapshot([
    schemaTool("tagger", {
      properties: { tags: { type: "array", items: { type: "string" } } },
      additionalProperties: false,
    }),
  ], 1);
  const tags = Array(125_000).fill(1);
  assert.ok(JSON.stringify({ tags }).length >= 250_000);
  const result = await callTool(
    snapshot,
    { name: "tagger", arguments: { tags } },
    options(NO_HOOKS),
  );
  const text = result.content[0]?.type === "text" ? result.content[0].text : "";
  assert.equal(result.isError, true);
  assert.ok(text.length <= 4096, `error result is ${text.length} characters`);
  assert.match(text, /^Invalid arguments for tool "tagger": argument "tags\[0\]": must be string/);
  assert.match(text, /and 124990 more problems$/);

  const longKey = "k".repeat(250_000);
  const unknown = await callTool(
    snapshot,
    { name: "tagger", arguments: { [longKey]: 1 } },
    options(NO_HOOKS),
  );
  const unknownText = unknown.content[0]?.type === "text" ? unknown.content[0].text : "";
  assert.ok(unknownText.length <= 4096, `error result is ${unknownText.length} characters`);
  assert.match(unknownText, /unknown argument "kkkk/);
});

Deno.test("callTool() admits a call before looking up its tool or validating its arguments", async () => {
  let validated = 0;
  const tool = { ...tsTool("t", () => "ok"), checkInput: () => (validated++, []) };
  const snapshot = buildSnapshot([tool], 1);
  const seen: string[] = [];
  const records: CallRecord[] = [];
  const hooks: PipelineHooks = {
    ...NO_HOOKS,
    admit: (request) => {
      seen.push(request.toolName);
      return Promise.reject(new GatewayError("RATE_LIMITED", "Rate limited: try later"));
    },
    onFinished: (record) => records.push(record),
  };
  for (const name of ["t", "unknown"]) {
    const error = await errorOf(callTool(snapshot, { name, arguments: { a: 1 } }, options(hooks)));
    assert.equal(error.code, "RATE_LIMITED");
  }
  assert.deepEqual(seen, ["t", "unknown"]);
  assert.equal(validated, 0);
  assert.deepEqual(records.map((r) => r.outcome), ["RATE_LIMITED", "RATE_LIMITED"]);
});

Deno.test("callTool() records the upstream's HTTP status as a fact, for results and errors alike", async () => {
  const upstream = startUpstream();
  try {
    const snapshot = buildSnapshot([
      httpTool("ok_tool", `${upstream.url}/echo/a`),
      httpTool("fail_tool", `${upstream.url}/respond?status=500&body=down`),
      httpTool("gone_tool", `${upstream.url}/respond?status=404&body=no+such+item`),
      tsTool("local_tool", () => "local"),
    ], 1);
    const records: CallRecord[] = [];
    const seen: (number | undefined)[] = [];
    const hooks: PipelineHooks = {
      ...NO_HOOKS,
      // What a stage sees on the way back: the outcome's (or the error's) upstream answer.
      stages: [async (_ctx, next) => {
        try {
          const outcome = await next();
          seen.push(outcome.upstream?.status);
          return outcome;
        } catch (error) {
          seen.push(error instanceof GatewayError ? error.upstream?.status : -1);
          throw error;
        }
      }],
      onFinished: (record) => records.push(record),
    };
    for (const name of ["ok_tool", "fail_tool", "gone_tool", "local_tool"]) {
      await callTool(snapshot, { name }, options(hooks));
    }
    assert.deepEqual(records.map((r) => [r.outcome, r.facts.backendStatus]), [
      ["ok", 200],
      ["UPSTREAM_ERROR", 500],
      ["UPSTREAM_ERROR", 404],
      ["ok", undefined],
    ]);
    assert.deepEqual(seen, [200, 500, 404, undefined]);
  } finally {
    await upstream.close();
  }
});
