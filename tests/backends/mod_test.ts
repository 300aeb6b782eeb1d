import assert from "node:assert/strict";
import { executeTool } from "../../lib/backends/mod.ts";
import { executeOptions, rejectsWith, tsTool } from "./_tools.ts";

Deno.test("executeTool() answers CANCELLED at once when the client already gave up", async () => {
  let called = false;
  const tool = tsTool(() => {
    called = true;
  });
  await rejectsWith(
    executeTool(tool, {}, executeOptions([], { signal: AbortSignal.abort() })),
    "CANCELLED",
  );
  assert.equal(called, false);
});

Deno.test("executeTool() logs with the tool name and backend kind", async () => {
  const options = executeOptions([]);
  await executeTool(tsTool(() => "ok"), {}, options);
  const record = JSON.parse(options.lines[0] ?? "{}");
  assert.equal(record.tool, "test_tool");
  assert.equal(record.backend, "ts");
  assert.equal(record.level, "debug");
});
