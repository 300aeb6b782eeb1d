import assert from "node:assert/strict";
import {
  blankSource,
  checkFile,
  checkImports,
  checkRules,
  RULES,
  type Violation,
} from "../../scripts/check_imports.ts";

/** A small tree that follows every rule; each test adds or overrides files. */
const CLEAN_TREE: Record<string, string> = {
  "lib/errors.ts": `export class GatewayError extends Error {}\n`,
  "lib/secret.ts": `export const REDACTED_TEXT = "[redacted]";\n`,
  "lib/log.ts": [
    `/** Never console.log here: this is the one log exit. */`,
    `import { REDACTED_TEXT } from "./secret.ts";`,
    `export const redacted = REDACTED_TEXT;`,
    ``,
  ].join("\n"),
  "lib/config/mod.ts": `export { loadConfig } from "./load.ts";\n`,
  "lib/config/load.ts":
    `import { GatewayError } from "../errors.ts";\nexport function loadConfig() {\n  return GatewayError;\n}\n`,
  "lib/registry/mod.ts": `export type { ToolDefinition } from "./types.ts";\n`,
  "lib/registry/types.ts": `export interface ToolDefinition {\n  name: string;\n}\n`,
  "lib/mcp/mod.ts": [
    `import type {`,
    `  ToolDefinition,`,
    `} from "../registry/types.ts";`,
    `import { loadConfig } from "../config/mod.ts";`,
    `const pattern = /"\\/\\/ console.log(x)/;`,
    "const text = `console.log ${loadConfig()} // not a comment`;",
    `export function describe(tool: ToolDefinition): string {`,
    `  return tool.name + text + pattern.source;`,
    `}`,
    ``,
  ].join("\n"),
  "main.ts": `import { describe } from "./lib/mcp/mod.ts";\nimport "./lib/log.ts";\ndescribe;\n`,
};

