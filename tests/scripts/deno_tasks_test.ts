import assert from "node:assert/strict";

const DENO_JSON = new URL("../../deno.json", import.meta.url);

async function tasks(): Promise<Record<string, string>> {
  const parsed = JSON.parse(await Deno.readTextFile(DENO_JSON)) as {
    tasks: Record<string, string>;
  };
  return parsed.tasks;
}

Deno.test("deno task check runs the doc lint, so an undocumented public export fails it", async () => {
  const { check, "doc-lint": docLint } = await tasks();
  assert.ok(check?.split("&&").some((step) => step.trim() === "deno task doc-lint"), check);
  assert.match(docLint ?? "", /^deno doc (--quiet )?--lint /);
  assert.ok(docLint?.split(/\s+/).includes("lib/*/mod.ts"), docLint);
});
