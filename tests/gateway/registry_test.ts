import assert from "node:assert/strict";
import { registryEnv } from "../../lib/gateway/registry.ts";
import { loadConfig } from "../../lib/config/mod.ts";

function configWith(env: Record<string, string>) {
  return loadConfig((name) => new Map(Object.entries(env)).get(name));
}

Deno.test("registryEnv() lets tool files read prefixed and listed variables only", () => {
  const env = registryEnv(configWith({ NEXUS_TOOL_ENV: "JIRA_BASE_URL" }), 8080);
  assert.equal(env.envAllowed("NEXUS_TOOL_JIRA_URL"), true);
  assert.equal(env.envAllowed("JIRA_BASE_URL"), true);
  assert.equal(env.envAllowed("NEXUS_DEMO_URL"), true);
  assert.equal(env.envAllowed("NEXUS_MASTER_KEY"), false);
  assert.equal(env.envAllowed("HOME"), false);
});

Deno.test("registryEnv() follows a configured prefix and answers the demo URL itself", () => {
  const env = registryEnv(configWith({ NEXUS_TOOL_ENV_PREFIX: "ACME_TOOLS_" }), 9090);
  assert.equal(env.envAllowed("ACME_TOOLS_URL"), true);
  assert.equal(env.envAllowed("NEXUS_TOOL_URL"), false);
  assert.equal(env.getEnv("NEXUS_MASTER_KEY"), undefined);
  const demo = Deno.env.get("NEXUS_DEMO_URL") ?? "http://127.0.0.1:9090/demo";
  assert.equal(env.getEnv("NEXUS_DEMO_URL"), demo);
});

Deno.test("loadConfig() refuses a malformed tool env prefix naming its variable", () => {
  assert.throws(
    () => configWith({ NEXUS_TOOL_ENV_PREFIX: "lower" }),
    /NEXUS_TOOL_ENV_PREFIX/,
  );
});
