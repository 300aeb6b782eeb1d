/**
 * Session recovery behind the real gateway (a subprocess): a 2025-11-25 upstream with sessions
 * (`Mcp-Session-Id`) demanding a bearer token the real CLI stored in the vault. It forgets its
 * sessions (404); a read-only tool is recovered once, transparently, for clients of both eras; a
 * write is not retried (the upstream saw exactly one call) and the client gets a clear
 * UPSTREAM_UNAVAILABLE result saying so; the next write works. The upstream sees the vault's
 * bearer on every request; no client ever sees it. `nexus check` validates perClient and start.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { connectAs, createClientKey, runNexus } from "../_support/auth_fixtures.ts";
import { runNexus as runNexusWithStdin } from "../_support/cli.ts";
import { createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { startMcpSessionUpstream } from "../_support/mcp_session_upstream.ts";

const SECRET = "tok-session-bearer-51c2e";

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

Deno.test("a 2025 upstream with sessions behind the gateway: vault bearer, lost session recovered for reads only", async (t) => {
  await using upstream = startMcpSessionUpstream({ bearer: SECRET });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-session-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const stored = await runNexusWithStdin(["credentials", "set", "s-token", "--kind", "bearer"], {
      env,
      stdin: SECRET,
    });
    assert.equal(stored.code, 0, stored.stderr);
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "session.yaml": `upstreams:\n  - name: s\n    url: ${upstream.url}\n    auth: s-token\n`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const seen: unknown[] = [];

    for (const era of ERAS) {
      await t.step(
        `${era}: a read after the upstream forgot its session is recovered`,
        async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          const first = await client.callTool({ name: "s_read", arguments: { text: "one" } });
          assert.equal(textOf(first), "read: one");
          const sessions = upstream.sessionsIssued();
          const refused = upstream.refused();
          await upstream.forgetSessions();
          const second = await client.callTool({ name: "s_read", arguments: { text: "two" } });
          assert.equal(second.isError, undefined, JSON.stringify(second));
          assert.equal(textOf(second), "read: two");
          assert.ok(upstream.refused() > refused, "the stale session was refused");
          assert.equal(upstream.sessionsIssued(), sessions + 1, "one new session");
          seen.push(first, second);
        },
      );

      await t.step(
        `${era}: a write after the upstream forgot its session is not retried`,
        async () => {
          await using client = await connectAs(era, gateway.mcpUrl, key);
          await upstream.forgetSessions();
          const received = upstream.received("write");
          const executed = upstream.executed("write");
          const failed = await client.callTool({ name: "s_write", arguments: { text: "w" } });
          assert.equal(failed.isError, true);
          assert.equal(
            textOf(failed),
            'Upstream "s" lost its session (HTTP 404 for its Mcp-Session-Id) during the call of ' +
              '"write"; the call was not retried: the tool is not marked readOnlyHint',
          );
          assert.equal(upstream.received("write"), received + 1, "exactly one call reached it");
          assert.equal(upstream.executed("write"), executed);
          const next = await client.callTool({ name: "s_write", arguments: { text: "again" } });
          assert.equal(textOf(next), "wrote: again");
          assert.equal(upstream.executed("write"), executed + 1);
          seen.push(failed, next);
        },
      );
    }

    await t.step("the upstream saw the vault's bearer on every request; clients never did", () => {
      const authorizations = upstream.authorizations();
      assert.ok(authorizations.length > 0);
      assert.ok(authorizations.every((value) => value === `Bearer ${SECRET}`));
      assert.ok(!JSON.stringify(seen).includes(SECRET));
      assert.ok(!gateway.stderrLines().join("\n").includes(SECRET), "the secret reached the log");
    });

    await t.step("nexus upstreams list shows the 2025 session upstream, lazy", async () => {
      const run = await runNexus(["upstreams", "list", "--json"], {
        ...env,
        NEXUS_TOOLS_DIR: tools.dir,
      });
      assert.equal(run.code, 0, run.stderr);
      const [report] = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
      assert.equal((report!.state as { protocolVersion: string }).protocolVersion, "2025-11-25");
      assert.equal(report!.start, "lazy");
      assert.equal(report!.perClient, false);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("nexus check reports bad perClient and start settings without starting anything", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-session-check-" });
  try {
    await using tools = await createGatewayToolsDir({
      "bad.yaml": `upstreams:
  - name: web
    url: http://127.0.0.1:9/mcp
    perClient: true
  - name: local
    stdio: { command: server }
    start: eager
    perClient: { maxChildren: 0 }
`,
    });
    const run = await runNexus(["check"], { NEXUS_DATA_DIR: dataDir, NEXUS_TOOLS_DIR: tools.dir });
    assert.equal(run.code, 1, run.stdout);
    const file = tools.path("bad.yaml");
    const lines = run.stdout.trimEnd().split("\n");
    for (
      const expected of [
        `${file}:4: upstreams[0].perClient: perClient is for stdio upstreams only`,
        `${file}:7: upstreams[1].start: start must be one of lazy, boot`,
        `${file}:8: upstreams[1].perClient.maxChildren: perClient.maxChildren must be an integer ` +
        "from 1 to 1000",
      ]
    ) assert.ok(lines.includes(expected), `${expected}\n---\n${run.stdout}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
