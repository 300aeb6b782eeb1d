/**
 * `nexus check` run as a subprocess, the way CI and tool authors run it.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, gatewayArgs, gatewayEnv, REPO_ROOT } from "../_support/gateway.ts";

const BROKEN = `tools:
  - name: e2e_broken
    description: Its URL is not absolute and it has no base URL.
    http:
      url: not/absolute
`;

async function runCheck(toolsDir: string): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: gatewayArgs("check"),
    cwd: REPO_ROOT,
    clearEnv: true,
    env: gatewayEnv({ NEXUS_TOOLS_DIR: toolsDir, NEXUS_LOG_LEVEL: "warn" }),
    stdin: "null",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

Deno.test("nexus check exits 0 on the shipped tools directory as it is", async () => {
  const { code, stdout } = await runCheck(`${REPO_ROOT}/tools`);
  const counted = /^(\d+) tool\(s\) valid, 0 problem\(s\)\n$/.exec(stdout);
  assert.ok(counted, stdout);
  assert.ok(Number(counted[1]) >= 5, stdout);
  assert.equal(code, 0);
});

Deno.test("nexus check prints file:line: message for a broken file and exits 1", async () => {
  await using tools = await createGatewayToolsDir({ "broken.yaml": BROKEN });
  const { code, stdout } = await runCheck(tools.dir);
  assert.deepEqual(stdout.trimEnd().split("\n"), [
    `${tools.path("broken.yaml")}:5: tool "e2e_broken": url must be absolute`,
    "5 tool(s) valid, 1 problem(s)",
  ]);
  assert.equal(code, 1);
});
