/**
 * A supervised stdio upstream behind the real gateway (a subprocess): the fixture child declared
 * in a tool file, its tools listed with the prefix and called by real SDK clients of both eras, a
 * vault credential put into the child's env (it arrives; clients and the log never see it), and
 * no process of its group left once the gateway stopped.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { runNexus } from "../_support/cli.ts";
import { createGatewayToolsDir, ERAS, REPO_ROOT, startGateway } from "../_support/gateway.ts";
import { processTable, waitGone } from "../_support/processes.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));
const SECRET = "stdio-child-secret-4b1e9c";

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("stdio upstream behind the gateway: listed, called, vault env credential, reaped on stop", async (t) => {
  const marker = `nexus-stdio-e2e-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stdio-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const stored = await runNexus(["credentials", "set", "child-token", "--kind", "bearer"], {
      env,
      stdin: SECRET,
    });
    assert.equal(stored.code, 0, stored.stderr);
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "local.yaml": `upstreams:
  - name: local
    auth: child-token
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", "--allow-run", ${
        JSON.stringify(FIXTURE)
      }, ${JSON.stringify(marker)}]
      env: { CHILD_TOKEN: "\${credential:child-token}", NO_COLOR: "1" }
      cwd: ${JSON.stringify(REPO_ROOT)}
`,
    });
    const gateway = await startGateway({ toolsDir: tools.dir, env });
    let pgid = 0;
    let grandchild = 0;
    try {
      for (const era of ERAS) {
        await t.step(`${era}: prefixed tools listed and called through the gateway`, async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          const names = (await client.listTools()).tools.map((tool) => tool.name);
          for (const name of ["local_echo", "local_env", "local_env_sha256", "text_stats"]) {
            assert.ok(names.includes(name), `${name} missing from ${names.join(", ")}`);
          }
          const echo = await client.callTool({ name: "local_echo", arguments: { text: era } });
          assert.equal(textOf(echo), era);
        });

        await t.step(`${era}: the credential reaches the child, never the client`, async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          const hashed = await client.callTool({
            name: "local_env_sha256",
            arguments: { name: "CHILD_TOKEN" },
          });
          assert.equal(textOf(hashed), await sha256Hex(SECRET));
          const echoed = await client.callTool({
            name: "local_env",
            arguments: { name: "CHILD_TOKEN" },
          });
          assert.ok(!JSON.stringify(echoed).includes(SECRET), JSON.stringify(echoed));
          assert.equal(textOf(echoed), "[redacted]");
        });
      }

      await t.step(
        "one child process for every client, with a grandchild in its group",
        async () => {
          await using client = await connectAs("2026-07-28", gateway.mcpUrl, key);
          grandchild = Number(
            textOf(await client.callTool({ name: "local_spawn_grandchild", arguments: {} })),
          );
          const table = await processTable();
          const children = table.filter((p) => p.cmdline.includes(marker));
          assert.equal(children.length, 1, JSON.stringify(children));
          pgid = children[0]!.pgid;
          assert.equal(pgid, children[0]!.pid, "the child leads its own process group");
          assert.ok(table.some((p) => p.pid === grandchild && p.pgid === pgid));
          assert.ok(!children[0]!.cmdline.includes(SECRET), "the secret is never on argv");
        },
      );
    } finally {
      await gateway.stop();
    }

    await t.step("stopping the gateway leaves no process of the child's group", async () => {
      assert.ok(pgid > 0);
      const left = await waitGone(async () =>
        (await processTable())
          .filter((p) => p.pgid === pgid || p.pid === grandchild || p.cmdline.includes(marker))
          .map((p) => p.pid)
      );
      assert.deepEqual(left, []);
    });

    await t.step(
      "the log attributes the child's start and stderr, and never holds the secret",
      () => {
        const lines = gateway.stderrLines();
        assert.ok(!lines.some((line) => line.includes(SECRET)), "secret in the gateway log");
        const records = lines.flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
        assert.ok(records.some((r) => r.msg === "Upstream started" && r.upstream === "local"));
        assert.ok(
          records.some((r) =>
            r.msg === "Upstream stderr" && r.upstream === "local" &&
            String(r.line).startsWith("fixture ready")
          ),
        );
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
