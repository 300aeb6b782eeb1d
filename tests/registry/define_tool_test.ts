import assert from "node:assert/strict";
import { z } from "zod";
import { defineTool, isDefinedTool } from "../../lib/registry/define_tool.ts";

Deno.test("defineTool() returns a frozen, branded plain object keeping the options", () => {
  const input = z.object({ n: z.number() });
  const tool = defineTool({
    name: "double",
    description: "Double n.",
    input,
    handler: ({ n }) => n * 2,
  });
  assert.equal(isDefinedTool(tool), true);
  assert.equal(Object.isFrozen(tool), true);
  assert.equal(tool.name, "double");
  assert.equal(tool.input, input);
  assert.equal(tool.handler({ n: 4 }, { signal: new AbortController().signal }), 8);
});

Deno.test("isDefinedTool() rejects look-alikes that did not come from defineTool()", () => {
  assert.equal(
    isDefinedTool({ name: "x", description: "y", input: z.object({}), handler: () => 1 }),
    false,
  );
  assert.equal(isDefinedTool(null), false);
  assert.equal(isDefinedTool("tool"), false);
});
