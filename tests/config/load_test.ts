import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/mod.ts";
import { GatewayError } from "../../lib/errors.ts";

function envOf(entries: Record<string, string>): (name: string) => string | undefined {
  const map = new Map(Object.entries(entries));
  return (name) => map.get(name);
}

Deno.test("loadConfig() applies defaults when neither env nor file says anything", () => {
  const config = loadConfig(envOf({}));
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8080);
  assert.equal(config.toolsDir, "./tools");
  assert.deepEqual(config.allowedOrigins, []);
  assert.equal(config.hotReload, true);
  assert.equal(config.masterKey, undefined);
});

Deno.test("loadConfig() lets env override the file and the file override defaults", () => {
  const file = "port: 9000\nhost: 0.0.0.0\ntoolsDir: ./custom\n";
  const config = loadConfig(envOf({ NEXUS_PORT: "9100" }), file);
  assert.equal(config.port, 9100);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.toolsDir, "./custom");
});

Deno.test("loadConfig() splits NEXUS_ALLOWED_ORIGINS on commas", () => {
  const config = loadConfig(
    envOf({ NEXUS_ALLOWED_ORIGINS: "https://a.example, https://b.example,," }),
  );
  assert.deepEqual(config.allowedOrigins, ["https://a.example", "https://b.example"]);
});

Deno.test("loadConfig() reads false and 0 as false for boolean keys", () => {
  assert.equal(loadConfig(envOf({ NEXUS_HOT_RELOAD: "false" })).hotReload, false);
  assert.equal(loadConfig(envOf({ NEXUS_DEMO_API: "0" })).demoApi, false);
});

Deno.test("loadConfig() lists every problem and names both sources", () => {
  const file = "port: 99999\nbogus: 1\n";
  let caught: unknown;
  try {
    loadConfig(envOf({ NEXUS_LOG_LEVEL: "loud" }), file);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof GatewayError);
  assert.equal(caught.code, "INVALID_CONFIG");
  assert.match(caught.message, /NEXUS_PORT \/ port/);
  assert.match(caught.message, /NEXUS_LOG_LEVEL \/ logLevel/);
  assert.match(caught.message, /unknown key\(s\) "bogus"/);
});

Deno.test("loadConfig() reads NEXUS_EGRESS_HTTP_CLIENT: lean by default, fetch when asked, nothing else", () => {
  assert.equal(loadConfig(envOf({})).egressHttpClient, "lean");
  assert.equal(loadConfig(envOf({ NEXUS_EGRESS_HTTP_CLIENT: "fetch" })).egressHttpClient, "fetch");
  assert.throws(
    () => loadConfig(envOf({ NEXUS_EGRESS_HTTP_CLIENT: "curl" })),
    (error: unknown) =>
      error instanceof GatewayError && error.code === "INVALID_CONFIG" &&
      /NEXUS_EGRESS_HTTP_CLIENT \/ egressHttpClient/.test(error.message),
  );
});

Deno.test("loadConfig() reports a YAML syntax error in the config file by name", () => {
  assert.throws(
    () => loadConfig(envOf({}), "port: [1,\n", "my.yaml"),
    (error: unknown) => error instanceof GatewayError && /my\.yaml/.test(error.message),
  );
});

Deno.test("loadConfig() wraps secrets so they print as [redacted]", () => {
  const config = loadConfig(envOf({
    NEXUS_MASTER_KEY: "c2VjcmV0LWtleS1tYXRlcmlhbA==",
    NEXUS_DATABASE_URL: "postgres://user:pw@localhost/db",
  }));
  const printed = JSON.stringify(config) + Deno.inspect(config);
  assert.ok(!printed.includes("c2VjcmV0"));
  assert.ok(!printed.includes("user:pw"));
  assert.equal(config.masterKey?.reveal(), "c2VjcmV0LWtleS1tYXRlcmlhbA==");
});

Deno.test("loadConfig() accepts a policy's perClient rate, and nothing else", () => {
  const ok = loadConfig(
    envOf({}),
    "policies:\n  - clients: [key:batch]\n    rateLimit: { perClient: 6000/min }\n",
  );
  assert.deepEqual(ok.policies[0]?.rateLimit, { perClient: "6000/min" });
  const file = `policies:
  - clients: [key:batch]
    rateLimit: { perClient: lots, global: 5/min, perPlanet: 1/sec }
`;
  let caught: unknown;
  try {
    loadConfig(envOf({}), file, "nexus.yaml");
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof GatewayError);
  assert.deepEqual(caught.data?.problems, [
    'nexus.yaml: policies.0.rateLimit.perClient: must be a rate such as "60/min" (sec, min, hour, day)',
    "nexus.yaml: policies.0.rateLimit.global: a policy may override perClient only: " +
    "global is shared by all clients (set it in rateLimits or a tool file)",
    "nexus.yaml: policies.0.rateLimit.perPlanet: unknown scope: a policy may override perClient",
  ]);
});

Deno.test("loadConfig() refuses perSession wherever it is written, naming the key and why", () => {
  const problemsOf = (file: string) => {
    try {
      loadConfig(envOf({}), file, "nexus.yaml");
    } catch (error) {
      assert.ok(error instanceof GatewayError);
      return error.data?.problems;
    }
    assert.fail("expected INVALID_CONFIG");
  };
  const why = "is no longer supported: HTTP serving is stateless; use perClient";
  assert.deepEqual(problemsOf("rateLimits: { perClient: 60/min, perSession: 10/min }\n"), [
    `nexus.yaml: rateLimits.perSession: ${why}`,
  ]);
  assert.deepEqual(
    problemsOf("policies:\n  - clients: [key:batch]\n    rateLimit: { perSession: 5/sec }\n"),
    [`nexus.yaml: policies.0.rateLimit.perSession: ${why}`],
  );
});

Deno.test("loadConfig() refuses policy and server clients without a kind, saying how to rewrite them", () => {
  const file = `policies:
  - clients: [alice, "key:bot", "jwt:svc"]
    tools: ["*"]
servers:
  ops:
    clients: ["*"]
`;
  let caught: unknown;
  try {
    loadConfig(envOf({}), file, "nexus.yaml");
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof GatewayError);
  assert.deepEqual(caught.data?.problems, [
    'nexus.yaml: policies.0.clients.0: "alice" names no client kind: write "key:alice" for an ' +
    'API key or "jwt:alice" for a JWT client',
    'nexus.yaml: servers.ops.clients.0: "*" names no client kind: write "key:*" for an API key ' +
    'or "jwt:*" for a JWT client',
  ]);
});

Deno.test("loadConfig() requires typ at+jwt by default; NEXUS_AUTH_REQUIRE_AT_JWT=false turns it off", () => {
  assert.equal(loadConfig(envOf({})).authRequireAtJwt, true);
  assert.equal(loadConfig(envOf({ NEXUS_AUTH_REQUIRE_AT_JWT: "false" })).authRequireAtJwt, false);
  assert.equal(loadConfig(envOf({}), "authRequireAtJwt: false\n").authRequireAtJwt, false);
});