async function withTree(
  overrides: Record<string, string>,
  run: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "check_imports_" });
  try {
    for (const [path, text] of Object.entries({ ...CLEAN_TREE, ...overrides })) {
      const full = `${root}/${path}`;
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(full, text);
    }
    await run(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function located(violations: Violation[]): string[] {
  return violations.map((v) => `${v.file}:${v.line}`);
}

Deno.test("checkImports() finds nothing wrong in a tree that follows the layers", async () => {
  await withTree({}, async (root) => {
    assert.deepEqual(await checkImports(root), []);
  });
});

Deno.test("checkImports() reports an upward import at its file and line", async () => {
  await withTree({
    "lib/config/load.ts":
      `import { GatewayError } from "../errors.ts";\n\nimport { describe } from "../mcp/mod.ts";\nexport { describe, GatewayError };\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/config/load.ts:3"]);
    assert.match(violations[0]!.message, /points up: lib\/config\/ imports lib\/mcp\/mod\.ts/);
  });
});

Deno.test("checkImports() reports a multi-line import that bypasses mod.ts", async () => {
  await withTree({
    "lib/mcp/call.ts":
      `import {\n  loadConfig,\n} from "../config/load.ts";\nexport const f = loadConfig;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/mcp/call.ts:1"]);
    assert.match(violations[0]!.message, /bypasses lib\/config\/mod\.ts/);
  });
});

Deno.test("checkImports() allows registry/types.ts past mod.ts only with import type", async () => {
  await withTree({
    "lib/mcp/a.ts":
      `import type { ToolDefinition } from "../registry/types.ts";\nexport type T = ToolDefinition;\n`,
    "lib/mcp/b.ts":
      `import { type ToolDefinition } from "../registry/types.ts";\nexport type T = ToolDefinition;\n`,
    "lib/config/c.ts":
      `import type { ToolDefinition } from "../registry/types.ts";\nexport type T = ToolDefinition;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/config/c.ts:1", "lib/mcp/b.ts:1"]);
    assert.match(violations[0]!.message, /points up/);
    assert.match(violations[1]!.message, /import type/);
  });
});

Deno.test("checkImports() forbids limits and cache from importing each other", async () => {
  await withTree({
    "lib/limits/mod.ts": `export const limit = 1;\n`,
    "lib/cache/mod.ts": `export const cached = await import("../limits/mod.ts");\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/cache/mod.ts:1"]);
    assert.match(violations[0]!.message, /lib\/cache\/ may not import lib\/limits\/ \(its row/);
  });
});

Deno.test("checkImports() reports export *, export default and console in lib/", async () => {
  await withTree({
    "lib/config/mod.ts": `export * from "./load.ts";\n`,
    "lib/config/load.ts": `export default function loadConfig() {\n  console.info("x");\n}\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(
      violations.map((v) => `${v.file}:${v.line}: ${v.message.split(":")[0]}`),
      [
        `lib/config/load.ts:1: No "export default" in lib/`,
        `lib/config/load.ts:2: No console in lib/`,
        `lib/config/mod.ts:1: No "export *" in mod.ts`,
      ],
    );
  });
});

Deno.test("checkImports() lets main.ts import mod.ts entries and layer-0 files only", async () => {
  await withTree({
    "main.ts":
      `import "./lib/log.ts";\nimport { loadConfig } from "./lib/config/load.ts";\nloadConfig;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["main.ts:2"]);
  });
});

Deno.test("checkImports() reports a lib folder missing from the layer table", async () => {
  await withTree({ "lib/plugins/mod.ts": `export const plugin = 1;\n` }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/plugins/mod.ts:1"]);
    assert.match(violations[0]!.message, /not in the layer table/);
  });
});

Deno.test("checkFile() ignores imports and console inside comments", () => {
  const text =
    `// import { x } from "../http/mod.ts";\n/* console.log(1);\n import("../http/mod.ts") */\n`;
  assert.deepEqual(checkFile("lib/config/load.ts", text), []);
});

// Changed on purpose (issue 12): root files follow their rows too; log.ts may import secret.ts only.
Deno.test("checkFile() holds lib root files to their rows, not only to direction", () => {
  assert.deepEqual(checkFile("lib/log.ts", `import { a } from "./secret.ts";\n`), []);
  const sideways = checkFile("lib/log.ts", `import { a } from "./errors.ts";\n`);
  assert.deepEqual(located(sideways), ["lib/log.ts:1"]);
  assert.match(sideways[0]!.message, /lib\/log\.ts may not import lib\/errors\.ts/);
  const folder = checkFile("lib/log.ts", `import { a } from "./config/mod.ts";\n`);
  assert.deepEqual(located(folder), ["lib/log.ts:1"]);
});

Deno.test("checkImports() reports a downward import that leaves its folder's allow-list", async () => {
  await withTree({
    "lib/credentials/mod.ts": `export const seal = 1;\n`,
    "lib/limits/mod.ts":
      `import { seal } from "../credentials/mod.ts";\nexport const limit = seal;\n`,
    "lib/limits/keys.ts":
      `import type { ToolDefinition } from "../registry/types.ts";\nexport type K = ToolDefinition;\n`,
    "lib/store/mod.ts": `export const store = 1;\n`,
    "lib/auth/mod.ts": `import { store } from "../store/mod.ts";\nexport const auth = store;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/limits/keys.ts:1", "lib/limits/mod.ts:1"]);
    assert.match(violations[0]!.message, /lib\/limits\/ may not import lib\/registry\//);
    assert.match(violations[1]!.message, /its row allows store\/, errors\.ts, log\.ts, rates\.ts/);
  });
});

Deno.test("checkImports() applies the rows of gateway/, metrics/ and demo/ once they exist", async () => {
  await withTree({
    "lib/metrics/mod.ts":
      `import { GatewayError } from "../errors.ts";\nexport const m = GatewayError;\n`,
    "lib/demo/mod.ts": `import { m } from "../metrics/mod.ts";\nexport const demo = m;\n`,
    "lib/http/mod.ts": `import { demo } from "../demo/mod.ts";\nexport const http = demo;\n`,
    "lib/gateway/mod.ts": `import { http } from "../http/mod.ts";\nexport const gateway = http;\n`,
    "lib/cli/mod.ts": `import { gateway } from "../gateway/mod.ts";\nexport const cli = gateway;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/demo/mod.ts:1"]);
    assert.match(
      violations[0]!.message,
      /lib\/demo\/ may not import lib\/metrics\/ \(its row allows errors\.ts\)/,
    );
  });
});

Deno.test("checkImports() holds metrics/ to errors.ts and lets no lower folder import gateway/", async () => {
  await withTree({
    "lib/store/mod.ts": `export const store = 1;\n`,
    "lib/metrics/mod.ts": `import { store } from "../store/mod.ts";\nexport const m = store;\n`,
    "lib/gateway/mod.ts": `export const gateway = 1;\n`,
    "lib/http/mod.ts":
      `import { gateway } from "../gateway/mod.ts";\nexport const http = gateway;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["lib/http/mod.ts:1", "lib/metrics/mod.ts:1"]);
    assert.match(violations[0]!.message, /points up: lib\/http\/ imports lib\/gateway\/mod\.ts/);
    assert.match(violations[1]!.message, /lib\/metrics\/ may not import lib\/store\//);
  });
});

Deno.test("checkImports() reports a tool file that imports lib/ by path instead of nexus/tool", async () => {
  await withTree({
    "tools/ok.ts":
      `import { defineTool, z } from "nexus/tool";\nimport { h } from "./_helpers.ts";\nexport const t = [defineTool, z, h];\n`,
    "tools/_helpers.ts": `export const h = 1;\n`,
    "tools/old.ts":
      `import { defineTool } from "../lib/registry/mod.ts";\nexport const t = defineTool;\n`,
  }, async (root) => {
    const violations = await checkImports(root);
    assert.deepEqual(located(violations), ["tools/old.ts:1"]);
    assert.match(violations[0]!.message, /import "nexus\/tool"/);
  });
});

Deno.test("checkRules() accepts RULES.allow and reports rows that name no row or one below", () => {
  assert.deepEqual(checkRules(RULES.allow), []);
  const problems = checkRules({
    "errors.ts": [],
    "store/": ["errors.ts", "auth/"],
    "auth/": ["store/", "auth/", "plugins/"],
  });
  assert.deepEqual(problems, [
    `RULES.allow["store/"] names auth/, which is not above it`,
    `RULES.allow["auth/"] names auth/, which is not above it`,
    `RULES.allow["auth/"] names plugins/, which has no row`,
  ]);
});

Deno.test("check_imports.ts exits 1 on an import that leaves a folder's allow-list", async () => {
  await withTree({
    "lib/limits/mod.ts": `export { loadConfig } from "../config/mod.ts";\n`,
  }, async (root) => {
    const script = new URL("../../scripts/check_imports.ts", import.meta.url).pathname;
    const run = async () =>
      await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", script, root],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const failed = await run();
    assert.equal(failed.code, 1);
    const stderr = new TextDecoder().decode(failed.stderr);
    assert.match(stderr, /lib\/limits\/mod\.ts:1: lib\/limits\/ may not import lib\/config\//);
    await Deno.writeTextFile(`${root}/lib/limits/mod.ts`, `export const limit = 1;\n`);
    assert.equal((await run()).code, 0);
  });
});

Deno.test("blankSource() keeps newlines and code but blanks comments and literal text", () => {
  const text = "a = 'x // y'; // c\nb = `t ${f('z')} u` / 2; /* d\n*/ r = /[/]'/g;\n";
  const { code, bare } = blankSource(text);
  assert.equal(code.length, text.length);
  assert.equal(code.split("\n").length, text.split("\n").length);
  assert.equal(code.includes("// c"), false);
  assert.equal(code.includes("'x // y'"), true);
  assert.equal(bare.includes("x // y"), false);
  assert.equal(bare.includes("f('"), true);
  assert.equal(bare.includes("r = /"), true);
  assert.equal(bare.includes("[/]"), false);
});
