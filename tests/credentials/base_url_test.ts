/**
 * The non-secret URLs a credential carries for tool files whose base URL comes from it: the
 * `baseUrl` setting of any kind, and URL fields of an OAuth token response (`instance_url`).
 */

import assert from "node:assert/strict";
import { parseKindConfig } from "../../lib/credentials/kinds.ts";
import { createMaterial } from "../../lib/credentials/material.ts";
import { requestToken } from "../../lib/credentials/oauth.ts";
import { isGatewayError } from "../../lib/errors.ts";
import { Secret } from "../../lib/secret.ts";

Deno.test("every kind takes a baseUrl setting; a bad one is refused with the rule", () => {
  assert.deepEqual(
    parseKindConfig("basic", { username: "a@b.c", baseUrl: "https://acme.atlassian.net/" }),
    { kind: "basic", username: "a@b.c", baseUrl: "https://acme.atlassian.net" },
  );
  assert.deepEqual(parseKindConfig("bearer", {}), { kind: "bearer" });
  for (const baseUrl of ["ftp://x", "https://u:p@x.com", "https://x.com/?a=1", "nope"]) {
    assert.throws(
      () => parseKindConfig("bearer", { baseUrl }),
      (error) =>
        isGatewayError(error) && error.code === "INVALID_INPUT" &&
        error.message.includes('"baseUrl" must be an http(s) URL'),
    );
  }
});

Deno.test("a static credential's injection carries its baseUrl, never a secret, in fields", () => {
  const config = parseKindConfig("basic", { username: "bot", baseUrl: "https://sn.example" });
  const material = createMaterial(
    { credentialId: "c1", name: "servicenow", version: 1, config },
    { password: "pw-0001-secret" },
  );
  assert.deepEqual(material.staticAuth?.fields, { baseUrl: "https://sn.example" });
});

Deno.test("URL fields of a token response are kept; tokens and non-URLs are not", async () => {
  const body = {
    access_token: "https://looks-like-a-url.example/but-is-the-token",
    id_token: "https://also.example/id-token",
    instance_url: "https://acme.my.salesforce.com",
    id: "https://login.salesforce.com/id/00D/005",
    signature: "m0C4uYx0ZyIuF+Sa1pIbbRjzSXe",
    token_type: "Bearer",
    issued_at: "1733353200000",
  };
  const issued = await requestToken(
    {
      tokenUrl: "https://login.example/token",
      clientId: "app",
      scopes: [],
      authMethod: "client_secret_post",
    },
    { type: "client_credentials" },
    {
      clientSecret: new Secret("cs-0001"),
      fetch: () => Promise.resolve(Response.json(body)),
      now: () => 0,
      timeoutMs: 1000,
      redact: (text) => text,
    },
  );
  assert.deepEqual(issued.fields, {
    instance_url: "https://acme.my.salesforce.com",
    id: "https://login.salesforce.com/id/00D/005",
  });
});
