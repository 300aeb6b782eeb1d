import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import type { ToolDefinition } from "../../lib/registry/types.ts";
import {
  createToolsDir,
  loadToolFile,
  printed,
  TOOL_IMPORTS,
} from "../_support/registry_fixtures/tools_dir.ts";

const HEADER = `${TOOL_IMPORTS}\n`;
const ctx = { signal: new AbortController().signal };

const SEARCH_TOOL = `${HEADER}
export const VERSION = 3;

export const search = defineTool({
  name: "search_docs",
  title: "Search docs",
  description: "Search the docs.",
  input: z.object({
    query: z.string().min(2).describe("What to look for."),
    limit: z.number().int().min(1).max(50).default(10),
    tags: z.array(z.string()).optional(),
    shout: z.string().transform((s) => s.toUpperCase()).optional(),
  }),
  output: z.object({ hits: z.array(z.string()) }),
  annotations: { readOnlyHint: true },
  cache: { ttl: "1m" },
  rateLimit: { perClient: "30/min" },
  timeout: "5s",
  handler: (args) => ({ hits: [JSON.stringify(args)] }),
});
`;

async function loadOne(text: string): Promise<{ tools: ToolDefinition[]; problems: string[] }> {
  await using dir = await createToolsDir({ "t.ts": text });
  const result = await loadToolFile(dir.path("t.ts"));
  return { tools: result.tools, problems: printed(result.problems, dir.dir) };
}

Deno.test("loadToolFile() registers a defineTool export with a zod-derived input schema", async () => {
  const { tools, problems } = await loadOne(SEARCH_TOOL);
  assert.deepEqual(problems, []);
  assert.equal(tools.length, 1);
  const tool = tools[0] as ToolDefinition;
  assert.equal(tool.name, "search_docs");
  assert.equal(tool.source.line, 6);
  assert.deepEqual(tool.inputSchema, {
    type: "object",
    properties: {
      query: { type: "string", minLength: 2, description: "What to look for." },
      limit: { type: "integer", minimum: 1, maximum: 50, default: 10 },
      tags: { type: "array", items: { type: "string" } },
      shout: { type: "string" },
    },
    required: ["query"],
  });
  assert.deepEqual(tool.outputSchema, {
    type: "object",
    properties: { hits: { type: "array", items: { type: "string" } } },
    required: ["hits"],
    additionalProperties: false,
  });
  assert.deepEqual(tool.cache, { ttlMs: 60_000 });
  assert.deepEqual(tool.rateLimit, { perClient: "30/min" });
  assert.equal(tool.backend.kind === "ts" && tool.backend.timeoutMs, 5000);
});

Deno.test("loadToolFile() compiles checks from the derived schemas", async () => {
  const { tools } = await loadOne(SEARCH_TOOL);
  const tool = tools[0] as ToolDefinition;
  assert.deepEqual(tool.checkInput({ query: "x" }), [
    'argument "query": must NOT have fewer than 2 characters',
  ]);
  assert.deepEqual(tool.checkInput({}), ['missing required argument "query"']);
  assert.deepEqual(tool.checkOutput?.({ hits: [1] }), ['field "hits[0]": must be string']);
});

Deno.test("the stored TS handler receives args parsed by zod (defaults and transforms)", async () => {
  const { tools } = await loadOne(SEARCH_TOOL);
  const backend = (tools[0] as ToolDefinition).backend;
  assert.equal(backend.kind, "ts");
  if (backend.kind !== "ts") return;
  const result = await backend.handler({ query: "deno", shout: "hi" }, ctx);
  assert.deepEqual(result, { hits: [JSON.stringify({ query: "deno", limit: 10, shout: "HI" })] });
  await assert.rejects(
    async () => await backend.handler({ query: 5 }, ctx),
    (error) =>
      error instanceof GatewayError && error.code === "INVALID_INPUT" &&
      error.message === `Invalid arguments for tool "search_docs": argument "query": ` +
          "Invalid input: expected string, received number",
  );
});

Deno.test("loadToolFile() reports a default-exported tool instead of registering it", async () => {
  const text = `${HEADER}
export default defineTool({
  name: "anon",
  description: "x",
  input: z.object({}),
  handler: () => "x",
});
`;
  const { tools, problems } = await loadOne(text);
  assert.deepEqual(tools, []);
  assert.deepEqual(problems, [
    `<dir>/t.ts:5: default export is not registered: export the tool by name`,
  ]);
});

Deno.test("loadToolFile() reports every problem of a TS tool at its export line", async () => {
  const text = `${HEADER}
export const ok = defineTool({ name: "fine", description: "x", input: z.object({}), handler: () => 1 });

export const bad = defineTool({
  name: "bad tool",
  description: "",
  input: z.object({ when: z.date() }),
  cache: { ttl: "1m" },
  timeout: "forever",
  handler: () => 1,
});
`;
  const { tools, problems } = await loadOne(text);
  assert.deepEqual(tools, []);
  assert.equal(problems.length, 5, problems.join("\n"));
  for (const problem of problems) assert.match(problem, /^<dir>\/t\.ts:6: export "bad": /);
  assert.match(problems.join("\n"), /breaks the MCP tool name rules/);
  assert.match(problems.join("\n"), /description must be a non-empty string/);
  assert.match(problems.join("\n"), /input cannot be expressed as JSON Schema/);
  assert.match(problems.join("\n"), /cache is only allowed when annotations.readOnlyHint is true/);
  assert.match(problems.join("\n"), /timeout must be a duration/);
});

Deno.test("loadToolFile() reports a module that throws while importing, with its line", async () => {
  const text = `${HEADER}\nconst a = 1;\nthrow new Error("boom at import");\n`;
  const { tools, problems } = await loadOne(text);
  assert.deepEqual(tools, []);
  assert.deepEqual(problems, ["<dir>/t.ts:5: cannot import module: boom at import"]);
});

Deno.test("loadToolFile() reports a module with a syntax error", async () => {
  const { problems } = await loadOne(`${HEADER}\nexport const = ;\n`);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? "", /^<dir>\/t\.ts:\d+: cannot import module: /);
});

Deno.test("loadToolFile() reports two exports with the same tool name", async () => {
  const tool =
    `defineTool({ name: "twin", description: "x", input: z.object({}), handler: () => 1 })`;
  const text = `${HEADER}export const a = ${tool};\nexport const b = ${tool};\n`;
  const { tools, problems } = await loadOne(text);
  assert.deepEqual(tools, []);
  assert.deepEqual(problems, [
    `<dir>/t.ts:4: tool "twin": duplicate name, first defined at <dir>/t.ts:3`,
  ]);
});

Deno.test("loadToolFile() loads the shipped tools/examples.ts copied unchanged outside the repo", async () => {
  // Why: tool files import `nexus/tool` through the import map, so a tools dir anywhere works
  // without rewriting the import (the old `../lib/registry/mod.ts` failed from a temp dir).
  const text = await Deno.readTextFile(new URL("../../tools/examples.ts", import.meta.url));
  await using dir = await createToolsDir({ "examples.ts": text });
  assert.equal(dir.dir.startsWith(new URL("../../", import.meta.url).pathname), false);
  const result = await loadToolFile(dir.path("examples.ts"));
  assert.deepEqual(printed(result.problems, dir.dir), []);
  assert.ok(result.tools.some((tool) => tool.name === "text_stats"));
});
