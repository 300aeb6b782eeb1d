import assert from "node:assert/strict";
import { createMaterial, primarySecret } from "../../lib/credentials/material.ts";
import type { KindConfig } from "../../lib/credentials/kinds.ts";

function material(config: KindConfig, plain: Record<string, string>) {
  return createMaterial({ credentialId: "c1", name: "cred", version: 1, config }, plain);
}

Deno.test("primarySecret() is the bearer token, the bare API key value and the basic password", () => {
  const bearer = material({ kind: "bearer" }, { token: "tok-bearer-1" });
  assert.equal(primarySecret(bearer)?.reveal(), "tok-bearer-1");
  const apiKey = material(
    { kind: "api_key", in: "header", name: "x-api-key", prefix: "Key " },
    { value: "key-value-1" },
  );
  assert.equal(primarySecret(apiKey)?.reveal(), "key-value-1", "without the header prefix");
  const basic = material({ kind: "basic", username: "svc" }, { password: "pw-basic-1" });
  assert.equal(primarySecret(basic)?.reveal(), "pw-basic-1");
});

Deno.test("primarySecret() has no single value for headers and OAuth kinds", () => {
  const headers = material({ kind: "headers", names: ["a", "b"] }, { a: "va-1", b: "vb-1" });
  assert.equal(primarySecret(headers), undefined);
  const oauth = material({
    kind: "oauth2_client_credentials",
    tokenUrl: "https://idp.example.com/token",
    clientId: "id",
    scopes: [],
    authMethod: "client_secret_basic",
  }, { clientSecret: "cs-1" });
  assert.equal(primarySecret(oauth), undefined);
});
