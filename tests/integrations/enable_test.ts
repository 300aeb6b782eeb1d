/**
 * Disabled until configured, end to end: the real gateway subprocess over the shipped `tools/`
 * starts clean with no credentials (integrations out of `tools/list`, one info line per file,
 * `/readyz` naming them, `nexus check` passing with notes); `nexus credentials set` from another
 * process then enables Jira without a restart, and a real SDK client calls it.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { runNexus } from "../_support/cli.ts";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { JIRA_USER, startJira } from "../_support/vendors/jira.ts";

const INTEGRATIONS = ["confluence", "github", "jira", "salesforce", "servicenow", "slack"];

Deno.test("integrations stay disabled until their credential is set, then enable live", async () => {
  await using jira = startJira();
  await using tools = await createGatewayToolsDir();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-enable-" });
  const env = {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_MASTER_KEY: generateMasterKey(),
    NEXUS_TOOLS_DIR: tools.dir,
    NEXUS_TOOL_JIRA_ORIGIN: jira.origin,
  };
  try {
    const check = await runNexus(["check"], { env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const vendor of INTEGRATIONS) {
      assert.match(
        check.stderr,
        new RegExp(`note: .*/${vendor}\\.yaml:\\d+: \\d+ tools? disabled`),
      );
    }
    assert.match(
      check.stderr,
      /jira\.yaml:\d+: 6 tools disabled \(jira_get_issue, .*\): credential "jira" is not set: run: nexus credentials set jira --kind basic/,
    );

    await using gateway = await startGateway({ env });
    const lines = gateway.stderrLines().map((line) => JSON.parse(line));
    const disabledLines = lines.filter((line) =>
      String(line.msg).startsWith("Tools disabled until configured")
    );
    for (const vendor of INTEGRATIONS) {
      assert.ok(
        disabledLines.some((line) => line.file.endsWith(`/${vendor}.yaml`)),
        `a disabled line for ${vendor}`,
      );
    }
    const loud = lines.filter((line) => line.level === "error" || line.level === "warn");
    assert.deepEqual(loud.filter((line) => /tool|credential/i.test(String(line.msg))), []);

    const readyz = await (await fetch(`${gateway.url}/readyz`)).json();
    assert.equal(readyz.status, "ready");
    const jiraFile = Object.keys(readyz.disabled).find((file) => file.endsWith("/jira.yaml"));
    assert.match(readyz.disabled[jiraFile!], /credential "jira" is not set/);

    for (const era of ERAS) {
      await using client = await connect(era, gateway.mcpUrl);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes("demo_echo"), names.join(","));
      assert.deepEqual(names.filter((name) => /^(jira|github|slack|salesforce)_/.test(name)), []);
    }

    const set = await runNexus(
      [
        "credentials",
        "set",
        "jira",
        "--kind",
        "basic",
        "--username",
        JIRA_USER.email,
        "--base-url",
        jira.origin,
      ],
      { env, stdin: JIRA_USER.token },
    );
    assert.equal(set.code, 0, set.stderr);

    let names: string[] = [];
    const deadline = Date.now() + 15_000;
    // Why a bound, not a timing assertion: the gateway re-reads the vault every 2 s. Why a new
    // client each time: a 2026-07-28 client keeps a list for its ttlMs.
    while (!names.includes("jira_get_issue") && Date.now() < deadline) {
      await using probe = await connect("2025-11-25", gateway.mcpUrl);
      names = (await probe.listTools()).tools.map((tool) => tool.name);
      if (!names.includes("jira_get_issue")) await new Promise((done) => setTimeout(done, 100));
    }
    const enabled = names.includes("jira_get_issue");
    assert.ok(
      enabled,
      `jira tools listed after the credential was set: ${names.join(",")}\n${
        gateway.stderrLines().slice(-6).join("\n")
      }`,
    );
    assert.deepEqual(names.filter((name) => name.startsWith("jira_")).length, 6);
    assert.ok(!names.includes("github_get_repository"), "github stays disabled");

    await using client = await connect("2026-07-28", gateway.mcpUrl);
    const result = await client.callTool({ name: "jira_get_issue", arguments: { key: "PROJ-9" } });
    assert.equal(result.isError, undefined, JSON.stringify(result));
    assert.equal((result.structuredContent as { key: string }).key, "PROJ-9");
    assert.equal(jira.last().path, "/rest/api/3/issue/PROJ-9");
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
