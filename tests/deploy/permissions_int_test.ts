/**
 * The permission set compiled into the binary (scripts/compile.ts) is enough to run the gateway
 * on Postgres and Redis, and no broader than needed: started with exactly those flags (`deno run`,
 * since `deno compile` cannot run here), over a temp copy of the image's directory layout.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { PATIENT_REDIS_ENV } from "../_support/cluster.ts";
import { collectLines, connect, REPO_ROOT } from "../_support/gateway.ts";
import { REDIS_TEST_URL } from "../_support/redis.ts";
import { TEST_DATABASE_URL } from "../store/_stores.ts";
import { LAYOUT, permissionFlags } from "../../scripts/compile.ts";

interface Layout {
  config: string;
  data: string;
  secrets: string;
  schema: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A temp copy of the image's layout (/etc/nexus with tools/, /var/lib/nexus, /run/secrets). */
async function createLayout(): Promise<Layout> {
  const root = await Deno.makeTempDir({ prefix: "nexus-layout-" });
  const [config, data, secrets] = ["etc-nexus", "var-lib-nexus", "run-secrets"].map((d) =>
    join(root, d)
  ) as [string, string, string];
  await Deno.mkdir(join(config, "tools"), { recursive: true });
  await Deno.mkdir(data);
  await Deno.mkdir(secrets);
  for await (const entry of Deno.readDir(join(REPO_ROOT, "tools"))) {
    if (entry.isFile) {
      await Deno.copyFile(join(REPO_ROOT, "tools", entry.name), join(config, "tools", entry.name));
    }
  }
  await Deno.writeTextFile(join(secrets, "nexus_master_key"), `1:${generateMasterKey()}\n`);
  const schema = `t_deploy_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await sql`CREATE SCHEMA ${sql(schema)}`;
  } catch (error) {
    throw new Error(
      `Cannot create a schema on ${TEST_DATABASE_URL} (is Postgres running?): ${error}`,
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
  return {
    config,
    data,
    secrets,
    schema,
    async [Symbol.asyncDispose]() {
      const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
      } finally {
        await sql.end({ timeout: 1 });
      }
      await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * `deno run` with the compiled binary's flags over `layout`. Why the repository is readable too:
 * from source, Deno reads main.ts and lib/ (the binary embeds them and needs no permission).
 */
function serveArgs(layout: Layout, envFlag?: string): string[] {
  const flags = permissionFlags({ layout }).map((flag) =>
    flag.startsWith("--allow-read=") ? `${flag},${REPO_ROOT}` : flag
  ).map((flag) => envFlag !== undefined && flag.startsWith("--allow-env=") ? envFlag : flag);
  return ["run", "--unstable-no-legacy-abort", ...flags, join(REPO_ROOT, "main.ts"), "serve"];
}

function spawnGateway(layout: Layout, envFlag?: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: serveArgs(layout, envFlag),
    // Why: the image's WORKDIR, where ./nexus.yaml is looked for.
    cwd: layout.config,
    clearEnv: true,
    env: {
      NO_COLOR: "1",
      NEXUS_HOST: "127.0.0.1",
      NEXUS_PORT: "0",
      NEXUS_TOOLS_DIR: join(layout.config, "tools"),
      NEXUS_DATA_DIR: layout.data,
      NEXUS_MASTER_KEY_FILE: join(layout.secrets, "nexus_master_key"),
      NEXUS_DATABASE_URL: `${TEST_DATABASE_URL}?search_path=${layout.schema}`,
      NEXUS_REDIS_URL: REDIS_TEST_URL,
      NEXUS_REDIS_PREFIX: `${layout.schema}:`,
      NEXUS_HOT_RELOAD: "false",
      ...PATIENT_REDIS_ENV,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function listening(child: Deno.ChildProcess, lines: string[]): Promise<string> {
  const url = Promise.withResolvers<string>();
  const drained = collectLines(child.stderr, (line) => {
    lines.push(line);
    try {
      const record = JSON.parse(line);
      if (record?.msg === "Nexus listening") url.resolve(record.url);
    } catch {
      // not JSON
    }
  });
  child.status.then((status) => url.reject(new Error(`exited with ${status.code}`)));
  void drained;
  return await url.promise;
}

/**
 * Polls `/readyz` until it answers 200 or 40 tries (10 s) passed. Why poll: on a loaded machine the
 * first Redis round trip may land after the listener is up; readiness then follows.
 */
async function readiness(
  url: URL,
): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  for (let i = 0;; i++) {
    const response = await fetch(url);
    const body = await response.json();
    if (response.status === 200 || i >= 40) return { status: response.status, body };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

Deno.test("the compiled binary's permission set serves tools on Postgres and Redis, and nothing less does", async () => {
  assert.equal(LAYOUT.config, "/etc/nexus");
  await using layout = await createLayout();
  const lines: string[] = [];
  const child = spawnGateway(layout);
  try {
    const mcpUrl = await listening(child, lines).catch((error) => {
      throw new Error(`Gateway did not start: ${error}\n${lines.join("\n")}`);
    });
    const { status, body } = await readiness(new URL("/readyz", mcpUrl));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.checks.store, "ok");
    assert.equal(body.checks.redis, "ok");
    await using client = await connect("2026-07-28", mcpUrl);
    // A TypeScript tool: loaded by dynamic import from the read-only tools directory.
    const result = await client.callTool({ name: "text_stats", arguments: { text: "one two" } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const health = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        join(REPO_ROOT, "main.ts"),
        "health",
        "--url",
        new URL("/healthz", mcpUrl).href,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.equal(health.code, 0, "nexus health did not pass");
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
  assert.ok(!lines.some((line) => line.includes("NotCapable")), lines.join("\n"));

  // Without the npm packages' variables (LIBRARY_ENV) the gateway cannot start: the set is needed.
  const narrow: string[] = [];
  const denied = spawnGateway(layout, "--allow-env=NEXUS_*,OTEL_*");
  await assert.rejects(() => listening(denied, narrow));
  await denied.status;
  assert.ok(narrow.some((line) => line.includes("NotCapable")), narrow.join("\n"));
});
