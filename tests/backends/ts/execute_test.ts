import assert from "node:assert/strict";
import { executeTool } from "../../../lib/backends/mod.ts";
import { GatewayError } from "../../../lib/errors.ts";
import type { ToolContext } from "../../../lib/registry/types.ts";
import { executeOptions, rejectsWith, tsTool } from "../_tools.ts";

function waitForAbort(ctx: ToolContext): Promise<never> {
  return new Promise((_, reject) => {
    ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
  });
}

Deno.test("executeTool() calls a TS handler with the arguments and normalises its value", async () => {
  const tool = tsTool((args) => ({ greeting: `hello ${args.name}` }));
  const { result } = await executeTool(tool, { name: "ann" }, executeOptions([]));
  assert.deepEqual(result, {
    content: [{ type: "text", text: '{"greeting":"hello ann"}' }],
    structuredContent: { greeting: "hello ann" },
  });
});

Deno.test("executeTool() awaits an async TS handler", async () => {
  const tool = tsTool(async () => {
    await Promise.resolve();
    return "later";
  });
  const { result } = await executeTool(tool, {}, executeOptions([]));
  assert.deepEqual(result, { content: [{ type: "text", text: "later" }] });
});

Deno.test("executeTool() aborts the handler's signal and answers UPSTREAM_TIMEOUT at timeoutMs", async () => {
  let seen: AbortSignal | undefined;
  const tool = tsTool((_args, ctx) => {
    seen = ctx.signal;
    return waitForAbort(ctx);
  }, 100);
  const started = performance.now();
  await rejectsWith(
    executeTool(tool, {}, executeOptions([])),
    "UPSTREAM_TIMEOUT",
    "Tool handler did not finish within 100 ms",
  );
  assert.ok(performance.now() - started < 600);
  assert.equal(seen?.aborted, true);
});

Deno.test("executeTool() stops waiting for a handler that ignores its signal", async () => {
  let release = () => {};
  const tool = tsTool(
    () => new Promise<string>((resolve) => (release = () => resolve("late"))),
    50,
  );
  await rejectsWith(executeTool(tool, {}, executeOptions([])), "UPSTREAM_TIMEOUT");
  release();
});

Deno.test("executeTool() answers CANCELLED when the client aborts a TS handler", async () => {
  const client = new AbortController();
  const tool = tsTool((_args, ctx) => waitForAbort(ctx), 5000);
  const call = executeTool(tool, {}, executeOptions([], { signal: client.signal }));
  setTimeout(() => client.abort(), 20);
  await rejectsWith(call, "CANCELLED", "Call cancelled by the client");
});

Deno.test("executeTool() rethrows a GatewayError from a TS handler unchanged", async () => {
  const thrown = new GatewayError("NOT_FOUND", "Issue not found: NEX-9");
  const tool = tsTool(() => {
    throw thrown;
  });
  const error = await rejectsWith(executeTool(tool, {}, executeOptions([])), "NOT_FOUND");
  assert.equal(error, thrown);
});

Deno.test("executeTool() wraps any other handler error as UPSTREAM_ERROR without a stack", async () => {
  const tool = tsTool(() => {
    throw new Error(
      "Jira said no\n    at handler (file:///tools/jira.ts:3:9)\n    at run (x.ts:1:1)",
    );
  });
  await rejectsWith(
    executeTool(tool, {}, executeOptions([])),
    "UPSTREAM_ERROR",
    "Tool handler failed: Jira said no",
  );
});

Deno.test("executeTool() wraps a thrown non-Error value as UPSTREAM_ERROR", async () => {
  const tool = tsTool(() => Promise.reject("plain string"));
  await rejectsWith(
    executeTool(tool, {}, executeOptions([])),
    "UPSTREAM_ERROR",
    "Tool handler failed: plain string",
  );
});

Deno.test("executeTool() never runs a TS handler whose call was cancelled before it started", async () => {
  const client = new AbortController();
  client.abort();
  let runs = 0;
  const tool = tsTool(() => (runs++, "ran"), 5000);
  await rejectsWith(
    executeTool(tool, {}, executeOptions([], { signal: client.signal })),
    "CANCELLED",
    "Call cancelled by the client",
  );
  assert.equal(runs, 0);
});

Deno.test("executeTool() answers a synchronous handler's value and maps its throw like an async one's", async () => {
  const ok = await executeTool(tsTool(() => ({ n: 1 }), 5000), {}, executeOptions([]));
  assert.deepEqual(ok.result.structuredContent, { n: 1 });
  const thrown = tsTool(() => {
    throw new GatewayError("NOT_FOUND", "no such item");
  }, 5000);
  await rejectsWith(executeTool(thrown, {}, executeOptions([])), "NOT_FOUND", "no such item");
  // A thenable that is not a Promise is awaited (and raced) as one.
  const thenable = tsTool(
    () => ({ then: (resolve: (v: unknown) => void) => resolve("later") }),
    5000,
  );
  const later = await executeTool(thenable, {}, executeOptions([]));
  assert.deepEqual(later.result.content, [{ type: "text", text: "later" }]);
});
