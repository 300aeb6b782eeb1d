import assert from "node:assert/strict";
import { GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import type { RegistrySnapshot } from "../../lib/registry/types.ts";
import { createRegistryWatcher, type WatchOptions } from "../../lib/registry/watch.ts";
import {
  createToolsDir,
  printed,
  tsTools,
  waitFor,
  yamlTools,
} from "../_support/registry_fixtures/tools_dir.ts";

// Why: a long debounce keeps fs events from reloading behind the test's back; tests call reload().
const MANUAL = 60_000;
const BROKEN_A = "tools:\n  - name: a1\n    description: x\n    http: { url: not/absolute }\n";

function names(snapshot: RegistrySnapshot): string[] {
  return snapshot.tools.map((tool) => tool.name);
}

async function startWatcher(dir: string, options: WatchOptions = {}) {
  const swaps: RegistrySnapshot[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({ sink: (line) => logs.push(JSON.parse(line)) });
  const watcher = await createRegistryWatcher(dir, {
    logger,
    debounceMs: MANUAL,
    onSwap: (snapshot) => void swaps.push(snapshot),
    ...options,
  });
  return { watcher, swaps, logs, [Symbol.asyncDispose]: () => watcher.close() };
}

Deno.test("reload() keeps a broken file's last good tools and still applies other files", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a1"), "b.yaml": yamlTools("b1") });
  await using w = await startWatcher(dir.dir);
  assert.deepEqual(names(w.watcher.current()), ["a1", "b1"]);

  await dir.write("a.yaml", BROKEN_A);
  await dir.write("b.yaml", yamlTools("b1", "b2"));
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a1", "b1", "b2"]);
  assert.equal(w.watcher.current().version, 2);
  assert.deepEqual(printed(w.watcher.problems(), dir.dir), [
    `<dir>/a.yaml:4: tool "a1": url must be absolute`,
  ]);
  const warnings = w.logs.filter((r) => r.level === "warn").map((r) =>
    r.msg.replaceAll(dir.dir, "<dir>")
  );
  assert.deepEqual(warnings, [
    `Tool problem: <dir>/a.yaml:4: tool "a1": url must be absolute`,
    "Keeping the last good tools of <dir>/a.yaml until it loads again",
  ]);
  assert.equal(w.swaps.length, 1);

  await dir.write("c.yaml", yamlTools("c1"));
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a1", "b1", "b2", "c1"]);

  await dir.remove("b.yaml");
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a1", "c1"]);

  await dir.write("a.yaml", yamlTools("a2"));
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a2", "c1"]);
  assert.deepEqual(w.watcher.problems(), []);
  assert.deepEqual(w.swaps.map((s) => s.version), [2, 3, 4, 5]);
});

Deno.test("reload() swaps nothing when no tool changed, even if a file's text did", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a1") });
  await using w = await startWatcher(dir.dir);
  const before = w.watcher.current();
  await w.watcher.reload();
  await dir.write("a.yaml", `# a comment moves every line\n\n${yamlTools("a1")}`);
  await w.watcher.reload();
  assert.equal(w.watcher.current(), before);
  assert.equal(w.swaps.length, 0);
});

Deno.test("a new file's tools never appear while it is broken from the start", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a1") });
  await using w = await startWatcher(dir.dir);
  await dir.write("new.yaml", BROKEN_A.replace("a1", "n1"));
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a1"]);
  assert.equal(w.watcher.problems().length, 1);
  assert.equal(w.swaps.length, 0);
});

Deno.test("an edit that clashes with another file's tool is rejected, keeping its last good", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a1"), "z.yaml": yamlTools("z1") });
  await using w = await startWatcher(dir.dir);
  await dir.write("a.yaml", yamlTools("a1", "z1"));
  await w.watcher.reload();
  assert.deepEqual(names(w.watcher.current()), ["a1", "z1"]);
  assert.equal(w.watcher.current().byName.get("z1")?.source.file, dir.path("z.yaml"));
  assert.deepEqual(printed(w.watcher.problems(), dir.dir), [
    `<dir>/a.yaml:7: tool "z1": duplicate name, first defined at <dir>/z.yaml:2`,
  ]);
});

Deno.test("reload() re-imports an edited TypeScript tool file", async () => {
  await using dir = await createToolsDir({ "t.ts": tsTools("greet") });
  await using w = await startWatcher(dir.dir);
  const ctx = { signal: new AbortController().signal };
  async function call(): Promise<unknown> {
    const backend = w.watcher.current().byName.get("greet")?.backend;
    if (backend?.kind !== "ts") throw new Error("greet is not a TS tool");
    return await backend.handler({ text: "x" }, ctx);
  }
  assert.equal(await call(), "greet:x");
  await dir.write("t.ts", tsTools("greet").replace(`"greet:" + text`, `"hello " + text`));
  await w.watcher.reload();
  assert.equal(await call(), "hello x");
  assert.equal(w.swaps.length, 1);
});

Deno.test("the watcher picks up a new file from real file-system events", async () => {
  await using dir = await createToolsDir({ "a.yaml": yamlTools("a1") });
  await using w = await startWatcher(dir.dir, { debounceMs: 50 });
  await dir.write("b.yaml", yamlTools("b1"));
  const appeared = await waitFor(() => w.watcher.current().byName.has("b1"), 5000);
  assert.equal(appeared, true, "b1 did not appear within 5 s");
  assert.equal(w.swaps.at(-1)?.byName.has("b1"), true);
  await dir.remove("b.yaml");
  const gone = await waitFor(() => !w.watcher.current().byName.has("b1"), 5000);
  assert.equal(gone, true, "b1 did not disappear within 5 s");
});

Deno.test("createRegistryWatcher() refuses a missing directory with INVALID_CONFIG", async () => {
  await assert.rejects(
    () => createRegistryWatcher("./no_such_tools_dir"),
    (error) => error instanceof GatewayError && error.code === "INVALID_CONFIG",
  );
});

Deno.test("reload() rejects when the directory vanished and keeps the current snapshot", async () => {
  const dir = await createToolsDir({ "a.yaml": yamlTools("a1") });
  await using w = await startWatcher(dir.dir);
  await dir[Symbol.asyncDispose]();
  await assert.rejects(
    () => w.watcher.reload(),
    (error) => error instanceof GatewayError && error.code === "INVALID_CONFIG",
  );
  assert.deepEqual(names(w.watcher.current()), ["a1"]);
});
