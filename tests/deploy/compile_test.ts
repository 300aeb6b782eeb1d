/**
 * `deno task compile` (scripts/compile.ts) builds the four release targets with one explicit
 * permission set. `deno compile` cannot run here (it downloads its runtime), so these tests check
 * the argument lists and run the script in `--dry-run`.
 */

import assert from "node:assert/strict";
import { DEFAULT_HEAP_MB, v8HeapFlags } from "../../scripts/heap_limit.ts";
import {
  compileArgs,
  LAYOUT,
  parseCompileArgs,
  permissionFlags,
  TARGETS,
} from "../../scripts/compile.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("compileArgs() builds each of the four targets into its own file", () => {
  assert.deepEqual([...TARGETS], [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
  ]);
  for (const target of TARGETS) {
    const args = compileArgs(target);
    assert.equal(args[0], "compile");
    assert.equal(args[args.indexOf("--target") + 1], target);
    assert.equal(args[args.indexOf("--output") + 1], `dist/nexus-${target}`);
    assert.equal(args[args.indexOf("--include") + 1], "tools/");
    assert.equal(args.at(-1), "main.ts");
    assert.ok(args.includes(`--v8-flags=${v8HeapFlags(DEFAULT_HEAP_MB)}`), "a heap limit");
  }
  const sized = compileArgs("x86_64-unknown-linux-gnu", { heapMb: 512 });
  assert.deepEqual(sized.filter((arg) => arg.startsWith("--v8-flags")), [
    "--v8-flags=--max-old-space-size=512,--max-semi-space-size=8",
  ]);
});

Deno.test("permissionFlags() grants only the layout's directories and named variables, never -A", () => {
  const flags = permissionFlags();
  assert.deepEqual(flags, [
    "--allow-net",
    `--allow-read=${LAYOUT.config},${LAYOUT.data},${LAYOUT.secrets}`,
    `--allow-write=${LAYOUT.data}`,
    "--allow-env=NEXUS_*,OTEL_*,PG*,USER,LOGNAME,USERNAME,LOG_TOKENS,LOG_STREAM," +
    "REDIS_DEBUG_MAINTENANCE,REDIS_EMIT_DIAGNOSTICS,NODE_DEBUG,TZ",
  ]);
  for (const flag of compileArgs("x86_64-unknown-linux-gnu")) {
    assert.ok(
      !["-A", "--allow-all", "--allow-read", "--allow-write", "--allow-env"].includes(flag),
      flag,
    );
    assert.ok(!flag.startsWith("--allow-run") && !flag.startsWith("--allow-sys"), flag);
    assert.ok(!flag.startsWith("--allow-ffi"), flag);
  }
});

Deno.test("permissionFlags() grants subprocesses only for the named commands, with PATH and HOME", () => {
  const flags = permissionFlags({ allowRun: ["npx", "node"] });
  assert.ok(flags.includes("--allow-run=npx,node"));
  const env = flags.filter((flag) => flag.startsWith("--allow-env="));
  assert.equal(env.length, 1);
  assert.match(env[0] ?? "", /,PATH,HOME,NODE_V8_COVERAGE$/);
  assert.throws(() => permissionFlags({ allowRun: ["a,b"] }), /Cannot grant --allow-run/);
});

Deno.test("permissionFlags() adds the tool files' variables to the one --allow-env flag", () => {
  const flags = permissionFlags({ allowEnv: ["JIRA_BASE_URL", "ACME_*"] });
  const env = flags.filter((flag) => flag.startsWith("--allow-env="));
  assert.equal(env.length, 1);
  assert.match(env[0] ?? "", /,TZ,JIRA_BASE_URL,ACME_\*$/);
  assert.throws(() => permissionFlags({ allowEnv: ["A=B"] }), /Cannot grant --allow-env: "A=B"/);
});

Deno.test("parseCompileArgs() defaults to every target and refuses unknown ones clearly", () => {
  assert.deepEqual(parseCompileArgs([]), {
    targets: [...TARGETS],
    allowRun: [],
    allowEnv: [],
    dryRun: false,
  });
  assert.deepEqual(
    parseCompileArgs([
      "--target",
      "aarch64-apple-darwin",
      "--allow-run",
      "npx",
      "--allow-env",
      "JIRA_URL",
      "--dry-run",
    ]),
    {
      targets: ["aarch64-apple-darwin"],
      allowRun: ["npx"],
      allowEnv: ["JIRA_URL"],
      dryRun: true,
    },
  );
  assert.throws(() => parseCompileArgs(["--target", "x86_64-pc-windows-msvc"]), /unknown target/);
  assert.throws(() => parseCompileArgs(["--target"]), /--target needs a value/);
  assert.throws(() => parseCompileArgs(["-A"]), /unknown argument "-A"/);
  assert.equal(parseCompileArgs(["--heap-mb", "512"]).heapMb, 512);
  assert.throws(() => parseCompileArgs(["--heap-mb", "lots"]), /--heap-mb needs a whole number/);
});

Deno.test("deno task compile --dry-run prints one deno compile per target", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  assert.equal(tasks.compile, "deno run --allow-run=deno scripts/compile.ts");
  const output = await new Deno.Command("deno", {
    args: ["task", "-q", "compile", "--dry-run"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const lines = stdout.trim().split("\n");
  assert.deepEqual(lines, TARGETS.map((target) => `deno ${compileArgs(target).join(" ")}`));
});
