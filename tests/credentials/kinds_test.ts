import assert from "node:assert/strict";
import { completeConfig, parseKindConfig, parseSecretInput } from "../../lib/credentials/kinds.ts";
import { GatewayError } from "../../lib/errors.ts";

function invalid(pattern: RegExp) {
  return (error: unknown) =>
    error instanceof GatewayError && error.code === "INVALID_INPUT" && pattern.test(error.message);
}

Deno.test("parseKindConfig() fills defaults and validates each kind", () => {
  assert.deepEqual(parseKindConfig("api_key", {}), {
    kind: "api_key",
    in: "header",
    name: "X-API-Key",
    prefix: "",
  });
  assert.deepEqual(parseKindConfig("api_key", { in: "query", name: "key" }), {
    kind: "api_key",
    in: "query",
    name: "key",
    prefix: "",
  });
  assert.deepEqual(
    parseKindConfig("oauth2_client_credentials", {
      tokenUrl: "https://idp.example/token",
      clientId: "gw",
      scopes: "read write",
      audience: "api",
    }),
    {
      kind: "oauth2_client_credentials",
      tokenUrl: "https://idp.example/token",
      clientId: "gw",
      scopes: ["read", "write"],
      audience: "api",
      authMethod: "client_secret_basic",
    },
  );
  assert.throws(() => parseKindConfig("basic", {}), invalid(/"username" is required/));
  assert.throws(() => parseKindConfig("nope", {}), invalid(/unknown kind "nope"/));
  assert.throws(
    () => parseKindConfig("oauth2_refresh_token", { tokenUrl: "ftp://x", authMethod: "jwt" }),
    invalid(/"tokenUrl" must be an http\(s\) URL.*"authMethod" must be/),
  );
  assert.throws(
    () => parseKindConfig("api_key", { name: "Bad Header" }),
    invalid(/not a header name/),
  );
});

Deno.test("parseSecretInput() reads each kind's secret and never echoes it", () => {
  assert.deepEqual(parseSecretInput("bearer", "tok-1\n"), { token: "tok-1" });
  assert.deepEqual(parseSecretInput("oauth2_refresh_token", "rt-1"), { refreshToken: "rt-1" });
  assert.deepEqual(
    parseSecretInput("oauth2_refresh_token", '{"refreshToken":"rt","clientSecret":"cs"}'),
    { refreshToken: "rt", clientSecret: "cs" },
  );
  const headers = parseSecretInput("headers", '{"X-Svc-Key":"k1","X-Svc-Tenant":"t"}');
  assert.deepEqual(headers, { "x-svc-key": "k1", "x-svc-tenant": "t" });
  assert.deepEqual(completeConfig({ kind: "headers", names: [] }, headers), {
    kind: "headers",
    names: ["x-svc-key", "x-svc-tenant"],
  });
  assert.throws(() => parseSecretInput("bearer", ""), invalid(/empty/));
  assert.throws(() => parseSecretInput("bearer", "a\r\nInjected: 1"), invalid(/CR, LF or NUL/));
  assert.throws(() => parseSecretInput("headers", "{nope-secret"), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.ok(!error.message.includes("nope-secret"));
    return true;
  });
});
